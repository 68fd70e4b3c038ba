// The room's shared documents: a list of links to #/room/ID/doc/DOCID, and "new document" for
// people who may edit boards (`edit_boards`). docListPanel(client, roomId) → {el, node,
// refresh(), destroy()}; the room's join must be asked for by the view that shows it.
import { h, icon, toast } from "./dom.js";
import { t, formatDay } from "../i18n/i18n.js";
import { errorText } from "./dialogs.js";
import { cpLength } from "../collab/text-ot.js";

let seq = 0;

export function docListPanel(client, roomId) {
  const docs = client.docs;
  const n = ++seq;
  const titleId = `doc-list-title-${n}`;
  const inputId = `doc-new-title-${n}`;
  const errorId = `doc-new-error-${n}`;
  let formOpen = false;

  const heading = h("h2", { id: titleId, class: "doc-list-title" }, t("doc.list.title"));
  const newButton = h("button", { type: "button", class: "button small doc-new", "aria-expanded": "false", "aria-controls": `doc-new-form-${n}` },
    icon("edit", "icon tiny"), h("span", {}, t("doc.list.new")));
  const input = h("input", { id: inputId, type: "text", class: "doc-new-input", autocomplete: "off", required: true, "aria-describedby": errorId });
  const error = h("p", { id: errorId, class: "form-error", role: "alert", hidden: true });
  const create = h("button", { type: "submit", class: "button small primary" }, t("doc.list.create"));
  const cancel = h("button", { type: "button", class: "button small" }, t("edit.cancel"));
  const form = h("form", { id: `doc-new-form-${n}`, class: "doc-new-form", hidden: true, "aria-label": t("doc.list.new") },
    h("div", { class: "field" }, h("label", { for: inputId }, t("doc.titleLabel")), input),
    error,
    h("div", { class: "doc-new-actions" }, cancel, create));
  const list = h("ul", { class: "doc-list-items", role: "list" });
  const status = h("div", { class: "doc-list-status" });
  const el = h("section", { class: "doc-list", "aria-labelledby": titleId },
    h("div", { class: "doc-list-head" }, heading, newButton), form, status, list);

  function setForm(open) {
    formOpen = open;
    form.hidden = !open;
    newButton.setAttribute("aria-expanded", String(open));
    error.hidden = true;
    input.removeAttribute("aria-invalid");
    if (open) { input.value = ""; input.focus(); } else newButton.focus();
  }
  newButton.addEventListener("click", () => setForm(!formOpen));
  cancel.addEventListener("click", () => setForm(false));
  form.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); setForm(false); } });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const title = input.value.trim();
    const len = cpLength(title);
    if (len < 1 || len > 200) {
      error.textContent = t("doc.titleBad");
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    create.disabled = true;
    try {
      const meta = await docs.create(roomId, title);
      formOpen = false;
      form.hidden = true;
      newButton.setAttribute("aria-expanded", "false");
      if (meta) location.hash = `#/room/${encodeURIComponent(roomId)}/doc/${encodeURIComponent(meta.id)}`;
      else toast(t("doc.list.created"));
    } catch (err) {
      error.textContent = errorText(err);
      error.hidden = false;
    } finally {
      create.disabled = false;
    }
  });

  function item(meta) {
    const href = `#/room/${encodeURIComponent(roomId)}/doc/${encodeURIComponent(meta.id)}`;
    const current = location.hash === href;
    const created = meta.created_at ? new Date(meta.created_at) : null;
    return h("li", { class: `doc-list-item${current ? " current" : ""}` },
      h("a", { class: "doc-link", href, "aria-current": current ? "page" : null },
        h("span", { class: "doc-link-icon", "aria-hidden": "true" }, icon("edit", "icon tiny")),
        h("span", { class: "doc-link-title", dir: "auto" }, meta.title),
        meta.locked ? h("span", { class: "doc-link-locked", title: t("doc.list.locked") }, icon("lock", "icon tiny"),
          h("span", { class: "visually-hidden" }, ` (${t("doc.list.locked")})`)) : null),
      created && !isNaN(created) ? h("span", { class: "doc-link-meta" }, t("doc.list.createdOn", { day: formatDay(created) })) : null);
  }

  function render() {
    const l = docs.list(roomId);
    const canCreate = client.access.may(roomId, "edit_boards");
    newButton.hidden = !canCreate;
    if (!canCreate && formOpen) { formOpen = false; form.hidden = true; }
    const items = docs.docs(roomId);
    list.replaceChildren(...items.map(item));
    let text = null;
    let retry = null;
    if (!l.loaded && l.error && l.error !== "offline") {
      text = t("doc.list.failed");
      retry = h("button", { type: "button", class: "link-button" }, t("doc.retry"));
      retry.addEventListener("click", () => docs.loadList(roomId));
    } else if (!l.loaded) text = t("doc.loading");
    else if (!items.length) text = canCreate ? t("doc.list.emptyCreate") : t("doc.list.empty");
    status.replaceChildren(...(text ? [h("p", { class: "muted" }, text, retry ? " " : null, retry)] : []));
  }

  const subs = [
    docs.subscribe((e) => { if (e.type === "list" && e.room === roomId) render(); }),
    client.access.subscribe((room) => { if (room === roomId) render(); }),
  ];
  const onHash = () => render();
  addEventListener("hashchange", onHash);

  render();
  // Asked now if the room is already joined here; otherwise when its join completes
  // (DocsStore.roomJoined reloads every list that was asked for).
  const l = docs.list(roomId);
  l.wanted = true;
  if (client.connected && client.ready.has(roomId)) docs.loadList(roomId);

  return {
    el,
    node: el,
    refresh: () => docs.loadList(roomId),
    destroy() {
      subs.forEach((u) => u());
      removeEventListener("hashchange", onHash);
    },
  };
}
