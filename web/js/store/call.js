// Calls (docs/calls.md, docs/protocol.md "Calls (rtc.*)"): the call state the hub pushes for
// every room (`rtc.state`), and the call this tab is in — the local microphone, camera and
// screen, one RTCPeerConnection per other participant (a mesh), and the signalling relayed by
// the hub (`rtc.signal`: offer / answer / ice). The newcomer sends the offers; each connection
// also follows "perfect negotiation" (the newcomer is the impolite side), so an ICE restart or
// any later renegotiation cannot deadlock. Every connection carries exactly one audio and one
// video transceiver from the start: turning the camera on and off, switching devices and
// sharing the screen only swap tracks (RTCRtpSender.replaceTrack) — no renegotiation.
//
// Tests only: localStorage "atrium.test.rtc" holds JSON flags, set by tests/browser/test_calls.py
// and never by the client itself:
//   {"expose": true}        → the store is window.__atriumCall (to read getStats from Selenium)
//   {"relay": true}         → iceTransportPolicy "relay": only TURN candidates are used
//   {"badCredential": true} → the TURN credential from the server is tampered with (must fail)
//   {"iceServers": [ICE…]}  → these ICE servers instead of the join reply's (e.g. a TURN
//                              credential the test computed itself, expired or fresh)
//   {"ignoreRemoved": true} → rtc.removed is ignored (test_calls_sfu.py: Janus must kick us)
//   {"ignoreKick": true}    → a Janus kick does not close our subscriptions (call-sfu.js)
import { Emitter } from "./emitter.js";
import { SfuSession } from "./call-sfu.js";  // Hook (Janus SFU): docs/calls.md "Large events: the SFU path"

export const TEST_FLAGS_KEY = "atrium.test.rtc";

export function testFlags() {
  try {
    const raw = globalThis.localStorage?.getItem(TEST_FLAGS_KEY);
    const flags = raw ? JSON.parse(raw) : null;
    return flags && typeof flags === "object" ? flags : {};
  } catch { return {}; }
}

/** The RTCConfiguration for the join reply's `ice_servers` (with the tests' flags applied). */
export function rtcConfiguration(iceServers, flags = {}) {
  const given = Array.isArray(flags.iceServers) ? flags.iceServers : iceServers;
  const servers = (Array.isArray(given) ? given : []).filter((s) => s && (typeof s.urls === "string" || Array.isArray(s.urls)))
    .map((s) => {
      const server = { urls: s.urls };
      if (typeof s.username === "string") server.username = s.username;
      if (typeof s.credential === "string") server.credential = flags.badCredential ? `x${s.credential.slice(1)}tampered` : s.credential;
      return server;
    });
  const config = { iceServers: servers, bundlePolicy: "max-bundle" };
  if (flags.relay) config.iceTransportPolicy = "relay";
  return config;
}

/** The i18n key (prefix `call.error.`) that explains a getUserMedia / getDisplayMedia failure. */
export function mediaErrorKey(err, what = "devices") {
  const name = err && typeof err === "object" ? err.name : "";
  if (what === "screen") {
    if (name === "NotAllowedError" || name === "AbortError") return "call.error.screenDenied";
    if (name === "NotSupportedError" || name === "TypeError" || name === "unsupported") return "call.error.screenUnsupported";
    return "call.error.screenFailed";
  }
  switch (name) {
    case "NotAllowedError": case "PermissionDeniedError": case "SecurityError": return "call.error.denied";
    case "NotFoundError": case "DevicesNotFoundError": return "call.error.notFound";
    case "NotReadableError": case "TrackStartError": case "AbortError": return "call.error.busy";
    case "OverconstrainedError": case "ConstraintNotSatisfiedError": return "call.error.overconstrained";
    case "unsupported": case "TypeError": return "call.error.unsupported";
    default: return "call.error.media";
  }
}

/** A person in the call as `rtc.state` describes them (tolerant of absent fields). */
export function normalizeParticipant(p) {
  return {
    conn: String(p?.conn ?? ""),
    user: p?.user ?? null,
    name: typeof p?.name === "string" ? p.name : "",
    mic: p?.mic === true,
    camera: p?.camera === true,
    presenting: p?.presenting === true,
    handAt: p?.hand_at ?? null,
    group: Number.isInteger(p?.group) ? p.group : null,
  };
}

