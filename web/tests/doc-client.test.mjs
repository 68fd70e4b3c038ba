// Tests of web/js/collab/doc-client.js: the synchronized / awaiting / awaitingWithBuffer state
// machine, and a seeded randomized convergence test — several clients, a small in-test server
// that transforms exactly as docs/collab.md says (transform(clientOp, serverOp) past every
// operation committed after the client's revision, nonce deduplication, `stale` past its
// memory, `doc.ops` paging), random delays per link, offline stretches with reloads, lost
// acknowledgements resent with the same nonce. Run: node --test web/tests/
import { test } from "node:test";
import assert from "node:assert/strict";
import { TextOperation, cpLength, cpSlice } from "../js/collab/text-ot.js";
import { DocClient, DocSync, DivergenceError, splitForSending, MAX_SEND_INSERT } from "../js/collab/doc-client.js";

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const counter = (prefix) => { let n = 0; return () => `${prefix}${++n}`; };
const op = (json) => TextOperation.fromJSON(json);

// ---- the state machine, step by step ----

test("synchronized → awaiting → awaitingWithBuffer → acknowledged", () => {
  let sends = 0;
  const dc = new DocClient({ rev: 3, text: "Привет", newNonce: counter("n"), onSend: () => sends++ });
  assert.equal(dc.state, "synchronized");
  dc.applyLocal(op([6, " мир"]));
  assert.equal(dc.state, "awaiting");
  assert.equal(sends, 1);
  assert.deepEqual(dc.pendingSend(), { rev: 3, op: [6, " мир"], nonce: "n1" });
  dc.applyLocal(op([10, "!"]));
  dc.applyLocal(op([11, "😀"]));
  assert.equal(dc.state, "awaitingWithBuffer");
  assert.deepEqual(dc.buffer.toJSON(), [10, "!😀"], "the buffer is composed, not a list of keystrokes");
  assert.equal(sends, 1, "at most one operation in flight");
  assert.equal(dc.text, "Привет мир!😀");
  // Our own operation comes back: the acknowledgement; the buffer goes out.
  const res = dc.receive({ rev: 4, op: [6, " мир"], nonce: "n1", actor: "me" });
  assert.equal(res[0].type, "ack");
  assert.equal(dc.state, "awaiting");
  assert.equal(sends, 2);
  assert.deepEqual(dc.pendingSend(), { rev: 4, op: [10, "!😀"], nonce: "n2" });
  dc.receive({ rev: 5, op: [10, "!😀"], nonce: "n2", actor: "me" });
  assert.equal(dc.state, "synchronized");
  assert.equal(dc.serverText, "Привет мир!😀");
  assert.equal(dc.rev, 5);
});

test("a big paste is sent in parts that together are the paste, one in flight at a time", () => {
  const paste = "ё😀".repeat(MAX_SEND_INSERT) + "конец";       // 16,005 code points
  const whole = op([2, paste, -1, 1, "x", 3]);
  const [head, tail] = splitForSending(whole);
  assert.equal(cpLength(head.toJSON().filter((c) => typeof c === "string").join("")), MAX_SEND_INSERT);
  assert.equal(head.compose(tail).apply("абвгдеж"), whole.apply("абвгдеж"));
  assert.deepEqual(splitForSending(op([1, "ok", -1])), [op([1, "ok", -1]), null]);

  const dc = new DocClient({ rev: 0, text: "абвгдеж", newNonce: counter("p") });
  dc.applyLocal(whole);
  let sent = 0;
  let rev = 0;
  // The server acknowledges each part; the next part goes out until nothing is left.
  while (dc.pendingSend()) {
    const out = dc.pendingSend();
    const inserted = out.op.filter((c) => typeof c === "string").join("");
    assert.ok(cpLength(inserted) <= MAX_SEND_INSERT);
    dc.receive({ rev: ++rev, op: out.op, nonce: out.nonce });
    sent++;
  }
  assert.equal(sent, 3);
  assert.equal(dc.serverText, whole.apply("абвгдеж"));
  assert.equal(dc.text, dc.serverText);
});

