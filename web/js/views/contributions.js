// Who did what on the room's board and documents (`collab.contributions`): a table, one row
// per person. Teachers (`facilitate`) see everyone; others see only their own row.
import { h } from "./dom.js";
import { t, language } from "../i18n/i18n.js";
import { errorText } from "./dialogs.js";
import { whenReady } from "./room-tabs.js";

export const CONTRIBUTION_COLUMNS = ["chars_inserted", "chars_deleted", "chars_kept", "cards_created", "cards_moved",
  "card_fields_set", "comments", "checklist_done", "columns_changed"];

/** → {el, refresh(), destroy()} */
export function contributionsPanel(client, roomId) {
  const status = h("p", { class: "muted contrib-status", role: "status" });
  const lead = h("p", { class: "muted contrib-lead" });
  const tableSlot = h("div", { class: "contrib-table-wrap", role: "region", tabindex: "0", "aria-labelledby": "contrib-title" });
  const refreshButton = h("button", { type: "button", class: "button small", id: "contrib-refresh" }, t("collab.refresh"));
  const el = h("section", { class: "work-section contributions", "aria-labelledby": "contrib-title" },
    h("div", { class: "work-section-head" }, h("h2", { id: "contrib-title" }, t("collab.contributions")), refreshButton),
    lead, status, tableSlot);
  let people = null;
  let busy = false;
  let stopped = false;
  refreshButton.addEventListener("click", () => refresh());

  function render() {
    const everyone = client.access.may(roomId, "facilitate") && client.access.get(roomId).known;
    lead.textContent = t(everyone ? "collab.leadAll" : "collab.leadOwn");
    refreshButton.disabled = busy;
    if (!people) { tableSlot.replaceChildren(); tableSlot.hidden = true; return; }
    if (!people.length) { status.textContent = t("collab.none"); tableSlot.replaceChildren(); tableSlot.hidden = true; return; }
    const nf = new Intl.NumberFormat(language());
    const rows = [...people].sort((a, b) => String(a.name || "").localeCompare(String(b.name || ""), language()));
    const table = h("table", { class: "contrib-table", id: "contrib-table" },
      h("caption", { class: "visually-hidden" }, t(everyone ? "collab.captionAll" : "collab.captionOwn")),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("collab.person")),
        CONTRIBUTION_COLUMNS.map((c) => h("th", { scope: "col", class: "num" }, t(`collab.col.${c}`))))),
      h("tbody", {}, rows.map((p) => h("tr", { class: p.user === client.user.id ? "own" : null, dataset: { user: String(p.user) } },
        h("th", { scope: "row" }, p.name || String(p.user), p.user === client.user.id ? h("span", { class: "you" }, ` (${t("room.you")})`) : null),
        CONTRIBUTION_COLUMNS.map((c) => h("td", { class: "num" }, nf.format(Number(p[c]) || 0)))))));
    tableSlot.hidden = false;
    tableSlot.replaceChildren(table);
  }

  async function refresh() {
    if (busy) return;
    busy = true;
    status.textContent = t("collab.loading");
    render();
    try {
      await whenReady(client, roomId);
      const ok = await client.conn.request({ type: "collab.contributions", room: roomId });
      if (stopped) return;
      people = Array.isArray(ok.people) ? ok.people : [];
      status.textContent = "";
    } catch (err) {
      if (stopped) return;
      status.textContent = `${t("collab.failed")} ${errorText(err)}`;
    } finally {
      busy = false;
      if (!stopped) render();
    }
  }

  const subs = [client.access.subscribe((r) => { if (r === roomId) render(); })];
  render();
  refresh();
  return { el, refresh, destroy() { stopped = true; subs.forEach((u) => u()); } };
}
