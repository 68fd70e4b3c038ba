// Fractional position keys: order, validity, and length under the common edits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { between, isValid, keyAt, spread, DIGITS, MAX_LENGTH } from "../js/collab/position-key.js";

function rng(seed) {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

test("the digits are base 62 in ASCII order", () => {
  assert.equal(DIGITS.length, 62);
  for (let i = 1; i < DIGITS.length; i++) assert.ok(DIGITS[i - 1] < DIGITS[i]);
});

test("validity: non-empty, base-62 digits only, never ending in 0", () => {
  for (const k of ["1", "V", "z", "0V", "00z", "a0b", "Zz9"]) assert.ok(isValid(k), k);
  for (const k of ["", "0", "10", "a0", "a-b", "ё", " V", "V ", null, undefined, 5, "a_b", "1".repeat(MAX_LENGTH + 1)]) assert.ok(!isValid(k), String(k));
  assert.ok(isValid("1".repeat(MAX_LENGTH)));
});

test("between with both sides absent is the middle", () => {
  assert.equal(between(null, null), "V");
  assert.equal(between(undefined, ""), "V");
});

test("between is strictly between and valid", () => {
  const cases = [["", "1"], ["1", "2"], ["1", "1".repeat(120)], ["1", "11"], ["V", "W"], ["V", "V1"], ["z", null], ["zz", null], [null, "01"],
    [null, "1"], [null, "0001"], ["a", "a01"], ["Zz", "a"], ["0V", "1"], ["y", "z"], ["yzzz", "z"], ["A", "B"]];
  for (const [a, b] of cases) {
    const k = between(a, b);
    assert.ok(isValid(k), `${a}|${b} → ${k}`);
    if (a) assert.ok(a < k, `${a} < ${k}`);
    if (b) assert.ok(k < b, `${k} < ${b}`);
  }
});

test("between refuses invalid keys and a wrong order", () => {
  assert.throws(() => between("V", "V"), RangeError);
  assert.throws(() => between("W", "V"), RangeError);
  assert.throws(() => between("a0", null), RangeError);
  assert.throws(() => between(null, "0"), RangeError);
  assert.throws(() => between("ё", null), RangeError);
});

test("the same keys as the server's PositionKey (its documented examples)", () => {
  assert.equal(between("V", null), "W");
  assert.equal(between("z", null), "z01");
  assert.equal(between("z0z", null), "z1");
  assert.equal(between(null, "1"), "0z");
  assert.equal(between(null, "01"), "00z");
  assert.equal(between("V", "X"), "W");
  assert.equal(between("V", "W"), "VV");
  assert.equal(between("V", "W1"), "W");
  assert.equal(between("V", "V5"), "V4");
  assert.deepEqual(spread(3), ["F", "V", "k"]);
  assert.deepEqual(spread(0), []);
});

test("repeated appends and prepends stay short (about 2·log62 n)", () => {
  let k = null;
  const appended = [];
  for (let i = 0; i < 3000; i++) { k = between(k, null); appended.push(k); }
  for (let i = 1; i < appended.length; i++) assert.ok(appended[i - 1] < appended[i]);
  assert.equal(appended[29].length, 1);
  assert.ok(Math.max(...appended.map((x) => x.length)) <= 3, `appends grew to ${k.length}`);
  let p = null;
  const prepended = [];
  for (let i = 0; i < 3000; i++) { p = between(null, p); prepended.push(p); assert.ok(isValid(p)); }
  for (let i = 1; i < prepended.length; i++) assert.ok(prepended[i] < prepended[i - 1]);
  assert.ok(p.length <= 4, `prepends grew to ${p.length}`);
});

test("typing a run of cards at one spot, and inserting again and again right after one card", () => {
  // A run: each new card after the previous new one, all before a fixed neighbour.
  let lo = "V";
  const hi = "W";
  for (let i = 0; i < 500; i++) {
    const k = between(lo, hi);
    assert.ok(lo < k && k < hi && isValid(k));
    lo = k;
  }
  assert.ok(lo.length <= 5, `a run grew to ${lo.length}`);
  // Right after one card: each new card between the fixed one and the previous new one.
  const fixed = "V";
  let up = "W";
  for (let i = 0; i < 500; i++) {
    const k = between(fixed, up);
    assert.ok(fixed < k && k < up && isValid(k));
    up = k;
  }
  assert.ok(up.length <= 6, `inserts after one card grew to ${up.length}`);
});

test("random inserts keep a sorted list of distinct valid keys", () => {
  const r = rng(7);
  const keys = [];
  for (let i = 0; i < 3000; i++) {
    const at = Math.floor(r() * (keys.length + 1));
    const k = between(at > 0 ? keys[at - 1] : null, at < keys.length ? keys[at] : null);
    assert.ok(isValid(k));
    keys.splice(at, 0, k);
  }
  for (let i = 1; i < keys.length; i++) assert.ok(keys[i - 1] < keys[i], `${keys[i - 1]} < ${keys[i]}`);
  assert.ok(Math.max(...keys.map((x) => x.length)) < 12);
});

test("keyAt places an item at an index, also past a run of equal keys", () => {
  const list = [{ pos: "A" }, { pos: "M" }, { pos: "M" }, { pos: "Z" }];
  const first = keyAt(list, 0);
  assert.ok(first < "A");
  const mid = keyAt(list, 1);
  assert.ok("A" < mid && mid < "M");
  const inRun = keyAt(list, 2);     // between two equal keys: after the run
  assert.ok("M" < inRun && inRun < "Z");
  assert.ok(keyAt(list, 4) > "Z");
  assert.equal(keyAt([], 0), "V");
});

test("spread gives n ordered, short keys over the whole range", () => {
  for (const n of [1, 10, 61, 62, 500, 5000]) {
    const ks = spread(n);
    assert.equal(ks.length, n);
    for (let i = 0; i < ks.length; i++) { assert.ok(isValid(ks[i]), ks[i]); if (i) assert.ok(ks[i - 1] < ks[i]); }
    assert.ok(Math.max(...ks.map((x) => x.length)) <= Math.ceil(Math.log(n + 1) / Math.log(62)));
  }
});
