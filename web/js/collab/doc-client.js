// The client side of one shared document: the ot.js state machine of docs/collab.md.
//
//   synchronized         nothing of ours is unconfirmed;
//   awaiting             one operation sent (`outstanding`, with its nonce), not yet seen back;
//   awaitingWithBuffer   that, plus `buffer`: everything typed since, composed into one op.
//
// A remote operation r at the next revision: (outstanding′, r′) = transform(outstanding, r),
// (buffer′, r″) = transform(buffer, r′), r″ is applied to the local text. Our own operation
// comes back as a `doc.op` event carrying our nonce: that is the acknowledgement; the buffer
// then becomes the outstanding operation and is sent. At most one operation is in flight.
//
// Events are applied strictly in revision order: an event at or below the current revision is
// already known (a replay, a page of `doc.ops`) and ignored; one beyond the next is held until
// the gap is filled (`onGap(afterRev)` asks the owner to fetch the missing ones with doc.ops).
//
// Pure logic, no DOM and no network: the owner (store/docs.js, or a test) sends what
// `pendingSend()` says whenever `onSend` is called or the link comes back.
import { TextOperation, cpLength, cpSlice } from "./text-ot.js";

/** Most code points one sent operation inserts: 8,000 × at most 4 UTF-8 bytes stays well
 *  inside the server's default 64 KiB frame limit (limits.max_message_bytes) even after JSON
 *  escaping, so a big paste never gets the connection closed with 1009. */
export const MAX_SEND_INSERT = 8000;

/** Splits `op` into [head, tail] with head then tail == op, where head inserts at most
 *  `maxInsert` code points (tail is null when op fits). Retains and deletes all go in head;
 *  the inserted text keeps its order: the first part in head, the rest in tail. */
export function splitForSending(op, maxInsert = MAX_SEND_INSERT) {
  let total = 0;
  for (const c of op.ops) if (typeof c === "string") total += cpLength(c);
  if (total <= maxInsert) return [op, null];
  const head = new TextOperation();
  const tail = new TextOperation();
  let budget = maxInsert;
  for (const c of op.ops) {
    if (typeof c === "number" && c > 0) { head.retain(c); tail.retain(c); }
    else if (typeof c === "number") head.delete(-c);
    else {
      const n = cpLength(c);
      const k = Math.min(n, budget);
      budget -= k;
      if (k > 0) { head.insert(cpSlice(c, 0, k)); tail.retain(k); }
      if (k < n) tail.insert(cpSlice(c, k, n));
    }
  }
  return [head, tail];
}

export class DivergenceError extends Error {}