test("a remote operation is transformed past outstanding and buffer (tie: ours first)", () => {
  const dc = new DocClient({ rev: 0, text: "мир", newNonce: counter("n") });
  dc.applyLocal(op(["ё", 3]));          // outstanding
  dc.applyLocal(op([1, "ж", 3]));       // buffer
  const [r] = dc.receive({ rev: 1, op: ["😀", 3], nonce: "x", actor: "other" });
  assert.equal(r.type, "remote");
  assert.equal(dc.text, "ёж😀мир", "our pending inserts stay before the other's at the same place");
  assert.deepEqual(dc.pendingSend(), { rev: 1, op: ["ё", 4], nonce: "n1" });
  assert.equal(dc.serverText, "😀мир");
  // The server placed ours before theirs too (transform(clientOp, serverOp)).
  dc.receive({ rev: 2, op: ["ё", 4], nonce: "n1", actor: "me" });
  dc.receive({ rev: 3, op: [1, "ж", 4], nonce: "n2", actor: "me" });
  assert.equal(dc.serverText, dc.text);
});

test("events at or below the revision are ignored, later ones wait for the gap", () => {
  const gaps = [];
  const dc = new DocClient({ rev: 1, text: "a", onGap: (after) => gaps.push(after) });
  assert.deepEqual(dc.receive({ rev: 1, op: ["x", 1] }), []);
  assert.deepEqual(dc.receive({ rev: 3, op: [2, "c"] }), []);
  assert.deepEqual(gaps, [1]);
  assert.equal(dc.missingAfter, 1);
  const res = dc.receive({ rev: 2, op: [1, "b"] });
  assert.equal(res.length, 2, "the held one follows");
  assert.equal(dc.text, "abc");
  assert.equal(dc.rev, 3);
  assert.equal(dc.missingAfter, null);
});

test("an operation that does not fit the text is a divergence", () => {
  const dc = new DocClient({ rev: 0, text: "абв" });
  assert.throws(() => dc.receive({ rev: 1, op: [5, "x"] }), DivergenceError);
});

test("snapshot and restore keep the outstanding nonce and the buffer", () => {
  const dc = new DocClient({ rev: 7, text: "е\u0308ж", newNonce: counter("n") });
  dc.applyLocal(op([2, "😀", 1]));
  dc.applyLocal(op([0 + 3, "!", 1].filter(Boolean)));
  const snap = JSON.parse(JSON.stringify(dc.snapshot()));
  const back = DocClient.restore(snap, { newNonce: counter("m") });
  assert.equal(back.text, dc.text);
  assert.equal(back.state, "awaitingWithBuffer");
  assert.deepEqual(back.pendingSend(), dc.pendingSend());
});

// ---- a small server, as docs/collab.md describes it ----

class TestServer {
  constructor({ memory }) {
    this.text = "";
    this.rev = 0;
    this.log = [];             // [{rev, op, nonce, actor}]
    this.nonces = new Map();   // nonce → rev
    this.memory = memory;      // how many recent operations it can transform past
    this.stats = { committed: 0, duplicate: 0, stale: 0 };
  }

  /** → {ok} or {error: {code, latest?}}; `broadcast(event)` runs before the ok is returned. */
  handle(msg, actor, broadcast) {
    if (msg.type === "doc.ops") {
      const limit = Math.min(msg.limit || 500, 500);
      return { ok: { ops: this.log.filter((e) => e.rev > msg.after).slice(0, limit).map((e) => ({ rev: e.rev, op: e.op.toJSON(), nonce: e.nonce, actor: e.actor })), latest: this.rev } };
    }
    if (this.nonces.has(msg.nonce)) { this.stats.duplicate++; return { ok: { rev: this.nonces.get(msg.nonce), duplicate: true } }; }
    if (!Number.isInteger(msg.rev) || msg.rev < 0 || msg.rev > this.rev) return { error: { code: "bad_request" } };
    if (this.rev - msg.rev > this.memory) { this.stats.stale++; return { error: { code: "stale", latest: this.rev } }; }
    let o;
    try { o = TextOperation.fromJSON(msg.op); } catch { return { error: { code: "bad_request" } }; }
    // Its base length must be the length of revision msg.rev; then past everything after it.
    const lengthAt = msg.rev === this.rev ? cpLength(this.text) : this.log[msg.rev].op.baseLength;
    if (o.baseLength !== lengthAt) return { error: { code: "bad_request" } };
    for (const e of this.log.slice(msg.rev)) o = TextOperation.transform(o, e.op)[0];
    this.text = o.apply(this.text);
    this.rev += 1;
    const entry = { rev: this.rev, op: o, nonce: msg.nonce, actor };
    this.log.push(entry);
    this.nonces.set(msg.nonce, this.rev);
    this.stats.committed++;
    broadcast({ rev: entry.rev, op: o.toJSON(), nonce: entry.nonce, actor });
    return { ok: { rev: this.rev, seq: this.rev } };
  }
}

