// The room's shared documents (docs/collab.md, docs/protocol.md "Boards and documents"):
// their lists, and per open document a session — the DocClient state machine over the link,
// the others' cursors moved through every applied operation, who wrote what, and the offline
// copy in localStorage (the confirmed text at its revision, the outstanding operation with
// its nonce, the buffer), resent after a reconnect once the room's replay is in.
//
// client.js routes here: room events whose kind starts with "doc." (handleEvent), top-level
// "doc.cursor" frames (handleCursor), and the end of every (re)join of a room (roomJoined).
import { Emitter } from "./emitter.js";
import { RequestError } from "../net/connection.js";
import { DocClient, DocSync } from "../collab/doc-client.js";
import { TextOperation, transformIndex, transformIndexBack, applyAuthors, parseAuthors, cpLength } from "../collab/text-ot.js";

const CURSOR_MS = 200;        // at most one cursor frame per this long
const SAVE_MS = 300;          // offline copy written at most this often while typing
const SEND_SPACING_MS = 80;   // between two doc.op frames (the rest waits in the buffer)
const RECENT = 300;           // committed operations kept to place cursors made on older revisions
const STORAGE = "atrium.doc.";

const enc = encodeURIComponent;

function docMeta(doc) {
  if (!doc || typeof doc !== "object" || typeof doc.id !== "string") return null;
  return {
    id: doc.id,
    title: typeof doc.title === "string" ? doc.title : doc.id,
    rev: Number(doc.rev) || 0,
    locked: doc.locked === true,
    created_by: doc.created_by ?? null,
    created_at: doc.created_at ?? null,
  };
}

/** One open document. Views subscribe; events: {type: "status"|"reset"|"meta"|"cursors"|"sync"},
 *  {type: "remote", op, actor} (an operation applied to `text`: move the caret through it),
 *  {type: "notice", code, count?, name?, from?} ("merged", "refused", "reloaded", "restored"). */
export class DocSession extends Emitter {
  constructor(store, room, id) {
    super();
    this.store = store;
    this.client = store.client;
    this.room = room;
    this.id = id;
    this.meta = store.listMeta(room, id);
    this.status = "loading";      // loading | ready | missing | forbidden | error | offline
    this.error = null;
    this.dc = null;
    this.sync = null;
    this.authors = [];            // runs over the local text
    this.cursors = new Map();     // user → {user, name, anchor, head} in local code points
    this.pendingCursors = new Map();
    this.names = new Map();       // user → name learned from cursors and history
    this.recent = [];             // [{rev, op, actor}] committed operations, newest last
    this.restores = new Map();    // rev → {from, name, actor}: told when that revision is applied
    this.holders = 0;
    this.background = false;      // only here to send what was saved offline
    this.openedEpoch = -1;        // the link on which doc.open was answered
    this.opening = false;
    this.queue = [];              // events that came while opening or paused
    this.paused = false;          // an input method is composing: hold remote changes
    this.merging = null;          // {count}: others' changes merged into offline edits
    this.selection = null;        // our own {anchor, head} in local code points
    this.cursorTimer = null;
    this.lastCursorAt = 0;
    this.saveTimer = null;
    this.closed = false;
    this.restoreSaved();
  }

  get text() { return this.dc ? this.dc.text : ""; }
  get ready() { return this.status === "ready" && this.dc !== null; }
  /** "synchronized" | "awaiting" | "awaitingWithBuffer" */
  get state() { return this.dc ? this.dc.state : "synchronized"; }
  get online() { return !!this.sync?.online; }
  get storageKey() { return `${STORAGE}${enc(this.client.user.id)}/${enc(this.room)}/${enc(this.id)}`; }

  // ---- local changes ----

  /** The user changed the text by `op` (a TextOperation on `text`). */
  edit(op) {
    if (!this.dc || this.closed) return;
    if (op.isNoop()) return;
    const me = this.client.user.id;
    this.dc.applyLocal(op);
    this.authors = applyAuthors(this.authors, op, me);
    for (const c of this.cursors.values()) {
      c.anchor = transformIndex(c.anchor, op, c.user !== me);
      c.head = transformIndex(c.head, op, c.user !== me);
    }
    if (!this.online && this.dc.dirty && !this.merging) this.merging = { count: 0 };
    this.scheduleSave();
    this.emit({ type: "sync" });
    if (this.cursors.size) this.emit({ type: "cursors" });
  }

  /** Our caret or selection moved (local code points); the others see it. */
  select(anchor, head) {
    this.selection = { anchor, head };
    this.scheduleCursor();
  }