function randomNonce() {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return "d" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const asOp = (op) => (op instanceof TextOperation ? op : TextOperation.fromJSON(op));

export class DocClient {
  /** `rev` and `text`: the server's revision and its text. `onSend()`: an operation became
   *  outstanding (send `pendingSend()`). `onGap(afterRev)`: events are missing after afterRev. */
  constructor({ rev = 0, text = "", newNonce = randomNonce, onSend = null, onGap = null } = {}) {
    this.rev = rev;
    this.serverText = text;              // the text at `rev`, as the server has it
    this.serverLength = cpLength(text);
    this.text = text;                    // the local text: server text + outstanding + buffer
    this.outstanding = null;             // {op: TextOperation, nonce}
    this.buffer = null;                  // TextOperation
    this.held = new Map();               // rev → event that came before its predecessors
    this.newNonce = newNonce;
    this.onSend = onSend;
    this.onGap = onGap;
  }

  get state() {
    if (!this.outstanding) return "synchronized";
    return this.buffer ? "awaitingWithBuffer" : "awaiting";
  }

  /** Has the user typed anything the server has not confirmed? */
  get dirty() { return this.outstanding !== null; }

  /** The user changed the local text by `op` (already made on `this.text`'s old value). */
  applyLocal(op) {
    op = asOp(op);
    if (op.isNoop()) return op;
    this.text = op.apply(this.text);
    if (!this.outstanding) {
      const [head, tail] = splitForSending(op);
      this.outstanding = { op: head, nonce: this.newNonce() };
      this.buffer = tail;
      this.onSend?.();
    } else if (!this.buffer) {
      this.buffer = op;
    } else {
      this.buffer = this.buffer.compose(op);
    }
    return op;
  }

  /** What to send now (also to resend after a reconnect or a stale refusal: the outstanding
   *  operation as transformed so far, on the current revision, with its original nonce). */
  pendingSend() {
    if (!this.outstanding) return null;
    return { rev: this.rev, op: this.outstanding.op.toJSON(), nonce: this.outstanding.nonce };
  }

  /** A committed operation `{rev, op, nonce, actor}` (a `doc.op` event or an item of
   *  `doc.ops`). Returns what happened, in order: [{type: "ack"|"remote", rev, op, serverOp,
   *  actor, nonce}] where `op` is what was applied to the local text (remote only). Throws
   *  DivergenceError when the operation does not fit the text (the owner reloads). */
  receive(ev) {
    const rev = Number(ev?.rev);
    if (!Number.isInteger(rev) || rev <= this.rev) return [];
    if (rev > this.rev + 1) {
      this.held.set(rev, ev);
      this.onGap?.(this.rev);
      return [];
    }
    const results = [this.applyServer(ev)];
    while (this.held.has(this.rev + 1)) {
      const next = this.held.get(this.rev + 1);
      this.held.delete(this.rev + 1);
      results.push(this.applyServer(next));
    }
    for (const k of this.held.keys()) if (k <= this.rev) this.held.delete(k);
    return results;
  }

  /** The first revision still missing when events are held, else null. */
  get missingAfter() { return this.held.size ? this.rev : null; }

  applyServer(ev) {
    let op;
    try { op = asOp(ev.op); } catch (err) { throw new DivergenceError(`not an operation at revision ${ev.rev}: ${err.message}`); }
    if (op.baseLength !== this.serverLength) {
      throw new DivergenceError(`revision ${ev.rev} applies to ${op.baseLength} code points, the text has ${this.serverLength}`);
    }
    const rev = Number(ev.rev);
    const actor = ev.actor ?? null;
    if (this.outstanding && ev.nonce && ev.nonce === this.outstanding.nonce) {
      // Our own operation, committed: the acknowledgement.
      const mine = this.outstanding.op;
      const before = this.serverText;
      this.serverText = op.apply(before);
      this.serverLength = op.targetLength;
      this.rev = rev;
      const nonce = this.outstanding.nonce;
      // The server transformed it past the same operations we did: the same result (written
      // differently is fine as long as the text is the same).
      if (!op.equals(mine) && mine.apply(before) !== this.serverText) {
        this.outstanding = null;
        this.buffer = null;
        throw new DivergenceError(`revision ${rev}: our operation came back as ${op} instead of ${mine}`);
      }
      if (this.buffer) {
        // A big paste goes out in parts (splitForSending), one in flight at a time.
        const [head, tail] = splitForSending(this.buffer);
        this.outstanding = { op: head, nonce: this.newNonce() };
        this.buffer = tail;
        this.onSend?.();
      } else {
        this.outstanding = null;
      }
      return { type: "ack", rev, op: null, serverOp: op, actor, nonce };
    }
    this.serverText = op.apply(this.serverText);
    this.serverLength = op.targetLength;
    this.rev = rev;
    let r = op;
    if (this.outstanding) {
      const [o1, r1] = TextOperation.transform(this.outstanding.op, r);
      this.outstanding.op = o1;
      r = r1;
    }
    if (this.buffer) {
      const [b1, r2] = TextOperation.transform(this.buffer, r);
      this.buffer = b1;
      r = r2;
    }
    this.text = r.apply(this.text);
    return { type: "remote", rev, op: r, serverOp: op, actor, nonce: ev.nonce ?? null };
  }

  /** Starts over from the server's text (after a divergence or a refused operation): what was
   *  not confirmed is dropped. Returns the operation turning the old local text into the new. */
  reset({ rev, text }) {
    const before = this.text;
    this.rev = rev;
    this.serverText = text;
    this.serverLength = cpLength(text);
    this.text = text;
    this.outstanding = null;
    this.buffer = null;
    this.held.clear();
    return before;
  }

  /** What to keep in localStorage while something is unconfirmed. */
  snapshot() {
    return {
      rev: this.rev,
      text: this.serverText,
      outstanding: this.outstanding ? { op: this.outstanding.op.toJSON(), nonce: this.outstanding.nonce } : null,
      buffer: this.buffer ? this.buffer.toJSON() : null,
    };
  }

  /** A client from a snapshot (its outstanding operation keeps its nonce). Throws on a
   *  snapshot that does not fit together. */
  static restore(snap, options = {}) {
    const dc = new DocClient({ ...options, rev: snap.rev, text: snap.text });
    if (snap.outstanding) {
      const op = TextOperation.fromJSON(snap.outstanding.op);
      dc.text = op.apply(dc.text);
      dc.outstanding = { op, nonce: String(snap.outstanding.nonce) };
      if (snap.buffer) {
        const b = TextOperation.fromJSON(snap.buffer);
        dc.text = b.apply(dc.text);
        dc.buffer = b.isNoop() ? null : b;
      }
    }
    return dc;
  }
}

// ---- the link to the server for one document ----

const RETRY_CODES = new Set(["timeout", "rate_limited", "unavailable", "internal"]);
const PAGE = 500;

/** Drives a DocClient over the protocol: sends the outstanding operation (`doc.op`, once per
 *  nonce per connection), resends it with its original nonce after a reconnect or a `stale`
 *  refusal, and pages missing operations with `doc.ops` (after a reset, a gap, `stale`, or a
 *  `duplicate` answer whose event we have not seen).
 *
 *  `request(message)` → Promise of the ok; rejects with {code, message, latest?}. The message
 *  is {type: "doc.op", rev, op, nonce} or {type: "doc.ops", after, limit}; the owner adds the
 *  room and the document. `onResults(results)` gets what `receive` returned for every applied
 *  operation; `onRefused(err)` is told when the server refuses our operation for good
 *  (forbidden, too_large, bad_request, not_found: the owner reloads the document);
 *  `onError(err)` when the text no longer matches (DivergenceError: reload too). */
export class DocSync {
  constructor(dc, { request, onResults = () => {}, onRefused = () => {}, onError = () => {}, retryMs = 2000, minIntervalMs = 0, timers = globalThis } = {}) {
    this.dc = dc;
    this.request = request;
    this.onResults = onResults;
    this.onRefused = onRefused;
    this.onError = onError;
    this.retryMs = retryMs;
    this.timers = timers;
    this.online = false;
    this.inflight = false;          // a doc.op request is waiting for its answer
    this.sentNonce = null;          // the nonce last sent on this connection
    this.catching = null;           // the running catch-up (a promise)
    this.catchAgain = false;
    this.retryTimer = null;
    this.minIntervalMs = minIntervalMs;   // at least this long between two sends (rate limits)
    this.lastSentAt = -Infinity;
    this.spaceTimer = null;
    this.closed = false;
    dc.onSend = () => this.kick();
    dc.onGap = () => { this.catchUp(); };
  }

  /** The link is up (after the room's join and replay): catch up, then resend what waits. */
  async connected() {
    this.online = true;
    this.inflight = false;
    this.sentNonce = null;
    await this.catchUp();
    this.kick();
  }

  disconnected() {
    this.online = false;
    this.inflight = false;
    this.sentNonce = null;
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.timers.clearTimeout(this.spaceTimer);
    this.spaceTimer = null;
  }

  close() { this.closed = true; this.disconnected(); }

  /** A committed operation from the live stream (a `doc.op` event). */
  receive(ev) {
    let results;
    try { results = this.dc.receive(ev); } catch (err) { this.onError(err); return []; }
    if (results.length) this.onResults(results);
    // An acknowledgement may have made the buffer outstanding (onSend already kicked).
    return results;
  }

  /** Sends the outstanding operation unless it is already on its way. */
  kick() {
    if (!this.online || this.closed || this.inflight || this.catching) return;
    const m = this.dc.pendingSend();
    if (!m || m.nonce === this.sentNonce) return;
    if (this.minIntervalMs > 0) {
      const wait = this.lastSentAt + this.minIntervalMs - Date.now();
      if (wait > 0) {
        // Typing goes on into the buffer meanwhile (it is the outstanding op that waits here).
        if (!this.spaceTimer) this.spaceTimer = this.timers.setTimeout(() => { this.spaceTimer = null; this.kick(); }, wait);
        return;
      }
      this.lastSentAt = Date.now();
    }
    this.inflight = true;
    this.sentNonce = m.nonce;
    this.request({ type: "doc.op", rev: m.rev, op: m.op, nonce: m.nonce }).then((ok) => {
      this.inflight = false;
      if (ok && ok.duplicate && this.dc.outstanding?.nonce === m.nonce) {
        // Committed earlier; its event has not reached us (lost with the old link): fetch it.
        this.catchUp();
        return;
      }
      this.kick();
    }, (err) => {
      this.inflight = false;
      const code = err?.code || "internal";
      if (this.closed) return;
      if (code === "offline") { this.sentNonce = null; return; }       // resent by connected()
      if (code === "stale") {
        this.sentNonce = null;
        this.catchUp().then(() => this.kick());
        return;
      }
      if (RETRY_CODES.has(code)) {
        // Perhaps committed, perhaps not: the same nonce again later (the server deduplicates).
        this.sentNonce = null;
        this.timers.clearTimeout(this.retryTimer);
        this.retryTimer = this.timers.setTimeout(() => { this.retryTimer = null; this.kick(); }, this.retryMs);
        return;
      }
      if (this.dc.outstanding?.nonce === m.nonce) this.onRefused(err);
    });
  }

  /** Pages `doc.ops` after the current revision until nothing is missing. */
  catchUp() {
    if (this.catching) { this.catchAgain = true; return this.catching; }
    if (!this.online || this.closed) return Promise.resolve();
    const run = async () => {
      try {
        do {
          this.catchAgain = false;
          for (let guard = 0; guard < 10000; guard++) {
            const after = this.dc.rev;
            const ok = await this.request({ type: "doc.ops", after, limit: PAGE });
            if (this.closed) return;
            const ops = Array.isArray(ok?.ops) ? ok.ops : [];
            const results = [];
            try {
              for (const item of ops) results.push(...this.dc.receive(item));
            } catch (err) {
              if (results.length) this.onResults(results);
              this.onError(err);
              return;
            }
            if (results.length) this.onResults(results);
            const latest = Number(ok?.latest);
            if (!ops.length || this.dc.rev === after) break;
            if (Number.isInteger(latest) && this.dc.rev >= latest) break;
          }
        } while (this.catchAgain && this.online);
      } catch {
        // Offline or refused: connected() catches up again.
      } finally {
        this.catching = null;
      }
      this.kick();
    };
    this.catching = run();
    return this.catching;
  }
}
