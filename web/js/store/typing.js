// Who is typing in each room; an entry lasts a few seconds after the last signal.
import { Emitter } from "./emitter.js";

const TTL_MS = 6000;

export class TypingStore extends Emitter {
  constructor() { super(); this.rooms = new Map(); this.timer = null; }

  typing(room, user, name) {
    if (!this.rooms.has(room)) this.rooms.set(room, new Map());
    this.rooms.get(room).set(user, { name, until: Date.now() + TTL_MS });
    this.emit(room);
    this.schedule();
  }

  stopped(room, user) {
    if (this.rooms.get(room)?.delete(user)) this.emit(room);
  }

  names(room) {
    const now = Date.now();
    return [...(this.rooms.get(room)?.values() || [])].filter((e) => e.until > now).map((e) => e.name);
  }

  schedule() {
    if (this.timer) return;
    this.timer = setInterval(() => {
      const now = Date.now();
      let any = false;
      for (const [room, map] of this.rooms) {
        let changed = false;
        for (const [user, e] of map) if (e.until <= now) { map.delete(user); changed = true; }
        if (changed) this.emit(room);
        if (map.size) any = true;
      }
      if (!any) { clearInterval(this.timer); this.timer = null; }
    }, 1000);
  }
}
