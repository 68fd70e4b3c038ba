// The board store against an in-test server and fake clients: live changes, offline changes
// kept across a reload and resent with their nonces after a reconnect, a lost ok answered
// `duplicate`, and the report ("2 merged; 1 could not be applied: the card was deleted by …").
import { test } from "node:test";
import assert from "node:assert/strict";
import { Emitter } from "../js/store/emitter.js";
import { Board, boardDigest } from "../js/collab/board-model.js";
import { BoardStore } from "../js/store/board.js";

// A localStorage for Node.
const mem = new Map();
globalThis.localStorage = {
  getItem: (k) => (mem.has(k) ? mem.get(k) : null),
  setItem: (k, v) => mem.set(k, String(v)),
  removeItem: (k) => mem.delete(k),
  key: (i) => [...mem.keys()][i] ?? null,
  get length() { return mem.size; },
};

const ROOM = "project-x";
const tick = () => new Promise((r) => setTimeout(r, 0));
async function settle(n = 30) { for (let i = 0; i < n; i++) await tick(); }

class Server {
  constructor() { this.board = new Board(); this.seq = 0; this.events = []; this.nonces = new Map(); this.clients = new Set(); this.dropNextOk = null; }
  commit(client, op, nonce) {
    const key = `${client.user.id}:${nonce}`;
    if (this.nonces.has(key)) return { rev: this.nonces.get(key), duplicate: true };
    const at = new Date(Date.UTC(2026, 10, 29, 14, 0, this.events.length)).toISOString();
    const refusal = this.board.apply(op, client.user.id, at);
    if (refusal) { const e = new Error(refusal.reason); e.code = refusal.code; throw e; }
    this.board.rev += 1;
    const ev = { type: "event", room: ROOM, seq: ++this.seq, at, kind: "board.op", actor: client.user.id, actor_name: client.user.name, rev: this.board.rev, op, nonce };
    this.events.push(ev);
    this.nonces.set(key, this.board.rev);
    for (const c of this.clients) if (c.connected) c.deliver(ev);
    return { rev: this.board.rev, seq: ev.seq };
  }
  handle(client, msg) {
    switch (msg.type) {
      case "board.open": return { board: { ...this.board.toJSON(), rev: this.board.rev } };
      case "board.op": {
        const ok = this.commit(client, JSON.parse(JSON.stringify(msg.op)), msg.nonce);
        if (this.dropNextOk === client) { this.dropNextOk = null; client.disconnect(); const e = new Error("offline"); e.code = "offline"; throw e; }
        return ok;
      }
      case "room.members": return { members: [...this.clients].map((c) => ({ user: c.user.id, name: c.user.name })) };
      default: { const e = new Error("bad"); e.code = "bad_request"; throw e; }
    }
  }
}

class FakeClient extends Emitter {
  constructor(server, id, name) {
    super();
    this.server = server;
    this.user = { id, name };
    this.connected = true;
    this.ready = new Set([ROOM]);
    const tl = new Emitter();
    Object.assign(tl, { loaded: true, lastSeq: 0, latestKnown: 0 });
    this.tl = tl;
    this.access = { get: () => ({ known: true, can: new Set(["read", "edit_boards"]), denied: null }), may: (room, p) => p !== "facilitate" };
    this.presence = { people: () => [], subscribe: () => () => {} };
    this.conn = { request: (msg) => this.request(msg) };
    server.clients.add(this);
  }
  timeline() { return this.tl; }
  request(msg) {
    if (!this.connected) return Promise.reject(Object.assign(new Error("offline"), { code: "offline" }));
    return new Promise((resolve, reject) => setTimeout(() => {
      if (!this.connected) { reject(Object.assign(new Error("offline"), { code: "offline" })); return; }
      try { resolve({ type: "ok", ...this.server.handle(this, msg) }); } catch (err) { reject(err); }
    }, 1));
  }
  deliver(ev) {
    setTimeout(() => {
      if (!this.connected) return;
      this.tl.lastSeq = Math.max(this.tl.lastSeq, ev.seq);
      this.tl.latestKnown = Math.max(this.tl.latestKnown, ev.seq);
      this.emit({ type: "board.event", room: ROOM, event: ev, isNew: true });
    }, 1);
  }
  disconnect() { this.connected = false; this.ready.clear(); this.emit({ type: "state", state: "reconnecting" }); }
  reconnect() {
    this.connected = true;
    this.emit({ type: "state", state: "connected" });
    // The join: the ok, then the replay of everything after our last seq.
    this.ready.add(ROOM);
    this.tl.latestKnown = this.server.seq;
    for (const ev of this.server.events) if (ev.seq > this.tl.lastSeq) {
      this.tl.lastSeq = ev.seq;
      this.emit({ type: "board.event", room: ROOM, event: ev, isNew: true });
    }
    this.tl.emit();
  }
}

