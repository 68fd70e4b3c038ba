// The board model (every operation and refusal), the replica (confirmed + pending), and a
// seeded randomized convergence run of several replicas against an in-test server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Board, schemaError, isValidId, isValidDue, isValidUrl, boardDigest, newId, byPos } from "../js/collab/board-model.js";
import { BoardReplica } from "../js/collab/board-replica.js";
import { between, isValid as isValidKey } from "../js/collab/position-key.js";

const AT = "2026-11-29T14:00:00.000Z";
const MS = Date.parse(AT);            // the board keeps times as milliseconds (as the server)

function base() {
  const b = new Board();
  assert.equal(b.apply({ op: "column.create", id: "todo", title: "Сделать", pos: "V" }, 1, AT), null);
  assert.equal(b.apply({ op: "column.create", id: "doing", title: "В работе", pos: "k", wip: 2 }, 1, AT), null);
  assert.equal(b.apply({ op: "card.create", id: "c1", column: "todo", pos: "V", title: "Первая" }, 1, AT), null);
  return b;
}

test("ids, dates and links", () => {
  for (const id of ["a", "A-b_9", "x".repeat(40)]) assert.ok(isValidId(id), id);
  for (const id of ["", "x".repeat(41), "a b", "ё", "a.b", 5, null]) assert.ok(!isValidId(id), String(id));
  assert.ok(isValidId(newId()) && isValidId(newId("card-")));
  for (const d of ["2026-02-28", "2024-02-29", "2026-12-31", null]) assert.ok(isValidDue(d), String(d));
  for (const d of ["2026-02-29", "2026-13-01", "2026-00-10", "2026-1-1", "26-01-01", "", "2026-04-31"]) assert.ok(!isValidDue(d), d);
  for (const u of ["http://example.org", "https://школа.рф/план?x=1", "HTTPS://EXAMPLE.ORG", "http://x"]) assert.ok(isValidUrl(u), u);
  for (const u of ["javascript:alert(1)", "ftp://x.org", "example.org", "", "https://", "https://a b", "https://a\u0085b",
    "https://x.org/\u0007", "https://" + "a".repeat(1993)]) assert.ok(!isValidUrl(u), JSON.stringify(u));
  assert.ok(isValidUrl("https://" + "a".repeat(1992)));
  for (const d of ["0000-01-01", "1900-02-29"]) assert.ok(!isValidDue(d), d);
  assert.ok(isValidDue("2000-02-29"));
});

test("column.create, set, move, archive, restore, delete", () => {
  const b = base();
  assert.deepEqual(b.orderedColumns().map((c) => c.id), ["todo", "doing"]);
  assert.equal(b.columns.get("doing").wip, 2);
  assert.equal(b.columns.get("todo").wip, null);
  assert.equal(b.apply({ op: "column.set", id: "todo", field: "title", value: "Бэклог" }, 2, AT), null);
  assert.equal(b.columns.get("todo").title, "Бэклог");
  assert.equal(b.apply({ op: "column.set", id: "todo", field: "wip", value: 3 }, 2, AT), null);
  assert.equal(b.columns.get("todo").wip, 3);
  assert.equal(b.apply({ op: "column.set", id: "todo", field: "wip", value: null }, 2, AT), null);
  assert.equal(b.columns.get("todo").wip, null);
  assert.equal(b.apply({ op: "column.move", id: "todo", pos: "z" }, 2, AT), null);
  assert.deepEqual(b.orderedColumns().map((c) => c.id), ["doing", "todo"]);
  assert.equal(b.apply({ op: "column.archive", id: "doing" }, 2, AT), null);
  assert.deepEqual(b.orderedColumns().map((c) => c.id), ["todo"]);
  assert.deepEqual(b.orderedColumns({ archived: true }).map((c) => c.id), ["doing", "todo"]);
  assert.equal(b.apply({ op: "column.restore", id: "doing" }, 2, AT), null);
  assert.equal(b.columns.get("doing").archived, false);
  assert.equal(b.apply({ op: "column.delete", id: "doing" }, 2, AT), null);
  assert.ok(!b.columns.has("doing"));
  assert.deepEqual(b.gone.get("doing"), { kind: "column", title: "В работе", actor: 2, at: MS });
});

