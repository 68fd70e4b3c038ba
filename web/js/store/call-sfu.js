// The SFU path of calls (docs/calls.md "Large events: the SFU path"): when the hub moved the
// call to Janus, the join reply or an `rtc.sfu` push carries {kind:"janus", url, janus_room,
// token, id, ice_servers}. This tab then talks to Janus directly over its WebSocket API
// (subprotocol "janus-protocol"): one session, one VideoRoom handle publishing our microphone
// and camera (joined with the hub's token and publisher id, display = our conn), and one
// subscriber handle per other publisher. Each remote feed appears in the store's `peers` map
// under the publisher's conn, with the same {conn, stream, pc} shape as a mesh peer, so the
// video grid, the audio elements and the tests' getStats work unchanged. Atrium's permissions
// stay authoritative: the hub revokes the token and kicks us from Janus when we leave the call.

let txCounter = 0;

/** A remote feed, shaped like a mesh Peer for the view (conn, stream, pc, close, replace). */
class SfuFeed {
  constructor(sfu, feed, conn) {
    this.sfu = sfu;
    this.feed = feed;
    this.conn = conn;
    this.stream = new MediaStream();
    this.handle = null;
    this.closed = false;
    this.pc = new RTCPeerConnection(sfu.store.config);
    this.pc.ontrack = (e) => {
      for (const old of this.stream.getTracks()) if (old.kind === e.track.kind && old !== e.track) this.stream.removeTrack(old);
      if (!this.stream.getTracks().includes(e.track)) this.stream.addTrack(e.track);
      if (e.track.kind === "audio") sfu.store.playAudio(this);
      sfu.store.changed();
    };
    this.pc.onicecandidate = (e) => sfu.trickle(this.handle, e.candidate);
    this.pc.onconnectionstatechange = () => sfu.store.changed();
  }

  replace() { /* receive only */ }

  close() {
    if (this.closed) return;
    this.closed = true;
    try { this.pc.close(); } catch { /* already */ }
    if (this.audio) { this.audio.srcObject = null; this.audio = null; }
    if (this.handle) { this.sfu.sendRaw({ janus: "detach", handle_id: this.handle }); this.sfu.handles.delete(this.handle); }
    this.sfu.feeds.delete(this.feed);
  }
}

export class SfuSession {
  constructor(store, info) {
    this.store = store;
    this.info = info;
    this.ws = null;
    this.session = null;
    this.publisher = null;      // our publishing handle
    this.pc = null;             // our publishing connection
    this.privateId = null;
    this.feeds = new Map();     // Janus feed id → SfuFeed
    this.handles = new Map();   // handle id → (msg) => void for its asynchronous events
    this.waiting = new Map();   // transaction → {resolve, reject, async}
    this.closed = false;
    this.kicked = false;
    this.events = [];           // the last Janus events (kinds only), for diagnostics
    this.endedByJanus = null;   // "hangup" | "detached" when Janus ended our publisher
  }

  // ---- the Janus WebSocket API ----

  sendRaw(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    if (this.session && msg.session_id == null && msg.janus !== "create") msg.session_id = this.session;
    msg.transaction = msg.transaction || `a${++txCounter}`;
    this.ws.send(JSON.stringify(msg));
  }

  /** A request; resolves with the reply (for plugin messages with `async`: the event after the ack). */
  request(msg, { async = false } = {}) {
    return new Promise((resolve, reject) => {
      const transaction = `t${++txCounter}`;
      this.waiting.set(transaction, { resolve, reject, async });
      this.sendRaw({ ...msg, transaction });
      setTimeout(() => { if (this.waiting.delete(transaction)) reject(new Error(`janus: no answer to ${msg.janus}`)); }, 15000);
    });
  }

  message(handle, body, jsep) {
    return this.request({ janus: "message", handle_id: handle, body, ...(jsep ? { jsep } : {}) }, { async: true });
  }

  trickle(handle, candidate) {
    if (!handle) return;
    this.sendRaw({ janus: "trickle", handle_id: handle, candidate: candidate ? candidate.toJSON() : { completed: true } });
  }

  onMessage(msg) {
    if (msg.janus !== "ack" && msg.janus !== "success") { this.events.push(msg.janus + (msg.plugindata?.data?.reason ? `:${msg.plugindata.data.reason}` : "")); if (this.events.length > 20) this.events.shift(); }
    const w = msg.transaction ? this.waiting.get(msg.transaction) : null;
    if (w) {
      if (msg.janus === "ack" && w.async) return;
      this.waiting.delete(msg.transaction);
      if (msg.janus === "error") { w.reject(new Error(`janus: ${msg.error?.reason || "error"}`)); return; }
      const data = msg.plugindata?.data;
      if (data?.error) { w.reject(Object.assign(new Error(`janus: ${data.error}`), { code: data.error_code })); return; }
      w.resolve(msg);
      return;
    }
    const handler = msg.sender != null ? this.handles.get(msg.sender) : null;
    if (handler) handler(msg);
  }

  // ---- the call ----

