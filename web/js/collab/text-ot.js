// Operational transformation of plain text, as docs/collab.md defines it. Every length and
// position counts Unicode code points (never UTF-16 units): "ё", "😀" and "е" + U+0308 are 1,
// 1 and 2 positions. The browser converts its UTF-16 indices at the edge with cpToUtf16 /
// utf16ToCp. No DOM here: the module runs in node for the tests.
//
// Wire form of an operation: a JSON array of components —
//   n > 0   retain the next n code points,
//   "s"     insert s here,
//   -n < 0  delete the next n code points.
// Normal form: no zero components, no two adjacent components of the same kind, an insert
// before a delete at the same place. transform(a, b): when both insert at the same place,
// a's insert goes first (both the server and the clients call transform(clientOp, serverOp)).

const isRetain = (c) => typeof c === "number" && c > 0;
const isInsert = (c) => typeof c === "string";
const isDelete = (c) => typeof c === "number" && c < 0;

// ---- code points ↔ UTF-16 ----

function isHigh(u) { return u >= 0xd800 && u <= 0xdbff; }
function isLow(u) { return u >= 0xdc00 && u <= 0xdfff; }

/** The number of code points in `s` (a lone surrogate counts as one, as for-of does). */
export function cpLength(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    n++;
    if (isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) i++;
  }
  return n;
}

/** The UTF-16 index in `s` of code point `cp` (clamped to the string's end). */
export function cpToUtf16(s, cp) {
  let i = 0;
  for (let n = 0; n < cp && i < s.length; n++) {
    if (isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) i += 2;
    else i += 1;
  }
  return i;
}

/** The code-point index of UTF-16 index `u` in `s`; an index inside a surrogate pair counts
 *  as the pair's start. */
export function utf16ToCp(s, u) {
  let n = 0;
  const end = Math.min(Math.max(0, u), s.length);
  for (let i = 0; i < end; i++) {
    if (isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) {
      if (i + 1 >= end) break;     // `u` points between the two halves
      i++;
    }
    n++;
  }
  return n;
}

/** `s` from code point `from` to code point `to` (exclusive; default: the end). */
export function cpSlice(s, from, to) {
  const start = cpToUtf16(s, from);
  if (to === undefined) return s.slice(start);
  // Walk on from `start` instead of from 0 for the end.
  let i = start;
  for (let n = from; n < to && i < s.length; n++) {
    if (isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) i += 2;
    else i += 1;
  }
  return s.slice(start, i);
}

// ---- operations ----

export class TextOperation {
  constructor() {
    this.ops = [];
    this.baseLength = 0;     // code points the operation applies to
    this.targetLength = 0;   // code points of its result
  }

  retain(n) {
    if (!Number.isInteger(n) || n < 0) throw new Error("retain expects a non-negative integer");
    if (n === 0) return this;
    this.baseLength += n;
    this.targetLength += n;
    const last = this.ops.length - 1;
    if (last >= 0 && isRetain(this.ops[last])) this.ops[last] += n;
    else this.ops.push(n);
    return this;
  }

  insert(str) {
    if (typeof str !== "string") throw new Error("insert expects a string");
    if (str === "") return this;
    this.targetLength += cpLength(str);
    const ops = this.ops;
    const last = ops.length - 1;
    if (last >= 0 && isInsert(ops[last])) ops[last] += str;
    else if (last >= 0 && isDelete(ops[last])) {
      // Normal form: the insert goes before the delete at the same place.
      if (last >= 1 && isInsert(ops[last - 1])) ops[last - 1] += str;
      else { ops.push(ops[last]); ops[last] = str; }
    } else ops.push(str);
    return this;
  }

  delete(n) {
    if (typeof n === "string") n = cpLength(n);
    if (!Number.isInteger(n)) throw new Error("delete expects an integer");
    if (n < 0) n = -n;
    if (n === 0) return this;
    this.baseLength += n;
    const last = this.ops.length - 1;
    if (last >= 0 && isDelete(this.ops[last])) this.ops[last] -= n;
    else this.ops.push(-n);
    return this;
  }

  /** Does it leave every text unchanged? */
  isNoop() { return this.ops.length === 0 || (this.ops.length === 1 && isRetain(this.ops[0])); }