test("column refusals", () => {
  const b = base();
  const before = boardDigest(b);
  assert.deepEqual(b.apply({ op: "column.create", id: "todo", title: "X", pos: "a" }), { code: "conflict", reason: "id_in_use", id: "todo" });
  for (const kind of ["column.set", "column.move", "column.archive", "column.restore", "column.delete"]) {
    const op = { op: kind, id: "nope", field: "title", value: "x", pos: "a" };
    assert.deepEqual(b.apply(op), { code: "not_found", reason: "column_missing", column: "nope" }, kind);
  }
  assert.deepEqual(b.apply({ op: "column.delete", id: "todo" }), { code: "conflict", reason: "column_not_empty", column: "todo" });
  // An archived card still holds its column.
  b.apply({ op: "card.archive", id: "c1" });
  assert.equal(b.apply({ op: "column.delete", id: "todo" }).reason, "column_not_empty");
  b.apply({ op: "card.restore", id: "c1" });
  assert.equal(boardDigest(b), before, "a refusal changes nothing");
});

test("schema checks", () => {
  const bad = [
    [{ op: "column.create", id: "a b", title: "x", pos: "V" }, "id"],
    [{ op: "column.create", id: "a", title: "", pos: "V" }, "title"],
    [{ op: "column.create", id: "a", title: "   ", pos: "V" }, "title"],
    [{ op: "column.create", id: "a", title: "я".repeat(201), pos: "V" }, "title"],
    [{ op: "column.create", id: "a", title: "x", pos: "V0" }, "pos"],
    [{ op: "column.create", id: "a", title: "x", pos: "V", wip: 0 }, "wip"],
    [{ op: "column.create", id: "a", title: "x", pos: "V", wip: 1000 }, "wip"],
    [{ op: "column.create", id: "a", title: "x", pos: "V", wip: 2.5 }, "wip"],
    [{ op: "column.set", id: "a", field: "pos", value: "V" }, "field"],
    [{ op: "column.set", id: "a", field: "wip", value: "3" }, "value"],
    [{ op: "column.move", id: "a", pos: "" }, "pos"],
    [{ op: "card.create", id: "c", column: "", pos: "V", title: "x" }, "column"],
    [{ op: "card.set", id: "c", field: "archived", value: true }, "field"],
    [{ op: "card.set", id: "c", field: "title", value: "" }, "value"],
    [{ op: "card.set", id: "c", field: "description", value: "я".repeat(10001) }, "value"],
    [{ op: "card.set", id: "c", field: "assignees", value: [1, 1] }, "value"],
    [{ op: "card.set", id: "c", field: "assignees", value: ["1"] }, "value"],
    [{ op: "card.set", id: "c", field: "assignees", value: Array.from({ length: 21 }, (_, i) => i + 1) }, "value"],
    [{ op: "card.set", id: "c", field: "labels", value: [""] }, "value"],
    [{ op: "card.set", id: "c", field: "labels", value: ["я".repeat(41)] }, "value"],
    [{ op: "card.set", id: "c", field: "labels", value: Array.from({ length: 21 }, (_, i) => `l${i}`) }, "value"],
    [{ op: "card.set", id: "c", field: "due", value: "2026-02-30" }, "value"],
    [{ op: "card.set", id: "c", field: "checklist", value: [{ id: "a", text: "x" }] }, "value"],
    [{ op: "card.set", id: "c", field: "checklist", value: [{ id: "a", text: "x", done: false }, { id: "a", text: "y", done: true }] }, "value"],
    [{ op: "card.set", id: "c", field: "checklist", value: [{ id: "a", text: "", done: false }] }, "value"],
    [{ op: "card.set", id: "c", field: "links", value: [{ title: "x", url: "javascript:alert(1)" }] }, "value"],
    [{ op: "card.set", id: "c", field: "links", value: [{ title: "", url: "https://example.org" }] }, "value"],
    [{ op: "card.set", id: "c", field: "links", value: [{ url: "https://example.org" }] }, "value"],
    [{ op: "card.set", id: "c", field: "labels", value: ["a", "a"] }, "value"],
    [{ op: "card.set", id: "c", field: "labels", value: ["\u3000"] }, "value"],
    [{ op: "card.set", id: "c", field: "checklist", value: [{ id: "a", text: " \n ", done: false }] }, "value"],
    [{ op: "card.move", id: "c", column: "todo", pos: "0" }, "pos"],
    [{ op: "card.comment", id: "c", comment: "m1", text: " " }, "text"],
    [{ op: "card.comment", id: "c", comment: "m 1", text: "x" }, "comment"],
    [{ op: "card.fly", id: "c" }, "op"],
    [null, "op"],
  ];
  for (const [op, field] of bad) assert.equal(schemaError(op), field, JSON.stringify(op));
  const b = base();
  assert.deepEqual(b.apply({ op: "card.set", id: "c1", field: "title", value: "" }), { code: "bad_request", reason: "schema", field: "value" });
  const good = [
    { op: "card.set", id: "c", field: "due", value: null },
    { op: "card.set", id: "c", field: "description", value: "" },
    { op: "card.set", id: "c", field: "checklist", value: [{ id: "a", text: "x", done: true }] },
    { op: "card.set", id: "c", field: "links", value: [{ title: "План", url: "https://example.org" }] },
    { op: "card.set", id: "c", field: "description", value: "   " },
    { op: "card.set", id: "c", field: "assignees", value: [] },
    { op: "column.set", id: "a", field: "wip", value: null },
    { op: "card.archive", id: "c" },
  ];
  for (const op of good) assert.equal(schemaError(op), null, JSON.stringify(op));
});