function reports(store) { const list = []; store.subscribe((e) => { if (e.type === "report") list.push(e); }); return list; }

test("two people: own changes show at once, both boards converge", async () => {
  mem.clear();
  const server = new Server();
  const a = new BoardStore(new FakeClient(server, 1, "Анна Петрова"), ROOM).start();
  const b = new BoardStore(new FakeClient(server, 2, "Иван Сидоров"), ROOM).start();
  await settle();
  assert.ok(a.loaded && b.loaded);
  assert.equal(a.do({ op: "column.create", id: "todo", title: "Сделать", pos: "V" }), null);
  assert.ok(a.board.columns.has("todo"), "shown at once");
  await settle();
  assert.ok(b.board.columns.has("todo"));
  a.do({ op: "card.create", id: "c1", column: "todo", pos: "V", title: "Отчёт" });
  await settle();
  a.do({ op: "card.set", id: "c1", field: "title", value: "Отчёт по проекту" });
  b.do({ op: "card.set", id: "c1", field: "due", value: "2026-12-20" });
  await settle();
  for (const s of [a, b]) {
    assert.equal(s.board.cards.get("c1").title, "Отчёт по проекту");
    assert.equal(s.board.cards.get("c1").due, "2026-12-20");
    assert.equal(boardDigest(s.board), boardDigest(server.board));
    assert.equal(s.pendingCount, 0);
  }
  a.destroy(); b.destroy();
});

test("offline changes survive a reload, are resent with their nonces, and the person is told what happened", async () => {
  mem.clear();
  const server = new Server();
  const ca = new FakeClient(server, 1, "Анна Петрова");
  const cb = new FakeClient(server, 2, "Иван Сидоров");
  let a = new BoardStore(ca, ROOM).start();
  const b = new BoardStore(cb, ROOM).start();
  await settle();
  a.do({ op: "column.create", id: "todo", title: "Сделать", pos: "V" });
  a.do({ op: "card.create", id: "c1", column: "todo", pos: "V", title: "Отчёт" });
  a.do({ op: "card.create", id: "c2", column: "todo", pos: "k", title: "Плакат" });
  await settle();
  ca.disconnect();
  // Offline: three changes, one of them to a card Ivan deletes meanwhile.
  a.do({ op: "card.set", id: "c1", field: "labels", value: ["важно"] });
  a.do({ op: "card.comment", id: "c2", comment: "m1", text: "Нужен рисунок" });
  a.do({ op: "card.set", id: "c2", field: "due", value: "2026-12-01" });
  assert.equal(a.pendingCount, 3);
  assert.equal(a.board.cards.get("c2").due, "2026-12-01", "offline changes show at once");
  b.do({ op: "card.delete", id: "c2" });
  await settle();
  // The page is reloaded while offline: a new store from what was kept.
  a.destroy();
  a = new BoardStore(ca, ROOM).start();
  assert.equal(a.pendingCount, 3, "pending changes restored from storage");
  assert.ok(a.loaded, "the cached board is shown offline");
  assert.deepEqual(a.board.cards.get("c1").labels, ["важно"]);
  const seen = reports(a);
  ca.reconnect();
  await settle(60);
  assert.equal(a.pendingCount, 0);
  assert.equal(boardDigest(a.board), boardDigest(server.board));
  assert.deepEqual(server.board.cards.get("c1").labels, ["важно"]);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].merged, 1);
  assert.equal(seen[0].failed.length, 2);
  for (const f of seen[0].failed) {
    assert.equal(f.reason, "card_missing");
    assert.equal(f.card, "Плакат");
    assert.equal(f.name, "Иван Сидоров");
  }
  a.destroy(); b.destroy();
});

