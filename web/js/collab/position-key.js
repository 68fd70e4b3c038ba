// Fractional position keys (docs/collab.md "Positions: fractional keys"): base-62 fractions
// 0.d1d2d3… written with the digits "0-9A-Za-z" in ASCII order, compared as plain strings
// (JavaScript's `<` is the server's byte order for them), never empty, never ending in "0",
// at most 100 characters. Between any two keys there is always another, so a move changes
// only the moved card.
//
// A line-by-line port of the server's PositionKey (Sources/AtriumCore/Collab/Board/
// PositionKey.swift), so both sides pick the same keys: appending after the k leading "z"s (or
// prepending before the k leading "0"s) counts in a digit 2k+1, so the keys of one pattern grow
// like 2·log62(n) characters (1 for 30 appends, 3 for ~3,800); only a gap two keys leave
// between them is halved.

export const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** The longest key the server accepts. */
export const MAX_LENGTH = 100;
const TOP = 61;
const MIDDLE = 31;

function digit(code) {
  if (code >= 48 && code <= 57) return code - 48;          // 0-9
  if (code >= 65 && code <= 90) return code - 55;          // A-Z → 10…35
  if (code >= 97 && code <= 122) return code - 61;         // a-z → 36…61
  return -1;
}

/** A key: 1…100 base-62 digits, not ending in "0". */
export function isValid(key) {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_LENGTH || key.endsWith("0")) return false;
  for (let i = 0; i < key.length; i++) if (digit(key.charCodeAt(i)) < 0) return false;
  return true;
}

/** The order of keys and ids (byte order). */
export function compare(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

function digitsOf(key) {
  // As the server: digits, non-empty, not ending in 0 (an over-long neighbour still works).
  const d = typeof key === "string" ? Array.from(key, (ch) => digit(ch.charCodeAt(0))) : [];
  if (d.length === 0 || d.includes(-1) || d[d.length - 1] === 0) throw new RangeError(`not a position key: ${JSON.stringify(key)}`);
  return d;
}

const toKey = (d) => d.map((v) => DIGITS[v]).join("");

function stripped(d) {
  const out = d.slice();
  while (out.length && out[out.length - 1] === 0) out.pop();
  return out;
}

/** A key between a and b (both present, a < b). */
function inside(a, b) {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;          // b cannot end first: a < b
  const prefix = b.slice(0, i);
  // `a` is a prefix of `b`: anything below b's rest (but above zero) fits.
  if (i === a.length) return prefix.concat(before(b.slice(i), MAX_LENGTH - i));
  const x = a[i];
  const y = b[i];
  if (y - x >= 2) return prefix.concat([Math.floor((x + y) / 2)]);
  // Adjacent digits: b cut after its digit y fits if b goes on; otherwise keep a's digit and
  // count upwards in a's rest.
  if (i + 1 < b.length) return prefix.concat([y]);
  return prefix.concat([x], after(a.slice(i + 1), MAX_LENGTH - i - 1));
}

/** A key above x (empty = above zero): with k leading "z"s, one unit more in digit 2k+1. */
function after(x, limit) {
  if (x.length === 0) return [MIDDLE];
  let k = 0;
  while (k < x.length && x[k] === TOP) k++;
  const width = Math.min(2 * k + 1, Math.max(limit, k + 1));
  const d = x.slice(0, width);
  while (d.length < width) d.push(0);
  let j = width - 1;
  for (;;) {                                           // the carry stops at digit k at the latest
    d[j] += 1;
    if (d[j] <= TOP) break;
    d[j] = 0;
    j -= 1;
  }
  return stripped(d);
}

/** A key below x (non-empty, not ending in zero) and above zero: with k leading "0"s, x cut
 *  after digit 2k+1 if it goes on beyond it, or else one unit less there. */
function before(x, limit) {
  let k = 0;
  while (k < x.length && x[k] === 0) k++;
  const width = Math.min(2 * k + 1, Math.max(limit, k + 1));
  if (x.length > width) return stripped(x.slice(0, width));
  const d = x.slice();
  while (d.length < width) d.push(0);
  let j = width - 1;
  for (;;) {                                           // the borrow stops at digit k at the latest
    if (d[j] > 0) { d[j] -= 1; break; }
    d[j] = TOP;
    j -= 1;
  }
  const result = stripped(d);
  return result.length ? result : [0, TOP];            // only "1" comes down to zero: "0z"
}

/** A key strictly between a and b; absent (null, undefined or "") = the start / the end.
 *  Throws RangeError for a malformed key or a ≥ b (where the server's precondition stops). */
export function between(a, b) {
  const da = a === null || a === undefined || a === "" ? null : digitsOf(a);
  const db = b === null || b === undefined || b === "" ? null : digitsOf(b);
  if (da && db && !(a < b)) throw new RangeError(`position keys out of order: ${a} ≥ ${b}`);
  let key;
  if (!da && !db) key = [MIDDLE];
  else if (!db) key = after(da, MAX_LENGTH);
  else if (!da) key = before(db, MAX_LENGTH);
  else key = inside(da, db);
  return toKey(key);
}

/** `count` keys spread evenly over the whole range, as short as that allows (a new board, or
 *  respacing a column whose keys grew long). */
export function spread(count) {
  if (!(count > 0)) return [];
  let width = 1;
  let scale = 62n;
  while (scale < BigInt(count + 1)) { width += 1; scale *= 62n; }
  const keys = [];
  for (let j = 1; j <= count; j++) {
    let value = (BigInt(j) * scale) / BigInt(count + 1);
    const d = new Array(width).fill(0);
    for (let k = width - 1; k >= 0; k--) { d[k] = Number(value % 62n); value /= 62n; }
    keys.push(toKey(stripped(d)));
  }
  return keys;
}

/** The key for putting an item at `index` of an ordered list of items with `pos` (the item
 *  itself already taken out). Equal neighbour keys (two people who picked the same place at
 *  once) have no key between them: the item then goes after the run of equal keys. */
export function keyAt(list, index) {
  const i = Math.max(0, Math.min(index, list.length));
  const lo = i > 0 ? list[i - 1].pos : null;
  let j = i;
  while (lo !== null && j < list.length && list[j].pos <= lo) j++;
  return between(lo, j < list.length ? list[j].pos : null);
}