test("card.create and every card.set field", () => {
  const b = base();
  const c = b.cards.get("c1");
  assert.deepEqual(c, { id: "c1", column: "todo", pos: "V", title: "Первая", description: "", assignees: [], labels: [], due: null,
    checklist: [], links: [], comments: [], archived: false, created_by: 1, created_at: MS });
  const values = {
    title: "Новое", description: "Описание\nв две строки", assignees: [3, 5], labels: ["важно", "дом"], due: "2026-12-01",
    checklist: [{ id: "i1", text: "Шаг", done: false }], links: [{ title: "План", url: "https://example.org/plan" }],
  };
  for (const [field, value] of Object.entries(values)) {
    assert.equal(b.apply({ op: "card.set", id: "c1", field, value }, 2, AT), null, field);
    assert.deepEqual(b.cards.get("c1")[field], value, field);
  }
  // The value is copied: changing the op afterwards changes nothing.
  const op = { op: "card.set", id: "c1", field: "labels", value: ["a"] };
  b.apply(op);
  op.value.push("b");
  assert.deepEqual(b.cards.get("c1").labels, ["a"]);
  assert.equal(b.apply({ op: "card.comment", id: "c1", comment: "m1", text: "Готово?" }, 4, AT), null);
  assert.deepEqual(b.cards.get("c1").comments, [{ id: "m1", user: 4, at: MS, text: "Готово?" }]);
  assert.deepEqual(b.apply({ op: "card.comment", id: "c1", comment: "m1", text: "ещё" }), { code: "conflict", reason: "comment_in_use", comment: "m1" });
});