  equals(other) {
    if (this.baseLength !== other.baseLength || this.targetLength !== other.targetLength) return false;
    if (this.ops.length !== other.ops.length) return false;
    return this.ops.every((c, i) => c === other.ops[i]);
  }

  toJSON() { return this.ops.slice(); }

  toString() { return JSON.stringify(this.ops); }

  /** Parses the wire form; throws on anything that is not an operation in normal form. */
  static fromJSON(json) {
    if (!Array.isArray(json)) throw new Error("an operation is an array");
    const op = new TextOperation();
    let prev = null;
    for (const c of json) {
      const kind = isRetain(c) && Number.isInteger(c) ? "r" : isInsert(c) && c !== "" ? "i" : isDelete(c) && Number.isInteger(c) ? "d" : null;
      if (kind === null) throw new Error(`not an operation component: ${JSON.stringify(c)}`);
      if (kind === prev) throw new Error("two adjacent components of the same kind");
      if (prev === "d" && kind === "i") throw new Error("a delete before an insert at the same place");
      prev = kind;
      if (kind === "r") op.retain(c); else if (kind === "i") op.insert(c); else op.delete(-c);
    }
    return op;
  }

  /** Applies the operation to `text` (its length must be the base length). */
  apply(text) {
    const total = cpLength(text);
    if (total !== this.baseLength) throw new Error(`the operation's base length ${this.baseLength} is not the text's length ${total}`);
    const parts = [];
    let i = 0;                                 // UTF-16 index in `text`
    for (const c of this.ops) {
      if (isRetain(c)) {
        const j = advance(text, i, c);
        parts.push(text.slice(i, j));
        i = j;
      } else if (isInsert(c)) parts.push(c);
      else i = advance(text, i, -c);
    }
    parts.push(text.slice(i));
    return parts.join("");
  }

  /** One operation with the effect of this one, then `b`. */
  compose(b) {
    const a = this;
    if (a.targetLength !== b.baseLength) throw new Error("compose: the second operation's base length is not the first's target length");
    const out = new TextOperation();
    const ops1 = a.ops, ops2 = b.ops;
    let i1 = 0, i2 = 0;
    let op1 = ops1[i1++], op2 = ops2[i2++];
    for (;;) {
      if (op1 === undefined && op2 === undefined) break;
      if (isDelete(op1)) { out.delete(-op1); op1 = ops1[i1++]; continue; }
      if (isInsert(op2)) { out.insert(op2); op2 = ops2[i2++]; continue; }
      if (op1 === undefined) throw new Error("compose: the first operation is too short");
      if (op2 === undefined) throw new Error("compose: the first operation is too long");
      if (isRetain(op1) && isRetain(op2)) {
        if (op1 > op2) { out.retain(op2); op1 -= op2; op2 = ops2[i2++]; }
        else if (op1 === op2) { out.retain(op1); op1 = ops1[i1++]; op2 = ops2[i2++]; }
        else { out.retain(op1); op2 -= op1; op1 = ops1[i1++]; }
      } else if (isInsert(op1) && isDelete(op2)) {
        const len = cpLength(op1);
        if (len > -op2) { op1 = cpSlice(op1, -op2); op2 = ops2[i2++]; }
        else if (len === -op2) { op1 = ops1[i1++]; op2 = ops2[i2++]; }
        else { op2 += len; op1 = ops1[i1++]; }
      } else if (isInsert(op1) && isRetain(op2)) {
        const len = cpLength(op1);
        if (len > op2) { out.insert(cpSlice(op1, 0, op2)); op1 = cpSlice(op1, op2); op2 = ops2[i2++]; }
        else if (len === op2) { out.insert(op1); op1 = ops1[i1++]; op2 = ops2[i2++]; }
        else { out.insert(op1); op2 -= len; op1 = ops1[i1++]; }
      } else if (isRetain(op1) && isDelete(op2)) {
        if (op1 > -op2) { out.delete(-op2); op1 += op2; op2 = ops2[i2++]; }
        else if (op1 === -op2) { out.delete(-op2); op1 = ops1[i1++]; op2 = ops2[i2++]; }
        else { out.delete(op1); op2 += op1; op1 = ops1[i1++]; }
      } else {
        throw new Error("compose: unexpected components");
      }
    }
    return out;
  }

