// Board changes made offline are sent even when the board is not on screen: once a room is
// (re)joined — its chat, work page or a document is open — and changes for its board wait in
// localStorage, a background BoardStore sends them and stops when every one is confirmed or
// refused; the outcome reaches the user as a toast (client event "board.report"). A board view
// on screen has its own store, so the background one steps aside while it is open.
import { BoardStore, hasPendingBoard } from "./board.js";

export class BoardSync {
  constructor(client) {
    this.client = client;
    this.active = new Map();   // room → {store, unsubscribe}
    this.views = new Set();    // rooms whose board view is open
  }

  roomJoined(room) {
    if (this.views.has(room) || this.active.has(room) || !hasPendingBoard(this.client.user.id, room)) return;
    const store = new BoardStore(this.client, room);
    const unsubscribe = store.subscribe((e) => {
      if (e.type === "report") this.client.emit({ type: "board.report", room, merged: e.merged, failed: e.failed });
      if (!store.replica.pending.length && store.offline.size === 0) this.stop(room);
    });
    this.active.set(room, { store, unsubscribe });
    store.start();
  }

  viewOpened(room) {
    this.views.add(room);
    this.stop(room);
  }

  viewClosed(room) {
    this.views.delete(room);
  }

  stop(room) {
    const entry = this.active.get(room);
    if (!entry) return;
    this.active.delete(room);
    entry.unsubscribe();
    entry.store.destroy();
  }
}