test("card refusals: not found, id in use, archived column, WIP limit", () => {
  const b = base();
  assert.deepEqual(b.apply({ op: "card.create", id: "c2", column: "nope", pos: "V", title: "x" }), { code: "not_found", reason: "column_missing", column: "nope" });
  assert.deepEqual(b.apply({ op: "card.create", id: "c1", column: "todo", pos: "W", title: "x" }), { code: "conflict", reason: "id_in_use", id: "c1" });
  for (const kind of ["card.set", "card.move", "card.archive", "card.restore", "card.delete", "card.comment"]) {
    const op = { op: kind, id: "nope", field: "title", value: "x", column: "todo", pos: "V", comment: "m", text: "x" };
    assert.deepEqual(b.apply(op), { code: "not_found", reason: "card_missing", card: "nope" }, kind);
  }
  assert.deepEqual(b.apply({ op: "card.move", id: "c1", column: "nope", pos: "V" }), { code: "not_found", reason: "column_missing", column: "nope" });
  b.apply({ op: "column.create", id: "old", title: "Архив", pos: "z" });
  b.apply({ op: "column.archive", id: "old" });
  assert.deepEqual(b.apply({ op: "card.create", id: "c2", column: "old", pos: "V", title: "x" }), { code: "conflict", reason: "column_archived", column: "old" });
  assert.deepEqual(b.apply({ op: "card.move", id: "c1", column: "old", pos: "V" }), { code: "conflict", reason: "column_archived", column: "old" });
  // WIP 2 in "doing": two cards fit, a third does not.
  assert.equal(b.apply({ op: "card.create", id: "d1", column: "doing", pos: "V", title: "1" }), null);
  assert.equal(b.apply({ op: "card.move", id: "c1", column: "doing", pos: "W" }), null);
  assert.ok(b.atLimit("doing"));
  assert.deepEqual(b.apply({ op: "card.create", id: "d3", column: "doing", pos: "X", title: "3" }), { code: "conflict", reason: "wip_limit", column: "doing", wip: 2 });
  assert.equal(b.apply({ op: "card.create", id: "t2", column: "todo", pos: "X", title: "t2" }), null);
  assert.deepEqual(b.apply({ op: "card.move", id: "t2", column: "doing", pos: "X" }), { code: "conflict", reason: "wip_limit", column: "doing", wip: 2 });
  // Moving within the column at its limit is fine.
  assert.equal(b.apply({ op: "card.move", id: "c1", column: "doing", pos: "U" }), null);
  assert.deepEqual(b.cardsIn("doing").map((c) => c.id), ["c1", "d1"]);
  // Archived cards do not count.
  assert.equal(b.apply({ op: "card.archive", id: "d1" }), null);
  assert.equal(b.activeCount("doing"), 1);
  assert.equal(b.apply({ op: "card.move", id: "t2", column: "doing", pos: "X" }), null);
  assert.deepEqual(b.cardsIn("doing").map((c) => c.id), ["c1", "t2"]);
  assert.deepEqual(b.cardsIn("doing", { archived: true }).map((c) => c.id), ["c1", "d1", "t2"]);
  assert.equal(b.activeCount("doing"), 2);
  // Restoring an archived card into a column at its limit is refused too (it would count again).
  assert.deepEqual(b.apply({ op: "card.restore", id: "d1" }), { code: "conflict", reason: "wip_limit", column: "doing", wip: 2 });
  assert.equal(b.apply({ op: "card.archive", id: "t2" }), null);
  assert.equal(b.apply({ op: "card.restore", id: "d1" }), null);
  assert.equal(b.apply({ op: "card.restore", id: "c1" }), null, "restoring a card that is not archived is fine");
  // A card in an archived column is restored only with its column.
  b.apply({ op: "card.create", id: "o1", column: "todo", pos: "z", title: "o1" });
  b.apply({ op: "card.archive", id: "o1" });
  b.apply({ op: "column.archive", id: "todo" });
  assert.deepEqual(b.apply({ op: "card.restore", id: "o1" }), { code: "conflict", reason: "column_archived", column: "todo" });
  b.apply({ op: "column.restore", id: "todo" });
  assert.equal(b.apply({ op: "card.restore", id: "o1" }), null);
  // Lowering the limit below the count is allowed; then nothing more comes in.
  assert.equal(b.apply({ op: "column.set", id: "doing", field: "wip", value: 1 }), null);
  assert.equal(b.apply({ op: "card.create", id: "d4", column: "doing", pos: "Y", title: "4" }).reason, "wip_limit");
  assert.equal(b.apply({ op: "card.delete", id: "d1" }, 7, AT), null);
  assert.deepEqual(b.gone.get("d1"), { kind: "card", title: "1", actor: 7, at: MS });
  assert.deepEqual(b.apply({ op: "card.set", id: "d1", field: "title", value: "x" }), { code: "not_found", reason: "card_missing", card: "d1" });
});

test("order is (pos, id) and the wire shape round-trips", () => {
  const b = base();
  b.apply({ op: "card.create", id: "b", column: "todo", pos: "V", title: "same pos" });
  b.apply({ op: "card.create", id: "a0", column: "todo", pos: "a", title: "later" });
  assert.deepEqual(b.cardsIn("todo").map((c) => c.id), ["b", "c1", "a0"]);
  b.rev = 9;
  b.locked = true;
  const json = JSON.parse(JSON.stringify(b.toJSON()));
  const again = Board.from(json);
  assert.equal(again.rev, 9);
  assert.equal(again.locked, true);
  assert.equal(boardDigest(again), boardDigest(b));
  assert.deepEqual(json.cards.map((c) => c.id), [...json.cards].sort(byPos).map((c) => c.id));
});