  /** While an input method composes, remote changes wait (the textarea must not change). */
  pause() { this.paused = true; }
  resume() {
    this.paused = false;
    this.drain();
  }

  // ---- loading and the link ----

  /** Restores what a previous page left unsent (the text at its revision and our changes). */
  restoreSaved() {
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(this.storageKey) || "null"); } catch { saved = null; }
    if (!saved || typeof saved !== "object" || !Number.isInteger(saved.rev) || typeof saved.text !== "string") return;
    try {
      this.setClient(DocClient.restore(saved));
    } catch {
      this.clearSaved();
      return;
    }
    const runs = parseAuthors(saved.authors);
    this.authors = runs.reduce((n, r) => n + r[1], 0) === cpLength(this.dc.text) ? runs : [[null, cpLength(this.dc.text)]];
    if (!this.meta && typeof saved.title === "string") this.meta = { id: this.id, title: saved.title, rev: saved.rev, locked: false, created_by: null, created_at: null };
    this.status = "ready";
    if (this.dc.dirty) this.merging = { count: 0 };
  }

  setClient(dc) {
    this.sync?.close();
    this.dc = dc;
    this.sync = new DocSync(dc, {
      // Only while the room is joined on this link (a left room would answer forbidden).
      request: (m) => (this.client.ready.has(this.room)
        ? this.client.conn.request({ ...m, room: this.room, doc: this.id })
        : Promise.reject(new RequestError("offline"))),
      onResults: (results) => this.applied(results),
      onRefused: (err) => {
        if (!this.client.ready.has(this.room)) { this.disconnected(); return; }
        this.reload("refused", err);
      },
      onError: () => this.reload("reloaded"),
      minIntervalMs: SEND_SPACING_MS,
    });
  }

  /** doc.open on the current link: the text (or, when we hold unconfirmed changes, the
   *  operations since our revision), the title, the lock, the others' cursors. */
  async open() {
    if (this.closed || this.opening) return;
    const epoch = this.store.epoch;
    this.opening = true;
    let ok;
    try {
      ok = await this.client.conn.request({ type: "doc.open", room: this.room, doc: this.id });
    } catch (err) {
      this.opening = false;
      const code = err?.code || "internal";
      if (code === "offline" || code === "timeout") { if (!this.dc) this.setStatus("offline"); this.drain(); return; }
      if (code === "not_found") { this.setStatus("missing", err); this.clearSaved(); this.drain(); return; }
      if (code === "forbidden") { this.setStatus("forbidden", err); this.drain(); return; }
      this.setStatus(this.dc ? this.status : "error", err);
      this.drain();
      return;
    }
    if (this.closed) { this.opening = false; return; }
    const doc = ok.doc || {};
    const meta = docMeta(doc);
    if (meta) { this.meta = meta; this.store.upsert(this.room, meta); }
    const rev = Number(doc.rev) || 0;
    const text = typeof doc.text === "string" ? doc.text : "";
    const runs = parseAuthors(doc.authors);
    let check = null;
    if (!this.dc || this.dc.rev > rev) {
      // Fresh (or the server is behind what we knew: start over from its text).
      if (this.dc && this.dc.dirty) this.notice("reloaded");
      this.setClient(new DocClient({ rev, text }));
      this.authors = runs;
      this.recent = [];
      this.clearSaved();
      this.emit({ type: "reset" });
    } else {
      check = { rev, text, runs };
    }
    this.openedEpoch = epoch;
    this.cursors.clear();
    this.pendingCursors.clear();
    for (const c of Array.isArray(ok.cursors) ? ok.cursors : []) this.placeCursor(c, false);
    this.opening = false;
    this.setStatus("ready");
    this.emit({ type: "meta" });
    this.emit({ type: "cursors" });
    this.drain();
    if (!this.client.connected || this.store.epoch !== epoch) return;
    // Missing operations are paged with doc.ops, then our outstanding op goes (same nonce).
    await this.sync.connected();
    if (check && !this.closed) {
      if (this.dc.rev === check.rev && this.dc.serverText !== check.text) { this.reload("reloaded"); return; }
      if (this.dc.rev === check.rev || this.dc.rev > check.rev) this.authors = this.authorsFrom(check.runs, check.rev) ?? this.authors;
    }
    this.finishMerge();
    this.scheduleCursor();
    this.emit({ type: "sync" });
  }

  /** The authors of the local text from the server's runs at `rev`: the operations since, then
   *  our unconfirmed changes. Null when some operation in between is not known here. */
  authorsFrom(runs, rev) {
    let out = runs;
    for (let r = rev + 1; r <= this.dc.rev; r++) {
      const entry = this.recent.find((e) => e.rev === r);
      if (!entry) return null;
      out = applyAuthors(out, entry.op, entry.actor);
    }
    const me = this.client.user.id;
    if (this.dc.outstanding) out = applyAuthors(out, this.dc.outstanding.op, me);
    if (this.dc.buffer) out = applyAuthors(out, this.dc.buffer, me);
    return out;
  }

  /** Starts over from the server's text, dropping what it refused (or what no longer fits). */
  async reload(code, err = null) {
    if (this.closed) return;
    // What the server did not take stays available to copy (the view offers it).
    this.lostText = this.dc?.dirty ? this.dc.text : null;
    this.clearSaved();
    this.merging = null;
    this.sync?.close();
    this.sync = null;
    this.dc = null;
    this.authors = [];
    this.openedEpoch = -1;
    this.notice(code, { error: err?.code ?? null, message: err?.message ?? null, lost: this.lostText !== null });
    this.setStatus("loading");
    if (this.client.connected && this.client.ready.has(this.room)) await this.open();
  }

  /** The link went down: unconfirmed changes stay (and are saved); cursors are stale. */
  disconnected() {
    this.sync?.disconnected();
    this.openedEpoch = -1;
    this.opening = false;
    if (this.dc?.dirty && !this.merging) this.merging = { count: 0 };
    this.saveNow();
    if (this.cursors.size) { this.cursors.clear(); this.emit({ type: "cursors" }); }
    this.emit({ type: "sync" });
  }

  // ---- what the server sends ----

  /** A `doc.op` event (or `doc.restored` carrying one). */
  event(ev) {
    if (this.opening || this.paused || !this.sync) { this.queue.push(ev); return; }
    this.sync.receive(ev);
  }

  drain() {
    if (this.opening || this.paused || !this.sync) return;
    const queued = this.queue;
    this.queue = [];
    for (const ev of queued) this.sync.receive(ev);
  }

  /** What the state machine applied: move cursors, keep authors, count merges, tell the view. */
  applied(results) {
    const me = this.client.user.id;
    let acked = false;
    for (const r of results) {
      this.recent.push({ rev: r.rev, op: r.serverOp, actor: r.type === "ack" ? me : r.actor });
      if (r.type === "ack") { acked = true; continue; }
      const actor = r.actor;
      this.authors = applyAuthors(this.authors, r.op, actor);
      let tie = false;
      for (const c of this.cursors.values()) {
        c.anchor = transformIndex(c.anchor, r.op, c.user !== actor);
        c.head = transformIndex(c.head, r.op, c.user !== actor);
      }
      if (this.selection) {
        // Our caret stays before an insert made exactly at it (as our own pending inserts do);
        // the others move it past, so tell them where it really is.
        const { anchor, head } = this.selection;
        if (transformIndex(head, r.op, true) !== transformIndex(head, r.op, false)) tie = true;
        if (transformIndex(anchor, r.op, true) !== transformIndex(anchor, r.op, false)) tie = true;
      }
      if (this.merging && this.dc.dirty) this.merging.count++;
      this.emit({ type: "remote", op: r.op, actor });
      const restore = this.restores.get(r.rev);
      if (restore) this.notice("restored", restore);
      if (tie) this.scheduleCursor();
    }
    if (this.recent.length > RECENT) this.recent.splice(0, this.recent.length - RECENT);
    for (const rev of this.restores.keys()) if (rev <= this.dc.rev) this.restores.delete(rev);
    if (this.meta) { this.meta.rev = this.dc.rev; this.store.bumpRev(this.room, this.id, this.dc.rev); }
    for (const [user, c] of this.pendingCursors) {
      if (c.rev <= this.dc.rev) { this.pendingCursors.delete(user); this.placeCursor(c, false); }
    }
    if (acked && this.selection) this.scheduleCursor();
    this.scheduleSave();
    this.finishMerge();
    this.emit({ type: "sync" });
    if (this.cursors.size) this.emit({ type: "cursors" });
  }

  /** The offline edits are all confirmed: say how many changes by others were merged in. */
  finishMerge() {
    if (!this.merging || !this.online || !this.dc || this.dc.dirty) return;
    const { count } = this.merging;
    this.merging = null;
    if (count > 0) this.notice("merged", { count });
  }

  /** A cursor `{user, name, color, rev, anchor, head}` (or `{user, gone: true}`). */
  placeCursor(c, notify = true) {
    if (!c || c.user === undefined || c.user === null) return;
    const user = c.user;
    if (user === this.client.user.id) return;      // our own other tab
    if (typeof c.name === "string" && c.name) this.names.set(user, c.name);
    if (c.gone) {
      this.pendingCursors.delete(user);
      if (this.cursors.delete(user) && notify) this.emit({ type: "cursors" });
      return;
    }
    const rev = Number(c.rev);
    let anchor = Number(c.anchor), head = Number(c.head);
    if (!this.dc || !Number.isInteger(rev) || !Number.isInteger(anchor) || !Number.isInteger(head)) return;
    if (rev > this.dc.rev) { this.pendingCursors.set(user, c); return; }
    for (let r = rev + 1; r <= this.dc.rev; r++) {
      const entry = this.recent.find((e) => e.rev === r);
      if (!entry) continue;       // not known here (opened later): placed as it is, clamped
      anchor = transformIndex(anchor, entry.op, entry.actor !== user);
      head = transformIndex(head, entry.op, entry.actor !== user);
    }
    // Into the local text: through what we have not had confirmed yet.
    for (const op of [this.dc.outstanding?.op, this.dc.buffer]) {
      if (!op) continue;
      anchor = transformIndex(anchor, op, true);
      head = transformIndex(head, op, true);
    }
    const max = cpLength(this.dc.text);
    anchor = Math.max(0, Math.min(anchor, max));
    head = Math.max(0, Math.min(head, max));
    this.cursors.set(user, { user, name: c.name || this.names.get(user) || "", anchor, head });
    if (notify) this.emit({ type: "cursors" });
  }

  // ---- our cursor ----

  scheduleCursor() {
    if (this.cursorTimer || this.closed || this.background) return;
    const wait = Math.max(0, this.lastCursorAt + CURSOR_MS - Date.now());
    this.cursorTimer = setTimeout(() => { this.cursorTimer = null; this.sendCursor(); }, wait);
  }

  sendCursor() {
    if (!this.selection || !this.dc || this.closed || this.openedEpoch !== this.store.epoch || !this.client.connected) return;
    // Our positions are in the local text; the server's revision does not have our pending
    // changes yet: map back through them (a caret inside them goes to their start).
    let { anchor, head } = this.selection;
    for (const op of [this.dc.buffer, this.dc.outstanding?.op]) {
      if (!op) continue;
      anchor = transformIndexBack(anchor, op);
      head = transformIndexBack(head, op);
    }
    this.lastCursorAt = Date.now();
    this.client.conn.send({ type: "doc.cursor", room: this.room, doc: this.id, rev: this.dc.rev, anchor, head });
  }

  // ---- the offline copy ----

  scheduleSave() {
    if (!this.dc) return;
    if (!this.dc.dirty) { this.clearSaved(); return; }
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => { this.saveTimer = null; this.saveNow(); }, SAVE_MS);
  }

  saveNow() {
    clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (!this.dc) return;
    if (!this.dc.dirty) { this.clearSaved(); return; }
    // `authors` are runs over the local text (what the restored client shows).
    const snap = { v: 1, ...this.dc.snapshot(), title: this.meta?.title ?? null, authors: this.authors, at: new Date().toISOString() };
    try { localStorage.setItem(this.storageKey, JSON.stringify(snap)); } catch { /* quota or private mode */ }
  }

  clearSaved() {
    clearTimeout(this.saveTimer);
    this.saveTimer = null;
    try { localStorage.removeItem(this.storageKey); } catch { /* ignore */ }
  }

  // ---- helpers ----

  setStatus(status, err = null) {
    this.status = status;
    this.error = err ? { code: err.code || "internal", message: err.message || "" } : null;
    this.emit({ type: "status" });
  }

  notice(code, params = {}) { this.emit({ type: "notice", code, ...params }); }

  /** A view is done with it. Unconfirmed changes keep it alive (in the background) until sent. */
  release() {
    this.holders = Math.max(0, this.holders - 1);
    if (this.holders > 0) return;
    this.selection = null;
    if (this.dc?.dirty && this.online) {
      // Stay until the server has confirmed what was typed, then close.
      this.background = true;
      const off = this.subscribe(() => {
        if (this.holders > 0) { off(); return; }
        if (!this.dc?.dirty || this.status === "missing" || this.status === "forbidden") { off(); this.store.drop(this); }
      });
      return;
    }
    this.store.drop(this);
  }

  close() {
    if (this.closed) return;
    this.saveNow();
    this.closed = true;
    clearTimeout(this.cursorTimer);
    this.sync?.close();
    if (this.openedEpoch === this.store.epoch && this.client.connected) {
      this.client.conn.request({ type: "doc.close", room: this.room, doc: this.id }).catch(() => {});
    }
  }
}