/** The call of one room from `rtc.state` (`{"call":STATE}`) or a join reply's `call`:
 *  participants in the order they joined, the hand queue (user ids, in the order hands went
 *  up), the presenter, breakout groups (lists of user ids, or null) and the poll. */
export function normalizeState(msg) {
  const src = msg && typeof msg === "object" ? (msg.call && typeof msg.call === "object" ? msg.call : msg) : {};
  const participants = (Array.isArray(src.participants) ? src.participants : []).map(normalizeParticipant).filter((p) => p.conn);
  const hands = Array.isArray(src.hands) ? src.hands.filter((u) => u !== null && u !== undefined) : [];
  const groups = Array.isArray(src.groups) ? src.groups.map((g) => (Array.isArray(g) ? g : [])) : null;
  const p = src.poll && typeof src.poll === "object" ? src.poll : null;
  const poll = p ? {
    id: p.id ?? null,   // as the hub sent it (a number): requests echo it
    question: String(p.question ?? ""),
    options: Array.isArray(p.options) ? p.options.map(String) : [],
    counts: Array.isArray(p.counts) ? p.counts.map((n) => Number(n) || 0) : [],
    voters: Number(p.voters) || 0,
    closed: p.closed === true,
    by: p.by ?? null,
  } : null;
  return {
    active: src.active === true || participants.length > 0,
    rev: Number(src.rev) || 0,
    participants,
    hands,
    presenter: src.presenter ?? null,
    groups,
    poll,
  };
}

/** 1-based place of `user` in the hand queue, or 0. */
export function handPlace(state, user) {
  const i = state.hands.findIndex((u) => String(u) === String(user));
  return i < 0 ? 0 : i + 1;
}

/** Splits people (user ids) into `count` groups, round robin, for `rtc.breakout`. */
export function splitIntoGroups(users, count) {
  const n = Math.max(1, Math.min(20, Math.floor(count) || 1, users.length || 1));
  const groups = Array.from({ length: n }, () => []);
  users.forEach((u, i) => groups[i % n].push(u));
  return groups.filter((g) => g.length);
}

function remembered(key) {
  try { return globalThis.localStorage?.getItem(key) || ""; } catch { return ""; }
}

const SIGNAL_KINDS = new Set(["offer", "answer", "ice"]);

