// The room's sections — Chat | Board | Documents | Call — as a small tab bar under the room
// header, shown in rooms that can hold a board and documents (docs/collab.md "Where they live")
// or a call (docs/calls.md: people with `start_call`).
import { h } from "./dom.js";
import { t } from "../i18n/i18n.js";

// Room kinds whose default role table lets members edit boards (store/permissions.js).
const COLLAB_KINDS = new Set(["project", "class", "course", "cabinet", "meeting", "partner", "direct"]);

/** May this room have a board and documents, as far as the client knows? */
export function hasCollab(client, roomId) {
  const a = client.access.get(roomId);
  if (a.known && (a.denied || !a.can.has("read"))) return false;
  if (a.can.has("edit_boards")) return true;
  const kind = (client.rooms.get(roomId) ?? client.timeline(roomId).roomInfo)?.kind;
  return COLLAB_KINDS.has(kind);
}

/** Calls: may this person take part in the room's call (`start_call`, once the join answered)? */
export function hasCall(client, roomId) {
  const a = client.access.get(roomId);
  return a.known && !a.denied && a.can.has("start_call");
}

export function roomHref(roomId, section = "chat", doc = null) {
  const base = `#/room/${encodeURIComponent(roomId)}`;
  if (section === "board") return `${base}/board`;
  if (section === "work") return `${base}/work`;
  if (section === "call") return `${base}/call`;
  if (section === "doc") return `${base}/doc/${encodeURIComponent(doc)}`;
  return base;
}

/** → {el, update(), destroy()}; `current` is "chat", "board" or "work" (documents). */
export function roomTabs(client, roomId, current) {
  const el = h("nav", { class: "room-tabs", "aria-label": t("collab.tabs") });
  function render() {
    const collab = hasCollab(client, roomId);
    // Calls: a Call tab where one may take part, with how many are in the call now.
    const call = hasCall(client, roomId) || current === "call";
    const show = collab || call;
    el.hidden = !show;
    if (!show) { el.replaceChildren(); delete el.dataset.version; return; }
    const inCall = client.call ? client.call.state(roomId).participants.length : 0;
    const version = [collab, call, inCall, t("collab.tab.chat")].join("|");
    if (el.dataset.version === version && el.firstChild) return;   // keeps a focused tab in place
    el.dataset.version = version;
    const tab = (section, label) => h("li", {}, h("a", { href: roomHref(roomId, section), class: "room-tab", id: `tab-${section}`,
      "aria-current": section === current ? "page" : null }, label));
    const list = h("ul", { class: "room-tabs-list", role: "list" },
      tab("chat", t("collab.tab.chat")), collab ? tab("board", t("collab.tab.board")) : null, collab ? tab("work", t("collab.tab.docs")) : null,
      call ? tab("call", inCall ? t("call.tabCount", { count: inCall }) : t("call.tab")) : null);
    el.setAttribute("aria-label", t("collab.tabs"));
    el.replaceChildren(list);
  }
  const subs = [
    client.access.subscribe((room) => { if (room === roomId) render(); }),
    client.rooms.subscribe(render),
    // Calls: the number of people in the call on the tab.
    client.call ? client.call.subscribe((e) => { if (e.type === "state" && e.room === roomId) render(); }) : () => {},
  ];
  render();
  return { el, update: render, destroy() { subs.forEach((u) => u()); } };
}

/** Resolves once the room is joined on the current connection (requests about it need the
 *  join); rejects when the join is refused or after `timeoutMs`. */
export function whenReady(client, roomId, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    const ready = () => client.connected && client.ready.has(roomId);
    if (ready()) { resolve(); return; }
    const subs = [];
    const done = (ok, err) => { subs.forEach((u) => u()); clearTimeout(timer); if (ok) resolve(); else reject(err); };
    const check = () => {
      if (ready()) done(true);
      else if (client.access.get(roomId).denied) done(false, Object.assign(new Error("forbidden"), { code: "forbidden" }));
    };
    subs.push(client.timeline(roomId).subscribe(check), client.access.subscribe(check), client.subscribe((e) => { if (e.type === "state") check(); }));
    const timer = setTimeout(() => done(false, Object.assign(new Error("timeout"), { code: "timeout" })), timeoutMs);
  });
}