// Markers: unique characters, one per insert, half of them outside the BMP.
const ALPHABET = ["а", "ё", "е", "\u0308", "ж", "a", " ", "\n", "😀", "😃"];
let markerCount = 0;
function nextMarker() {
  const n = markerCount++;
  return n % 2 ? String.fromCodePoint(0x4e00 + n) : String.fromCodePoint(0x20000 + n);
}
const isMarker = (ch) => { const c = ch.codePointAt(0); return (c >= 0x4e00 && c < 0x9fff) || (c >= 0x20000 && c < 0x2a6df); };

class FakeTimers {
  constructor() { this.next = 1; this.due = new Map(); }
  setTimeout(fn) { const id = this.next++; this.due.set(id, fn); return id; }
  clearTimeout(id) { this.due.delete(id); }
  fireOne(r) {
    const ids = [...this.due.keys()];
    if (!ids.length) return false;
    const id = ids[Math.floor(r() * ids.length)];
    const fn = this.due.get(id);
    this.due.delete(id);
    fn();
    return true;
  }
}

class SimClient {
  constructor(name, server, r, timers) {
    this.name = name;
    this.server = server;
    this.r = r;
    this.timers = timers;
    this.online = false;
    this.epoch = 0;
    this.out = [];            // client → server: {msg, resolve, reject, epoch}
    this.in = [];             // server → client: {event} or {reply, resolve, reject}
    this.inserted = new Set();
    this.deleted = new Set();
    this.nonce = counter(`${name}-`);
    this.stats = { held: 0, reloads: 0 };
    this.make(new DocClient({ rev: 0, text: "", newNonce: this.nonce }));
  }

  make(dc) {
    this.dc = dc;
    this.sync = new DocSync(dc, {
      request: (msg) => new Promise((resolve, reject) => {
        if (!this.online) { reject({ code: "offline" }); return; }
        this.out.push({ msg, resolve, reject, epoch: this.epoch });
      }),
      onError: (err) => { throw err; },
      onRefused: (err) => { throw new Error(`refused: ${err.code}`); },
      retryMs: 1,
      timers: this.timers,
    });
    const gap = dc.onGap;
    dc.onGap = (after) => { this.stats.held++; gap(after); };
  }