/** One other participant: the connection to them and what arrives from them. */
class Peer {
  constructor(store, conn, { polite }) {
    this.store = store;
    this.conn = conn;
    this.polite = polite;
    this.stream = new MediaStream();
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.pendingIce = [];
    this.chain = Promise.resolve();
    this.closed = false;
    const pc = new RTCPeerConnection(store.config);
    this.pc = pc;
    pc.ontrack = (e) => {
      for (const old of this.stream.getTracks()) if (old.kind === e.track.kind && old !== e.track) this.stream.removeTrack(old);
      if (!this.stream.getTracks().includes(e.track)) this.stream.addTrack(e.track);
      if (e.track.kind === "audio") store.playAudio(this);
      store.changed();
    };
    pc.onicecandidate = (e) => { if (e.candidate) this.signal("ice", e.candidate.toJSON()); };
    pc.onnegotiationneeded = async () => {
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        this.signal("offer", { type: pc.localDescription.type, sdp: pc.localDescription.sdp });
      } catch (err) { console.warn("call: offer failed", err); } finally { this.makingOffer = false; }
    };
    pc.onconnectionstatechange = () => {
      // The impolite side restarts ICE when a working link breaks (the polite side answers).
      if (pc.connectionState === "failed" && !this.polite && !this.closed) { try { pc.restartIce(); } catch { /* closed */ } }
      store.changed();
    };
    pc.oniceconnectionstatechange = () => store.changed();
  }

  /** The newcomer's side: one audio and one video transceiver, carrying what is on now. */
  start() {
    const local = this.store.local;
    this.pc.addTransceiver(local.audioTrack || "audio", { direction: "sendrecv" });
    this.pc.addTransceiver(this.store.outgoingVideo() || "video", { direction: "sendrecv" });
  }

  /** The answering side: the offer's transceivers, sending ours. */
  attachLocal() {
    for (const tr of this.pc.getTransceivers()) {
      const kind = tr.receiver.track?.kind;
      if (!kind || tr.stopped || tr.currentDirection === "stopped") continue;
      const track = kind === "audio" ? this.store.local.audioTrack : this.store.outgoingVideo();
      if (tr.sender.track !== track) tr.sender.replaceTrack(track || null).catch(() => {});
      if (tr.direction === "recvonly" || tr.direction === "inactive") tr.direction = "sendrecv";
    }
  }

  /** Puts `track` (or nothing) on the sender of `kind`. */
  replace(kind, track) {
    for (const tr of this.pc.getTransceivers()) {
      if (tr.receiver.track?.kind !== kind || tr.stopped) continue;
      if (tr.sender.track !== track) tr.sender.replaceTrack(track || null).catch((err) => console.warn("call: replaceTrack", err));
      return;
    }
  }

  signal(kind, data) { this.store.sendSignal(this.conn, kind, data); }

  receive(kind, data) {
    this.chain = this.chain.then(() => this.apply(kind, data)).catch((err) => console.warn("call: signal", kind, err));
  }

  async apply(kind, data) {
    if (this.closed || !data) return;
    const pc = this.pc;
    if (kind === "offer" || kind === "answer") {
      const description = { type: data.type || kind, sdp: data.sdp };
      const collision = description.type === "offer" && (this.makingOffer || pc.signalingState !== "stable");
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      await pc.setRemoteDescription(description);
      if (description.type === "offer") {
        this.attachLocal();
        await pc.setLocalDescription();
        this.signal("answer", { type: pc.localDescription.type, sdp: pc.localDescription.sdp });
      }
      const queued = this.pendingIce.splice(0);
      for (const c of queued) await pc.addIceCandidate(c).catch(() => {});
    } else if (kind === "ice") {
      if (!pc.remoteDescription) { this.pendingIce.push(data); return; }
      try { await pc.addIceCandidate(data); } catch (err) { if (!this.ignoreOffer) throw err; }
    }
  }

  close() {
    this.closed = true;
    try { this.pc.close(); } catch { /* already */ }
    if (this.audio) { this.audio.srcObject = null; this.audio = null; }
  }
}

export class CallStore extends Emitter {
  constructor(client) {
    super();
    this.client = client;
    this.states = new Map();        // room → normalizeState(...) from rtc.state
    this.room = null;               // the room of the call this tab is in (or joining)
    this.phase = "idle";            // idle | joining | in | rejoining
    this.self = null;               // our conn in the call
    this.group = null;              // our breakout group (1-based) or null
    this.peers = new Map();         // conn → Peer
    this.names = new Map();         // conn → {user, name} from `peers` lists
    this.config = rtcConfiguration([]);
    this.iceServers = [];
    this.iceTimer = null;
    this.local = emptyLocal();
    this.devices = { audio: remembered("atrium.call.mic"), video: remembered("atrium.call.camera") };
    this.votes = new Map();         // poll id → the option this person chose (votes are secret)
    this.flags = testFlags();
    if (this.flags.expose) globalThis.__atriumCall = this;
    // A dropped connection leaves the call on the hub (no grace period): take part again once
    // the room is joined on the new connection, with the same microphone and camera.
    client.subscribe((e) => {
      if (e.type !== "state") return;
      if (e.state !== "connected" && this.phase === "in") this.suspend();
      else if (e.state === "connected" && this.phase === "rejoining") this.rejoin();
    });
  }

  changed() { this.emit({ type: "change", room: this.room }); }

  state(room) { return this.states.get(room) || normalizeState({}); }

  inCall(room = null) { return this.phase !== "idle" && (room === null || this.room === room); }

  /** The participant entry of this tab in the room's call state, if listed. */
  me() { return this.room ? this.state(this.room).participants.find((p) => p.conn === this.self) || null : null; }

  // ---- local media ----

