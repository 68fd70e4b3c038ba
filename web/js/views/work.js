// The room's work page (#/room/ID/work): the board at a glance, the documents (the document
// editor's list, web/js/views/doc-list.js) and the contribution summary.
import { h, icon } from "./dom.js";
import { t } from "../i18n/i18n.js";
import { errorText } from "./dialogs.js";
import { displayName } from "../store/rooms.js";
import { roomTabs, roomHref, whenReady } from "./room-tabs.js";
import { followControls, noteFollowFromList } from "./follow.js";
import { contributionsPanel } from "./contributions.js";

export function workView(client, roomId) {
  const room = () => client.rooms.get(roomId) ?? client.timeline(roomId).roomInfo;
  const roomName = () => displayName(room()) || roomId;
  const title = h("h1", { id: "work-title", class: "room-title", tabindex: "-1" });
  const sub = h("p", { class: "room-sub" }, t("collab.workSub"));
  const header = h("header", { class: "room-header" },
    h("a", { class: "icon-button back", href: "#/", title: t("room.back") }, icon("back"), h("span", { class: "visually-hidden" }, t("room.back"))),
    h("div", { class: "room-heading" }, title, sub));
  const tabs = roomTabs(client, roomId, "work");
  const follow = followControls(client, roomId, null);

  const boardLine = h("p", { class: "work-board-line muted" }, t("board.loading"));
  const boardSection = h("section", { class: "work-section", "aria-labelledby": "work-board-title" },
    h("div", { class: "work-section-head" }, h("h2", { id: "work-board-title" }, t("board.title")),
      h("a", { class: "button small primary", id: "work-open-board", href: roomHref(roomId, "board") }, t("collab.openBoard"))),
    boardLine);

  const docsSlot = h("div", { class: "work-docs" }, h("p", { class: "muted" }, t("collab.docsLoading")));
  // The list brings its own heading.
  const docsSection = h("div", { class: "work-section work-docs-section" }, docsSlot);
  const contributions = contributionsPanel(client, roomId);

  const el = h("div", { class: "work-page" },
    h("section", { class: "board-main", "aria-labelledby": "work-title" }, header, tabs.el, follow,
      h("div", { class: "work-scroll" }, boardSection, docsSection, contributions.el)));

  let stopped = false;
  let docList = null;     // {node, destroy}
  // The document editor's list (another module: loaded on its own, so a problem there never
  // takes this page down).
  import("./doc-list.js").then((m) => {
    if (stopped) return;
    const made = m.docListPanel(client, roomId);
    docList = made instanceof Node ? { node: made, destroy: null } : { node: made?.node ?? made?.el, destroy: made?.destroy?.bind(made) };
    if (docList.node) docsSlot.replaceChildren(docList.node);
  }).catch((err) => {
    console.warn("doc list", err);
    if (!stopped) docsSlot.replaceChildren(h("p", { class: "muted" }, t("collab.docsUnavailable")));
  });

  async function loadSummary() {
    try {
      await whenReady(client, roomId);
      const ok = await client.conn.request({ type: "doc.list", room: roomId });
      if (stopped) return;
      noteFollowFromList(client, roomId, ok.follow ?? null);
      const b = ok.board || {};
      const docs = Array.isArray(ok.docs) ? ok.docs.length : 0;
      boardLine.textContent = [t("board.revision", { rev: Number(b.rev) || 0 }), b.locked ? t("collab.boardLocked") : null,
        t("collab.docCount", { count: docs })].filter(Boolean).join(" · ");
    } catch (err) {
      if (!stopped) boardLine.textContent = errorText(err);
    }
  }

  function render() {
    title.textContent = roomName();
    document.title = `${t("collab.workTitle", { name: roomName() })} — ${t("app.name")}`;
  }
  const subs = [client.rooms.subscribe(render), client.subscribe((e) => { if (e.type === "state" && e.state === "connected") loadSummary(); })];
  client.open(roomId).catch(() => {});
  render();
  loadSummary();

  return {
    el,
    title: () => t("collab.workTitle", { name: roomName() }),
    focus() { title.focus(); },
    destroy({ keepJoined = false } = {}) {
      stopped = true;
      subs.forEach((u) => u());
      tabs.destroy();
      follow.destroy?.();
      contributions.destroy();
      try { docList?.destroy?.(); } catch { /* theirs */ }
      if (!keepJoined) client.close(roomId);
    },
  };
}