  /** (a′, b′) with apply(b′, apply(a, t)) == apply(a′, apply(b, t)); at the same place
   *  a's insert goes first. */
  static transform(a, b) {
    if (a.baseLength !== b.baseLength) throw new Error("transform: both operations must apply to the same text");
    const a1 = new TextOperation(), b1 = new TextOperation();
    const ops1 = a.ops, ops2 = b.ops;
    let i1 = 0, i2 = 0;
    let op1 = ops1[i1++], op2 = ops2[i2++];
    for (;;) {
      if (op1 === undefined && op2 === undefined) break;
      if (isInsert(op1)) { a1.insert(op1); b1.retain(cpLength(op1)); op1 = ops1[i1++]; continue; }
      if (isInsert(op2)) { a1.retain(cpLength(op2)); b1.insert(op2); op2 = ops2[i2++]; continue; }
      if (op1 === undefined) throw new Error("transform: the first operation is too short");
      if (op2 === undefined) throw new Error("transform: the first operation is too long");
      let min;
      if (isRetain(op1) && isRetain(op2)) {
        if (op1 > op2) { min = op2; op1 -= op2; op2 = ops2[i2++]; }
        else if (op1 === op2) { min = op2; op1 = ops1[i1++]; op2 = ops2[i2++]; }
        else { min = op1; op2 -= op1; op1 = ops1[i1++]; }
        a1.retain(min); b1.retain(min);
      } else if (isDelete(op1) && isDelete(op2)) {
        // Both delete the same text: nothing left to do for either.
        if (-op1 > -op2) { op1 -= op2; op2 = ops2[i2++]; }
        else if (op1 === op2) { op1 = ops1[i1++]; op2 = ops2[i2++]; }
        else { op2 -= op1; op1 = ops1[i1++]; }
      } else if (isDelete(op1) && isRetain(op2)) {
        if (-op1 > op2) { min = op2; op1 += op2; op2 = ops2[i2++]; }
        else if (-op1 === op2) { min = op2; op1 = ops1[i1++]; op2 = ops2[i2++]; }
        else { min = -op1; op2 += op1; op1 = ops1[i1++]; }
        a1.delete(min);
      } else if (isRetain(op1) && isDelete(op2)) {
        if (op1 > -op2) { min = -op2; op1 += op2; op2 = ops2[i2++]; }
        else if (op1 === -op2) { min = op1; op1 = ops1[i1++]; op2 = ops2[i2++]; }
        else { min = op1; op2 += op1; op1 = ops1[i1++]; }
        b1.delete(min);
      } else {
        throw new Error("transform: unexpected components");
      }
    }
    return [a1, b1];
  }

  /** The identity on a text of `n` code points. */
  static identity(n) { return new TextOperation().retain(n); }
}

/** The UTF-16 index `n` code points after UTF-16 index `i` in `s`; throws past the end. */
function advance(s, i, n) {
  for (let k = 0; k < n; k++) {
    if (i >= s.length) throw new Error("the operation runs past the end of the text");
    if (isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) i += 2;
    else i += 1;
  }
  return i;
}

export function apply(op, text) { return op.apply(text); }
export function compose(a, b) { return a.compose(b); }
export function transform(a, b) { return TextOperation.transform(a, b); }

/** Where position `index` (code points) of the operation's base text ends up in its result.
 *  An insert exactly at `index` pushes it right when `pushOnInsert` (docs/collab.md: unless
 *  the insert is by the cursor's own author). */
export function transformIndex(index, op, pushOnInsert = true) {
  let remaining = index;    // how far `index` lies beyond the base position reached so far
  let out = index;
  for (const c of op.ops) {
    if (isRetain(c)) {
      remaining -= c;
      if (remaining < 0) break;
    } else if (isInsert(c)) {
      if (remaining > 0 || pushOnInsert) out += cpLength(c);
    } else {
      out -= Math.min(remaining, -c);
      remaining += c;
      if (remaining < 0) break;
    }
  }
  return out;
}

/** The opposite of transformIndex: where position `index` of the operation's result was in
 *  its base text. A position inside inserted text goes to the insert's start. */
export function transformIndexBack(index, op) {
  let remaining = index;    // how far `index` lies beyond the target position reached so far
  let out = index;
  for (const c of op.ops) {
    if (isRetain(c)) {
      remaining -= c;
      if (remaining < 0) break;
    } else if (isInsert(c)) {
      const len = cpLength(c);
      out -= Math.min(remaining, len);
      remaining -= len;
      if (remaining < 0) break;
    } else if (remaining > 0) {
      out += -c;
    }
  }
  return out;
}