  /** Opens the microphone and/or camera; → the stream. Throws with a `key` (call.error.*). */
  async openMedia({ audio = true, video = true } = {}) {
    if (!navigator.mediaDevices?.getUserMedia) throw Object.assign(new Error("unsupported"), { key: mediaErrorKey({ name: "unsupported" }) });
    const constraints = {
      audio: audio ? (this.devices.audio ? { deviceId: { exact: this.devices.audio } } : true) : false,
      video: video ? { ...(this.devices.video ? { deviceId: { exact: this.devices.video } } : {}), width: { ideal: 640 }, height: { ideal: 360 } } : false,
    };
    try {
      return await navigator.mediaDevices.getUserMedia(constraints);
    } catch (err) {
      // A remembered device that is gone: forget it and take the default one.
      if (err?.name === "OverconstrainedError" && (this.devices.audio || this.devices.video)) {
        if (audio) this.devices.audio = "";
        if (video) this.devices.video = "";
        return this.openMedia({ audio, video });
      }
      throw Object.assign(err instanceof Error ? err : new Error(String(err)), { key: mediaErrorKey(err) });
    }
  }

  /** Uses `stream`'s tracks as the microphone and/or camera (old ones are stopped). */
  setLocalTracks(stream, { audio = true, video = true } = {}) {
    if (audio) {
      const track = stream?.getAudioTracks()[0] || null;
      if (this.local.audioTrack && this.local.audioTrack !== track) this.local.audioTrack.stop();
      this.local.audioTrack = track;
      this.local.micOn = !!track && track.enabled;
      for (const p of this.peers.values()) p.replace("audio", track);
      this.sfu?.replace("audio", track);  // Hook (Janus SFU)
    }
    if (video) {
      const track = stream?.getVideoTracks()[0] || null;
      if (this.local.cameraTrack && this.local.cameraTrack !== track) this.local.cameraTrack.stop();
      this.local.cameraTrack = track;
      this.local.cameraOn = !!track;
      if (!this.local.presenting) for (const p of this.peers.values()) p.replace("video", track);
      if (!this.local.presenting) this.sfu?.replace("video", track);  // Hook (Janus SFU)
    }
    this.rebuildPreview();
    this.changed();
  }

  rebuildPreview() {
    const track = this.local.presenting ? this.local.screenTrack : this.local.cameraTrack;
    if (this.local.stream?.getVideoTracks()[0] === track && track) return;
    this.local.stream = track ? new MediaStream([track]) : null;
  }

  /** What goes out on the video sender: the screen while presenting, else the camera. */
  outgoingVideo() { return (this.local.presenting && this.local.screenTrack) || this.local.cameraTrack || null; }

  async listDevices() {
    if (!navigator.mediaDevices?.enumerateDevices) return { audio: [], video: [] };
    const all = await navigator.mediaDevices.enumerateDevices();
    return { audio: all.filter((d) => d.kind === "audioinput"), video: all.filter((d) => d.kind === "videoinput") };
  }

  /** Another microphone or camera: remembered, and swapped in at once when it is on. */
  async chooseDevice(kind, deviceId) {
    this.devices[kind] = deviceId || "";
    try { localStorage.setItem(kind === "audio" ? "atrium.call.mic" : "atrium.call.camera", deviceId || ""); } catch { /* private mode */ }
    const on = kind === "audio" ? !!this.local.audioTrack : !!this.local.cameraTrack;
    if (!on) return;
    const stream = await this.openMedia({ audio: kind === "audio", video: kind === "video" });
    if (kind === "audio") {
      const wasOn = this.local.micOn;
      this.setLocalTracks(stream, { audio: true, video: false });
      this.local.audioTrack.enabled = wasOn;
      this.local.micOn = wasOn;
      this.changed();
    } else this.setLocalTracks(stream, { audio: false, video: true });
    this.report();
  }

  async setMic(on) {
    if (on && !this.local.audioTrack) this.setLocalTracks(await this.openMedia({ audio: true, video: false }), { audio: true, video: false });
    if (this.local.audioTrack) this.local.audioTrack.enabled = on;
    this.local.micOn = on && !!this.local.audioTrack;
    this.changed();
    this.report();
  }

  async setCamera(on) {
    // Off stops the camera (its light goes out); on opens it again.
    if (on && !this.local.cameraTrack) this.setLocalTracks(await this.openMedia({ audio: false, video: true }), { audio: false, video: true });
    else if (!on && this.local.cameraTrack) this.setLocalTracks(null, { audio: false, video: true });
    this.report();
  }

