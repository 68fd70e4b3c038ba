// A card in full (docs/collab.md "Boards"): title, column, description, assignees (the room's
// members), labels, due date, checklist, links (http/https only), comments; archive, restore,
// delete. Every field is saved on its own as it is changed (`card.set` sets one field, so two
// people editing different fields never overwrite each other), and the dialog follows the
// others' changes live, except in the field one is typing in.
import { h, avatar, linkify, toast } from "./dom.js";
import { bicon as icon } from "./board-icons.js";
import { t, formatFull, formatTime } from "../i18n/i18n.js";
import { modal, confirmDialog } from "./dialogs.js";
import { newId, LIMITS, codePoints, isValidUrl } from "../collab/board-model.js";
import { keyAt } from "../collab/position-key.js";
import { formatDue, todayKey } from "./board.js";

let seq = 0;

/** → {refresh(), close()}. `opts`: readOnly(), board() (the board shown: live or a past
 *  revision), onClose(), reasonText(op, refusal). */
export function cardDialog(store, cardId, opts) {
  const uid = `card-${++seq}`;
  const id = (name) => `${uid}-${name}`;
  const card = () => opts.board().cards.get(cardId);
  const ro = () => opts.readOnly() || !card();
  const error = h("p", { class: "form-error", role: "alert" });
  const nameOf = (u) => store.nameOf(u) || t("board.someone");
  let members = null;

  function act(op) {
    error.textContent = "";
    const refusal = store.do(op);
    if (refusal) { error.textContent = t("board.notApplied", { why: opts.reasonText(op, refusal) }); return false; }
    return true;
  }
  const set = (field, value) => act({ op: "card.set", id: cardId, field, value });

  // ---- title ----
  const titleInput = h("input", { id: id("title"), type: "text", class: "card-title-input", maxlength: "400", autocomplete: "off", dir: "auto" });
  let shownTitle = null;
  function saveTitle() {
    const c = card();
    if (!c || ro()) return;
    const v = titleInput.value.trim();
    if (v === c.title) return;
    if (!v || codePoints(v) > LIMITS.title) { error.textContent = t("board.titleNeeded", { max: LIMITS.title }); titleInput.value = c.title; return; }
    set("title", v);
  }
  titleInput.addEventListener("change", saveTitle);
  titleInput.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); saveTitle(); } });

  // ---- column ----
  const columnSelect = h("select", { id: id("column") });
  columnSelect.addEventListener("change", () => {
    const b = store.board;
    const target = columnSelect.value;
    const list = b.cardsIn(target, { archived: true }).filter((c) => c.id !== cardId);
    act({ op: "card.move", id: cardId, column: target, pos: keyAt(list, list.length) });
    refresh();
  });
  const createdLine = h("p", { class: "muted card-created" });

  // ---- description ----
  const description = h("textarea", { id: id("description"), class: "card-description", rows: "4", maxlength: String(LIMITS.description * 2), dir: "auto" });
  let shownDescription = null;
  description.addEventListener("change", () => {
    const c = card();
    if (!c || ro() || description.value === c.description) return;
    if (codePoints(description.value) > LIMITS.description) { error.textContent = t("board.tooLong", { max: LIMITS.description }); return; }
    set("description", description.value);
  });

  // ---- assignees ----
  const assigneeBox = h("div", { class: "card-assignees" });
  function renderAssignees() {
    const c = card();
    if (!c) { assigneeBox.replaceChildren(); return; }
    const people = new Map((members || []).map((m) => [m.user, m.name]));
    for (const u of c.assignees) if (!people.has(u)) people.set(u, nameOf(u));
    if (!members && !people.size) { assigneeBox.replaceChildren(h("p", { class: "muted" }, t("board.loadingPeople"))); return; }
    const chosen = new Set(c.assignees);
    const items = [...people].sort((a, b) => a[1].localeCompare(b[1])).map(([user, name]) => {
      const boxId = id(`as-${user}`);
      const box = h("input", { type: "checkbox", id: boxId, checked: chosen.has(user), disabled: ro() || (!chosen.has(user) && chosen.size >= LIMITS.assignees) });
      box.addEventListener("change", () => {
        const now = card();
        if (!now) return;
        const next = box.checked ? [...now.assignees.filter((u) => u !== user), user] : now.assignees.filter((u) => u !== user);
        set("assignees", next);
      });
      return h("li", { class: "assignee" }, box, h("label", { for: boxId }, avatar(name, user, "avatar tiny"), h("span", {}, name)));
    });
    const focused = document.activeElement?.id;
    assigneeBox.replaceChildren(h("ul", { class: "check-list", role: "list" }, items));
    if (focused && assigneeBox.querySelector(`#${CSS.escape(focused)}`)) document.getElementById(focused).focus();
  }

  // ---- labels ----
  const labelList = h("ul", { class: "card-labels editable", role: "list" });
  const labelInput = h("input", { id: id("label"), type: "text", maxlength: "80", autocomplete: "off", placeholder: t("board.labelNew") });
  const labelAdd = h("button", { type: "button", class: "button small" }, t("board.add"));
  function addLabel() {
    const c = card();
    const v = labelInput.value.trim();
    if (!c || !v) return;
    if (codePoints(v) > LIMITS.label) { error.textContent = t("board.tooLong", { max: LIMITS.label }); return; }
    if (c.labels.includes(v)) { labelInput.value = ""; return; }
    if (set("labels", [...c.labels, v])) labelInput.value = "";
    labelInput.focus();
  }
  labelAdd.addEventListener("click", addLabel);
  labelInput.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); addLabel(); } });
  function renderLabels() {
    const c = card();
    labelList.replaceChildren(...(c ? c.labels : []).map((l) => h("li", { class: "card-label removable" }, h("span", { dir: "auto" }, l),
      ro() ? null : h("button", { type: "button", class: "chip-remove", "aria-label": t("board.labelRemove", { label: l }),
        onclick: () => { const now = card(); if (now) set("labels", now.labels.filter((x) => x !== l)); labelInput.focus(); } }, "×"))));
  }

  // ---- due date ----
  const dueInput = h("input", { id: id("due"), type: "date", class: "card-due" });
  const dueClear = h("button", { type: "button", class: "button small" }, t("board.dueClear"));
  const dueNote = h("span", { class: "due-note" });
  dueInput.addEventListener("change", () => {
    const c = card();
    if (!c) return;
    const v = dueInput.value || null;
    if (v !== c.due) set("due", v);
  });
  dueClear.addEventListener("click", () => { const c = card(); if (c && c.due !== null) set("due", null); dueInput.focus(); });

  // ---- checklist ----
  const checkProgress = h("p", { class: "muted check-progress" });
  const checkList = h("ul", { class: "check-list checklist", role: "list" });
  const checkInput = h("input", { id: id("check"), type: "text", maxlength: "1000", autocomplete: "off", placeholder: t("board.checkNew") });
  const checkAdd = h("button", { type: "button", class: "button small" }, t("board.add"));
  function addCheck() {
    const c = card();
    const v = checkInput.value.trim();
    if (!c || !v) return;
    if (codePoints(v) > LIMITS.checkText) { error.textContent = t("board.tooLong", { max: LIMITS.checkText }); return; }
    if (c.checklist.length >= LIMITS.checklist) { error.textContent = t("board.checkFull", { max: LIMITS.checklist }); return; }
    if (set("checklist", [...c.checklist, { id: newId("i-"), text: v, done: false }])) checkInput.value = "";
    checkInput.focus();
  }
  checkAdd.addEventListener("click", addCheck);
  checkInput.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); addCheck(); } });
  function renderChecklist() {
    const c = card();
    const items = c ? c.checklist : [];
    const done = items.filter((i) => i.done).length;
    checkProgress.textContent = items.length ? t("board.checkProgress", { done, count: items.length }) : t("board.checkEmpty");
    const focused = document.activeElement?.id;
    checkList.replaceChildren(...items.map((item) => {
      const boxId = id(`ck-${item.id}`);
      const box = h("input", { type: "checkbox", id: boxId, checked: item.done, disabled: ro() });
      box.addEventListener("change", () => {
        const now = card();
        if (now) set("checklist", now.checklist.map((i) => (i.id === item.id ? { ...i, done: box.checked } : i)));
      });
      return h("li", { class: `check-item${item.done ? " done" : ""}` }, box, h("label", { for: boxId, dir: "auto" }, item.text),
        ro() ? null : h("button", { type: "button", class: "icon-button small", title: t("board.checkRemove", { text: item.text }), dataset: { item: item.id },
          onclick: () => { const now = card(); if (now) set("checklist", now.checklist.filter((i) => i.id !== item.id)); checkInput.focus(); } },
        icon("trash"), h("span", { class: "visually-hidden" }, t("board.checkRemove", { text: item.text }))));
    }));
    if (focused && checkList.querySelector(`#${CSS.escape(focused)}`)) document.getElementById(focused).focus();
  }

  // ---- links ----
  const linkList = h("ul", { class: "link-list", role: "list" });
  const linkUrl = h("input", { id: id("url"), type: "url", maxlength: "2000", autocomplete: "off", placeholder: "https://…", inputmode: "url" });
  const linkTitle = h("input", { id: id("link-title"), type: "text", maxlength: "400", autocomplete: "off", placeholder: t("board.linkTitleHint") });
  const linkAdd = h("button", { type: "button", class: "button small" }, t("board.add"));
  function addLink() {
    const c = card();
    if (!c) return;
    const url = linkUrl.value.trim();
    if (!isValidUrl(url)) { error.textContent = t("board.linkBad"); linkUrl.setAttribute("aria-invalid", "true"); linkUrl.focus(); return; }
    linkUrl.setAttribute("aria-invalid", "false");
    if (c.links.length >= LIMITS.links) { error.textContent = t("board.linksFull", { max: LIMITS.links }); return; }
    let name = linkTitle.value.trim() || url.replace(/^https?:\/\//i, "");
    if (codePoints(name) > LIMITS.linkTitle) name = [...name].slice(0, LIMITS.linkTitle - 1).join("") + "…";
    if (set("links", [...c.links, { title: name, url }])) { linkUrl.value = ""; linkTitle.value = ""; }
    linkUrl.focus();
  }
  linkAdd.addEventListener("click", addLink);
  for (const input of [linkUrl, linkTitle]) input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); addLink(); } });
  function renderLinks() {
    const c = card();
    linkList.replaceChildren(...(c ? c.links : []).map((l, i) => h("li", { class: "link-item" },
      icon("link", "icon tiny"),
      isValidUrl(l.url) ? h("a", { href: l.url, target: "_blank", rel: "noopener noreferrer", dir: "auto" }, l.title || l.url) : h("span", {}, l.title),
      ro() ? null : h("button", { type: "button", class: "icon-button small", title: t("board.linkRemove", { title: l.title }),
        onclick: () => { const now = card(); if (now) set("links", now.links.filter((_, j) => j !== i)); linkUrl.focus(); } },
      icon("trash"), h("span", { class: "visually-hidden" }, t("board.linkRemove", { title: l.title }))))));
  }

  // ---- comments ----
  const commentList = h("ol", { class: "comment-list", role: "list" });
  const commentInput = h("textarea", { id: id("comment"), rows: "2", maxlength: String(LIMITS.comment * 2), dir: "auto" });
  const commentSend = h("button", { type: "button", class: "button small primary" }, t("board.commentSend"));
  function addComment() {
    const v = commentInput.value.trim();
    if (!v || !card()) return;
    if (codePoints(v) > LIMITS.comment) { error.textContent = t("board.tooLong", { max: LIMITS.comment }); return; }
    if (act({ op: "card.comment", id: cardId, comment: newId("m-"), text: v })) commentInput.value = "";
    commentInput.focus();
  }
  commentSend.addEventListener("click", addComment);
  commentInput.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); addComment(); } });
  function renderComments() {
    const c = card();
    const list = c ? c.comments : [];
    commentList.replaceChildren(...list.map((m) => {
      const at = new Date(m.at);
      const ok = !Number.isNaN(at.getTime());
      return h("li", { class: "comment" }, avatar(nameOf(m.user), m.user, "avatar tiny"),
        h("div", { class: "comment-body" },
          h("div", { class: "comment-head" }, h("span", { class: "author" }, nameOf(m.user)),
            ok ? h("time", { class: "msg-time", datetime: at.toISOString(), title: formatFull(at) }, formatTime(at)) : null),
          h("div", { class: "msg-text", dir: "auto" }, linkify(m.text))));
    }));
    if (!list.length) commentList.replaceChildren(h("li", { class: "muted" }, t("board.noComments")));
  }

  // ---- footer ----
  const archiveButton = h("button", { type: "button", class: "button" });
  archiveButton.addEventListener("click", () => {
    const c = card();
    if (!c) return;
    if (act({ op: c.archived ? "card.restore" : "card.archive", id: cardId })) toast(t(c.archived ? "board.cardRestored" : "board.cardArchived", { title: c.title }));
  });
  const deleteButton = h("button", { type: "button", class: "button danger" }, t("board.deleteCard"));
  deleteButton.addEventListener("click", () => {
    const c = card();
    if (!c) return;
    confirmDialog(t("board.deleteCardTitle", { title: c.title }), t("board.deleteCardLead"), t("board.deleteCard"), async () => {
      if (!act({ op: "card.delete", id: cardId })) throw Object.assign(new Error("refused"), { code: "not_found" });
      dialog.close();
      toast(t("board.cardDeleted", { title: c.title }));
    });
  });
  const closeButton = h("button", { type: "button", class: "button primary", onclick: () => dialog.close() }, t("room.close"));
  const goneNote = h("p", { class: "board-banner", role: "status", hidden: true });
  const savedHint = h("p", { class: "field-hint" }, t("board.savedAsYouGo"));

  const section = (titleKey, forId, ...children) => h("section", { class: "card-section" },
    h("h3", { class: "card-section-title" }, forId ? h("label", { for: forId }, t(titleKey)) : t(titleKey)), children);

  const dialog = modal(t("board.cardDialog"), [
    goneNote,
    h("div", { class: "field" }, h("label", { for: id("title") }, t("board.cardTitle")), titleInput),
    h("div", { class: "card-where" }, h("label", { for: id("column") }, t("board.moveColumn")), columnSelect, createdLine),
    section("board.description", id("description"), description),
    section("board.assignees", null, assigneeBox),
    section("board.labels", id("label"), labelList, h("div", { class: "inline-add" }, labelInput, labelAdd)),
    section("board.due", id("due"), h("div", { class: "inline-add" }, dueInput, dueClear, dueNote)),
    section("board.checklist", id("check"), checkProgress, checkList, h("div", { class: "inline-add" }, checkInput, checkAdd)),
    section("board.links", id("url"), linkList, h("div", { class: "inline-add links" }, linkUrl, linkTitle, linkAdd)),
    section("board.comments", id("comment"), commentList, h("div", { class: "inline-add comments" }, commentInput, commentSend),
      h("p", { class: "field-hint" }, t("board.commentHint"))),
    error, savedHint,
  ], [archiveButton, deleteButton, closeButton], { onClose: () => opts.onClose?.() });
  dialog.classList.add("card-dialog");
  // Enter in a field must not submit (and so close) the dialog's form.
  dialog.querySelector("form").addEventListener("submit", (e) => e.preventDefault());

  function refresh() {
    if (!dialog.open) return;
    const c = card();
    const b = opts.board();
    const readOnly = ro();
    if (!c) {
      const gone = store.board.gone.get(cardId);
      const who = gone ? store.nameOf(gone.actor) : null;
      goneNote.textContent = who ? t("board.cardGoneBy", { name: who }) : t("board.cardGone");
      goneNote.hidden = false;
    } else goneNote.hidden = true;
    for (const input of dialog.querySelectorAll("input, textarea, select")) input.disabled = readOnly;
    archiveButton.hidden = deleteButton.hidden = readOnly;
    savedHint.hidden = readOnly;
    if (!c) return;
    dialog.querySelector(".dialog-title").textContent = c.title;
    if (document.activeElement !== titleInput && (shownTitle !== c.title || titleInput.value === "")) titleInput.value = c.title;
    shownTitle = c.title;
    if (document.activeElement !== description && shownDescription !== c.description) description.value = c.description;
    shownDescription = c.description;
    const cols = b.orderedColumns({ archived: true }).filter((col) => !col.archived || col.id === c.column);
    columnSelect.replaceChildren(...cols.map((col) => h("option", { value: col.id, selected: col.id === c.column,
      disabled: col.id !== c.column && (col.archived || (!c.archived && b.atLimit(col.id))) },
    col.id !== c.column && b.atLimit(col.id) ? t("board.columnFull", { title: col.title, count: b.activeCount(col.id), wip: col.wip }) : col.title)));
    const created = c.created_at ? new Date(c.created_at) : null;
    createdLine.textContent = [c.archived ? t("board.archivedMark") : null,
      c.created_by != null ? t("board.createdBy", { name: nameOf(c.created_by) }) : null,
      created && !Number.isNaN(created.getTime()) ? formatFull(created) : null].filter(Boolean).join(" · ");
    archiveButton.textContent = t(c.archived ? "board.restoreCard" : "board.archiveCard");
    if (document.activeElement !== dueInput) dueInput.value = c.due || "";
    dueClear.hidden = readOnly || !c.due;
    dueNote.textContent = c.due ? (c.due < todayKey() ? `${formatDue(c.due, "long")} — ${t("board.overdue")}` : formatDue(c.due, "long")) : t("board.noDue");
    dueNote.classList.toggle("overdue", !!c.due && c.due < todayKey());
    renderAssignees();
    renderLabels();
    renderChecklist();
    renderLinks();
    renderComments();
  }

  store.members().then((list) => { members = list; refresh(); }, () => { members = []; refresh(); });
  refresh();
  titleInput.focus();
  return { refresh, close() { if (dialog.open) dialog.close(); } };
}