  async start() {
    const { url, janus_room: room, token, id } = this.info;
    this.ws = new WebSocket(url, "janus-protocol");
    this.ws.onmessage = (e) => { try { this.onMessage(JSON.parse(e.data)); } catch (err) { console.warn("sfu: bad message", err); } };
    this.ws.onclose = () => { if (!this.closed) { this.store.notice(this.store.room, "call.notice.sfuLost"); this.close(); } };
    await new Promise((resolve, reject) => { this.ws.onopen = resolve; this.ws.onerror = () => reject(new Error("janus: cannot connect")); });
    this.session = (await this.request({ janus: "create" })).data.id;
    this.keepalive = setInterval(() => this.sendRaw({ janus: "keepalive" }), 25000);
    this.publisher = (await this.request({ janus: "attach", plugin: "janus.plugin.videoroom" })).data.id;
    this.handles.set(this.publisher, (msg) => this.onPublisherEvent(msg));
    const joined = (await this.message(this.publisher, { request: "join", ptype: "publisher", room, id, token, display: this.store.self || "" })).plugindata.data;
    this.privateId = joined.private_id;
    await this.publish();
    this.addPublishers(joined.publishers);
  }

  async publish() {
    const local = this.store.local;
    const pc = new RTCPeerConnection(this.store.config);
    this.pc = pc;
    pc.onicecandidate = (e) => this.trickle(this.publisher, e.candidate);
    pc.onconnectionstatechange = () => this.store.changed();
    pc.addTransceiver(local.audioTrack || "audio", { direction: "sendonly" });
    pc.addTransceiver(this.store.outgoingVideo() || "video", { direction: "sendonly" });
    await pc.setLocalDescription(await pc.createOffer());
    const reply = await this.message(this.publisher, { request: "publish", audio: true, video: true },
      { type: pc.localDescription.type, sdp: pc.localDescription.sdp });
    if (reply.jsep) await pc.setRemoteDescription(reply.jsep);
  }

  /** Our microphone or camera changed: the publishing connection sends the new track. */
  replace(kind, track) {
    if (!this.pc) return;
    for (const tr of this.pc.getTransceivers()) {
      if ((tr.sender.track?.kind || tr.receiver.track?.kind) !== kind || tr.stopped) continue;
      tr.sender.replaceTrack(track || null).catch(() => {});
      return;
    }
  }

  onPublisherEvent(msg) {
    const data = msg.plugindata?.data || {};
    // Janus ended our publisher (the hub had our session destroyed through the Admin API, or a kick).
    if (msg.janus === "hangup" || msg.janus === "detached") {
      this.endedByJanus = msg.janus;
      if (!this.store.flags.ignoreKick) this.close();
      this.store.changed();
      return;
    }
    if (msg.jsep && this.pc && msg.jsep.type === "answer") this.pc.setRemoteDescription(msg.jsep).catch(() => {});
    if (Array.isArray(data.publishers)) this.addPublishers(data.publishers);
    const gone = data.unpublished ?? data.leaving;
    if (gone === "ok") {
      // We were kicked (the hub took us out of the call) or our own unpublish: stop everything.
      this.kicked = data.reason === "kicked";
      // ignoreKick (tests only, test_calls_sfu.py): keep the subscriptions open, to show Janus cuts them itself.
      if (!(this.kicked && this.store.flags.ignoreKick)) this.close();
      this.store.changed();
      return;
    }
    if (gone != null) this.dropFeed(gone);
  }

  addPublishers(list) {
    for (const p of Array.isArray(list) ? list : []) {
      if (p.id === this.info.id || this.feeds.has(p.id)) continue;
      this.subscribe(p).catch((err) => console.warn("sfu: subscribe", err));
    }
  }

  async subscribe(p) {
    const conn = String(p.display || `janus-${p.id}`);
    const feed = new SfuFeed(this, p.id, conn);
    this.feeds.set(p.id, feed);
    this.store.peers.get(conn)?.close();
    this.store.peers.set(conn, feed);
    feed.handle = (await this.request({ janus: "attach", plugin: "janus.plugin.videoroom" })).data.id;
    this.handles.set(feed.handle, (msg) => { const d = msg.plugindata?.data || {}; if (d.left === "ok" || d.videoroom === "destroyed") this.dropFeed(p.id); });
    const reply = await this.message(feed.handle, { request: "join", ptype: "subscriber", room: this.info.janus_room,
      streams: [{ feed: p.id }], private_id: this.privateId, token: this.info.token });
    if (feed.closed || !reply.jsep) return;
    await feed.pc.setRemoteDescription(reply.jsep);
    await feed.pc.setLocalDescription(await feed.pc.createAnswer());
    await this.message(feed.handle, { request: "start" }, { type: feed.pc.localDescription.type, sdp: feed.pc.localDescription.sdp });
    this.store.changed();
  }

  dropFeed(id) {
    const feed = this.feeds.get(id);
    if (!feed) return;
    if (this.store.peers.get(feed.conn) === feed) this.store.peers.delete(feed.conn);
    feed.close();
    this.store.changed();
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    for (const id of [...this.feeds.keys()]) this.dropFeed(id);
    try { this.pc?.close(); } catch { /* already */ }
    for (const w of this.waiting.values()) w.reject(new Error("janus: closed"));
    this.waiting.clear();
    if (this.session) this.sendRaw({ janus: "destroy" });
    try { this.ws?.close(); } catch { /* already */ }
  }
}
