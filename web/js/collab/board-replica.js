// A client's copy of the board (docs/collab.md "Operations"): the state the server confirmed,
// plus this client's operations still pending (by nonce), applied on top at once. When the
// server's operation arrives the view is rebuilt: confirmed + the server's operation, then the
// pending operations replayed; those that no longer fit are dropped and returned, so the user
// can be told. Pure (no DOM, no network): the store (web/js/store/board.js) drives it.
//
// A pending entry: {op, nonce, at, sent, acked}. `sent`: it may have reached the server (sent
// on this or an earlier connection, or loaded after a reload); `acked`: the revision the server
// answered with. Such an entry is never dropped by a local replay — only the server's answer
// decides it (a resend of a committed nonce answers `duplicate`) — it is hidden meanwhile.
import { Board } from "./board-model.js";

const copy = (v) => JSON.parse(JSON.stringify(v));

export class BoardReplica {
  constructor({ me = null, board = null } = {}) {
    this.me = me;
    this.confirmed = board instanceof Board ? board : Board.from(board);
    this.pending = [];
    this.view = this.confirmed.clone();
    // Set when a committed operation did not apply to `confirmed`: something was missed and the
    // board must be opened again. Never set in a correct run.
    this.divergence = null;
  }

  get rev() { return this.confirmed.rev; }

  /** Restores pending operations (from storage): all count as possibly sent. */
  load(items) {
    for (const it of items || []) {
      if (!it || !it.op || typeof it.nonce !== "string") continue;
      if (this.pending.some((p) => p.nonce === it.nonce)) continue;
      this.pending.push({ op: copy(it.op), nonce: it.nonce, at: it.at || new Date().toISOString(), sent: true, acked: it.acked ?? null });
    }
    return this.rebuild();
  }

  /** What to keep in storage. */
  saved() { return this.pending.map((p) => ({ op: p.op, nonce: p.nonce, at: p.at, acked: p.acked })); }

  /** One's own change: checked against the current view; when it fits it is applied at once
   *  and kept until the server commits it. Returns the refusal, or null. */
  local(op, nonce, at = new Date().toISOString()) {
    const refusal = this.view.check(op);
    if (refusal) return refusal;
    this.view.apply(op, this.me, at);
    this.pending.push({ op: copy(op), nonce, at, sent: false, acked: null });
    return null;
  }

  /** The server committed an operation (everyone's, in the server's order); `rev` is the
   *  board's revision after it. Returns the pending entries that no longer fit. */
  receive(op, nonce, actor, at, rev = null) {
    const was = this.pending.length;
    const i = nonce == null ? -1 : this.pending.findIndex((p) => p.nonce === nonce && (actor == null || this.me == null || actor === this.me));
    const failed = this.confirmed.apply(op, actor, at, { trusted: true });
    if (failed && !this.divergence) this.divergence = failed;
    this.confirmed.rev = rev ?? this.confirmed.rev + 1;
    if (i >= 0) this.pending.splice(i, 1);
    if (was === 0) {
      // Nothing of ours on top: the view is the confirmed state.
      this.view.apply(op, actor, at, { trusted: true });
      this.view.rev = this.confirmed.rev;
      return [];
    }
    return this.rebuild();
  }

  /** The lock changed (not an operation: no revision). */
  setLocked(locked) { this.confirmed.locked = !!locked; this.view.locked = !!locked; }

  /** The whole board from the server (open, reopen after a gap, restore). Entries the server
   *  already answered with a revision it includes are done. */
  reset(board) {
    this.confirmed = board instanceof Board ? board : Board.from(board);
    this.divergence = null;
    this.pending = this.pending.filter((p) => p.acked === null || p.acked > this.confirmed.rev);
    return this.rebuild();
  }

  /** The entry is on its way to the server. */
  markSent(nonce) { const p = this.find(nonce); if (p) p.sent = true; }

  /** The server answered ok with revision `rev` (also for a duplicate). */
  acked(nonce, rev) {
    const p = this.find(nonce);
    if (!p) return [];
    p.sent = true;
    p.acked = Number.isInteger(rev) ? rev : p.acked ?? this.confirmed.rev + 1;
    if (Number.isInteger(rev) && rev <= this.confirmed.rev) {
      // Already part of the confirmed state (its event came in a snapshot): done.
      this.pending = this.pending.filter((x) => x !== p);
      return this.rebuild();
    }
    return [];
  }

  /** The server refused the entry: it goes, and so does whatever depended on it. Returns the
   *  dropped entries, this one first with the server's error as its refusal. */
  refused(nonce, error) {
    const p = this.find(nonce);
    if (!p) return [];
    this.pending = this.pending.filter((x) => x !== p);
    return [{ ...p, refusal: error }, ...this.rebuild()];
  }

  find(nonce) { return this.pending.find((p) => p.nonce === nonce); }

  /** Entries still to be sent or resent, in order. */
  unsent() { return this.pending.filter((p) => p.acked === null); }

  /** view = confirmed + pending replayed; returns the dropped entries (with `refusal`). */
  rebuild() {
    const view = this.confirmed.clone();
    const keep = [];
    const dropped = [];
    let waiting = false;   // an earlier entry is hidden until the server answers it
    for (const p of this.pending) {
      const refusal = view.apply(p.op, this.me, p.at);
      if (!refusal) { p.hidden = false; keep.push(p); continue; }
      // Hidden, not dropped: what may be on the server (only its answer decides), and what may
      // depend on such an entry (a change to the card it creates).
      if (p.sent || p.acked !== null || waiting) { p.hidden = true; waiting = true; keep.push(p); continue; }
      dropped.push({ ...p, refusal });
    }
    this.pending = keep;
    this.view = view;
    return dropped;
  }
}
