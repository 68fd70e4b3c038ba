// The room summaries from `rooms`: name, kind, zone, latest seq, present, read, unread.
import { Emitter } from "./emitter.js";

export const ZONES = ["common", "education", "meeting", "council", "partner", "private"];

export class RoomsStore extends Emitter {
  constructor() { super(); this.list = []; this.byId = new Map(); this.loaded = false; }

  set(rooms) {
    this.list = rooms.map((r) => ({ ...r }));
    this.byId = new Map(this.list.map((r) => [r.id, r]));
    this.loaded = true;
    this.emit();
  }

  get(id) { return this.byId.get(id); }

  /** Adds a room the server just returned (a direct conversation opened now). */
  add(room) {
    if (this.byId.has(room.id)) { this.update(room.id, room); return; }
    const copy = { ...room };
    this.list.push(copy);
    this.byId.set(copy.id, copy);
    this.emit();
  }

  update(id, patch) {
    const room = this.byId.get(id);
    if (!room) return;
    Object.assign(room, patch);
    this.emit();
  }

  totalUnread() { return this.list.reduce((n, r) => n + (r.unread || 0), 0); }

  /** Rooms grouped by zone in the product's order; the private zone keeps only one's own. */
  grouped(user) {
    const groups = new Map(ZONES.map((z) => [z, []]));
    for (const room of this.list) {
      if (room.zone === "private" && !isOwnPrivate(room, user)) continue;
      if (!groups.has(room.zone)) groups.set(room.zone, []);
      groups.get(room.zone).push(room);
    }
    return [...groups].filter(([, rooms]) => rooms.length > 0);
  }
}

/** The name to show: a direct conversation is called by the other person's name. */
export function displayName(room) {
  if (!room) return "";
  if (room.kind === "direct" && room.peer && room.peer.name) return room.peer.name;
  return room.name || room.id || "";
}

/** No role: the room is listed only so that one may ask to enter (join rule knock). */
export function isOnRequest(room) {
  return !!room && room.role === null && (room.join_rule === "knock" || room.join_rule === undefined);
}

// Until the permissions part, the server lists every cabinet to everyone; show one's own only.
function isOwnPrivate(room, user) {
  if (room.kind !== "cabinet") return true;
  if (room.role === "owner") return true;
  return !!user && room.id === `cabinet-${user.login}`;
}
