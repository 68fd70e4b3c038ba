// The signed-in session: ties the connection to the stores. Joins rooms (resuming each from its
// last seen seq after a reconnect), applies pushed events, sends chat through the persistent
// outbox, pages history, and moves read markers.
import { Connection, RequestError } from "./net/connection.js";
import { Emitter } from "./store/emitter.js";
import { RoomsStore } from "./store/rooms.js";
import { Timeline } from "./store/timeline.js";
import { PresenceStore } from "./store/presence.js";
import { TypingStore } from "./store/typing.js";
import { Outbox } from "./store/outbox.js";
import { AccessStore } from "./store/access.js";
import { DocsStore } from "./store/docs.js";
import { BoardSync } from "./store/board-sync.js";
import { CallStore } from "./store/call.js";

const PAGE = 50;
const TYPING_EVERY_MS = 3000;

export class Client extends Emitter {
  constructor(user) {
    super();
    this.user = user;                     // {id, login, name, role}
    this.conn = new Connection();
    this.rooms = new RoomsStore();
    this.presence = new PresenceStore();
    this.typing = new TypingStore();
    this.outbox = new Outbox();
    this.access = new AccessStore();
    this.timelines = new Map();
    this.joined = new Set();              // rooms the views want joined
    this.ready = new Set();               // rooms joined on the current socket
    this.flushing = new Map();            // room → promise of the running flush
    this.loadingEarlier = new Set();
    this.lastTyping = new Map();
    this.knocks = new Map();              // room → the waiting queue (people with admit_knocks)
    this.lobby = new Map();               // room → lobby talk [{user, from, name, text, at}]
    this.reports = new Map();             // room → open reports (moderators)
    this.docs = new DocsStore(this);      // co-editing: shared documents (web/js/store/docs.js)
    this.boardSync = new BoardSync(this); // board changes made offline, sent in the background
    this.call = new CallStore(this);      // calls: rtc.* signalling and peer connections (web/js/store/call.js)
    this.conn.addEventListener("message", (e) => this.handle(e.detail));
    this.conn.addEventListener("state", (e) => {
      if (e.detail.state !== "connected") this.ready.clear();
      this.emit({ type: "state", ...e.detail });
    });
    this.conn.addEventListener("signedout", () => this.emit({ type: "signedout" }));
    this.conn.resumeHooks.push(() => this.resume());
  }

  start() {
    this.outbox.load(this.user.id);
    this.conn.start();
  }

  stop({ discardOutbox = false } = {}) {
    if (discardOutbox && this.outbox.key) { try { localStorage.removeItem(this.outbox.key); } catch { /* ignore */ } }
    this.conn.stop();
  }

  get connected() { return this.conn.state === "connected"; }

  timeline(room) {
    if (!this.timelines.has(room)) this.timelines.set(room, new Timeline(room));
    return this.timelines.get(room);
  }

  async resume() {
    const rooms = this.refreshRooms();
    await Promise.all([...this.joined].map((room) => this.joinRoom(room).catch(() => {})));
    await rooms.catch(() => {});
  }

  async refreshRooms() {
    const ok = await this.conn.request({ type: "rooms" });
    this.rooms.set(ok.rooms || []);
    return this.rooms;
  }

  /** Wants `room` joined: now if connected, and again after every reconnect. */
  open(room) {
    // A refusal from earlier (or a lost access) is asked again: roles change.
    if (this.access.get(room).denied) this.access.forget(room);
    this.joined.add(room);
    if (this.connected) return this.joinRoom(room);
    return Promise.resolve();
  }

  close(room) {
    this.joined.delete(room);
    this.ready.delete(room);
    this.call.roomClosed(room);          // calls: leaving the room leaves its call
    this.conn.send({ type: "leave", room });
    this.presence.forget(room);
  }