  edit() {
    const text = this.dc.text;
    const n = cpLength(text);
    const at = Math.floor(this.r() * (n + 1));
    const o = new TextOperation().retain(at);
    const kind = this.r();
    if (kind < 0.65 || n === 0) {
      const marker = nextMarker();
      this.inserted.add(marker);
      let s = "";
      const len = Math.floor(this.r() * 3);
      for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(this.r() * ALPHABET.length)];
      o.insert(this.r() < 0.5 ? marker + s : s + marker);
      o.retain(n - at);
    } else {
      const len = Math.min(n - at, 1 + Math.floor(this.r() * 4));
      for (const ch of cpSlice(text, at, at + len)) if (isMarker(ch)) this.deleted.add(ch);
      o.delete(len).retain(n - at - len);
    }
    this.dc.applyLocal(o);
  }

  connect() {
    if (this.online) return;
    this.online = true;
    this.epoch++;
    this.sync.connected();
  }

  disconnect() {
    if (!this.online) return;
    this.online = false;
    // What was on the way to the server arrives, or not; every answer is lost.
    for (const item of this.out) {
      if (this.r() < 0.5) this.server.handle(item.msg, this.name, (ev) => this.broadcast(ev));
      item.reject({ code: "offline" });
    }
    this.out = [];
    for (const item of this.in) if (item.fail) item.fail({ code: "offline" });
    this.in = [];
    this.sync.disconnected();
  }

  /** A reload while offline: only what localStorage kept survives. */
  reload() {
    const snap = JSON.parse(JSON.stringify(this.dc.snapshot()));
    this.sync.close();
    this.make(DocClient.restore(snap, { newNonce: this.nonce }));
    this.stats.reloads++;
  }

  deliverOut() {
    const item = this.out.shift();
    if (!item) return false;
    const res = this.server.handle(item.msg, this.name, (ev) => this.broadcast(ev));
    // The answer and our own event travel on the same link; which comes first varies.
    const reply = res.ok ? { resolve: item.resolve, fail: item.reject, value: res.ok } : { reject: item.reject, fail: item.reject, value: res.error };
    // A lost answer (a timeout) now and then: the event still comes, the client retries.
    const last = this.in[this.in.length - 1];
    if (res.ok && item.msg.type === "doc.op" && !res.ok.duplicate && this.r() < 0.08) {
      const timeout = { reject: item.reject, fail: item.reject, value: { code: "timeout" } };
      if (last && last.event && last.event.nonce === item.msg.nonce && this.r() < 0.7) this.in.splice(this.in.length - 1, 0, timeout);
      else this.in.push(timeout);
      return true;
    }
    if (last && last.event && last.event.nonce === item.msg.nonce && this.r() < 0.5) this.in.splice(this.in.length - 1, 0, reply);
    else this.in.push(reply);
    return true;
  }

  deliverIn() {
    const item = this.in.shift();
    if (!item) return false;
    if (item.event) this.sync.receive(item.event);
    else if (item.resolve) item.resolve(item.value);
    else item.reject(item.value);
    return true;
  }
}

async function simulate(seed, { clients = 4, steps = 2000, memory = 6 } = {}) {
  const r = rng(seed);
  const server = new TestServer({ memory });
  const timers = new FakeTimers();
  const all = [];
  for (let i = 0; i < clients; i++) all.push(new SimClient(`c${i}`, server, r, timers));
  // The server sends every event to every connected client (the author too).
  for (const c of all) c.broadcast = (ev) => { for (const d of all) if (d.online) d.in.push({ event: ev }); };
  for (const c of all) c.connect();
  const settle = () => new Promise((res) => setImmediate(res));
  for (let step = 0; step < steps; step++) {
    const c = all[Math.floor(r() * all.length)];
    const k = r();
    if (k < 0.3) c.edit();
    else if (k < 0.55) c.deliverOut();
    else if (k < 0.85) c.deliverIn();
    else if (k < 0.9) timers.fireOne(r);
    else if (k < 0.94) { if (c.online) c.disconnect(); else c.connect(); }
    else if (k < 0.96 && !c.online) c.reload();
    else {
      // A slow reader: lets its queue grow while the others go on.
    }
    await settle();
  }
  // Everyone back; run until nothing moves.
  for (const c of all) c.connect();
  for (let round = 0; round < 100000; round++) {
    await settle();
    let moved = false;
    for (const c of all) moved = c.deliverOut() || moved;
    for (const c of all) moved = c.deliverIn() || moved;
    if (!moved) moved = timers.fireOne(r);
    if (!moved) {
      await settle();
      const busy = all.some((c) => c.out.length || c.in.length || c.sync.catching || c.dc.state !== "synchronized");
      if (!busy) break;
      if (!all.some((c) => c.out.length || c.in.length) && !timers.due.size) {
        // Nothing queued and nothing scheduled, yet someone waits: a client stuck.
        await settle();
        if (!all.some((c) => c.out.length || c.in.length)) throw new Error(`seed ${seed}: stuck in ${all.map((c) => `${c.dc.state}/${c.sync.inflight}/${c.sync.sentNonce}/${c.dc.outstanding?.nonce}/${!!c.sync.catching}/${c.online}/rev${c.dc.rev}:${server.rev}`).join(" ")}`);
      }
    }
  }
  return { server, all };
}

