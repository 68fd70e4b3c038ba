// The room's board for the views: opens it (`board.open`), applies the room's `board.*`
// events in revision order, sends one's own changes (`board.op`, one at a time, each with a
// nonce) on top of an optimistic replica (web/js/collab/board-replica.js), and keeps what is
// not yet confirmed in localStorage per user and room, so changes made offline survive a
// reload. After a reconnect — once the room's replay is in — it opens the board again and
// resends what is pending with the original nonces (a committed one answers `duplicate`).
// What happened to changes made offline is summed up in a `report` event:
// {merged, failed: [{reason, card, column, name, wip, message}]}.
//
// Events (subscribe): {type: "change"}, {type: "report", merged, failed},
// {type: "restored", from, name}.
import { Emitter } from "./emitter.js";
import { newNonce } from "./outbox.js";
import { Board } from "../collab/board-model.js";
import { BoardReplica } from "../collab/board-replica.js";

const TRANSIENT = new Set(["offline", "timeout", "unavailable", "internal"]);
const REPLAY_WAIT_MS = 2000;        // how long to wait for the replay before opening anyway
const CACHE_EVERY_MS = 2000;        // the confirmed board is cached at most this often
const CACHE_MAX_CHARS = 1_000_000;  // a larger board is not cached (only the pending changes)

/** The largest board operation sent, in UTF-8 bytes of its frame: the server closes a
 *  connection whose message exceeds limits.max_message_bytes (64 KiB by default), and a
 *  pending operation that can never be sent would be resent after every reconnect. */
const MAX_OP_BYTES = 60000;

const pendingKey = (user, room) => `atrium.board.pending.${user}.${room}`;
const cacheKey = (user, room) => `atrium.board.cache.${user}.${room}`;

/** Forgets every board kept for `userId` on this computer (signing out). */
export function clearBoardStorage(userId) {
  try {
    const doomed = [];
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k && (k.startsWith(`atrium.board.pending.${userId}.`) || k.startsWith(`atrium.board.cache.${userId}.`))) doomed.push(k);
    }
    for (const k of doomed) localStorage.removeItem(k);
  } catch { /* private mode */ }
}

/** Whether board changes of `userId` in `room` wait on this computer to be sent. */
export function hasPendingBoard(userId, room) {
  const saved = readJSON(pendingKey(userId, room));
  return Array.isArray(saved) && saved.length > 0;
}

function readJSON(key) {
  try { return JSON.parse(localStorage.getItem(key) || "null"); } catch { return null; }
}

export class BoardStore extends Emitter {
  constructor(client, room) {
    super();
    this.client = client;
    this.room = room;
    this.me = client.user.id;
    this.replica = new BoardReplica({ me: this.me });
    this.loaded = false;          // a board to show (opened, or the cached copy)
    this.fresh = false;           // opened on the current connection
    this.syncing = false;         // board.open in flight: events wait in `buffer`
    this.buffer = [];
    this.error = null;            // why the last board.open failed
    this.names = new Map();       // user id → name
    this.createdHere = new Map(); // id → title of what this page created (to word "could not be created")
    this.offline = new Set();     // nonces made offline or before a reload: summed up in a report
    this.report = { merged: 0, failed: [] };
    this.flushing = false;
    this.again = false;
    this.socketReady = false;     // opened (or opening) on the current connection
    this.readySince = 0;
    this.timers = new Set();
    this.subs = [];
    this.stopped = false;
    this.lastCache = 0;
  }

  // ---- lifecycle ----

  start() {
    const cached = readJSON(cacheKey(this.me, this.room));
    if (cached && typeof cached === "object" && Array.isArray(cached.columns)) {
      this.replica.reset(cached);
      this.loaded = true;
    }
    const saved = readJSON(pendingKey(this.me, this.room));
    if (Array.isArray(saved) && saved.length) {
      this.replica.load(saved);
      for (const p of this.replica.pending) this.offline.add(p.nonce);
    }
    this.subs.push(this.client.subscribe((e) => this.onClient(e)));
    this.subs.push(this.client.timeline(this.room).subscribe(() => this.maybeReady()));
    this.subs.push(this.client.presence.subscribe((room) => { if (room === this.room) this.learnPresence(); }));
    this.learnPresence();
    this.maybeReady();
    return this;
  }

