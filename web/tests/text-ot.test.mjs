// Unit tests of web/js/collab/text-ot.js: code-point positions, apply, compose, transform
// (with the tie rule), transformIndex, fromDiff and authorship runs. Run: node --test web/tests/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  TextOperation, cpLength, cpToUtf16, utf16ToCp, cpSlice, transformIndex, transformIndexBack,
  fromDiff, applyAuthors, parseAuthors,
} from "../js/collab/text-ot.js";

// A small seeded generator (mulberry32): every run tests the same cases.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
// Cyrillic, Latin, emoji that share a high surrogate (😀 😃 😎 = D83D + DE00/DE03/DE0E), a
// letter outside the BMP (𝔸), combining diaeresis, a newline.
const ALPHABET = ["а", "б", "ё", "е", "ж", "Я", "a", "b", " ", "\n", "😀", "😃", "😎", "𝔸", "\u0308", "é"];
const randText = (r, max) => {
  const n = Math.floor(r() * max);
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return s;
};
function randOp(r, text) {
  const op = new TextOperation();
  let left = cpLength(text);
  while (left > 0) {
    const k = r();
    const n = 1 + Math.floor(r() * Math.min(left, 5));
    if (k < 0.2) op.insert(randText(r, 4));
    else if (k < 0.45) { op.delete(n); left -= n; }
    else { op.retain(n); left -= n; }
  }
  if (r() < 0.3) op.insert(randText(r, 4));
  return op;
}

test("code points, not UTF-16 units", () => {
  assert.equal(cpLength("ё"), 1);
  assert.equal(cpLength("😀"), 1);
  assert.equal(cpLength("е\u0308"), 2);
  assert.equal(cpLength("Привет мир"), 10);
  assert.equal(cpLength("a😀b"), 3);
  const s = "я😀б𝔸";
  assert.equal(cpToUtf16(s, 0), 0);
  assert.equal(cpToUtf16(s, 1), 1);
  assert.equal(cpToUtf16(s, 2), 3);
  assert.equal(cpToUtf16(s, 3), 4);
  assert.equal(cpToUtf16(s, 4), 6);
  assert.equal(cpToUtf16(s, 99), 6);
  assert.equal(utf16ToCp(s, 3), 2);
  assert.equal(utf16ToCp(s, 2), 1, "an index inside a pair counts as the pair's start");
  assert.equal(utf16ToCp(s, 6), 4);
  assert.equal(cpSlice(s, 1, 3), "😀б");
  assert.equal(cpSlice(s, 2), "б𝔸");
});

test("apply: the example of docs/collab.md and emoji", () => {
  const op = TextOperation.fromJSON([7, "новый ", 3]);
  assert.equal(op.apply("Привет мир"), "Привет новый мир");
  assert.equal(op.baseLength, 10);
  assert.equal(op.targetLength, 16);
  assert.equal(TextOperation.fromJSON([1, -1, 1]).apply("a😀b"), "ab");
  assert.equal(TextOperation.fromJSON([1, "ё", -1]).apply("е\u0308"), "её");
  assert.throws(() => TextOperation.fromJSON([3]).apply("a😀"), /base length/);
  assert.equal(new TextOperation().apply(""), "");
});

test("wire form: normal form is checked and kept", () => {
  assert.deepEqual(TextOperation.fromJSON([2, "x", -1, 3]).toJSON(), [2, "x", -1, 3]);
  for (const bad of [[0], [1, 1], ["a", "b"], [-1, -1], [-1, "x"], [1.5], [""], [null], "x", [true]]) {
    assert.throws(() => TextOperation.fromJSON(bad), undefined, JSON.stringify(bad));
  }
  // The builder keeps the normal form: an insert after a delete goes before it.
  const op = new TextOperation().retain(1).delete(2).insert("ж").retain(0).insert("😀");
  assert.deepEqual(op.toJSON(), [1, "ж😀", -2]);
  assert.equal(op.baseLength, 3);
  assert.equal(op.targetLength, 3);
  assert.ok(new TextOperation().retain(5).isNoop());
});

