// The events of one room, deduplicated by seq: chat messages keyed by seq, edits and deletes
// applied to their targets, the last seen seq (for `since`) and the oldest loaded seq (for
// `history` with `before`).
import { Emitter } from "./emitter.js";

export class Timeline extends Emitter {
  constructor(room) {
    super();
    this.room = room;
    this.clear(false);
  }

  clear(notify = true) {
    this.messages = new Map();   // seq → message
    this.lastSeq = 0;            // highest seq seen of any kind
    this.oldest = null;          // lowest seq loaded of any kind
    this.latestKnown = 0;        // the room's latest seq as the server last said
    this.loaded = false;         // has the first page arrived
    this.hasMore = true;         // are there events before `oldest`
    this.edits = new Map();      // target → seq of the newest edit applied
    if (notify) this.emit();
  }

  /** Applies one stored event; returns true when it was new. */
  apply(event, { quiet = false } = {}) {
    const seq = Number(event.seq);
    if (!Number.isInteger(seq) || seq < 1) return false;
    if (this.oldest === null || seq < this.oldest) this.oldest = seq;
    if (seq > this.lastSeq) this.lastSeq = seq;
    if (seq > this.latestKnown) this.latestKnown = seq;
    if (this.oldest <= 1) this.hasMore = false;
    if (this.messages.has(seq)) return false;   // the same seq is always the same event
    switch (event.kind) {
      case "chat.message": {
        const msg = {
          seq, at: new Date(event.at), actor: event.actor, actorName: event.actor_name || "",
          text: event.deleted ? "" : (event.text ?? ""), nonce: event.nonce ?? null,
          edited: !!event.edited, deleted: !!event.deleted, deleteReason: event.delete_reason || event.reason || null,
          // Pre-moderation: waiting for a moderator (seen only by its author and moderators).
          pending: event.pending === true,
          // A stored message already carries the newest text as of the server's latest seq.
          textSeq: event.edited ? Math.max(this.latestKnown, seq) : seq,
        };
        const newer = this.edits.get(seq);
        if (newer && newer.seq > msg.textSeq && !msg.deleted) { msg.text = newer.text; msg.edited = true; msg.textSeq = newer.seq; }
        this.messages.set(seq, msg);
        break;
      }
      case "chat.edited": {
        const target = this.messages.get(Number(event.target));
        if (typeof event.text !== "string" || event.deleted) break;
        if (!target) {
          const prior = this.edits.get(Number(event.target));
          if (!prior || prior.seq < seq) this.edits.set(Number(event.target), { seq, text: event.text });
          break;
        }
        if (!target.deleted && seq > target.textSeq) {
          target.text = event.text; target.edited = true; target.textSeq = seq;
        }
        break;
      }
      case "chat.deleted": {
        const target = this.messages.get(Number(event.target));
        if (target) {
          target.deleted = true; target.text = "";
          if (event.reason) target.deleteReason = String(event.reason);
          if (event.actor !== undefined && event.actor !== target.actor) target.deletedBy = event.actor;
        }
        break;
      }
      case "chat.approved": {
        // A waiting post was approved: clear the mark, or show it now (others never had it).
        const targetSeq = Number(event.target);
        if (!Number.isInteger(targetSeq) || targetSeq < 1) break;
        const target = this.messages.get(targetSeq);
        if (target) { target.pending = false; break; }
        const at = new Date(event.at_original || event.at);
        const msg = {
          seq: targetSeq, at: isNaN(at) ? new Date(event.at) : at, actor: event.author, actorName: event.actor_name || "",
          text: typeof event.text === "string" ? event.text : "", nonce: null, edited: !!event.edited, deleted: false,
          deleteReason: null, pending: false, textSeq: seq,
        };
        const newer = this.edits.get(targetSeq);
        if (newer && newer.seq > msg.textSeq) { msg.text = newer.text; msg.edited = true; msg.textSeq = newer.seq; }
        this.messages.set(targetSeq, msg);
        break;
      }
      // Everything else (doc.*, board.* and the other co-editing events) only moves lastSeq for
      // resume: it never becomes a chat message.
      default: break;
    }
    if (!quiet) this.emit();
    return true;
  }

  sorted() { return [...this.messages.values()].sort((a, b) => a.seq - b.seq); }

  hasNonce(actor, nonce) {
    for (const m of this.messages.values()) if (m.actor === actor && m.nonce === nonce) return true;
    return false;
  }
}
