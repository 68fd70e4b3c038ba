// What the person may do in each room: the role and the permissions (`can`) from the join ok
// and from `room.access` pushes, or why a join was refused. Unknown until the first join
// answers (offline the views act as before: the server refuses what it must).
import { Emitter } from "./emitter.js";

export class AccessStore extends Emitter {
  constructor() { super(); this.rooms = new Map(); }

  /** → {role, can: Set, known, denied: {code, message, info}|null, reason}; `info` and `reason` are
   *  a `room.access` change's code and parameters (see views/access-notice.js). */
  get(room) {
    return this.rooms.get(room) || { role: null, can: new Set(), known: false, denied: null, reason: null };
  }

  granted(room, role, can, reason = null) {
    this.rooms.set(room, { role: role ?? null, can: new Set(Array.isArray(can) ? can : []), known: true, denied: null, reason });
    this.emit(room);
  }

  refused(room, code, message, info = null) {
    const prev = this.get(room);
    this.rooms.set(room, { ...prev, known: true, can: new Set(), denied: { code, message: message || "", info } });
    this.emit(room);
  }

  forget(room) {
    if (this.rooms.delete(room)) this.emit(room);
  }

  /** May the person do `permission` here? Unknown access allows (the server decides). */
  may(room, permission) {
    const a = this.get(room);
    return !a.known || a.can.has(permission);
  }
}