  async joinRoom(room) {
    const tl = this.timeline(room);
    const message = { type: "join", room };
    if (tl.loaded) message.since = tl.lastSeq;
    let reset = false;
    try {
      await this.conn.request(message, {
        onReply: (ok) => {
          // Runs before the replay that follows the ok in the same frame is applied.
          reset = !!ok.reset;
          if (reset) tl.clear(false);
          tl.latestKnown = Math.max(tl.latestKnown, Number(ok.latest) || 0);
          if (!tl.loaded || reset) tl.hasMore = (Number(ok.latest) || 0) > 0;
          tl.loaded = !reset;
          tl.roomInfo = ok.room;
          this.setPermissionTable(room, ok.permissions);
          this.access.granted(room, ok.role, ok.can);
          this.presence.snapshot(room, ok.presence);
          this.ready.add(room);
          tl.emit();
        },
      });
    } catch (err) {
      if (err instanceof RequestError && (err.code === "forbidden" || err.code === "not_found")) {
        // Refused: stop asking on every reconnect; the view shows why.
        this.joined.delete(room);
        this.access.refused(room, err.code, err.message);
      }
      throw err;
    }
    if (reset) {
      // Too much was missed (or the server's history is shorter than ours): page from the newest.
      const ok = await this.conn.request({ type: "history", room, limit: PAGE, only: "chat" });
      const events = ok.events || [];
      for (const ev of events) tl.apply({ ...ev, room }, { quiet: true });
      tl.loaded = true;
      tl.hasMore = events.length >= PAGE && (tl.oldest ?? 1) > 1;
      tl.emit();
    }
    // The last 50 events of a busy project room may all be board or document operations: then
    // fetch the conversation itself, so the chat never opens empty.
    if (tl.messages.size < PAGE && tl.hasMore) this.loadEarlier(room).catch(() => {});
    // Co-editing: the replay is in; open documents catch up and resend (web/js/store/docs.js).
    this.docs.roomJoined(room, { reset });
    this.boardSync.roomJoined(room);
    this.flush(room);
  }

  handle(msg) {
    switch (msg.type) {
      case "event": {
        const tl = this.timeline(msg.room);
        const approvedNew = msg.kind === "chat.approved" && !tl.messages.has(Number(msg.target));
        const isNew = tl.apply(msg);
        // Co-editing: board.* events go to the open board (web/js/store/board.js listens).
        if (typeof msg.kind === "string" && msg.kind.startsWith("board.")) this.emit({ type: "board.event", room: msg.room, event: msg, isNew });
        // Co-editing: doc.* events go to the open documents (web/js/store/docs.js).
        if (typeof msg.kind === "string" && msg.kind.startsWith("doc.")) this.docs.handleEvent(msg);
        if (approvedNew && isNew && msg.author !== this.user.id) {
          const summary = this.rooms.get(msg.room);
          if (summary && Number(msg.target) > (summary.read || 0)) this.rooms.update(msg.room, { unread: (summary.unread || 0) + 1 });
        }
        if (msg.kind === "chat.message") {
          if (msg.actor === this.user.id && msg.nonce) this.outbox.remove(msg.nonce);
          if (msg.actor !== this.user.id) this.typing.stopped(msg.room, msg.actor);
          const summary = this.rooms.get(msg.room);
          if (summary && isNew) {
            const patch = { latest: Math.max(summary.latest || 0, msg.seq) };
            if (msg.actor !== this.user.id && msg.seq > (summary.read || 0)) patch.unread = (summary.unread || 0) + 1;
            this.rooms.update(msg.room, patch);
          }
        }
        break;
      }
      case "presence":
        this.presence.diff(msg.room, msg.joined, msg.left);
        break;
      case "typing": {
        if (msg.user === this.user.id) break;
        const person = this.presence.people(msg.room).find((p) => p.user === msg.user);
        this.typing.typing(msg.room, msg.user, person ? person.name : "…");
        break;
      }
      case "room.access":
        this.accessChanged(msg);
        break;
      case "room.knocks":
        if (typeof msg.room === "string" && Array.isArray(msg.knocks)) this.setKnocks(msg.room, msg.knocks);
        break;
      case "room.lobby": {
        if (typeof msg.room !== "string" || typeof msg.text !== "string") break;
        const list = this.lobby.get(msg.room) || [];
        list.push({ user: msg.user ?? null, from: msg.from ?? null, name: msg.name || "", text: msg.text, at: new Date() });
        if (list.length > 200) list.shift();
        this.lobby.set(msg.room, list);
        this.emit({ type: "lobby", room: msg.room, user: msg.user ?? null, from: msg.from ?? null });
        break;
      }
      // Co-editing: a teacher asks everyone to follow their view (web/js/views/follow.js listens).
      case "follow":
        if (typeof msg.room === "string") this.emit({ type: "follow", room: msg.room, msg });
        break;
      case "mod.reports":
        if (typeof msg.room === "string" && Array.isArray(msg.reports)) this.setReports(msg.room, msg.reports);
        break;
      // Co-editing: the others' cursors in an open document (web/js/store/docs.js).
      case "doc.cursor":
        this.docs.handleCursor(msg);
        break;
      case "error":
        this.emit({ type: "error", code: msg.code, message: msg.message });
        break;
      default:
        // Calls: every rtc.* push (state, signal, peers, left, removed, ended…) goes to the call store.
        if (typeof msg.type === "string" && msg.type.startsWith("rtc.")) this.call.handle(msg);
        break;
    }
  }