  destroy() {
    this.stopped = true;
    this.save(true);
    this.subs.forEach((u) => u());
    clearTimeout(this.cacheTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  later(fn, ms) {
    const t = setTimeout(() => { this.timers.delete(t); if (!this.stopped) fn(); }, ms);
    this.timers.add(t);
  }

  /** The board as the person sees it (their pending changes included). */
  get board() { return this.replica.view; }
  get pendingCount() { return this.replica.pending.length; }
  get online() { return this.client.connected && this.client.ready.has(this.room) && this.socketReady; }

  may(permission) { return this.client.access.may(this.room, permission); }

  /** Changes are refused (and the controls hidden): no `edit_boards`, or locked for a non-teacher. */
  readOnly() {
    const a = this.client.access.get(this.room);
    if (a.known && (a.denied || !a.can.has("edit_boards"))) return true;
    return this.replica.view.locked && !this.may("facilitate");
  }

  // ---- connection ----

  onClient(e) {
    if (e.type === "state") {
      if (e.state !== "connected") { this.socketReady = false; this.fresh = false; this.readySince = 0; this.emit({ type: "change" }); }
      else this.maybeReady();
    } else if (e.type === "board.event" && e.room === this.room) {
      this.onEvent(e.event);
    } else if (e.type === "access" && e.room === this.room) {
      this.emit({ type: "change" });
    }
  }

  /** Opens the board once per connection, after the room's join and its replay. */
  maybeReady() {
    if (this.stopped || this.socketReady) return;
    if (!this.client.connected || !this.client.ready.has(this.room)) { this.readySince = 0; return; }
    const tl = this.client.timeline(this.room);
    const now = Date.now();
    if (!this.readySince) this.readySince = now;
    const replayIn = tl.loaded && tl.lastSeq >= tl.latestKnown;
    if (!replayIn && now - this.readySince < REPLAY_WAIT_MS) {
      // Some events may never come (someone else's post waiting for a moderator): not forever.
      this.later(() => this.maybeReady(), REPLAY_WAIT_MS - (now - this.readySince) + 10);
      return;
    }
    this.socketReady = true;
    this.open();
  }

  async open() {
    if (this.syncing) { this.reopenWanted = true; return; }
    this.syncing = true;
    this.emit({ type: "change" });
    try {
      const ok = await this.client.conn.request({ type: "board.open", room: this.room });
      if (this.stopped) return;
      const before = this.replica.confirmed;
      const dropped = this.replica.reset(ok.board || {});
      // Who deleted what: kept from before, and learnt from the events the snapshot already holds.
      for (const [id, g] of before.gone) if (!this.replica.confirmed.gone.has(id)) this.replica.confirmed.gone.set(id, g);
      for (const ev of this.buffer) this.noteGone(ev, before);
      this.loaded = true;
      this.fresh = true;
      this.error = null;
      // Names for "deleted by …" (board events carry only the actor's id).
      if (!this.membersPromise) this.members().catch(() => {});
      this.syncing = false;
      this.dropped(dropped);
      const buffered = this.buffer.splice(0);
      for (const ev of buffered) { if (this.syncing) this.buffer.push(ev); else this.applyEvent(ev); }
      this.changed(true);
      this.flush();
    } catch (err) {
      this.syncing = false;
      if (this.stopped) return;
      this.error = { code: err?.code || "internal", message: err?.message || "" };
      if (TRANSIENT.has(this.error.code) && this.error.code !== "offline") this.later(() => { if (this.online) this.open(); }, 3000);
      if (this.error.code === "offline") this.socketReady = false;
      this.emit({ type: "change" });
    } finally {
      if (this.reopenWanted && !this.stopped) { this.reopenWanted = false; if (!this.syncing) this.open(); }
    }
  }

  // ---- the room's events ----

  onEvent(ev) {
    if (!ev || typeof ev !== "object") return;
    if (ev.actor != null && typeof ev.actor_name === "string" && ev.actor_name) this.names.set(ev.actor, ev.actor_name);
    if (!this.fresh || this.syncing) { this.buffer.push(ev); if (this.buffer.length > 5000) this.buffer.shift(); return; }
    this.applyEvent(ev);
    this.changed();
  }

  /** A deletion the confirmed board already holds (a snapshot taken after it): remember who. */
  noteGone(ev, board) {
    const op = ev && ev.kind === "board.op" ? ev.op : null;
    if (!op || (op.op !== "card.delete" && op.op !== "column.delete") || typeof op.id !== "string") return;
    const gone = this.replica.confirmed.gone;
    if (gone.has(op.id) || this.replica.confirmed.cards.has(op.id) || this.replica.confirmed.columns.has(op.id)) return;
    const kind = op.op === "card.delete" ? "card" : "column";
    const was = kind === "card" ? board.cards.get(op.id) : board.columns.get(op.id);
    gone.set(op.id, { kind, title: was ? was.title : null, actor: ev.actor ?? null, at: ev.at ?? null });
  }

  applyEvent(ev) {
    const rev = Number(ev.rev);
    switch (ev.kind) {
      case "board.op": {
        if (Number.isInteger(rev) && rev <= this.replica.rev) { this.noteGone(ev, this.replica.view); return; }
        if (!Number.isInteger(rev) || !ev.op) return;
        if (rev !== this.replica.rev + 1) { this.open(); return; }      // a gap: something was missed
        const mine = ev.actor === this.me && typeof ev.nonce === "string" && !!this.replica.find(ev.nonce);
        const dropped = this.replica.receive(ev.op, ev.nonce ?? null, ev.actor ?? null, ev.at, rev);
        if (mine) this.settled(ev.nonce);
        this.dropped(dropped);
        if (this.replica.divergence) this.open();
        return;
      }
      case "board.locked":
        this.replica.setLocked(ev.locked === true);
        return;
      case "board.restored": {
        if (!Number.isInteger(rev) || rev <= this.replica.rev || !ev.board) return;
        const board = { ...ev.board, rev, locked: typeof ev.board.locked === "boolean" ? ev.board.locked : this.replica.confirmed.locked };
        this.dropped(this.replica.reset(board));
        this.emit({ type: "restored", from: ev.from ?? null, name: this.nameOf(ev.actor), actor: ev.actor ?? null });
        return;
      }
      default: return;
    }
  }

  // ---- one's own changes ----

  /** Applies `op` at once and sends it. Returns the refusal (nothing changed), or null. */
  do(op) {
    if (!this.loaded) return { code: "unavailable", reason: "not_loaded" };
    if (this.readOnly()) return { code: "forbidden", reason: this.replica.view.locked ? "locked" : "forbidden" };
    if (new TextEncoder().encode(JSON.stringify(op)).length > MAX_OP_BYTES) return { code: "too_large", reason: "too_large" };
    const nonce = newNonce();
    const refusal = this.replica.local(op, nonce);
    if (refusal) return refusal;
    if (op.op === "card.create" || op.op === "column.create") this.createdHere.set(op.id, op.title);
    if (!this.online) this.offline.add(nonce);
    this.changed();
    this.flush();
    return null;
  }

  canSend() { return !this.stopped && this.loaded && this.fresh && !this.syncing && this.online; }

  /** Sends pending changes in order, one at a time, each with its nonce. */
  async flush() {
    if (this.flushing) { this.again = true; return; }
    this.flushing = true;
    try {
      do {
        this.again = false;
        while (this.canSend()) {
          const next = this.replica.unsent()[0];
          if (!next) break;
          if (!(await this.sendOne(next))) return;
        }
      } while (this.again && this.canSend());
    } finally {
      this.flushing = false;
    }
  }

  async sendOne(p) {
    this.replica.markSent(p.nonce);
    this.save();
    let ok;
    try {
      ok = await this.client.conn.request({ type: "board.op", room: this.room, op: p.op, nonce: p.nonce });
    } catch (err) {
      if (this.stopped) return false;
      const code = err?.code || "internal";
      // Not an answer about the change: it stays and is sent again (same nonce).
      if (TRANSIENT.has(code) || (code === "forbidden" && !this.client.ready.has(this.room))) {
        if (code !== "offline") this.later(() => this.flush(), 3000);
        return false;
      }
      if (code === "rate_limited") { await new Promise((r) => setTimeout(r, 1500)); return true; }
      if (this.replica.find(p.nonce)) {
        this.dropped(this.replica.refused(p.nonce, { code, message: err?.message && err.message !== code ? err.message : "" }));
        this.changed();
      }
      return true;
    }
    if (this.stopped) return false;
    const had = !!this.replica.find(p.nonce);
    const rev = Number(ok.rev);
    this.dropped(this.replica.acked(p.nonce, Number.isInteger(rev) ? rev : null));
    if (had && !this.replica.find(p.nonce)) this.settled(p.nonce);   // already in the confirmed board
    this.changed();
    return true;
  }

  // ---- telling the person ----

  settled(nonce) {
    if (!this.offline.delete(nonce)) return;
    this.report.merged += 1;
    this.maybeReport();
  }

  dropped(list) {
    if (!list || !list.length) return;
    for (const entry of list) {
      this.offline.delete(entry.nonce);
      this.report.failed.push(this.explain(entry));
    }
    this.maybeReport();
  }

  maybeReport() {
    if (this.offline.size > 0) return;
    const { merged, failed } = this.report;
    if (!merged && !failed.length) return;
    this.report = { merged: 0, failed: [] };
    this.emit({ type: "report", merged, failed });
  }

  /** Why a change could not be applied, in parts the view words: {reason, card, column, name, wip, message}. */
  explain(entry) {
    const op = entry.op || {};
    const confirmed = this.replica.confirmed;
    let r = entry.refusal || {};
    if (!r.reason) {
      // The server's refusal carries only a code: find the rule on the confirmed board.
      const local = confirmed.check(op);
      if (r.code === "forbidden") r = { ...r, reason: confirmed.locked ? "locked" : "forbidden" };
      else if (local && local.code === r.code) r = { ...local, message: r.message };
      else r = { ...r, reason: r.code === "bad_request" ? "schema" : "server" };
    }
    const cardId = r.card || (op.op && op.op.startsWith("card.") ? op.id : null);
    const columnId = r.column || (op.op && op.op.startsWith("column.") ? op.id : op.column) || null;
    const out = { reason: r.reason, code: r.code, message: r.message || "", card: null, column: null, name: null, wip: r.wip ?? null, op: op.op || null };
    const card = cardId ? (confirmed.cards.get(cardId) || this.replica.view.cards.get(cardId)) : null;
    out.card = card ? card.title : op.op === "card.create" ? op.title : null;
    const column = columnId ? confirmed.columns.get(columnId) : null;
    out.column = column ? column.title : op.op === "column.create" ? op.title : null;
    const goneId = r.reason === "card_missing" ? cardId : r.reason === "column_missing" ? columnId : null;
    const gone = goneId ? confirmed.gone.get(goneId) : null;
    if (goneId && !gone && this.createdHere.has(goneId)) out.reason = r.reason === "card_missing" ? "card_not_created" : "column_not_created";
    if (out.reason === "card_not_created" && !out.card) out.card = this.createdHere.get(goneId);
    if (out.reason === "column_not_created" && !out.column) out.column = this.createdHere.get(goneId);
    if (gone) {
      if (r.reason === "card_missing") out.card = gone.title; else out.column = gone.title;
      out.name = this.nameOf(gone.actor);
      out.self = gone.actor === this.me;
    }
    if (out.wip === null && column) out.wip = column.wip;
    return out;
  }

  // ---- names ----

  learnPresence() {
    for (const p of this.client.presence.people(this.room)) if (p.user != null && p.name) this.names.set(p.user, p.name);
  }

  nameOf(user) {
    if (user === null || user === undefined) return null;
    if (user === this.me) return this.client.user.name;
    return this.names.get(user) ?? null;
  }

  /** The room's members (for assignees): [{user, name}], also remembered as names. */
  async members() {
    if (!this.membersPromise) {
      this.membersPromise = this.client.conn.request({ type: "room.members", room: this.room })
        .then((ok) => {
          const list = (ok.members || []).filter((m) => m && m.user != null && !m.inspecting).map((m) => ({ user: m.user, name: m.name || String(m.user) }));
          for (const m of list) this.names.set(m.user, m.name);
          return list;
        })
        .catch((err) => { this.membersPromise = null; throw err; });
    }
    const listed = await this.membersPromise;
    // People present (an open room lists no one) and oneself.
    const all = new Map(listed.map((m) => [m.user, m]));
    for (const p of this.client.presence.people(this.room)) if (!all.has(p.user)) all.set(p.user, { user: p.user, name: p.name });
    if (!all.has(this.me)) all.set(this.me, { user: this.me, name: this.client.user.name });
    return [...all.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  // ---- teachers, history ----

  async setLocked(locked) {
    await this.client.conn.request({ type: "board.lock", room: this.room, locked: !!locked });
    this.replica.setLocked(!!locked);
    this.changed();
  }

  async history(before = null, limit = 50) {
    const message = { type: "board.history", room: this.room, limit };
    if (before) message.before = before;
    const ok = await this.client.conn.request(message);
    const list = Array.isArray(ok.revisions) ? ok.revisions : [];
    for (const r of list) if (r.actor != null && r.name) this.names.set(r.actor, r.name);
    return list;
  }

  async revision(rev) {
    const ok = await this.client.conn.request({ type: "board.revision", room: this.room, rev });
    return Board.from({ ...(ok.board || {}), rev });
  }

  restore(rev) { return this.client.conn.request({ type: "board.restore", room: this.room, rev }); }

  // ---- storage ----

  changed(forceCache = false) {
    this.save(forceCache);
    this.emit({ type: "change" });
  }

  save(forceCache = false) {
    try {
      const pending = this.replica.saved();
      if (pending.length) localStorage.setItem(pendingKey(this.me, this.room), JSON.stringify(pending));
      else localStorage.removeItem(pendingKey(this.me, this.room));
      if (!this.loaded) return;
      const now = Date.now();
      if (!forceCache && now - this.lastCache < CACHE_EVERY_MS) {
        if (!this.cacheTimer) this.cacheTimer = setTimeout(() => { this.cacheTimer = null; this.save(true); }, CACHE_EVERY_MS);
        return;
      }
      this.lastCache = now;
      const json = JSON.stringify(this.replica.confirmed.toJSON());
      if (json.length <= CACHE_MAX_CHARS) localStorage.setItem(cacheKey(this.me, this.room), json);
      else localStorage.removeItem(cacheKey(this.me, this.room));
    } catch { /* quota or private mode */ }
  }
}