  async startScreen() {
    if (!navigator.mediaDevices?.getDisplayMedia) throw Object.assign(new Error("unsupported"), { key: mediaErrorKey({ name: "unsupported" }, "screen") });
    // Asked first: a refusal (someone else presents) must not open the screen picker.
    await this.send({ type: "rtc.present", room: this.room, on: true });
    let stream;
    try { stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false }); } catch (err) {
      this.send({ type: "rtc.present", room: this.room, on: false }).catch(() => {});
      throw Object.assign(err instanceof Error ? err : new Error(String(err)), { key: mediaErrorKey(err, "screen") });
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return;
    if (this.local.screenTrack) this.local.screenTrack.stop();
    this.local.screenTrack = track;
    this.local.presenting = true;
    // The browser's own "Stop sharing" button.
    track.addEventListener("ended", () => { if (this.local.screenTrack === track) this.stopScreen(); });
    for (const p of this.peers.values()) p.replace("video", track);
    this.rebuildPreview();
    this.changed();
  }

  stopScreen({ tell = true } = {}) {
    const track = this.local.screenTrack;
    const was = this.local.presenting;
    this.local.screenTrack = null;
    this.local.presenting = false;
    if (track) track.stop();
    for (const p of this.peers.values()) p.replace("video", this.local.cameraTrack);
    this.rebuildPreview();
    this.changed();
    if (was && tell && this.phase === "in") this.send({ type: "rtc.present", room: this.room, on: false }).catch(() => {});
  }

  stopLocal() {
    for (const key of ["audioTrack", "cameraTrack", "screenTrack"]) this.local[key]?.stop();
    this.local = emptyLocal();
  }

  // ---- the call ----

  send(message) { return this.client.conn.request(message); }

  /** Joins the room's call with the microphone and camera opened before (or none: listen only). */
  async join(room) {
    if (this.phase !== "idle" && this.room !== room) await this.leave();
    if (this.phase === "in" || this.phase === "joining") return;
    this.room = room;
    this.phase = "joining";
    this.changed();
    let ok;
    try {
      ok = await this.send({ type: "rtc.join", room, mic: this.local.micOn, camera: this.local.cameraOn || this.local.presenting });
    } catch (err) {
      this.phase = "idle";
      this.room = null;
      this.changed();
      throw err;
    }
    if (this.room !== room) return;   // left while the join was on its way
    this.flags = testFlags();
    if (this.flags.expose) globalThis.__atriumCall = this;
    this.setIceServers(ok.ice_servers, ok.ice_ttl_s);
    this.self = ok.conn != null ? String(ok.conn) : null;
    this.phase = "in";
    if (ok.call) this.applyState(room, { call: ok.call });
    this.applyPeers(ok.peers, ok.offer_to);
    if (ok.sfu && !ok.sfu.pending) this.startSfu(ok.sfu);  // Hook (Janus SFU); pending: an rtc.sfu push follows
    this.changed();
  }

  /** Hook (Janus SFU): the call moved to Janus — hang up the mesh peers and join the SFU room. */
  startSfu(info) {
    if (this.phase !== "in" || !info || info.kind !== "janus") return;
    this.sfu?.close();
    for (const conn of [...this.peers.keys()]) this.dropPeer(conn);
    if (info.ice_servers) this.setIceServers(info.ice_servers, info.ice_ttl_s);
    const sfu = new SfuSession(this, info);
    this.sfu = sfu;
    sfu.start().catch((err) => { console.warn("sfu: start failed", err); if (this.sfu === sfu) this.notice(this.room, "call.notice.sfuLost"); });
    this.changed();
  }

  setIceServers(list, ttl) {
    this.iceServers = Array.isArray(list) ? list : [];
    this.config = rtcConfiguration(this.iceServers, this.flags);
    for (const p of this.peers.values()) { try { p.pc.setConfiguration(this.config); } catch { /* some fields may not change */ } }
    // Fresh TURN credentials before these expire (a long lesson).
    clearTimeout(this.iceTimer);
    const seconds = Number(ttl) || 0;
    if (seconds > 60 && this.iceServers.length) {
      this.iceTimer = setTimeout(async () => {
        if (this.phase !== "in") return;
        try { const fresh = await this.send({ type: "rtc.ice", room: this.room }); this.setIceServers(fresh.ice_servers, fresh.ice_ttl_s); } catch { /* next time */ }
      }, Math.min(seconds * 800, 2 ** 31 - 1));
    }
  }

  /** `peers` is everyone this connection may talk to now (others are hung up on); an offer
   *  goes to each of `offer_to` (join replies and `rtc.peers`). */
  applyPeers(peers, offerTo) {
    if (!Array.isArray(peers)) return;
    const reachable = new Set();
    for (const p of peers) {
      const conn = String(typeof p === "object" && p ? p.conn : p);
      if (!conn || conn === this.self) continue;
      reachable.add(conn);
      if (typeof p === "object" && p) this.names.set(conn, { user: p.user ?? null, name: p.name || "" });
    }
    for (const conn of [...this.peers.keys()]) if (!reachable.has(conn)) this.dropPeer(conn);
    for (const c of Array.isArray(offerTo) ? offerTo : []) {
      const conn = String(c);
      if (reachable.has(conn) && !this.peers.has(conn)) this.connect(conn, { initiator: true });
    }
    this.changed();
  }

  connect(conn, { initiator }) {
    if (this.peers.has(conn)) return this.peers.get(conn);
    const peer = new Peer(this, conn, { polite: !initiator });
    this.peers.set(conn, peer);
    if (initiator) peer.start();
    this.changed();
    return peer;
  }

  dropPeer(conn) {
    const peer = this.peers.get(conn);
    if (!peer) return;
    peer.close();
    this.peers.delete(conn);
    this.changed();
  }

  /** Remote sound plays through detached <audio> elements owned here, so it keeps playing
   *  while the person looks at the room's chat or board; the view's videos stay muted. */
  playAudio(peer) {
    if (!peer.audio) {
      peer.audio = new Audio();
      peer.audio.autoplay = true;
    }
    if (peer.audio.srcObject !== peer.stream) peer.audio.srcObject = peer.stream;
    peer.audio.play?.().catch(() => { /* autoplay refused: the view offers to start the sound */ });
  }

  /** Hangs up: every peer connection, the local devices, and (unless told not to) the hub. */
  async leave({ notify = true } = {}) {
    const room = this.room;
    const wasIn = this.phase !== "idle";
    this.sfu?.close(); this.sfu = null;  // Hook (Janus SFU)
    for (const conn of [...this.peers.keys()]) this.dropPeer(conn);
    this.stopLocal();
    clearTimeout(this.iceTimer);
    this.phase = "idle";
    this.room = null;
    this.self = null;
    this.group = null;
    this.changed();
    if (wasIn && notify && room && this.client.connected) await this.send({ type: "rtc.leave", room }).catch(() => {});
  }

  suspend() {
    this.sfu?.close(); this.sfu = null;  // Hook (Janus SFU)
    for (const conn of [...this.peers.keys()]) this.dropPeer(conn);
    this.phase = "rejoining";
    this.self = null;
    this.changed();
  }

  async rejoin() {
    const room = this.room;
    const deadline = Date.now() + 20000;
    while (this.phase === "rejoining" && this.room === room && Date.now() < deadline) {
      if (this.client.connected && this.client.ready.has(room)) {
        this.phase = "idle";
        try { await this.join(room); } catch (err) {
          this.notice(room, "call.notice.rejoinFailed");
          await this.leave({ notify: false });
        }
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** What the others see about us: microphone and camera on or off. */
  report() {
    if (this.phase !== "in") return;
    this.send({ type: "rtc.media", room: this.room, mic: this.local.micOn, camera: this.local.cameraOn }).catch(() => {});
  }

  sendSignal(to, kind, data) {
    if (this.phase !== "in" || !SIGNAL_KINDS.has(kind)) return;
    // With a ref, so that a refusal (the peer just left) is answered to us, not shown as a toast.
    this.send({ type: "rtc.signal", room: this.room, to, kind, data }).catch((err) => {
      if (err?.code !== "not_found" && err?.code !== "offline") console.warn("call: signal refused", err?.code);
    });
  }

  raiseHand(raised) { return this.send({ type: "rtc.hand", room: this.room, raised }); }

  // ---- moderators (`mute`) and polls (`create_polls`; everyone in the call votes) ----

  askToMute(room, user) { return this.send({ type: "rtc.mute", room, user }); }
  lowerHand(room, user) { return this.send({ type: "rtc.lower_hand", room, user }); }
  remove(room, user) { return this.send({ type: "rtc.remove", room, user }); }
  endForAll(room) { return this.send({ type: "rtc.end", room }); }
  breakout(room, groups) { return this.send({ type: "rtc.breakout", room, groups }); }
  openPoll(room, question, options) { return this.send({ type: "rtc.poll", room, question, options }); }
  closePoll(room, poll) { return this.send({ type: "rtc.poll_close", room, poll }); }
  async vote(room, poll, option) {
    await this.send({ type: "rtc.vote", room, poll, option });
    this.votes.set(poll, option);
    this.changed();
  }

  // ---- frames from the hub ----

  applyState(room, msg) {
    const state = normalizeState(msg);
    const prev = this.states.get(room);
    if (prev && state.rev && prev.rev > state.rev) return;   // an older state than the one shown
    this.states.set(room, state);
    if (this.room === room && this.phase === "in") {
      const present = new Set(state.participants.map((p) => p.conn));
      for (const conn of [...this.peers.keys()]) if (!present.has(conn)) this.dropPeer(conn);
      const me = state.participants.find((p) => p.conn === this.self);
      this.group = me ? me.group : this.group;
      // A teacher took over the screen: stop sharing ours.
      if (this.local.presenting && state.presenter !== null && String(state.presenter) !== String(this.client.user.id)) {
        this.stopScreen({ tell: false });
        this.notice(room, "call.notice.presenterTookOver", { name: state.participants.find((p) => String(p.user) === String(state.presenter))?.name || "" });
      }
    }
    this.emit({ type: "state", room });
    this.changed();
  }

  notice(room, key, params = {}) { this.emit({ type: "notice", room, key, params }); }

  nameOf(room, user) {
    return this.state(room).participants.find((p) => String(p.user) === String(user))?.name || "";
  }

  /** Every `rtc.*` frame without a ref (client.js routes them here). */
  handle(msg) {
    const room = typeof msg.room === "string" ? msg.room : null;
    if (!room) return;
    switch (msg.type) {
      case "rtc.state":
        this.applyState(room, msg);
        break;
      case "rtc.signal": {
        if (this.phase !== "in" || room !== this.room || !SIGNAL_KINDS.has(msg.kind)) break;
        const from = String(msg.from ?? "");
        if (!from || from === this.self) break;
        // An offer from a connection not yet known: a newcomer calling us (we answer: polite).
        let peer = this.peers.get(from);
        if (!peer) { if (msg.kind !== "offer") break; peer = this.connect(from, { initiator: false }); }
        peer.receive(msg.kind, msg.data);
        break;
      }
      case "rtc.peers":
        if (room === this.room && this.phase === "in") {
          this.group = Number.isInteger(msg.group) ? msg.group : null;
          this.applyPeers(msg.peers, msg.offer_to);
          this.notice(room, this.group ? "call.notice.movedToGroup" : "call.notice.calledBack", { group: this.group ?? "" });
        }
        break;
      case "rtc.left":
        if (room === this.room && msg.conn != null) this.dropPeer(String(msg.conn));
        break;
      case "rtc.mute_request":
        if (room === this.room && this.phase === "in") {
          // A request the client honours: the microphone goes off, the person may switch it on again.
          this.setMic(false).catch(() => {});
          this.notice(room, "call.notice.askedToMute", { name: msg.by_name || "" });
        }
        break;
      case "rtc.sfu":  // Hook (Janus SFU): our seat in the call's Janus room is ready
        if (room === this.room) this.startSfu(msg.sfu);
        break;
      case "rtc.removed":
        if (room === this.room && !this.flags.ignoreRemoved) {  // ignoreRemoved: tests only (test_calls_sfu.py)
          const code = ["removed", "moved", "access_lost"].includes(msg.reason_code) ? msg.reason_code : "removed";
          this.leave({ notify: false });
          this.notice(room, `call.notice.${code}`);
        }
        break;
      case "rtc.ended":
        if (room === this.room) {
          const name = this.nameOf(room, msg.by);
          this.leave({ notify: false });
          this.notice(room, name ? "call.notice.endedBy" : "call.notice.ended", { name });
        }
        break;
      default: break;
    }
  }

  /** The room's views closed it (or it was lost): the hub took us out of its call already. */
  roomClosed(room) { if (this.room === room && this.phase !== "idle") this.leave(); }
}

function emptyLocal() {
  return { stream: null, audioTrack: null, cameraTrack: null, screenTrack: null, micOn: false, cameraOn: false, presenting: false };
}
