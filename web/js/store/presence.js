// Who is in each room: a set keyed by user, so a person with several tabs is listed once.
import { Emitter } from "./emitter.js";

export class PresenceStore extends Emitter {
  constructor() { super(); this.rooms = new Map(); }

  people(room) {
    const map = this.rooms.get(room);
    if (!map) return [];
    return [...map.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  snapshot(room, list) {
    this.rooms.set(room, new Map((list || []).map((p) => [p.user, { ...p }])));
    this.emit(room);
  }

  diff(room, joined = [], left = []) {
    if (!this.rooms.has(room)) this.rooms.set(room, new Map());
    const map = this.rooms.get(room);
    for (const id of left) map.delete(id);
    for (const p of joined) map.set(p.user, { ...p });
    this.emit(room);
  }

  forget(room) { this.rooms.delete(room); this.emit(room); }
}