  /** The person's role in a room changed (or they were added to one). Without `read` the
   *  server has already taken them out of the room: stop asking to be in it. */
  accessChanged(msg) {
    const room = msg.room;
    if (typeof room !== "string") return;
    const can = Array.isArray(msg.can) ? msg.can : [];
    const lost = msg.role === null || msg.role === undefined || !can.includes("read");
    const wasIn = this.joined.has(room);
    // Why, as a stable code and parameters (the views word it); `reason` is the server's English.
    const info = {
      code: typeof msg.reason_code === "string" ? msg.reason_code : null,
      roomName: typeof msg.room_name === "string" ? msg.room_name : "",
      detail: typeof msg.detail === "string" && msg.detail ? msg.detail : null,
      until: typeof msg.until === "string" && msg.until ? msg.until : null,
      role: msg.role ?? null,
      reason: msg.reason || "",
    };
    if (lost) {
      this.joined.delete(room);
      this.ready.delete(room);
      this.presence.forget(room);
      this.typing.rooms.delete(room);
      this.access.refused(room, "forbidden", msg.reason || "", info);
    } else {
      this.access.granted(room, msg.role, can, info);
    }
    this.rooms.update(room, { role: lost ? null : msg.role });
    this.emit({ type: "access", room, role: msg.role ?? null, can, reason: msg.reason || "", info, lost, wasIn });
    if (this.connected) this.refreshRooms().catch(() => {});
  }

  /** Opens (or finds) the direct conversation with a person; resolves with its room. */
  async openDirect(userId) {
    const ok = await this.conn.request({ type: "room.direct", user: userId });
    const room = ok.room;
    if (!room || typeof room.id !== "string") throw new RequestError("internal");
    if (!this.rooms.get(room.id)) this.rooms.add({ latest: 0, present: 0, read: 0, unread: 0, ...room });
    else this.rooms.update(room.id, room);
    return room;
  }

  /** Any request (knocks, moderation, invitations, the oversight log); rejects with RequestError. */
  request(message) { return this.conn.request(message); }

  // ---- knocking ----

  setKnocks(room, knocks) {
    this.knocks.set(room, knocks.filter((k) => !k.state || k.state === "waiting"));
    this.emit({ type: "knocks", room });
  }

  async loadKnocks(room) {
    const ok = await this.conn.request({ type: "room.knocks", room });
    this.setKnocks(room, Array.isArray(ok.knocks) ? ok.knocks : []);
  }

  async knock(room, message) {
    const ok = await this.conn.request({ type: "room.knock", room, message });
    this.lobby.delete(room);
    this.rooms.update(room, { knock: ok.state || "waiting" });
    return ok;
  }

