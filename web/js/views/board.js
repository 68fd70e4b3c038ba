// The room's board (#/room/ID/board): columns (ordered, renamed, WIP limits "3/5", added,
// archived, deleted), cards (title, assignees, labels, due date, checklist progress) moved by
// drag and drop or from the keyboard (a "Move" dialog, Alt+arrow keys; every move is announced),
// the card dialog, archived cards on request, the teacher's lock, "follow me", and the board's
// history (look at a past revision, restore it). Every change goes through the BoardStore:
// shown at once, sent with a nonce, kept while offline.
import { h, avatar, toast, reconcile, hueIndex } from "./dom.js";
import { bicon as icon } from "./board-icons.js";
import { t, language, formatFull, formatTime } from "../i18n/i18n.js";
import { modal, confirmDialog, errorText } from "./dialogs.js";
import { BoardStore } from "../store/board.js";
import { keyAt, between, spread } from "../collab/position-key.js";
import { newId, LIMITS, codePoints } from "../collab/board-model.js";
import { roomTabs, roomHref } from "./room-tabs.js";
import { followControls } from "./follow.js";
import { cardDialog } from "./card-dialog.js";
import { displayName } from "../store/rooms.js";

/** "«x»" / "“x”", or "" without a text. */
export function quoted(text) { return text ? t("board.quote", { text }) : ""; }

/** The words for one change that could not be applied (see BoardStore.explain). */
export function reasonText(f) {
  // Templates put the quoted title right after a word: " «x»", or nothing without a title.
  const card = f.card ? ` ${quoted(f.card)}` : "";
  const column = f.column ? ` ${quoted(f.column)}` : "";
  switch (f.reason) {
    case "card_missing":
      if (f.self) return t("board.why.cardDeletedSelf", { title: card });
      return f.name ? t("board.why.cardDeletedBy", { title: card, name: f.name }) : t("board.why.cardDeleted", { title: card });
    case "column_missing":
      if (f.self) return t("board.why.columnDeletedSelf", { title: column });
      return f.name ? t("board.why.columnDeletedBy", { title: column, name: f.name }) : t("board.why.columnDeleted", { title: column });
    case "card_not_created": return t("board.why.cardNotCreated", { title: card });
    case "column_not_created": return t("board.why.columnNotCreated", { title: column });
    case "wip_limit": return t("board.why.wip", { column, wip: f.wip ?? "?" });
    case "column_archived": return t("board.why.archived", { column });
    case "column_not_empty": return t("board.why.notEmpty", { column });
    case "id_in_use": case "comment_in_use": return t("board.why.exists");
    case "locked": return t("board.why.locked");
    case "forbidden": return t("board.why.forbidden");
    case "schema": return t("board.why.invalid");
    case "too_large": return t("board.why.tooLarge");
    case "not_loaded": return t("board.why.notLoaded");
    default: return f.message || t("board.why.server");
  }
}

/** "2 of your changes were merged; 1 could not be applied: …" */
export function reportText({ merged, failed }) {
  const reasons = [];
  for (const f of failed) { const r = reasonText(f); if (!reasons.includes(r)) reasons.push(r); }
  const shown = reasons.slice(0, 3).join("; ") + (reasons.length > 3 ? t("board.report.more", { count: reasons.length - 3 }) : "");
  const failedPart = failed.length ? `${t(merged ? "board.report.alsoFailed" : "board.report.failed", { count: failed.length })}: ${shown}` : "";
  if (merged && failed.length) return `${t("board.report.merged", { count: merged })}; ${failedPart}.`;
  if (merged) return `${t("board.report.merged", { count: merged })}.`;
  return `${failedPart}.`;
}

let dateFormats = new Map();
/** "5 дек." for a due date "YYYY-MM-DD" (a calendar day: no time zone). */
export function formatDue(due, style = "short") {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(due || "");
  if (!m) return "";
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const key = `${language()}|${style}|${date.getFullYear() === new Date().getFullYear()}`;
  if (!dateFormats.has(key)) {
    const options = style === "long" ? { day: "numeric", month: "long", year: "numeric" } : { day: "numeric", month: "short" };
    if (style !== "long" && date.getFullYear() !== new Date().getFullYear()) options.year = "numeric";
    dateFormats.set(key, new Intl.DateTimeFormat(language(), options));
  }
  return dateFormats.get(key).format(date);
}

export function todayKey() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