test("compose equals applying one after the other (random, seeded)", () => {
  const r = rng(7);
  for (let i = 0; i < 500; i++) {
    const t = randText(r, 20);
    const a = randOp(r, t);
    const ta = a.apply(t);
    const b = randOp(r, ta);
    const ab = a.compose(b);
    assert.equal(ab.apply(t), b.apply(ta));
    assert.deepEqual(TextOperation.fromJSON(ab.toJSON()).toJSON(), ab.toJSON(), "compose keeps the normal form");
  }
});

test("transform converges (random, seeded) and keeps normal form", () => {
  const r = rng(11);
  for (let i = 0; i < 1000; i++) {
    const t = randText(r, 20);
    const a = randOp(r, t);
    const b = randOp(r, t);
    const [a1, b1] = TextOperation.transform(a, b);
    assert.equal(b1.apply(a.apply(t)), a1.apply(b.apply(t)));
    TextOperation.fromJSON(a1.toJSON());
    TextOperation.fromJSON(b1.toJSON());
  }
});

test("tie rule: the first argument's insert goes first", () => {
  const t = "мир";
  const a = TextOperation.fromJSON(["😀", 3]);
  const b = TextOperation.fromJSON(["ё", 3]);
  const [a1, b1] = TextOperation.transform(a, b);
  assert.equal(b1.apply(a.apply(t)), "😀ёмир");
  assert.equal(a1.apply(b.apply(t)), "😀ёмир");
  const [b2, a2] = TextOperation.transform(b, a);
  assert.equal(a2.apply(b.apply(t)), "ё😀мир");
  assert.equal(b2.apply(a.apply(t)), "ё😀мир");
});

test("transform with concurrent deletes of the same text", () => {
  const t = "абвгд";
  const a = TextOperation.fromJSON([1, -3, 1]);
  const b = TextOperation.fromJSON([2, -2, 1]);
  const [a1, b1] = TextOperation.transform(a, b);
  assert.equal(b1.apply(a.apply(t)), "ад");
  assert.equal(a1.apply(b.apply(t)), "ад");
});

test("transformIndex: inserts before push, deletes pull, the tie follows the flag", () => {
  const op = TextOperation.fromJSON([2, "😀😀", 3]);           // on 5 code points
  assert.equal(transformIndex(1, op), 1);
  assert.equal(transformIndex(2, op), 4, "an insert at the cursor pushes it");
  assert.equal(transformIndex(2, op, false), 2, "…unless it is the cursor's own author's");
  assert.equal(transformIndex(3, op), 5);
  assert.equal(transformIndex(5, op), 7);
  const del = TextOperation.fromJSON([1, -3, 1]);
  assert.equal(transformIndex(0, del), 0);
  assert.equal(transformIndex(2, del), 1, "inside a deletion: to its start");
  assert.equal(transformIndex(4, del), 1);
  assert.equal(transformIndex(5, del), 2);
  const rep = TextOperation.fromJSON([3, "x", -2, 1]);
  assert.equal(transformIndex(4, rep), 4);
  assert.equal(transformIndexBack(4, op), 2, "inside inserted text: back to the insert's start");
  assert.equal(transformIndexBack(6, op), 4);
  assert.equal(transformIndexBack(1, del), 1, "at a deletion: before the deleted text");
  assert.equal(transformIndexBack(2, del), 5, "after a deletion: the deleted text counts again");
  assert.equal(transformIndexBack(0, del), 0);
});

test("transformIndex agrees with the text (random, seeded)", () => {
  const r = rng(3);
  for (let i = 0; i < 300; i++) {
    // A marker character that no operation deletes: where it lands is where the index goes.
    const t = randText(r, 15);
    const n = cpLength(t);
    const at = Math.floor(r() * (n + 1));
    const marked = cpSlice(t, 0, at) + "\u0001" + cpSlice(t, at);
    const op = randOp(r, t);
    // The same op on the marked text, keeping the marker.
    const m = new TextOperation();
    let pos = 0;
    let placed = false;
    for (const c of op.ops) {
      if (typeof c === "number" && c > 0) {
        if (!placed && at >= pos && at < pos + c) { m.retain(at - pos); m.retain(1); m.retain(pos + c - at); placed = true; }
        else m.retain(c);
        pos += c;
      } else if (typeof c === "string") m.insert(c);
      else {
        if (!placed && at >= pos && at < pos - c) { m.delete(at - pos); m.retain(1); m.delete(pos - c - at); placed = true; }
        else m.delete(-c);
        pos += -c;
      }
    }
    if (!placed) m.retain(1);
    const out = m.apply(marked);
    const where = cpLength(out.slice(0, out.indexOf("\u0001")));
    // The marker sits after an insert at its place when pushOnInsert (inserts are placed
    // before the retained marker here), so compare with the pushing variant.
    assert.equal(transformIndex(at, op, true), where, `${JSON.stringify(t)} ${op} @${at}`);
  }
});

