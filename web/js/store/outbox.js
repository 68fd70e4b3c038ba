// Chat messages not yet acknowledged, with the nonce they were first sent with, kept in
// localStorage so that a reload or a dropped link never loses or duplicates one: on every
// (re)connect they are sent again with the same nonce and the server deduplicates.
import { Emitter } from "./emitter.js";

export function newNonce() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return "n" + [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class Outbox extends Emitter {
  constructor() { super(); this.key = null; this.items = []; }

  /** Binds the outbox to one signed-in user (a shared computer keeps each one's apart). */
  load(userId) {
    this.key = `atrium.outbox.${userId}`;
    try { this.items = JSON.parse(localStorage.getItem(this.key) || "[]"); } catch { this.items = []; }
    if (!Array.isArray(this.items)) this.items = [];
    for (const item of this.items) if (item.status === "sending") item.status = "queued";
    this.emit();
  }

  unload() { this.key = null; this.items = []; this.emit(); }

  save() {
    if (!this.key) return;
    try { localStorage.setItem(this.key, JSON.stringify(this.items)); } catch { /* quota or private mode */ }
  }

  add(room, text) {
    const item = { room, text, nonce: newNonce(), at: new Date().toISOString(), status: "queued" };
    this.items.push(item);
    this.save();
    this.emit();
    return item;
  }

  forRoom(room) { return this.items.filter((i) => i.room === room); }

  set(nonce, patch) {
    const item = this.items.find((i) => i.nonce === nonce);
    if (!item) return;
    Object.assign(item, patch);
    this.save();
    this.emit();
  }

  remove(nonce) {
    const before = this.items.length;
    this.items = this.items.filter((i) => i.nonce !== nonce);
    if (this.items.length !== before) { this.save(); this.emit(); }
  }
}