/** One replace operation turning `oldText` into `newText`: retain the common prefix, delete
 *  and insert the middle, retain the common suffix — in code points, never splitting a
 *  surrogate pair. `caret` (optional, a UTF-16 index in newText) is where the edit ended
 *  (the caret after typing): when the diff is ambiguous ("aa" → "aaa") the change is put
 *  where the caret says. */
export function fromDiff(oldText, newText, caret = null) {
  const oldLen = oldText.length, newLen = newText.length;
  const minLen = Math.min(oldLen, newLen);
  let pMax = 0;
  while (pMax < minLen && oldText.charCodeAt(pMax) === newText.charCodeAt(pMax)) pMax++;
  let sMax = 0;
  while (sMax < minLen && oldText.charCodeAt(oldLen - 1 - sMax) === newText.charCodeAt(newLen - 1 - sMax)) sMax++;
  let s, p;
  if (caret !== null && Number.isInteger(caret) && caret >= 0 && caret <= newLen) {
    s = Math.max(0, Math.min(sMax, newLen - caret, minLen));
    p = Math.min(pMax, minLen - s);
  } else {
    p = pMax;
    s = Math.min(sMax, minLen - p);
  }
  // Never cut a surrogate pair: move the cut out of the pair (the middle only grows).
  if (p > 0 && isHigh(oldText.charCodeAt(p - 1))) p--;
  if (s > 0 && isLow(oldText.charCodeAt(oldLen - s)) && oldLen - s - 1 >= p && isHigh(oldText.charCodeAt(oldLen - s - 1))) s--;
  if (s > 0 && isLow(newText.charCodeAt(newLen - s)) && newLen - s - 1 >= p && isHigh(newText.charCodeAt(newLen - s - 1))) s--;
  const prefix = oldText.slice(0, p);
  const deleted = oldText.slice(p, oldLen - s);
  const inserted = newText.slice(p, newLen - s);
  const suffix = oldText.slice(oldLen - s);
  return new TextOperation()
    .retain(cpLength(prefix))
    .insert(inserted)
    .delete(cpLength(deleted))
    .retain(cpLength(suffix));
}

// ---- authorship runs: [[user, length], …] over the text, adjacent runs merged ----

/** The runs after `op` by `user`: retained code points keep their authors, deleted ones go,
 *  inserted ones are `user`'s. */
export function applyAuthors(runs, op, user) {
  const out = [];
  const push = (who, n) => {
    if (n <= 0) return;
    const last = out[out.length - 1];
    if (last && last[0] === who) last[1] += n;
    else out.push([who, n]);
  };
  let ri = 0, used = 0;                     // the run and how much of it is consumed
  const take = (n, keep) => {
    while (n > 0) {
      if (ri >= runs.length) {
        // Runs shorter than the text (unknown authors): treat the rest as nobody's.
        if (keep) push(null, n);
        return;
      }
      const [who, len] = runs[ri];
      const k = Math.min(n, len - used);
      if (keep) push(who, k);
      used += k; n -= k;
      if (used >= len) { ri++; used = 0; }
    }
  };
  for (const c of op.ops) {
    if (isRetain(c)) take(c, true);
    else if (isInsert(c)) push(user, cpLength(c));
    else take(-c, false);
  }
  // Whatever the operation did not reach stays (lengths should already agree).
  if (ri < runs.length) { push(runs[ri][0], runs[ri][1] - used); for (let k = ri + 1; k < runs.length; k++) push(runs[k][0], runs[k][1]); }
  return out;
}

/** Validated runs from the wire: [[user, length≥1], …]; anything else is dropped. */
export function parseAuthors(json) {
  if (!Array.isArray(json)) return [];
  const out = [];
  for (const r of json) {
    if (!Array.isArray(r) || r.length < 2) continue;
    const n = Number(r[1]);
    if (!Number.isInteger(n) || n <= 0) continue;
    const who = r[0] ?? null;      // user ids as the server sends them (numbers)
    const last = out[out.length - 1];
    if (last && last[0] === who) last[1] += n; else out.push([who, n]);
  }
  return out;
}