test("a change whose ok was lost is resent after the reconnect and answered duplicate: applied once", async () => {
  mem.clear();
  const server = new Server();
  const ca = new FakeClient(server, 1, "Анна");
  const a = new BoardStore(ca, ROOM).start();
  await settle();
  a.do({ op: "column.create", id: "todo", title: "Сделать", pos: "V" });
  await settle();
  server.dropNextOk = ca;                       // committed, then the link drops before the ok
  a.do({ op: "card.comment", id: "nope", comment: "m1", text: "x" });   // refused at once locally (no card)
  a.do({ op: "card.create", id: "c1", column: "todo", pos: "V", title: "Один раз" });
  await settle();
  assert.equal(ca.connected, false);
  assert.equal(a.pendingCount, 1);
  // The event was lost with the link too: the store learns of it from the replay or the resend.
  const committed = server.events.length;
  ca.tl.lastSeq = committed - 1;                // the event never arrived
  ca.reconnect();
  await settle(60);
  assert.equal(server.events.length, committed, "nothing committed twice");
  assert.equal(a.pendingCount, 0);
  assert.equal(boardDigest(a.board), boardDigest(server.board));
  assert.equal([...a.board.cards.values()].length, 1);
  a.destroy();
});

test("a refusal from the server is reported with its reason, and a dependent change goes with it", async () => {
  mem.clear();
  const server = new Server();
  const ca = new FakeClient(server, 1, "Анна");
  const a = new BoardStore(ca, ROOM).start();
  await settle();
  a.do({ op: "column.create", id: "doing", title: "В работе", pos: "V", wip: 1 });
  await settle();
  const seen = reports(a);
  // Oleg fills the column; his event is still on its way when Anna adds a card and edits it.
  server.commit(new FakeClient(server, 3, "Олег"), { op: "card.create", id: "x1", column: "doing", pos: "V", title: "Чужая" }, "o1");
  assert.equal(a.do({ op: "card.create", id: "mine", column: "doing", pos: "k", title: "Моя" }), null);
  assert.equal(a.do({ op: "card.set", id: "mine", field: "due", value: "2026-12-24" }), null);
  await settle(60);
  assert.equal(boardDigest(a.board), boardDigest(server.board));
  assert.ok(!a.board.cards.has("mine"));
  assert.equal(a.pendingCount, 0);
  const failed = seen.flatMap((r) => r.failed);
  assert.equal(failed[0].reason, "wip_limit");
  assert.equal(failed[0].column, "В работе");
  assert.equal(failed[0].wip, 1);
  assert.equal(failed.length, 2, "the edit of the refused card goes too");
  assert.equal(failed[1].reason, "card_not_created");
  assert.equal(failed[1].card, "Моя");
  a.destroy();
});

test("a locked board refuses changes locally for people without facilitate", async () => {
  mem.clear();
  const server = new Server();
  server.board.locked = true;
  const a = new BoardStore(new FakeClient(server, 1, "Анна"), ROOM).start();
  await settle();
  assert.ok(a.readOnly());
  assert.deepEqual(a.do({ op: "column.create", id: "c", title: "x", pos: "V" }), { code: "forbidden", reason: "locked" });
  a.destroy();
});