test("randomized convergence: several clients, delays, offline stretches, reloads, lost acks", async (t) => {
  const totals = { committed: 0, duplicate: 0, stale: 0, held: 0, reloads: 0 };
  for (let seed = 1; seed <= 25; seed++) {
    const { server, all } = await simulate(seed, { memory: 1 + (seed % 6) });
    for (const c of all) {
      assert.equal(c.dc.state, "synchronized", `seed ${seed}: ${c.name} synchronized`);
      assert.equal(c.dc.rev, server.rev, `seed ${seed}: ${c.name} at the server's revision`);
      assert.equal(c.dc.text, server.text, `seed ${seed}: ${c.name} converged`);
      assert.equal(c.dc.serverText, server.text);
      totals.held += c.stats.held;
      totals.reloads += c.stats.reloads;
    }
    // No character lost, none doubled: every marker typed and not deleted by someone who saw
    // it is there exactly once; every deleted one is gone.
    const inserted = new Set(all.flatMap((c) => [...c.inserted]));
    const deleted = new Set(all.flatMap((c) => [...c.deleted]));
    const seen = new Map();
    for (const ch of server.text) if (isMarker(ch)) seen.set(ch, (seen.get(ch) || 0) + 1);
    for (const m of inserted) {
      if (deleted.has(m)) assert.ok(!seen.has(m), `seed ${seed}: a deleted character came back`);
      else assert.equal(seen.get(m), 1, `seed ${seed}: marker U+${m.codePointAt(0).toString(16)} lost or doubled`);
    }
    for (const m of seen.keys()) assert.ok(inserted.has(m));
    totals.committed += server.stats.committed;
    totals.duplicate += server.stats.duplicate;
    totals.stale += server.stats.stale;
  }
  t.diagnostic(`totals over 25 seeds: ${JSON.stringify(totals)}`);
  // The paths this test is about were taken.
  assert.ok(totals.committed > 1000, `committed ${totals.committed}`);
  assert.ok(totals.duplicate > 0, "a resent operation was answered as a duplicate");
  assert.ok(totals.stale > 0, "an operation on an old revision was answered stale");
  assert.ok(totals.held > 0, "events arrived after a gap and waited");
  assert.ok(totals.reloads > 0, "a client restarted from its saved state");
});

// ---- the store (web/js/store/docs.js) over a fake link: offline edits, a reload, the merge ----

class MemoryStorage {
  constructor() { this.map = new Map(); }
  get length() { return this.map.size; }
  key(i) { return [...this.map.keys()][i] ?? null; }
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  setItem(k, v) { this.map.set(k, String(v)); }
  removeItem(k) { this.map.delete(k); }
}

/** A stand-in for client.js: the parts DocsStore uses, wired to one TestServer. */
function fakeHub() {
  const server = new TestServer({ memory: 1000 });
  const clients = new Set();
  const meta = { id: "d1", title: "Заметки", locked: false, created_by: 1, created_at: "2026-01-01T00:00:00Z" };
  async function handle(fc, msg) {
    await null;
    if (!fc.connected) throw { code: "offline" };
    if (msg.type === "doc.open") {
      return { type: "ok", doc: { ...meta, rev: server.rev, text: server.text, authors: [] }, cursors: [] };
    }
    if (msg.type === "doc.close") return { type: "ok" };
    if (msg.type === "doc.op" || msg.type === "doc.ops") {
      const res = server.handle(msg, fc.user.id, (ev) => {
        for (const c of clients) if (c.connected) c.inbox.push({ type: "event", kind: "doc.op", room: "r", doc: "d1", seq: ev.rev, ...ev });
      });
      if (res.error) throw res.error;
      return { type: "ok", ...res.ok };
    }
    throw { code: "bad_request" };
  }
  return { server, clients, handle };
}