export function boardView(client, roomId) {
  client.boardSync.viewOpened(roomId);   // this view's store sends what waits
  const store = new BoardStore(client, roomId);
  const me = client.user.id;
  let showArchived = false;
  let past = null;               // {rev, board, at, name}: a past revision on screen, read-only
  let dragging = null;           // the card being dragged
  let renderWanted = false;
  let frame = 0;
  let addingColumn = false;
  const cardNodes = new Map();   // id → {node, version}
  const addForms = new Map();    // column → {el, input, open}
  let historyOpen = false;
  let historyItems = [];
  let historyMore = false;
  let historyBusy = false;
  let historyError = "";
  let openCard = null;           // the card dialog's controller

  const room = () => client.rooms.get(roomId) ?? client.timeline(roomId).roomInfo;
  const roomName = () => displayName(room()) || roomId;
  const board = () => (past ? past.board : store.board);
  const readOnly = () => !!past || !store.loaded || store.readOnly();
  const teacher = () => client.access.get(roomId).known && client.access.may(roomId, "facilitate");

  // ---- chrome ----
  const title = h("h1", { id: "board-title", class: "room-title", tabindex: "-1" });
  const sub = h("p", { class: "room-sub" });
  const header = h("header", { class: "room-header" },
    h("a", { class: "icon-button back", href: "#/", title: t("room.back") }, icon("back"), h("span", { class: "visually-hidden" }, t("room.back"))),
    h("div", { class: "room-heading" }, title, sub));
  const tabs = roomTabs(client, roomId, "board");
  const follow = followControls(client, roomId, { kind: "board" });

  const announcer = h("div", { id: "board-announce", class: "visually-hidden", role: "status", "aria-live": "polite" });
  const noticeText = h("span", { class: "room-notice-text" });
  const noticeClose = h("button", { type: "button", class: "icon-button small", title: t("notice.dismiss") },
    icon("close"), h("span", { class: "visually-hidden" }, t("notice.dismiss")));
  const notice = h("div", { id: "board-notice", class: "room-notice board-notice", role: "status", "aria-live": "polite" });
  noticeClose.addEventListener("click", () => { notice.classList.remove("shown"); notice.replaceChildren(); });
  const lockBanner = h("p", { id: "board-locked", class: "board-banner", hidden: true });
  const pastBanner = h("div", { id: "board-past", class: "board-banner past", hidden: true });

  const addColumnButton = h("button", { type: "button", id: "board-add-column", class: "button small" }, t("board.addColumn"));
  addColumnButton.addEventListener("click", () => { addingColumn = true; render(); columnInput.focus(); });
  const archivedToggle = h("button", { type: "button", id: "board-archived", class: "button small", "aria-pressed": "false" }, t("board.showArchived"));
  archivedToggle.addEventListener("click", () => { showArchived = !showArchived; render(); });
  const historyButton = h("button", { type: "button", id: "board-history-open", class: "button small", "aria-expanded": "false", "aria-controls": "board-history" }, t("board.history"));
  historyButton.addEventListener("click", () => setHistory(!historyOpen));
  const lockButton = h("button", { type: "button", id: "board-lock", class: "button small", hidden: true });
  lockButton.addEventListener("click", toggleLock);
  const status = h("p", { id: "board-status", class: "board-status", role: "status" });
  const toolbar = h("div", { class: "board-toolbar", role: "toolbar", "aria-label": t("board.toolbar") },
    addColumnButton, archivedToggle, historyButton, lockButton, status);

  const columnsList = h("ol", { class: "board-columns", role: "list", "aria-labelledby": "board-title" });
  const empty = h("div", { class: "board-empty", hidden: true });
  const columnInput = h("input", { type: "text", id: "board-new-column", maxlength: "400", autocomplete: "off", "aria-label": t("board.columnName"), placeholder: t("board.columnName") });
  const columnForm = h("form", { class: "board-add-column" }, columnInput,
    h("div", { class: "board-add-actions" },
      h("button", { type: "submit", class: "button small primary" }, t("board.add")),
      h("button", { type: "button", class: "button small", onclick: () => { addingColumn = false; columnInput.value = ""; render(); addColumnButton.focus(); } }, t("edit.cancel"))));
  columnForm.addEventListener("submit", (e) => { e.preventDefault(); createColumn(); });
  columnInput.addEventListener("keydown", (e) => { if (e.key === "Escape") { addingColumn = false; render(); addColumnButton.focus(); } });
  const addColumnSlot = h("li", { class: "board-column add-slot" }, columnForm);
  const scroller = h("div", { class: "board-scroll", id: "board-scroll" }, empty, columnsList);

  const historyList = h("ol", { class: "history-list", role: "list" });
  const historyStatus = h("p", { class: "muted history-status", role: "status" });
  const historyMoreButton = h("button", { type: "button", class: "button small", hidden: true }, t("board.historyMore"));
  historyMoreButton.addEventListener("click", () => loadHistory(true));
  const historyClose = h("button", { type: "button", class: "icon-button small", title: t("room.close") }, icon("close"), h("span", { class: "visually-hidden" }, t("room.close")));
  historyClose.addEventListener("click", () => setHistory(false));
  const history = h("aside", { id: "board-history", class: "board-history", "aria-labelledby": "board-history-title", hidden: true },
    h("div", { class: "history-head" }, h("h2", { id: "board-history-title" }, t("board.history")), historyClose),
    historyStatus, historyList, historyMoreButton);
  history.addEventListener("keydown", (e) => { if (e.key === "Escape") setHistory(false); });

  const el = h("div", { class: "board-page" },
    h("section", { class: "board-main", "aria-labelledby": "board-title" },
      header, tabs.el, follow, notice, lockBanner, pastBanner, toolbar,
      h("div", { class: "board-body" }, scroller, history), announcer));

  // ---- actions ----
  function tell(text, kind = "info") {
    notice.replaceChildren(icon(kind === "error" ? "alert" : "info"), noticeText, noticeClose);
    noticeText.textContent = text;
    notice.classList.add("shown");
  }
  function announce(text) {
    announcer.textContent = "";
    setTimeout(() => { announcer.textContent = text; }, 30);
  }
  function refusedText(op, refusal) { return reasonText(store.explain({ op, refusal })); }
  /** Applies an op through the store; says why when it does not fit. */
  function act(op) {
    const refusal = store.do(op);
    if (refusal) { toast(t("board.notApplied", { why: refusedText(op, refusal) }), "error"); return false; }
    return true;
  }

  function createColumn() {
    const name = columnInput.value.trim();
    if (!name) { columnInput.focus(); return; }
    if (codePoints(name) > LIMITS.title) { toast(t("board.tooLong", { max: LIMITS.title }), "error"); return; }
    const all = store.board.orderedColumns({ archived: true });
    const pos = between(all.length ? all[all.length - 1].pos : null, null);
    if (act({ op: "column.create", id: newId("col-"), title: name, pos })) {
      columnInput.value = "";
      announce(t("board.columnAdded", { title: name }));
      render();
      columnInput.focus();
    }
  }

  function quickStart() {
    const names = [t("board.starter.todo"), t("board.starter.doing"), t("board.starter.done")];
    const keys = spread(names.length);
    names.forEach((name, i) => act({ op: "column.create", id: newId("col-"), title: name, pos: keys[i] }));
    render();
  }

  function createCard(columnId, input) {
    const name = input.value.trim();
    if (!name) return;
    if (codePoints(name) > LIMITS.title) { toast(t("board.tooLong", { max: LIMITS.title }), "error"); return; }
    const cards = store.board.cardsIn(columnId, { archived: true });
    const pos = between(cards.length ? cards[cards.length - 1].pos : null, null);
    if (act({ op: "card.create", id: newId("card-"), column: columnId, pos, title: name })) {
      input.value = "";
      const col = store.board.columns.get(columnId);
      announce(t("board.cardAdded", { title: name, column: col ? col.title : "" }));
    }
  }

  /** Moves a card to `index` among the visible cards of `columnId`. */
  function moveCard(cardId, columnId, index) {
    const b = store.board;
    const card = b.cards.get(cardId);
    const col = b.columns.get(columnId);
    if (!card || !col) return false;
    const list = b.cardsIn(columnId, { archived: showArchived }).filter((c) => c.id !== cardId);
    const i = Math.max(0, Math.min(index, list.length));
    if (card.column === columnId) {
      const now = b.cardsIn(columnId, { archived: showArchived }).findIndex((c) => c.id === cardId);
      if (now === i) return false;
    }
    let pos;
    try { pos = keyAt(list, i); } catch { toast(t("board.notApplied", { why: t("board.why.invalid") }), "error"); return false; }
    if (!act({ op: "card.move", id: cardId, column: columnId, pos })) return false;
    announce(t("board.moved", { title: card.title, column: col.title, index: i + 1, count: list.length + 1 }));
    return true;
  }

  function moveColumn(columnId, delta) {
    const cols = store.board.orderedColumns({ archived: true });
    const i = cols.findIndex((c) => c.id === columnId);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= cols.length) return;
    const others = cols.filter((c) => c.id !== columnId);
    const pos = keyAt(others, j);
    if (act({ op: "column.move", id: columnId, pos })) announce(t("board.columnMoved", { title: cols[i].title, index: j + 1, count: cols.length }));
  }

  async function toggleLock() {
    const locked = !store.board.locked;
    lockButton.disabled = true;
    try { await store.setLocked(locked); announce(t(locked ? "board.lockedNow" : "board.unlockedNow")); }
    catch (err) { toast(errorText(err), "error"); }
    finally { lockButton.disabled = false; render(); }
  }

  // ---- history ----
  function setHistory(open) {
    historyOpen = open;
    history.hidden = !open;
    historyButton.setAttribute("aria-expanded", String(open));
    el.classList.toggle("with-history", open);
    if (open) { loadHistory(false); historyClose.focus(); } else if (history.contains(document.activeElement) || document.activeElement === document.body) historyButton.focus();
  }

  async function loadHistory(more) {
    if (historyBusy) return;
    historyBusy = true;
    historyError = "";
    renderHistory();
    try {
      const before = more && historyItems.length ? historyItems[historyItems.length - 1].rev : null;
      const list = await store.history(before, 50);
      historyItems = more ? historyItems.concat(list) : list;
      historyMore = list.length >= 50 && list[list.length - 1]?.rev > 1;
    } catch (err) { historyError = errorText(err); }
    finally { historyBusy = false; renderHistory(); }
  }

  function historyLine(r) {
    const b = store.board;
    // The server names the card and column as they were then (`title`, `column_title`).
    const cardTitle = r.card ? (r.title ?? b.cards.get(r.card)?.title ?? b.gone.get(r.card)?.title ?? null) : null;
    const columnTitle = r.column ? (r.column_title ?? b.columns.get(r.column)?.title ?? b.gone.get(r.column)?.title ?? null) : null;
    const kind = typeof r.op === "string" ? r.op : "";
    if (kind === "board.restore" || kind === "restore") return t("board.op.restoreFrom", { rev: r.from ?? r.restored_from ?? "?" });
    const what = t(`board.op.${kind}`) !== `board.op.${kind}` ? t(`board.op.${kind}`) : kind;
    const target = cardTitle ? quoted(cardTitle) : columnTitle ? quoted(columnTitle) : "";
    return [what, target].filter(Boolean).join(" ").trim();
  }

  function renderHistory() {
    historyStatus.textContent = historyBusy ? t("board.historyLoading") : historyError || (historyItems.length ? "" : t("board.historyEmpty"));
    historyMoreButton.hidden = !historyMore || historyBusy;
    const items = historyItems.map((r) => {
      const at = new Date(r.at);
      const viewing = past && past.rev === r.rev;
      return h("li", { class: `history-item${viewing ? " current" : ""}` },
        h("div", { class: "history-what" }, historyLine(r)),
        h("div", { class: "history-meta muted" },
          h("span", {}, t("board.revision", { rev: r.rev })), " · ",
          Number.isNaN(at.getTime()) ? null : h("time", { datetime: at.toISOString(), title: formatFull(at) }, formatTime(at)),
          r.name ? ` · ${r.name}` : ""),
        h("button", { type: "button", class: "link-button history-view", "aria-label": t("board.viewRevisionOf", { rev: r.rev }),
          "aria-pressed": viewing ? "true" : "false", onclick: () => viewRevision(r) }, t("board.viewRevision")));
    });
    historyList.replaceChildren(...items);
  }

  async function viewRevision(r) {
    try {
      const b = await store.revision(r.rev);
      past = { rev: r.rev, board: b, at: r.at, name: r.name || "" };
      render();
      renderHistory();
      announce(t("board.viewing", { rev: r.rev }));
      pastBanner.querySelector("button")?.focus();
    } catch (err) { toast(errorText(err), "error"); }
  }

  function leavePast() { past = null; render(); renderHistory(); title.focus(); }

  function restorePast() {
    const rev = past.rev;
    confirmDialog(t("board.restoreTitle", { rev }), t("board.restoreLead"), t("board.restoreConfirm"), async () => {
      await store.restore(rev);
      past = null;
      render();
      renderHistory();
      toast(t("board.restoredDone", { rev }));
      if (historyOpen) loadHistory(false);
    });
  }

  // ---- dialogs ----
  function openCardDialog(cardId) {
    openCard = cardDialog(store, cardId, {
      readOnly: () => readOnly(),
      board: () => board(),
      onClose: () => { openCard = null; },
      reasonText: (op, refusal) => refusedText(op, refusal),
    });
  }

  function columnDialog(colId) {
    const col = store.board.columns.get(colId);
    if (!col) return;
    const nameInput = h("input", { id: "column-name", type: "text", maxlength: "400", autocomplete: "off", required: true, value: col.title });
    const wipInput = h("input", { id: "column-wip", type: "number", min: "1", max: "999", step: "1", inputmode: "numeric", value: col.wip ?? "", "aria-describedby": "column-wip-hint" });
    const error = h("p", { class: "form-error", role: "alert" });
    const holds = [...store.board.cards.values()].filter((c) => c.column === colId).length;
    const cols = store.board.orderedColumns({ archived: true });
    const idx = cols.findIndex((c) => c.id === colId);
    const left = h("button", { type: "button", class: "button small", disabled: idx <= 0 }, t("board.moveLeft"));
    const right = h("button", { type: "button", class: "button small", disabled: idx >= cols.length - 1 }, t("board.moveRight"));
    const archive = h("button", { type: "button", class: "button small" }, t(col.archived ? "board.restoreColumn" : "board.archiveColumn"));
    const del = h("button", { type: "button", class: "button small danger", disabled: holds > 0, "aria-describedby": holds ? "column-delete-hint" : null }, t("board.deleteColumn"));
    const save = h("button", { type: "submit", class: "button primary" }, t("board.save"));
    const cancel = h("button", { type: "button", class: "button", onclick: () => dialog.close() }, t("edit.cancel"));
    const dialog = modal(t("board.columnTitle", { title: col.title }), [
      h("div", { class: "field" }, h("label", { for: "column-name" }, t("board.columnName")), nameInput),
      h("div", { class: "field" }, h("label", { for: "column-wip" }, t("board.wip")), wipInput,
        h("p", { id: "column-wip-hint", class: "field-hint" }, t("board.wipHint"))),
      error,
      h("div", { class: "column-actions" }, left, right, archive, del),
      holds ? h("p", { id: "column-delete-hint", class: "field-hint" }, t("board.deleteColumnHint", { count: holds })) : null,
    ], [cancel, save]);
    nameInput.focus();
    left.addEventListener("click", () => { moveColumn(colId, -1); dialog.close(); });
    right.addEventListener("click", () => { moveColumn(colId, 1); dialog.close(); });
    archive.addEventListener("click", () => {
      if (act({ op: col.archived ? "column.restore" : "column.archive", id: colId })) {
        announce(t(col.archived ? "board.columnRestored" : "board.columnArchived", { title: col.title }));
        dialog.close();
      }
    });
    del.addEventListener("click", () => {
      dialog.close();
      confirmDialog(t("board.deleteColumnTitle", { title: col.title }), t("board.deleteColumnLead"), t("board.deleteColumn"), async () => {
        if (!act({ op: "column.delete", id: colId })) throw Object.assign(new Error("refused"), { code: "conflict" });
        announce(t("board.columnDeleted", { title: col.title }));
      });
    });
    dialog.querySelector("form").addEventListener("submit", (e) => {
      e.preventDefault();
      const now = store.board.columns.get(colId);
      if (!now) { dialog.close(); return; }
      const name = nameInput.value.trim();
      if (!name || codePoints(name) > LIMITS.title) { error.textContent = t("board.titleNeeded", { max: LIMITS.title }); nameInput.setAttribute("aria-invalid", "true"); nameInput.focus(); return; }
      const raw = wipInput.value.trim();
      const wip = raw === "" ? null : Number(raw);
      if (wip !== null && !(Number.isInteger(wip) && wip >= 1 && wip <= 999)) { error.textContent = t("board.wipBad"); wipInput.setAttribute("aria-invalid", "true"); wipInput.focus(); return; }
      if (name !== now.title && !act({ op: "column.set", id: colId, field: "title", value: name })) return;
      if (wip !== now.wip && !act({ op: "column.set", id: colId, field: "wip", value: wip })) return;
      dialog.close();
    });
  }

  function moveDialog(cardId) {
    const b = store.board;
    const card = b.cards.get(cardId);
    if (!card) return;
    const cols = b.orderedColumns().filter((c) => !c.archived);
    const colSelect = h("select", { id: "move-column" }, cols.map((c) => {
      const full = c.id !== card.column && b.atLimit(c.id);
      return h("option", { value: c.id, selected: c.id === card.column, disabled: full && !card.archived },
        full ? t("board.columnFull", { title: c.title, count: b.activeCount(c.id), wip: c.wip }) : c.title);
    }));
    const posSelect = h("select", { id: "move-position" });
    function fillPositions() {
      const list = b.cardsIn(colSelect.value, { archived: showArchived }).filter((c) => c.id !== cardId);
      const current = colSelect.value === card.column ? b.cardsIn(card.column, { archived: showArchived }).findIndex((c) => c.id === cardId) : list.length;
      const options = [h("option", { value: "0", selected: current === 0 }, t("board.posFirst"))];
      list.forEach((c, i) => options.push(h("option", { value: String(i + 1), selected: current === i + 1 }, t("board.posAfter", { title: c.title }))));
      posSelect.replaceChildren(...options);
    }
    colSelect.addEventListener("change", fillPositions);
    fillPositions();
    const ok = h("button", { type: "submit", class: "button primary" }, t("board.move"));
    const cancel = h("button", { type: "button", class: "button", onclick: () => dialog.close() }, t("edit.cancel"));
    const dialog = modal(t("board.moveTitle", { title: card.title }), [
      h("div", { class: "field" }, h("label", { for: "move-column" }, t("board.moveColumn")), colSelect),
      h("div", { class: "field" }, h("label", { for: "move-position" }, t("board.movePosition")), posSelect),
    ], [cancel, ok]);
    colSelect.focus();
    dialog.querySelector("form").addEventListener("submit", (e) => {
      e.preventDefault();
      dialog.close();
      moveCard(cardId, colSelect.value, Number(posSelect.value));
      focusCard(cardId);
    });
  }

  // ---- keyboard and drag and drop ----
  function visibleColumns() { return board().orderedColumns({ archived: showArchived }); }

  function focusCard(cardId) {
    requestAnimationFrame(() => { render(); columnsList.querySelector(`.board-card[data-card="${CSS.escape(cardId)}"]`)?.focus(); });
  }

  function onCardKey(e, cardId) {
    if (e.target !== e.currentTarget) return;
    const b = board();
    const card = b.cards.get(cardId);
    if (!card) return;
    const cols = visibleColumns();
    const ci = cols.findIndex((c) => c.id === card.column);
    const inCol = b.cardsIn(card.column, { archived: showArchived });
    const i = inCol.findIndex((c) => c.id === cardId);
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openCardDialog(cardId); return; }
    const arrows = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"];
    if (!arrows.includes(e.key) || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    if (e.altKey) {
      if (readOnly()) { announce(t("board.readOnlyShort")); return; }
      if (e.key === "ArrowUp" && i > 0) moveCard(cardId, card.column, i - 1);
      else if (e.key === "ArrowDown" && i < inCol.length - 1) moveCard(cardId, card.column, i + 1);
      else if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
        const target = cols[ci + (e.key === "ArrowLeft" ? -1 : 1)];
        if (target && !target.archived) moveCard(cardId, target.id, Math.min(i, b.cardsIn(target.id, { archived: showArchived }).length));
        else announce(t(e.key === "ArrowLeft" ? "board.noColumnLeft" : "board.noColumnRight"));
      } else announce(t(e.key === "ArrowUp" ? "board.atTop" : "board.atBottom"));
      focusCard(cardId);
      return;
    }
    // Plain arrows move the focus: up and down in the column, left and right across columns.
    let next = null;
    if (e.key === "ArrowUp") next = inCol[i - 1];
    else if (e.key === "ArrowDown") next = inCol[i + 1];
    else {
      for (let c = ci + (e.key === "ArrowLeft" ? -1 : 1); c >= 0 && c < cols.length && !next; c += e.key === "ArrowLeft" ? -1 : 1) {
        const list = b.cardsIn(cols[c].id, { archived: showArchived });
        next = list[Math.min(i, list.length - 1)] ?? null;
      }
    }
    if (next) columnsList.querySelector(`.board-card[data-card="${CSS.escape(next.id)}"]`)?.focus();
  }

  function canDropInto(columnId) {
    const b = store.board;
    const card = b.cards.get(dragging);
    const col = b.columns.get(columnId);
    if (!card || !col || col.archived) return false;
    return card.column === columnId || card.archived || !b.atLimit(columnId);
  }

  function dropIndex(list, y) {
    const items = [...list.querySelectorAll(":scope > .card-item")].filter((li) => li.dataset.card !== dragging);
    for (let i = 0; i < items.length; i++) {
      const r = items[i].getBoundingClientRect();
      if (y < r.top + r.height / 2) return { index: i, before: items[i] };
    }
    return { index: items.length, before: null };
  }

  function clearDropMarks() {
    for (const n of columnsList.querySelectorAll(".drop-before, .drop-end, .drop-refused, .drop-target")) n.classList.remove("drop-before", "drop-end", "drop-refused", "drop-target");
  }

  function wireDrop(list, columnId) {
    list.addEventListener("dragover", (e) => {
      if (!dragging) return;
      clearDropMarks();
      if (!canDropInto(columnId)) { list.classList.add("drop-refused"); e.dataTransfer.dropEffect = "none"; return; }
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
      const { before } = dropIndex(list, e.clientY);
      list.classList.add("drop-target");
      if (before) before.classList.add("drop-before"); else list.classList.add("drop-end");
    });
    list.addEventListener("dragleave", (e) => { if (!list.contains(e.relatedTarget)) list.classList.remove("drop-before", "drop-end", "drop-refused", "drop-target"); });
    list.addEventListener("drop", (e) => {
      if (!dragging) return;
      e.preventDefault();
      const id = dragging;
      const { index } = dropIndex(list, e.clientY);
      clearDropMarks();
      if (canDropInto(columnId)) moveCard(id, columnId, index);
      else {
        const col = store.board.columns.get(columnId);
        toast(t("board.notApplied", { why: reasonText({ reason: col?.archived ? "column_archived" : "wip_limit", column: col?.title, wip: col?.wip }) }), "error");
      }
    });
  }

  // ---- rendering ----
  function nameOf(user) { return store.nameOf(user) || t("board.someone"); }

  function cardSummary(card) {
    const parts = [card.title];
    if (card.archived) parts.push(t("board.archivedMark"));
    if (card.labels.length) parts.push(t("board.sr.labels", { labels: card.labels.join(", ") }));
    if (card.due) parts.push(t("board.sr.due", { date: formatDue(card.due, "long") }) + (card.due < todayKey() ? ` (${t("board.overdue")})` : ""));
    if (card.checklist.length) parts.push(t("board.sr.checklist", { done: card.checklist.filter((i) => i.done).length, count: card.checklist.length }));
    if (card.assignees.length) parts.push(t("board.sr.assignees", { names: card.assignees.map(nameOf).join(", ") }));
    if (card.comments.length) parts.push(t("board.sr.comments", { count: card.comments.length }));
    return parts.join(". ");
  }

  function cardNode(card, ro, pendingHere) {
    const names = card.assignees.map(nameOf);
    const version = JSON.stringify([card, ro, names, language(), pendingHere, card.due && card.due < todayKey()]);
    const cached = cardNodes.get(card.id);
    if (cached && cached.version === version) return cached.node;
    const done = card.checklist.filter((i) => i.done).length;
    const overdue = card.due && card.due < todayKey();
    const moveLabel = t("board.moveOf", { title: card.title });
    const art = h("article", {
      class: `board-card${card.archived ? " archived" : ""}${pendingHere ? " unsynced" : ""}`, tabindex: "0", draggable: ro ? "false" : "true",
      dataset: { card: card.id, focusKey: `card:${card.id}` }, "aria-label": cardSummary(card), "aria-describedby": "board-card-hint",
    },
    card.labels.length ? h("ul", { class: "card-labels", role: "list", "aria-hidden": "true" }, card.labels.map((l) => h("li", { class: `card-label hue-${hueIndex(l)}` }, l))) : null,
    h("h3", { class: "card-title", dir: "auto" }, card.title),
    h("div", { class: "card-meta", "aria-hidden": "true" },
      card.archived ? h("span", { class: "card-chip archived-chip" }, t("board.archivedMark")) : null,
      card.due ? h("span", { class: `card-chip due${overdue ? " overdue" : ""}` }, icon("clock", "icon tiny"), formatDue(card.due)) : null,
      card.checklist.length ? h("span", { class: `card-chip check${done === card.checklist.length ? " complete" : ""}` }, icon("check", "icon tiny"), `${done}/${card.checklist.length}`) : null,
      card.comments.length ? h("span", { class: "card-chip" }, icon("chat", "icon tiny"), String(card.comments.length)) : null,
      card.assignees.length ? h("span", { class: "card-people" },
        card.assignees.slice(0, 3).map((u) => avatar(nameOf(u), u, "avatar tiny")),
        card.assignees.length > 3 ? h("span", { class: "avatar tiny more" }, `+${card.assignees.length - 3}`) : null) : null),
    ro ? null : h("button", { type: "button", class: "icon-button small card-move", title: moveLabel, dataset: { focusKey: `move:${card.id}` },
      onclick: (e) => { e.stopPropagation(); moveDialog(card.id); } }, icon("swap"), h("span", { class: "visually-hidden" }, moveLabel)));
    art.addEventListener("click", (e) => { if (!e.target.closest("button, a")) openCardDialog(card.id); });
    art.addEventListener("keydown", (e) => onCardKey(e, card.id));
    art.addEventListener("dragstart", (e) => {
      if (readOnly()) { e.preventDefault(); return; }
      dragging = card.id;
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", card.title);
      requestAnimationFrame(() => li.classList.add("dragging"));
      el.classList.add("is-dragging");
    });
    art.addEventListener("dragend", () => {
      dragging = null;
      li.classList.remove("dragging");
      el.classList.remove("is-dragging");
      clearDropMarks();
      if (renderWanted) render();
    });
    const li = h("li", { class: "card-item", dataset: { card: card.id } }, art);
    cardNodes.set(card.id, { node: li, version });
    return li;
  }

  function addCardForm(col) {
    let f = addForms.get(col.id);
    if (!f) {
      const id = `add-card-${col.id}`;
      const input = h("textarea", { id, class: "add-card-input", rows: "2", maxlength: "400", placeholder: t("board.cardName"), "aria-label": t("board.cardNameIn", { column: col.title }) });
      const open = h("button", { type: "button", class: "add-card-open", dataset: { focusKey: `add:${col.id}` } }, "+ ", t("board.addCard"));
      const form = h("form", { class: "add-card-form", hidden: true }, input,
        h("div", { class: "board-add-actions" },
          h("button", { type: "submit", class: "button small primary" }, t("board.add")),
          h("button", { type: "button", class: "button small", onclick: () => close() }, t("edit.cancel"))));
      const close = () => { form.hidden = true; open.hidden = false; input.value = ""; open.focus(); };
      open.addEventListener("click", () => { form.hidden = false; open.hidden = true; input.focus(); });
      form.addEventListener("submit", (e) => { e.preventDefault(); createCard(col.id, input); input.focus(); });
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); createCard(col.id, input); }
        if (e.key === "Escape") { e.preventDefault(); close(); }
      });
      f = { el: h("div", { class: "add-card" }, open, form), input, open };
      addForms.set(col.id, f);
    }
    f.input.setAttribute("aria-label", t("board.cardNameIn", { column: col.title }));
    return f.el;
  }

  function columnNode(col, ro, pendingCards) {
    const b = board();
    const cards = b.cardsIn(col.id, { archived: showArchived });
    const count = b.activeCount(col.id);
    const full = col.wip !== null && count >= col.wip;
    const over = col.wip !== null && count > col.wip;
    const titleId = `col-title-${col.id}`;
    const countText = col.wip !== null ? `${count}/${col.wip}` : String(count);
    const countLabel = col.wip !== null ? t("board.countWip", { count, wip: col.wip }) : t("board.count", { count });
    const menuLabel = t("board.columnMenu", { title: col.title });
    const list = h("ol", { class: "cards", role: "list", "aria-labelledby": titleId, dataset: { column: col.id } }, cards.map((c) => cardNode(c, ro, pendingCards.has(c.id))));
    if (!ro && !col.archived) wireDrop(list, col.id);
    return h("li", { class: `board-column${col.archived ? " archived" : ""}${full ? " at-limit" : ""}`, dataset: { column: col.id } },
      h("section", { class: "column-box", "aria-labelledby": titleId },
        h("header", { class: "column-head" },
          h("h2", { id: titleId, class: "column-title", dir: "auto" }, col.title),
          h("span", { class: `column-count${full ? " full" : ""}${over ? " over" : ""}`, title: countLabel },
            h("span", { "aria-hidden": "true" }, countText), h("span", { class: "visually-hidden" }, countLabel)),
          col.archived ? h("span", { class: "card-chip archived-chip" }, t("board.archivedMark")) : null,
          ro ? null : h("button", { type: "button", class: "icon-button small column-menu", title: menuLabel, dataset: { focusKey: `colmenu:${col.id}` },
            onclick: () => columnDialog(col.id) }, icon("more"), h("span", { class: "visually-hidden" }, menuLabel))),
        full && !col.archived ? h("p", { class: "column-full-note" }, t("board.fullNote")) : null,
        list,
        ro || col.archived || full ? null : addCardForm(col)));
  }

  function render() {
    if (dragging) { renderWanted = true; return; }
    renderWanted = false;
    const b = board();
    const ro = readOnly();
    const active = document.activeElement;
    const focusKey = active && el.contains(active) ? active.dataset?.focusKey : null;
    // The add-card and add-column fields are kept across renders but moved into the new column
    // nodes, and moving a focused field blurs it: remember its caret to give the focus back
    // (else the rest of a title being typed while someone else changes the board is lost).
    let caret = null;
    if (active && el.contains(active) && (active.tagName === "TEXTAREA" || active.tagName === "INPUT")) {
      try { caret = [active.selectionStart, active.selectionEnd, active.selectionDirection]; } catch { caret = null; }
    }
    const name = roomName();
    title.textContent = name;
    sub.textContent = [t("board.title"), b.rev ? t("board.revision", { rev: b.rev }) : null].filter(Boolean).join(" · ");
    document.title = `${t("board.title")} · ${name} — ${t("app.name")}`;

    const denied = client.access.get(roomId).denied;
    const editable = !ro && !denied;
    addColumnButton.hidden = !editable;
    archivedToggle.setAttribute("aria-pressed", String(showArchived));
    archivedToggle.textContent = t(showArchived ? "board.hideArchived" : "board.showArchived");
    lockButton.hidden = !teacher() || !!past || !store.loaded;
    lockButton.textContent = t(store.board.locked ? "board.unlock" : "board.lock");
    lockButton.setAttribute("aria-pressed", String(store.board.locked));

    // The lock and read-only banners.
    const locked = store.loaded && store.board.locked;
    if (locked) {
      lockBanner.replaceChildren(icon("lock", "icon tiny"), h("span", {}, t(teacher() ? "board.lockedTeacher" : "board.locked")));
      lockBanner.hidden = false;
    } else if (store.loaded && !denied && client.access.get(roomId).known && !client.access.may(roomId, "edit_boards")) {
      lockBanner.replaceChildren(icon("eye", "icon tiny"), h("span", {}, t("board.readOnly")));
      lockBanner.hidden = false;
    } else lockBanner.hidden = true;

    if (past) {
      const at = new Date(past.at);
      pastBanner.replaceChildren(icon("clock", "icon tiny"),
        h("span", { class: "past-text" }, t("board.pastLead", { rev: past.rev }),
          h("span", { class: "muted" }, [Number.isNaN(at.getTime()) ? "" : ` ${formatFull(at)}`, past.name ? ` · ${past.name}` : ""].join(""))),
        h("span", { class: "past-actions" },
          h("button", { type: "button", class: "button small", onclick: leavePast }, t("board.backToLive")),
          client.access.may(roomId, "edit_boards") && !(store.board.locked && !teacher())
            ? h("button", { type: "button", class: "button small primary", id: "board-restore", onclick: restorePast }, t("board.restoreThis")) : null));
      pastBanner.hidden = false;
    } else pastBanner.hidden = true;

    // Status: loading, offline, unsent changes.
    const pending = store.pendingCount;
    let statusText = "";
    if (denied) statusText = "";
    else if (!store.loaded) statusText = store.error ? `${t("board.loadFailed")} ${errorText(store.error)}` : t("board.loading");
    else if (!store.online) statusText = pending ? t("board.offlinePending", { count: pending }) : t("board.offline");
    else if (pending) statusText = t("board.saving", { count: pending });
    if (status.textContent !== statusText) status.textContent = statusText;
    status.classList.toggle("warn", store.loaded && !store.online);

    // Columns.
    if (denied) {
      empty.hidden = false;
      empty.replaceChildren(h("p", {}, t("board.denied")), h("p", {}, h("a", { href: roomHref(roomId), class: "button" }, t("board.toChat"))));
      columnsList.replaceChildren();
      return;
    }
    const cols = b.orderedColumns({ archived: showArchived });
    const pendingCards = new Set(past ? [] : store.replica.pending.map((p) => (p.op.op || "").startsWith("card.") ? p.op.id : null).filter(Boolean));
    if (!store.loaded && !past) {
      empty.hidden = false;
      empty.replaceChildren(h("p", { class: "muted" }, statusText || t("board.loading")));
    } else if (!cols.length) {
      empty.hidden = false;
      empty.replaceChildren(h("p", { class: "board-empty-title" }, t("board.empty")),
        editable ? h("p", {}, h("button", { type: "button", id: "board-quick-start", class: "button primary", onclick: quickStart }, t("board.quickStart"))) : null);
    } else empty.hidden = true;
    const nodes = cols.map((c) => columnNode(c, ro, pendingCards));
    if (editable && (addingColumn || cols.length)) {
      columnForm.hidden = !addingColumn;
      nodes.push(addColumnSlot);
      addColumnSlot.hidden = !addingColumn;
    }
    reconcile(columnsList, nodes);
    for (const id of [...cardNodes.keys()]) if (!b.cards.has(id)) cardNodes.delete(id);
    for (const id of [...addForms.keys()]) if (!b.columns.has(id)) addForms.delete(id);
    // Keep the focus where it was (re-rendered nodes are new; kept ones may have been moved).
    const lost = !document.activeElement || document.activeElement === document.body || !el.contains(document.activeElement);
    if (lost && caret && active.isConnected && el.contains(active)) {
      active.focus({ preventScroll: true });
      if (caret[0] !== null) try { active.setSelectionRange(...caret); } catch { /* not a text field */ }
    } else if (focusKey && lost) {
      el.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus();
    }
    openCard?.refresh();
  }

  function schedule() {
    if (frame) return;
    frame = requestAnimationFrame(() => { frame = 0; render(); });
  }

  const hint = h("p", { id: "board-card-hint", class: "visually-hidden" }, t("board.cardHint"));
  el.append(hint);

  const subs = [
    store.subscribe((e) => {
      if (e.type === "report") tell(reportText(e), e.failed.length ? "error" : "info");
      if (e.type === "restored") tell(e.name ? t("board.restoredBy", { name: e.name, rev: e.from ?? "?" }) : t("board.restoredAnon", { rev: e.from ?? "?" }));
      schedule();
    }),
    client.rooms.subscribe(schedule),
    client.access.subscribe((r) => { if (r === roomId) schedule(); }),
    client.presence.subscribe((r) => { if (r === roomId) schedule(); }),
  ];
  client.open(roomId).catch(() => {});
  store.start();
  render();

  return {
    el,
    title: () => `${t("board.title")} · ${roomName()}`,
    focus() { title.focus(); },
    destroy({ keepJoined = false } = {}) {
      subs.forEach((u) => u());
      if (frame) cancelAnimationFrame(frame);
      store.destroy();
      client.boardSync.viewClosed(roomId);
      tabs.destroy();
      follow.destroy?.();
      openCard?.close();
      if (!keepJoined) client.close(roomId);
    },
  };
}