test("a trusted (committed) operation is applied even where the local rules would refuse", () => {
  const b = base();
  b.apply({ op: "card.create", id: "d1", column: "doing", pos: "V", title: "1" });
  b.apply({ op: "card.create", id: "d2", column: "doing", pos: "W", title: "2" });
  const op = { op: "card.move", id: "c1", column: "doing", pos: "X" };
  assert.equal(b.apply(op).reason, "wip_limit");
  assert.equal(b.apply(op, 1, AT, { trusted: true }), null);
  assert.equal(b.cards.get("c1").column, "doing");
  assert.equal(b.apply({ op: "card.set", id: "zz", field: "title", value: "x" }, 1, AT, { trusted: true }).reason, "card_missing");
});

// ---- the replica ----

test("replica: own operations show at once and are confirmed by nonce", () => {
  const r = new BoardReplica({ me: 1, board: base().toJSON() });
  assert.equal(r.local({ op: "card.set", id: "c1", field: "title", value: "Моё" }, "n1"), null);
  assert.equal(r.view.cards.get("c1").title, "Моё");
  assert.equal(r.confirmed.cards.get("c1").title, "Первая");
  assert.equal(r.pending.length, 1);
  assert.deepEqual(r.receive({ op: "card.set", id: "c1", field: "title", value: "Моё" }, "n1", 1, AT, 1), []);
  assert.equal(r.pending.length, 0);
  assert.equal(r.confirmed.cards.get("c1").title, "Моё");
  assert.equal(r.rev, 1);
  // A local change that does not fit is refused at once and not kept.
  assert.equal(r.local({ op: "card.move", id: "nope", column: "todo", pos: "V" }, "n2").reason, "card_missing");
  assert.equal(r.pending.length, 0);
});

test("replica: a pending change on a card someone deleted is dropped and reported", () => {
  const r = new BoardReplica({ me: 1, board: base().toJSON() });
  r.local({ op: "card.set", id: "c1", field: "due", value: "2026-12-01" }, "n1");
  r.local({ op: "card.create", id: "c2", column: "todo", pos: "k", title: "Вторая" }, "n2");
  const dropped = r.receive({ op: "card.delete", id: "c1" }, "x", 2, AT, 1);
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0].nonce, "n1");
  assert.equal(dropped[0].refusal.reason, "card_missing");
  assert.deepEqual(r.confirmed.gone.get("c1").actor, 2);
  assert.deepEqual(r.pending.map((p) => p.nonce), ["n2"]);
  assert.ok(r.view.cards.has("c2") && !r.view.cards.has("c1"));
});

test("replica: a sent change is kept (hidden) until the server answers; refusals take dependants along", () => {
  const r = new BoardReplica({ me: 1, board: base().toJSON() });
  r.local({ op: "card.create", id: "c2", column: "todo", pos: "k", title: "Вторая" }, "n1");
  r.local({ op: "card.set", id: "c2", field: "labels", value: ["x"] }, "n2");
  r.markSent("n1");
  // Someone archives the column: our create no longer fits locally, but it was sent; the
  // change to the card it creates waits with it.
  assert.deepEqual(r.receive({ op: "column.archive", id: "todo" }, "x", 2, AT, 1), []);
  assert.deepEqual(r.pending.map((p) => [p.nonce, p.hidden]), [["n1", true], ["n2", true]]);
  const dropped = r.refused("n1", { code: "conflict", reason: "column_archived" });
  assert.deepEqual(dropped.map((d) => d.nonce), ["n1", "n2"]);
  assert.equal(dropped[1].refusal.reason, "card_missing");
  assert.equal(r.pending.length, 0);
});

test("replica: reload, then a snapshot that already holds a committed change; the resend is a duplicate", () => {
  const first = new BoardReplica({ me: 1, board: base().toJSON() });
  first.local({ op: "card.create", id: "c2", column: "todo", pos: "k", title: "Вторая" }, "n1");
  first.local({ op: "card.set", id: "c2", field: "due", value: "2026-12-24" }, "n2");
  const stored = JSON.parse(JSON.stringify(first.saved()));
  // The server had committed n1 (rev 1) before the page was reloaded.
  const server = base();
  server.apply({ op: "card.create", id: "c2", column: "todo", pos: "k", title: "Вторая" }, 1, AT);
  server.rev = 1;
  const r = new BoardReplica({ me: 1 });
  r.load(stored);
  assert.deepEqual(r.reset(server.toJSON()), []);
  assert.equal(r.pending.find((p) => p.nonce === "n1").hidden, true);
  assert.equal(r.view.cards.get("c2").due, "2026-12-24");
  assert.deepEqual(r.acked("n1", 1), []);           // duplicate: {rev: 1, duplicate: true}
  assert.deepEqual(r.pending.map((p) => p.nonce), ["n2"]);
  r.acked("n2", 2);
  r.receive({ op: "card.set", id: "c2", field: "due", value: "2026-12-24" }, "n2", 1, AT, 2);
  assert.equal(r.pending.length, 0);
  assert.equal(r.view.cards.get("c2").due, "2026-12-24");
});