async function fakeClient(hub, id, Emitter) {
  const fc = new Emitter();
  fc.user = { id, name: `u${id}` };
  fc.connected = false;
  fc.ready = new Set();
  fc.inbox = [];
  fc.conn = { request: (msg) => handle(msg), send: () => true };
  const handle = async (msg) => {
    const ok = await hub.handle(fc, msg);
    // Events go out (to everyone in the room) before the ok: commit, then publish.
    for (const c of hub.clients) c.deliver();
    return ok;
  };
  fc.deliver = () => { while (fc.inbox.length) fc.docs.handleEvent(fc.inbox.shift()); };
  fc.goOnline = () => {
    fc.connected = true;
    fc.emit({ type: "state", state: "connected" });
    fc.ready.add("r");
    fc.docs.roomJoined("r", { reset: false });
  };
  fc.goOffline = () => {
    fc.connected = false;
    fc.ready.clear();
    fc.inbox = [];
    fc.emit({ type: "state", state: "reconnecting" });
  };
  hub.clients.add(fc);
  return fc;
}

test("DocsStore: offline edits survive a reload, are resent once, and the merge is announced", async () => {
  globalThis.localStorage = new MemoryStorage();
  const { Emitter } = await import("../js/store/emitter.js");
  const { DocsStore } = await import("../js/store/docs.js");
  // Real timers: the store spaces its sends (80 ms) and throttles cursors and saves.
  const settle = async () => { await new Promise((r) => setTimeout(r, 120)); for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r)); };
  const hub = fakeHub();
  const a = await fakeClient(hub, 1, Emitter);
  const b = await fakeClient(hub, 2, Emitter);
  a.docs = new DocsStore(a);
  b.docs = new DocsStore(b);
  a.goOnline(); b.goOnline();
  const sa = a.docs.open("r", "d1");
  const sb = b.docs.open("r", "d1");
  await settle();
  assert.equal(sa.status, "ready");
  sa.edit(op(["Привет"]));
  await settle();
  assert.equal(sb.text, "Привет");

  // A loses the link and goes on typing: the edits are kept in localStorage.
  a.goOffline();
  sa.edit(op([6, " мир😀"]));
  sa.edit(op([8, "е\u0308", 3]));
  sa.saveNow();
  const key = sa.storageKey;
  assert.ok(localStorage.getItem(key), "saved while offline");
  // B changes the text meanwhile, three times.
  sb.edit(op(["«", 6]));
  await settle();
  sb.edit(op([7, "»", 0].filter((x) => x !== 0)));
  await settle();
  sb.edit(op([8, "!"]));
  await settle();
  assert.equal(hub.server.text, "«Привет»!");

  // A's page is reloaded (a new store), still offline: the text and the edits come back.
  sa.close();
  const a2docs = new DocsStore(a);
  a.docs = a2docs;
  const notices = [];
  const s2 = a2docs.open("r", "d1");
  s2.subscribe((e) => { if (e.type === "notice") notices.push(e); });
  assert.equal(s2.status, "ready", "shown offline from the saved copy");
  assert.equal(s2.text, "Привет ме\u0308ир😀", "the offline edits are back");
  assert.ok(s2.dc.dirty);
  // Back online: the room's join is in; the missing operations are paged, ours resent.
  a.goOnline();
  await settle();
  assert.equal(s2.state, "synchronized");
  assert.equal(hub.server.text, sb.text);
  assert.equal(s2.text, hub.server.text);
  // A's offline insert and B's "»" were at the same place: the one still travelling from a
  // client (A's) goes before the one the server already had.
  assert.equal(hub.server.text, "«Привет ме\u0308ир😀»!");
  assert.equal(localStorage.getItem(key), null, "the saved copy is gone once confirmed");
  const merged = notices.find((n) => n.code === "merged");
  assert.ok(merged, "a merge notice");
  assert.equal(merged.count, 3, "three changes by others were merged");
  // Nothing was applied twice: every piece once.
  assert.equal(hub.server.text.split("Привет").length, 2);
  assert.equal(hub.server.text.split("😀").length, 2);
});