export class DocsStore extends Emitter {
  constructor(client) {
    super();
    this.client = client;
    this.sessions = new Map();     // "room\u0000doc" → DocSession
    this.lists = new Map();        // room → {docs: Map id → meta, board, follow, loaded, loading, error}
    this.epoch = 0;                // counts the links: doc.open is per connection
    client.subscribe((e) => {
      if (e.type !== "state") return;
      if (e.state === "connected") this.epoch++;
      else for (const s of this.sessions.values()) if (s.openedEpoch !== -1 || s.online) s.disconnected();
    });
    if (typeof addEventListener === "function") {
      const flush = () => { for (const s of this.sessions.values()) s.saveNow(); };
      addEventListener("pagehide", flush);
      addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flush(); });
    }
  }

  key(room, doc) { return `${room}\u0000${doc}`; }

  // ---- lists ----

  list(room) {
    if (!this.lists.has(room)) this.lists.set(room, { docs: new Map(), board: null, follow: null, loaded: false, loading: false, error: null, wanted: false });
    return this.lists.get(room);
  }

  listMeta(room, id) { return this.lists.get(room)?.docs.get(id) ?? null; }

  /** The room's documents, sorted by title. */
  docs(room) {
    return [...this.list(room).docs.values()].sort((a, b) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
  }

  async loadList(room) {
    const l = this.list(room);
    l.wanted = true;
    if (l.loading) return l;
    l.loading = true;
    this.emit({ type: "list", room });
    try {
      const ok = await this.client.conn.request({ type: "doc.list", room });
      l.docs = new Map();
      for (const d of Array.isArray(ok.docs) ? ok.docs : []) { const m = docMeta(d); if (m) l.docs.set(m.id, m); }
      l.board = ok.board ?? null;
      l.follow = ok.follow ?? null;
      l.loaded = true;
      l.error = null;
    } catch (err) {
      l.error = err?.code || "internal";
    } finally {
      l.loading = false;
      this.emit({ type: "list", room });
    }
    return l;
  }

  upsert(room, meta) {
    const l = this.list(room);
    const prev = l.docs.get(meta.id);
    l.docs.set(meta.id, prev ? Object.assign(prev, meta) : { ...meta });
    this.emit({ type: "list", room });
  }

  bumpRev(room, id, rev) {
    const m = this.lists.get(room)?.docs.get(id);
    if (m && rev > m.rev) m.rev = rev;
  }

  async create(room, title) {
    const ok = await this.client.conn.request({ type: "doc.create", room, title });
    const meta = docMeta(ok.doc);
    if (meta) this.upsert(room, meta);
    return meta;
  }

  rename(room, doc, title) { return this.client.conn.request({ type: "doc.rename", room, doc, title }); }
  lock(room, doc, locked) { return this.client.conn.request({ type: "doc.lock", room, doc, locked }); }
  history(room, doc, before = null, limit = 50) {
    const m = { type: "doc.history", room, doc, limit };
    if (before !== null && before !== undefined) m.before = before;
    return this.client.conn.request(m);
  }
  revision(room, doc, rev) { return this.client.conn.request({ type: "doc.revision", room, doc, rev }); }
  restore(room, doc, rev) { return this.client.conn.request({ type: "doc.restore", room, doc, rev }); }

  // ---- sessions ----

  /** Opens a document for a view (counted: call session.release() when done). */
  open(room, doc) {
    const k = this.key(room, doc);
    let s = this.sessions.get(k);
    if (!s || s.closed) {
      s = new DocSession(this, room, doc);
      this.sessions.set(k, s);
    }
    s.holders += 1;
    s.background = false;
    if (this.client.connected && this.client.ready.has(room) && s.openedEpoch !== this.epoch) s.open();
    else if (!s.dc && !this.client.connected) s.setStatus("offline");
    return s;
  }

  session(room, doc) { return this.sessions.get(this.key(room, doc)) ?? null; }

  drop(session) {
    session.close();
    const k = this.key(session.room, session.id);
    if (this.sessions.get(k) === session) this.sessions.delete(k);
  }

  // ---- hooks from client.js ----

  /** A room event whose kind starts with "doc.". */
  handleEvent(msg) {
    const room = msg.room;
    if (typeof room !== "string") return;
    switch (msg.kind) {
      case "doc.created": {
        const meta = docMeta(msg.doc);
        if (meta && this.lists.has(room)) this.upsert(room, meta);
        break;
      }
      case "doc.renamed":
      case "doc.locked": {
        const id = typeof msg.doc === "string" ? msg.doc : msg.doc?.id;
        if (typeof id !== "string") break;
        const patch = msg.kind === "doc.renamed" ? { title: String(msg.title ?? "") } : { locked: msg.locked === true };
        const m = this.lists.get(room)?.docs.get(id);
        if (m) { Object.assign(m, patch); this.emit({ type: "list", room }); }
        const s = this.session(room, id);
        if (s) {
          s.meta = { ...(s.meta || { id, title: id, rev: 0, locked: false }), ...patch };
          s.emit({ type: "meta" });
        }
        break;
      }
      case "doc.op":
      case "doc.restored": {
        const id = typeof msg.doc === "string" ? msg.doc : msg.doc?.id;
        if (typeof id !== "string") break;
        const rev = Number(msg.rev);
        if (Number.isInteger(rev)) this.bumpRev(room, id, rev);
        const s = this.session(room, id);
        if (!s) break;
        if (msg.op !== undefined && Number.isInteger(rev)) {
          const ev = { rev, op: msg.op, nonce: msg.nonce ?? null, actor: msg.actor ?? null };
          if (msg.restored_from !== undefined) ev.restored_from = msg.restored_from;
          if (typeof msg.actor_name === "string" && msg.actor !== undefined) s.names.set(msg.actor, msg.actor_name);
          // A restore is announced when it is applied here (not when a replay repeats it).
          const from = msg.restored_from ?? (msg.kind === "doc.restored" ? msg.from : undefined);
          if (from !== undefined && from !== null) s.restores.set(rev, { from, name: msg.actor_name ?? null, actor: msg.actor ?? null });
          s.event(ev);
        } else if (s.sync) {
          s.sync.catchUp();
        }
        break;
      }
      default: break;
    }
  }

  /** A top-level {"type": "doc.cursor", …} frame. */
  handleCursor(msg) {
    if (typeof msg.room !== "string" || typeof msg.doc !== "string") return;
    const s = this.session(msg.room, msg.doc);
    if (s) s.placeCursor(msg);
  }

  /** The room's (re)join and replay are done: open (or reopen on the new link) its documents,
   *  catch up, resend what waits; refresh the lists shown; send what earlier pages saved. */
  roomJoined(room, { reset = false } = {}) {
    void reset;   // a reset replays nothing: every session pages doc.ops from its own revision
    for (const s of [...this.sessions.values()]) {
      if (s.room !== room || s.closed) continue;
      if (s.openedEpoch !== this.epoch) s.open();
      else s.sync?.catchUp();
    }
    if (this.lists.get(room)?.wanted) this.loadList(room);
    this.flushSaved(room);
  }

  /** Documents of this room with changes saved by an earlier page but not open now: open them
   *  in the background until the server has confirmed those changes. */
  flushSaved(room) {
    let keys = [];
    const prefix = `${STORAGE}${enc(this.client.user.id)}/${enc(room)}/`;
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i);
        if (k && k.startsWith(prefix)) keys.push(k);
      }
    } catch { keys = []; }
    for (const k of keys) {
      const doc = decodeURIComponent(k.slice(prefix.length));
      if (!doc || this.session(room, doc)) continue;
      const s = new DocSession(this, room, doc);
      if (!s.dc) { s.clearSaved(); continue; }
      s.background = true;
      this.sessions.set(this.key(room, doc), s);
      const done = s.subscribe((e) => {
        if (s.holders > 0) { done(); return; }
        if ((e.type === "sync" && s.online && !s.dc?.dirty) || (e.type === "status" && (s.status === "missing" || s.status === "forbidden"))) {
          done();
          if (s.holders === 0) this.drop(s);
        }
      });
      s.open();
    }
  }
}

/** Forgets every document copy kept offline for `userId` (on an explicit sign-out, as the
 *  chat outbox is discarded then: a shared computer keeps nothing of the person's). */
export function clearDocStorage(userId) {
  try {
    const prefix = `${STORAGE}${enc(userId)}/`;
    const keys = [];
    for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i); if (k && k.startsWith(prefix)) keys.push(k); }
    for (const k of keys) localStorage.removeItem(k);
  } catch { /* private mode */ }
}