test("per-field last write wins: two concurrent sets of different fields both survive", () => {
  const server = new TestServer(base());
  const a = new Client(server, 1, "a");
  const b = new Client(server, 2, "b");
  a.edit({ op: "card.set", id: "c1", field: "title", value: "Заголовок от A" });
  b.edit({ op: "card.set", id: "c1", field: "due", value: "2026-12-31" });
  a.edit({ op: "card.set", id: "c1", field: "labels", value: ["A"] });
  b.edit({ op: "card.set", id: "c1", field: "labels", value: ["B"] });   // same field: the later one wins
  server.deliverAll([a, b]);
  for (const c of [a, b]) {
    const card = c.replica.view.cards.get("c1");
    assert.equal(card.title, "Заголовок от A");
    assert.equal(card.due, "2026-12-31");
    assert.deepEqual(card.labels, ["B"]);
    assert.equal(boardDigest(c.replica.view), boardDigest(server.board));
  }
});

// ---- the randomized convergence run ----

function rng(seed) {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

/** The server: applies operations in arrival order with the full validation, numbers them,
 *  remembers nonces (a resend answers duplicate), and keeps the event log for replays. */
class TestServer {
  constructor(board = new Board()) {
    this.board = board;
    this.log = [];                 // [{rev, op, nonce, actor, at}]
    this.nonces = new Map();       // `${actor}:${nonce}` → rev
    this.inbox = [];               // [{client, op, nonce}] in arrival order (for the simple tests)
  }
  handle(actor, op, nonce) {
    const key = `${actor}:${nonce}`;
    if (this.nonces.has(key)) return { ok: true, rev: this.nonces.get(key), duplicate: true };
    const at = new Date(Date.UTC(2026, 10, 29, 14, 0, this.log.length)).toISOString();
    const refusal = this.board.apply(op, actor, at);
    if (refusal) return { ok: false, error: refusal };
    this.board.rev += 1;
    const ev = { rev: this.board.rev, op: JSON.parse(JSON.stringify(op)), nonce, actor, at };
    this.log.push(ev);
    this.nonces.set(key, ev.rev);
    return { ok: true, rev: ev.rev, event: ev };
  }
  deliverAll(clients) {
    for (const { client, op, nonce } of this.inbox.splice(0)) {
      const res = this.handle(client.me, op, nonce);
      if (res.event) for (const c of clients) c.replica.receive(res.event.op, res.event.nonce, res.event.actor, res.event.at, res.event.rev);
      if (res.ok) client.replica.acked(nonce, res.rev); else client.replica.refused(nonce, res.error);
    }
  }
}

class Client {
  constructor(server, me, name) {
    this.server = server;
    this.me = me;
    this.name = name;
    this.replica = new BoardReplica({ me, board: server.board.toJSON() });
    this.n = 0;
  }
  edit(op) {
    const nonce = `${this.name}-${++this.n}`;
    assert.equal(this.replica.local(op, nonce), null);
    this.replica.markSent(nonce);
    this.server.inbox.push({ client: this, op, nonce });
  }
}

/** A random operation that fits the client's current view (or null). */
function randomOp(r, view, name, counter) {
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const cols = view.orderedColumns({ archived: true });
  const live = cols.filter((c) => !c.archived);
  const cards = [...view.cards.values()];
  const id = () => `${name}${counter.n++}`;
  const posIn = (list) => {
    const i = Math.floor(r() * (list.length + 1));
    const lo = i > 0 ? list[i - 1].pos : null;
    let j = i;
    while (lo !== null && j < list.length && list[j].pos <= lo) j++;
    return between(lo, j < list.length ? list[j].pos : null);
  };
  const roll = r();
  if (cols.length < 2 || roll < 0.06) return { op: "column.create", id: id(), title: `Колонка ${counter.n}`, pos: posIn(view.orderedColumns({ archived: true })), ...(r() < 0.3 ? { wip: 1 + Math.floor(r() * 4) } : {}) };
  if (roll < 0.09) { const c = pick(cols); return { op: "column.set", id: c.id, field: r() < 0.5 ? "title" : "wip", value: r() < 0.5 ? `T${counter.n++}` : null }; }
  if (roll < 0.11) { const c = pick(cols); return { op: "column.set", id: c.id, field: "wip", value: 1 + Math.floor(r() * 5) }; }
  if (roll < 0.13) { const c = pick(cols); return { op: "column.move", id: c.id, pos: posIn(view.orderedColumns({ archived: true }).filter((x) => x.id !== c.id)) }; }
  if (roll < 0.15) return { op: pick(["column.archive", "column.restore"]), id: pick(cols).id };
  if (roll < 0.17) { const empty = cols.filter((c) => !cards.some((k) => k.column === c.id)); return empty.length ? { op: "column.delete", id: pick(empty).id } : null; }
  if (cards.length < 3 || roll < 0.35) {
    if (!live.length) return null;
    const c = pick(live);
    return { op: "card.create", id: id(), column: c.id, pos: posIn(view.cardsIn(c.id, { archived: true })), title: `Карточка ${counter.n}` };
  }
  const card = pick(cards);
  if (roll < 0.55) {
    if (!live.length) return null;
    const c = pick(live);
    return { op: "card.move", id: card.id, column: c.id, pos: posIn(view.cardsIn(c.id, { archived: true }).filter((k) => k.id !== card.id)) };
  }
  if (roll < 0.8) {
    const field = pick(["title", "description", "assignees", "labels", "due", "checklist", "links"]);
    const values = {
      title: `Название ${counter.n++}`, description: r() < 0.2 ? "" : `Текст ${counter.n++} 😀`,
      assignees: [1, 2, 3, 4].filter(() => r() < 0.4), labels: ["a", "b", "c"].filter(() => r() < 0.5),
      due: r() < 0.3 ? null : `2026-12-${String(1 + Math.floor(r() * 28)).padStart(2, "0")}`,
      checklist: [{ id: "i1", text: "Шаг 1", done: r() < 0.5 }, { id: "i2", text: "Шаг 2", done: r() < 0.5 }].filter(() => r() < 0.7),
      links: r() < 0.5 ? [] : [{ title: "ссылка", url: `https://example.org/${counter.n++}` }],
    };
    return { op: "card.set", id: card.id, field, value: values[field] };
  }
  if (roll < 0.88) return { op: "card.comment", id: card.id, comment: id(), text: `Комментарий ${counter.n}` };
  if (roll < 0.95) return { op: pick(["card.archive", "card.restore"]), id: card.id };
  return { op: "card.delete", id: card.id };
}

/** One simulated run: `n` clients with random delays and offline stretches. */
function simulate(seed, { clients: n = 4, steps = 1500 } = {}) {
  const r = rng(seed);
  const server = new TestServer();
  const counter = { n: 0 };
  const stats = { sent: 0, committed: 0, refused: 0, duplicates: 0, dropped: 0, reloads: 0, snapshots: 0 };
  let now = 0;
  const mk = (i) => ({
    me: i + 1, name: `u${i}`, replica: new BoardReplica({ me: i + 1, board: server.board.toJSON() }), online: true, offlineUntil: 0,
    up: [], down: [], seq: 0, lastUp: 0, lastDown: 0, stored: null,
  });
  const cs = Array.from({ length: n }, (_, i) => mk(i));
  const delay = () => 1 + Math.floor(r() * 12);
  // FIFO channels (a WebSocket keeps order): each message no earlier than the previous one.
  const sendUp = (c, msg) => { c.lastUp = Math.max(c.lastUp, now + delay()); c.up.push({ t: c.lastUp, msg }); };
  const sendDown = (c, msg) => { c.lastDown = Math.max(c.lastDown, now + delay()); c.down.push({ t: c.lastDown, msg }); };
  const sendPending = (c) => {
    for (const p of c.replica.unsent()) {
      c.replica.markSent(p.nonce);
      sendUp(c, { op: p.op, nonce: p.nonce });
      stats.sent++;
    }
  };
  const handleDown = (c, msg) => {
    if (msg.event) { stats.dropped += c.replica.receive(msg.event.op, msg.event.nonce, msg.event.actor, msg.event.at, msg.event.rev).length; return; }
    if (msg.ok) { if (msg.duplicate) stats.duplicates++; stats.dropped += c.replica.acked(msg.nonce, msg.rev).length; return; }
    stats.refused++;
    stats.dropped += c.replica.refused(msg.nonce, msg.error).length;
  };
  const goOffline = (c) => { c.online = false; c.offlineUntil = now + 20 + Math.floor(r() * 150); c.up = []; c.down = []; };
  const reconnect = (c) => {
    c.online = true;
    c.lastUp = now; c.lastDown = now;
    if (r() < 0.3) {
      // A reload while offline: a new replica from what was kept in storage.
      stats.reloads++;
      const saved = JSON.parse(JSON.stringify(c.replica.saved()));
      c.replica = new BoardReplica({ me: c.me });
      c.replica.load(saved);
      stats.dropped += c.replica.reset(server.board.toJSON()).length;
    } else if (r() < 0.3) {
      // Too much missed (reset): a fresh snapshot instead of the replay.
      stats.snapshots++;
      stats.dropped += c.replica.reset(server.board.toJSON()).length;
    } else {
      // The room's replay: every event after the client's revision, in order.
      for (const ev of server.log.filter((e) => e.rev > c.replica.rev)) stats.dropped += c.replica.receive(ev.op, ev.nonce, ev.actor, ev.at, ev.rev).length;
    }
    // Pending changes are resent with their original nonces once the replay is in.
    for (const p of c.replica.pending) if (p.acked === null) p.sent = false;
    sendPending(c);
  };
  const serverReceive = (c, { op, nonce }) => {
    const res = server.handle(c.me, op, nonce);
    if (res.event) {
      stats.committed++;
      for (const other of cs) if (other.online) sendDown(other, { event: res.event });
    }
    sendDown(c, res.ok ? { ok: true, nonce, rev: res.rev, duplicate: !!res.duplicate } : { ok: false, nonce, error: res.error });
  };
  const tick = () => {
    for (const c of cs) {
      if (!c.online) continue;
      while (c.up.length && c.up[0].t <= now && c.online) serverReceive(c, c.up.shift().msg);
    }
    for (const c of cs) {
      if (!c.online) continue;
      while (c.down.length && c.down[0].t <= now) handleDown(c, c.down.shift().msg);
    }
  };
  for (let step = 0; step < steps; step++, now++) {
    for (const c of cs) {
      if (!c.online && now >= c.offlineUntil) reconnect(c);
      else if (c.online && r() < 0.004) goOffline(c);
      if (r() < 0.25) {
        const op = randomOp(r, c.replica.view, c.name, counter);
        if (!op) continue;
        const nonce = `${c.name}-n${++c.seq}`;
        if (c.replica.local(op, nonce) === null && c.online) { c.replica.markSent(nonce); sendUp(c, { op, nonce }); stats.sent++; }
      }
    }
    tick();
  }
  // Everyone back online; deliver until nothing moves.
  for (const c of cs) if (!c.online) reconnect(c);
  for (let guard = 0; guard < 100000; guard++, now++) {
    tick();
    if (cs.every((c) => !c.up.length && !c.down.length)) break;
  }
  return { server, cs, stats };
}

test("randomized convergence: replicas with delays, offline stretches and reloads all agree with the server", () => {
  for (const seed of [1, 2, 3, 42, 2026, 31337]) {
    const { server, cs, stats } = simulate(seed);
    const want = boardDigest(server.board);
    assert.ok(stats.committed > 200, `seed ${seed}: only ${stats.committed} committed`);
    for (const c of cs) {
      assert.deepEqual(c.replica.pending, [], `seed ${seed}: ${c.name} still has pending changes`);
      assert.equal(c.replica.divergence, null, `seed ${seed}: ${c.name} diverged`);
      assert.equal(c.replica.rev, server.board.rev, `seed ${seed}: ${c.name} revision`);
      assert.equal(boardDigest(c.replica.confirmed), want, `seed ${seed}: ${c.name} confirmed state differs`);
      assert.equal(boardDigest(c.replica.view), want, `seed ${seed}: ${c.name} view differs`);
    }
    // The run exercised what it is meant to.
    assert.ok(stats.duplicates > 0 || stats.reloads + stats.snapshots > 0, `seed ${seed}: no resends`);
    assert.ok(stats.refused + stats.dropped > 0, `seed ${seed}: no conflicts at all`);
    // Keys stayed valid.
    for (const card of server.board.cards.values()) assert.ok(isValidKey(card.pos));
  }
});