  lobbySay(room, text, user = null) {
    const message = { type: "room.lobby", room, text };
    if (user !== null && user !== undefined) message.user = user;
    return this.conn.request(message);
  }

  // ---- moderation ----

  setReports(room, reports) {
    this.reports.set(room, reports.filter((r) => !r.state || r.state === "open"));
    this.emit({ type: "reports", room });
  }

  async loadReports(room) {
    const ok = await this.conn.request({ type: "mod.reports", room });
    this.setReports(room, Array.isArray(ok.reports) ? ok.reports : []);
  }

  async decideReport(room, id, state, note) {
    const message = { type: "mod.report.decide", report: id, state };
    if (note) message.note = note;
    await this.conn.request(message);
    const list = this.reports.get(room);
    if (list) this.setReports(room, list.filter((r) => r.id !== id));
  }

  // ---- chat ----

  send(room, text) {
    const item = this.outbox.add(room, text);
    this.flush(room);
    return item;
  }

  retry(nonce) {
    const item = this.outbox.items.find((i) => i.nonce === nonce);
    if (!item) return;
    this.outbox.set(nonce, { status: "queued", error: null });
    this.flush(item.room);
  }

  discard(nonce) { this.outbox.remove(nonce); }

  /** Sends the room's queued messages in order, each with its original nonce. */
  flush(room) {
    if (this.flushing.has(room)) { this.flushing.set(room, "again"); return; }
    this.flushing.set(room, "running");
    const run = async () => {
      do {
        this.flushing.set(room, "running");
        await this.flushOnce(room);
      } while (this.flushing.get(room) === "again");
      this.flushing.delete(room);
    };
    run();
  }

  async flushOnce(room) {
    const tl = this.timeline(room);
    for (const item of this.outbox.forRoom(room)) {
      if (!this.connected || !this.ready.has(room)) return;
      if (item.status === "failed") continue;
      if (tl.hasNonce(this.user.id, item.nonce)) { this.outbox.remove(item.nonce); continue; }
      if (item.status === "sent" && item.seq && tl.messages.has(item.seq)) { this.outbox.remove(item.nonce); continue; }
      this.outbox.set(item.nonce, { status: "sending" });
      try {
        const ok = await this.conn.request({ type: "chat.send", room, text: item.text, nonce: item.nonce });
        if (tl.messages.has(ok.seq)) this.outbox.remove(item.nonce);
        else this.outbox.set(item.nonce, { status: "sent", seq: ok.seq });
      } catch (err) {
        const code = err instanceof RequestError ? err.code : "internal";
        if (code === "offline" || code === "timeout" || code === "unavailable" || code === "internal") {
          this.outbox.set(item.nonce, { status: "queued" });
          if (code !== "offline") setTimeout(() => this.flush(room), 3000);
          return;
        }
        if (code === "rate_limited") {
          this.outbox.set(item.nonce, { status: "queued" });
          await new Promise((r) => setTimeout(r, 1500));
          return this.flushOnce(room);
        }
        this.outbox.set(item.nonce, { status: "failed", error: code });
      }
    }
  }

  edit(room, seq, text) { return this.conn.request({ type: "chat.edit", room, seq, text }); }

  remove(room, seq) { return this.conn.request({ type: "chat.delete", room, seq }); }

  /** A moderator approves a post waiting in a pre-moderated room. */
  approve(room, seq) { return this.conn.request({ type: "mod.approve", room, seq }); }

  // ---- room administration ----

  /** The room's permission table as the owner knows it: room → role → [permission], from the
   *  join reply's (and `room.settings` reply's) `permissions`, then each `room.permissions` ok. */
  rolePermissions(room) {
    this.roleTables ??= new Map();
    if (!this.roleTables.has(room)) this.roleTables.set(room, new Map());
    return this.roleTables.get(room);
  }