test("fromDiff: one replace, in code points, never splitting a surrogate pair", () => {
  const cases = [
    ["", ""], ["", "Привет"], ["Привет", ""], ["Привет мир", "Привет новый мир"],
    ["😀", "😃"],                       // the same high surrogate: the pair is replaced whole
    ["a😀b", "a😎b"], ["😀😃", "😃😃"], ["ж😀", "ж😀😀"], ["е", "е\u0308"], ["е\u0308", "ё"],
    ["abc", "abc"], ["aa", "aaa"], ["𝔸𝔸", "𝔸"],
  ];
  for (const [a, b] of cases) {
    const op = fromDiff(a, b);
    assert.equal(op.apply(a), b, `${JSON.stringify(a)} → ${JSON.stringify(b)}`);
    assert.equal(op.baseLength, cpLength(a));
    assert.ok(op.ops.filter((c) => typeof c !== "number" || c < 0).length <= 2, "a single replace");
    for (const c of op.ops) if (typeof c === "string") assert.ok(c.isWellFormed ? c.isWellFormed() : true, "no lone surrogate inserted");
  }
  assert.deepEqual(fromDiff("😀", "😃").toJSON(), ["😃", -1]);
  assert.deepEqual(fromDiff("Привет мир", "Привет новый мир").toJSON(), [7, "новый ", 3]);
  assert.deepEqual(fromDiff("е", "е\u0308").toJSON(), [1, "\u0308"]);
  // The caret decides where an ambiguous change went: "a" typed between the two a's.
  assert.deepEqual(fromDiff("aa", "aaa").toJSON(), [2, "a"]);
  assert.deepEqual(fromDiff("aa", "aaa", 2).toJSON(), [1, "a", 1]);
  assert.deepEqual(fromDiff("😀😀", "😀😀😀", 4).toJSON(), [1, "😀", 1]);
  assert.deepEqual(fromDiff("😀😀", "😀😀😀", 2).toJSON(), ["😀", 2]);
  assert.deepEqual(fromDiff("aaa", "aa", 1).toJSON(), [1, -1, 1]);
});

test("fromDiff round-trips random edits (seeded)", () => {
  const r = rng(5);
  for (let i = 0; i < 500; i++) {
    const a = randText(r, 20);
    const b = randOp(r, a).apply(a);
    const caret = r() < 0.5 ? Math.floor(r() * (b.length + 1)) : null;
    const op = fromDiff(a, b, caret);
    assert.equal(op.apply(a), b);
    for (const c of op.ops) if (typeof c === "string") assert.ok(c.isWellFormed(), "no lone surrogate");
  }
});

test("authorship runs follow the operations", () => {
  let runs = parseAuthors([["u1", 5]]);
  runs = applyAuthors(runs, TextOperation.fromJSON([2, "😀ё", 3]), "u2");
  assert.deepEqual(runs, [["u1", 2], ["u2", 2], ["u1", 3]]);
  runs = applyAuthors(runs, TextOperation.fromJSON([3, -1, 3]), "u3");
  assert.deepEqual(runs, [["u1", 2], ["u2", 1], ["u1", 3]]);
  runs = applyAuthors(runs, TextOperation.fromJSON([2, -1, 3]), "u3");
  assert.deepEqual(runs, [["u1", 5]], "adjacent runs by the same person merge");
  assert.deepEqual(applyAuthors([], TextOperation.fromJSON(["абв"]), "u1"), [["u1", 3]]);
  assert.deepEqual(parseAuthors([["a", 2], ["a", 1], ["b", 0], "x", ["c", 2]]), [["a", 3], ["c", 2]]);
});