  async setRolePermissions(room, role, permissions) {
    // `permissions` is required: a list, or null for the kind's default — always sent explicitly.
    const list = Array.isArray(permissions) ? [...permissions] : null;
    const ok = await this.conn.request({ type: "room.permissions", room, role, permissions: list });
    const table = this.rolePermissions(room);
    if (Array.isArray(ok.permissions)) table.set(role, ok.permissions);
    else if (list === null) table.delete(role);
    else table.set(role, list);
    return ok;
  }

  /** The whole table ({role: [permission…]}) the server gives owners; ignored when absent. */
  setPermissionTable(room, permissions) {
    if (!permissions || typeof permissions !== "object" || Array.isArray(permissions)) return;
    const table = this.rolePermissions(room);
    table.clear();
    for (const [role, list] of Object.entries(permissions)) if (Array.isArray(list)) table.set(role, list);
  }

  async roomSettings(room, changes) {
    const ok = await this.conn.request({ type: "room.settings", room, ...changes });
    this.setPermissionTable(room, ok.permissions);
    if (ok.room && typeof ok.room === "object") {
      const { id, name, join_rule, premoderated, history } = ok.room;
      const patch = { name, join_rule, premoderated, history };
      for (const k of Object.keys(patch)) if (patch[k] === undefined) delete patch[k];
      this.rooms.update(room, patch);
      const tl = this.timeline(room);
      if (tl.roomInfo && id === room) { tl.roomInfo = { ...tl.roomInfo, ...patch }; tl.emit(); }
    }
    return ok;
  }

  /** A moderator deletes someone else's message, with an optional reason. */
  modDelete(room, seq, reason) {
    const message = { type: "mod.delete", room, seq };
    if (reason) message.reason = reason;
    return this.conn.request(message);
  }

  typingNow(room) {
    const now = Date.now();
    if (now - (this.lastTyping.get(room) || 0) < TYPING_EVERY_MS) return;
    if (this.conn.send({ type: "typing", room })) this.lastTyping.set(room, now);
  }

  async loadEarlier(room) {
    const tl = this.timeline(room);
    if (!tl.hasMore || this.loadingEarlier.has(room) || !this.ready.has(room) || tl.oldest === null) return false;
    this.loadingEarlier.add(room);
    tl.emit();
    try {
      // Only the conversation: a room busy with board and document operations would otherwise
      // page through them 50 at a time.
      const ok = await this.conn.request({ type: "history", room, before: tl.oldest, limit: PAGE, only: "chat" });
      const events = ok.events || [];
      for (const ev of events) tl.apply({ ...ev, room }, { quiet: true });
      if (events.length < PAGE || (tl.oldest ?? 1) <= 1) tl.hasMore = false;
      return true;
    } finally {
      this.loadingEarlier.delete(room);
      tl.emit();
    }
  }

  /** "I have seen everything up to seq here." One request per room in flight; the newest
   *  wanted marker is sent when it returns. */
  async markRead(room, seq) {
    const summary = this.rooms.get(room);
    if (summary && (summary.read || 0) >= seq) return;
    if (summary) this.rooms.update(room, { read: seq, unread: this.unreadAfter(room, seq) });
    this.readWanted ??= new Map();
    this.readBusy ??= new Set();
    this.readWanted.set(room, Math.max(seq, this.readWanted.get(room) || 0));
    if (this.readBusy.has(room)) return;
    this.readBusy.add(room);
    try {
      let sent = 0;
      while ((this.readWanted.get(room) || 0) > sent) {
        sent = this.readWanted.get(room);
        const ok = await this.conn.request({ type: "read", room, seq: sent });
        const s = this.rooms.get(room);
        if (s && typeof ok.read === "number" && ok.read >= (s.read || 0)) this.rooms.update(room, { read: ok.read, unread: this.unreadAfter(room, ok.read) });
      }
    } catch {
      // Not connected: the view marks again when it next sees a message.
    } finally {
      this.readBusy.delete(room);
    }
  }

  unreadAfter(room, read) {
    let n = 0;
    for (const m of this.timeline(room).messages.values()) if (m.seq > read && m.actor !== this.user.id && !m.deleted) n++;
    return Math.min(n, 100);
  }
}
