// A shared document (docs/collab.md): a textarea whose every input becomes one operation
// (fromDiff of the old and new value, in code points), the caret kept in place when the others'
// operations arrive, their cursors and selections drawn in a mirror behind the textarea (same
// text layout, transparent text), a light Markdown preview built from DOM nodes, "show
// authors" colouring, the lock (read-only for people without `facilitate`), rename, and the
// history: view any revision, restore one.
//
// Mounted by app.js for #/room/ID/doc/DOCID: docView(client, roomId, docId) → {el, node,
// title(), focus(), destroy()}.
import { h, icon, toast, linkify } from "./dom.js";
import { t, formatTime, formatDay, formatFull } from "../i18n/i18n.js";
import { modal, confirmDialog, errorText } from "./dialogs.js";
import { displayName } from "../store/rooms.js";
import { cpLength, cpToUtf16, utf16ToCp, fromDiff, transformIndex, parseAuthors } from "../collab/text-ot.js";
import { followControls } from "./follow.js";

let uidSeq = 0;
const uid = (p) => `${p}-${++uidSeq}`;

/** A hue per person, as the server picks its cursor colours (golden-angle steps over ids). */
export function hueOf(user) {
  const n = Number(user);
  if (user !== null && user !== "" && Number.isInteger(n)) return ((n * 137) % 360 + 360) % 360;
  let x = 0;
  for (const ch of String(user)) x = (x * 31 + ch.codePointAt(0)) >>> 0;
  return x % 360;
}
function tint(el, user) {
  // CSSOM (allowed by the CSP, unlike style attributes): the colour comes from the stylesheet.
  el.style.setProperty("--h", String(hueOf(user)));
  return el;
}

export function docView(client, roomId, docId) {
  const me = client.user.id;
  const docs = client.docs;
  const may = (p) => client.access.may(roomId, p);
  let session = null;
  let authorsMode = false;
  let previewOn = false;
  let historyOpen = false;
  let viewing = null;             // {rev, text, authors, at, name} while a past revision is shown
  let composing = false;
  let lastValue = "";             // the textarea's value as the session knows it
  let destroyed = false;
  const memberNames = new Map();  // user → name (room.members, history)

  // ---- static chrome ----
  const titleEl = h("h1", { id: "doc-title", class: "doc-title", tabindex: "-1" });
  const sub = h("p", { class: "doc-sub" });
  const saveState = h("span", { class: "doc-save", id: "doc-save" });
  const people = h("span", { class: "doc-people" });
  sub.append(saveState, people);
  const back = h("a", { class: "icon-button back doc-back", href: `#/room/${encodeURIComponent(roomId)}` },
    icon("back"), h("span", { class: "visually-hidden" }, t("doc.back")));

  const toolButton = (id, iconName, label, pressed = null) => {
    const b = h("button", { type: "button", id, class: "button small doc-tool", "aria-pressed": pressed === null ? null : String(pressed) },
      icon(iconName, "icon tiny"), h("span", { class: "doc-tool-label" }, label));
    return b;
  };
  const previewButton = toolButton("doc-preview-toggle", "eye", t("doc.preview"), false);
  const authorsButton = toolButton("doc-authors-toggle", "people", t("doc.authors"), false);
  const historyButton = toolButton("doc-history-toggle", "clock", t("doc.history"));
  historyButton.setAttribute("aria-expanded", "false");
  historyButton.setAttribute("aria-controls", "doc-history");
  const renameButton = toolButton("doc-rename", "edit", t("doc.rename"));
  const lockButton = toolButton("doc-lock-toggle", "lock", t("doc.lock"), false);
  const toolbar = h("div", { class: "doc-toolbar", role: "group", "aria-label": t("doc.toolbar") },
    previewButton, authorsButton, historyButton, renameButton, lockButton);
  const header = h("header", { class: "doc-header" }, back, h("div", { class: "doc-heading" }, titleEl, sub), toolbar);

  const banner = h("div", { id: "doc-banner", class: "doc-banner", role: "status", hidden: true });
  const notices = h("div", { id: "doc-notices", class: "doc-notices", role: "status", "aria-live": "polite" });

  const textId = uid("doc-text");
  const ta = h("textarea", { id: textId, class: "doc-text", spellcheck: "true", autocomplete: "off", "aria-describedby": "doc-banner", dir: "auto" });
  const taLabel = h("label", { for: textId, class: "visually-hidden" }, t("doc.textLabel"));
  const mirror = h("div", { class: "doc-mirror", "aria-hidden": "true", dir: "auto" });
  const editorWrap = h("div", { class: "doc-editor-wrap" }, mirror, taLabel, ta);
  const revisionBar = h("div", { class: "doc-revision-bar", role: "status", hidden: true });
  const revisionText = h("div", { class: "doc-revision-text", tabindex: "0", role: "document", hidden: true, dir: "auto" });
  const previewTitle = h("h2", { class: "visually-hidden", id: uid("doc-preview-title") }, t("doc.preview"));
  const preview = h("section", { class: "doc-preview", "aria-labelledby": previewTitle.id, hidden: true }, previewTitle, h("div", { class: "md" }));
  const legend = h("section", { class: "doc-legend", hidden: true, "aria-label": t("doc.authorsLegend") });
  const stateBox = h("div", { class: "doc-state", hidden: true });
  const panes = h("div", { class: "doc-panes" }, editorWrap, revisionText, preview);
  const mainCol = h("div", { class: "doc-main" }, revisionBar, stateBox, panes);

  const historyTitle = h("h2", { id: "doc-history-title", class: "doc-side-title" }, t("doc.history"));
  const historyClose = h("button", { type: "button", class: "icon-button small", title: t("doc.historyClose") },
    icon("close"), h("span", { class: "visually-hidden" }, t("doc.historyClose")));
  const historyList = h("ol", { class: "doc-history-list", role: "list" });
  const historyMore = h("div", { class: "doc-history-more" });
  const historyPanel = h("aside", { id: "doc-history", class: "doc-side", "aria-labelledby": "doc-history-title", hidden: true },
    h("div", { class: "doc-side-head" }, historyTitle, historyClose), historyList, historyMore);

  const body = h("div", { class: "doc-body" }, h("div", { class: "doc-center" }, legend, mainCol), historyPanel);
  // Teachers ask everyone to follow them here; others see the teacher's request.
  const follow = followControls(client, roomId, { kind: "doc", doc: docId });
  const el = h("section", { class: "doc-layout", "aria-labelledby": "doc-title" }, header, follow, banner, notices, body);

  // ---- helpers ----
  function roomName() { return displayName(client.rooms.get(roomId) ?? client.timeline(roomId).roomInfo) || roomId; }
  function docTitle() { return session?.meta?.title || docs.listMeta(roomId, docId)?.title || docId; }
  function nameOf(user) {
    if (user === null || user === undefined) return t("doc.unknownAuthor");
    if (user === me) return client.user.name;
    const p = client.presence.people(roomId).find((x) => x.user === user);
    return p?.name || session?.names.get(user) || memberNames.get(user) || t("doc.unknownAuthor");
  }
  const locked = () => !!session?.meta?.locked;
  const editable = () => !!session?.ready && !viewing && may("edit_boards") && (!locked() || may("facilitate"));

  // ---- the text ----
  function selectionCp() {
    const v = ta.value;
    const s = utf16ToCp(v, ta.selectionStart), e = utf16ToCp(v, ta.selectionEnd);
    return ta.selectionDirection === "backward" ? { anchor: e, head: s } : { anchor: s, head: e };
  }

  /** Puts the session's text in the textarea (after a reset or a remote op), caret at sel. */
  function showText(text, sel = null) {
    const top = ta.scrollTop;
    if (ta.value !== text) ta.value = text;
    lastValue = text;
    if (sel && document.activeElement === ta) {
      const a = cpToUtf16(text, sel.start), b = cpToUtf16(text, sel.end);
      ta.setSelectionRange(a, b, sel.backward ? "backward" : "forward");
    }
    ta.scrollTop = top;
    scheduleRender();
  }

  /** Every input (outside an input method's composition) is one operation. */
  function commitInput() {
    if (!session?.ready || composing) return;
    let value = ta.value;
    if (typeof value.isWellFormed === "function" && !value.isWellFormed()) {
      // A lone surrogate cannot reach the server (JSON would be refused): replace it.
      const caret = ta.selectionEnd;
      value = value.toWellFormed();
      ta.value = value;
      ta.setSelectionRange(caret, caret);
    }
    if (value === lastValue) return;
    if (!editable()) { showText(session.text); return; }
    if (session.text !== lastValue) { showText(session.text); return; }   // never diff against a stale base
    const op = fromDiff(lastValue, value, ta.selectionEnd);
    lastValue = value;
    session.edit(op);
    if (session.text !== value) showText(session.text);
    reportSelection();
    schedulePreview();
  }

  function reportSelection() {
    if (!session?.ready || viewing || document.activeElement !== ta || composing) return;
    const { anchor, head } = selectionCp();
    session.select(anchor, head);
  }

  ta.addEventListener("input", (e) => { if (!e.isComposing) commitInput(); });
  ta.addEventListener("compositionstart", () => { composing = true; session?.pause(); });
  ta.addEventListener("compositionend", () => {
    composing = false;
    commitInput();
    session?.resume();
  });
  ta.addEventListener("scroll", () => { mirror.scrollTop = ta.scrollTop; }, { passive: true });
  ta.addEventListener("keyup", reportSelection);
  ta.addEventListener("mouseup", reportSelection);
  ta.addEventListener("focus", reportSelection);
  const onSelectionChange = () => { if (document.activeElement === ta) reportSelection(); };
  document.addEventListener("selectionchange", onSelectionChange);
  const resizeObserver = typeof ResizeObserver === "function" ? new ResizeObserver(() => scheduleRender()) : null;
  resizeObserver?.observe(ta);

  /** An operation by someone else was applied to the session's text: keep the caret where it
   *  belongs (a collapsed caret stays before an insert made exactly at it; a selection does
   *  not grow to take in inserts at its edges). */
  function onRemote(op) {
    if (composing) return;   // paused; cannot happen, kept safe
    const old = lastValue;
    let sel = null;
    {
      const s = utf16ToCp(old, ta.selectionStart), e = utf16ToCp(old, ta.selectionEnd);
      if (s === e) {
        const p = transformIndex(s, op, false);
        sel = { start: p, end: p, backward: false };
      } else {
        sel = { start: transformIndex(s, op, true), end: transformIndex(e, op, false), backward: ta.selectionDirection === "backward" };
        if (sel.end < sel.start) sel.end = sel.start;
      }
    }
    showText(session.text, sel);
    schedulePreview();
  }

  // ---- the mirror: others' cursors and selections, authors ----
  let renderQueued = false;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => { renderQueued = false; renderMirror(); });
  }

  /** Segments of `text` between the given code-point boundaries, as DOM nodes. */
  function segmentNodes(text, { runs = null, sels = [], carets = [] }) {
    const n = cpLength(text);
    const points = new Set([0, n]);
    if (runs) { let p = 0; for (const [, len] of runs) { p += len; if (p <= n) points.add(p); } }
    for (const s of sels) { points.add(s.from); points.add(s.to); }
    for (const c of carets) points.add(c.at);
    const sorted = [...points].filter((p) => p >= 0 && p <= n).sort((a, b) => a - b);
    const frag = document.createDocumentFragment();
    let runIdx = 0, runEnd = runs && runs.length ? runs[0][1] : Infinity;
    let u = 0;                                  // UTF-16 index of the current point
    for (let i = 0; i < sorted.length; i++) {
      const a = sorted[i];
      for (const c of carets) if (c.at === a) frag.append(caretNode(c));
      if (i === sorted.length - 1) break;
      const b = sorted[i + 1];
      // Advance the UTF-16 index by (b - a) code points.
      let v = u;
      for (let k = a; k < b; k++) {
        const code = text.charCodeAt(v);
        v += code >= 0xd800 && code <= 0xdbff && v + 1 < text.length ? 2 : 1;
      }
      let node = document.createTextNode(text.slice(u, v));
      u = v;
      const sel = sels.find((s) => s.from <= a && s.to >= b);
      if (sel) node = tint(h("span", { class: "doc-sel" }, node), sel.user);
      if (runs) {
        while (runIdx < runs.length && a >= runEnd) { runIdx++; runEnd += runIdx < runs.length ? runs[runIdx][1] : 0; }
        const who = runIdx < runs.length ? runs[runIdx][0] : null;
        node = who === null || who === undefined ? h("span", { class: "doc-auth unknown" }, node) : tint(h("span", { class: "doc-auth" }, node), who);
      }
      frag.append(node);
    }
    frag.append("\u200b");   // a trailing newline still makes a line, as in the textarea
    return frag;
  }

  function caretNode(c) {
    return tint(h("span", { class: "doc-caret" }, h("span", { class: "doc-caret-label" }, c.name)), c.user);
  }

  function renderMirror() {
    if (destroyed) return;
    const cursors = session?.ready && !viewing ? [...session.cursors.values()] : [];
    const showAuthors = authorsMode && session?.ready && !viewing;
    if ((!cursors.length && !showAuthors) || composing || ta.value !== session?.text) {
      if (mirror.firstChild) mirror.replaceChildren();
      renderPeople(cursors);
      return;
    }
    const sels = cursors.filter((c) => c.anchor !== c.head).map((c) => ({ from: Math.min(c.anchor, c.head), to: Math.max(c.anchor, c.head), user: c.user }));
    const carets = cursors.map((c) => ({ at: c.head, user: c.user, name: c.name || nameOf(c.user) }));
    mirror.replaceChildren(segmentNodes(ta.value, { runs: showAuthors ? session.authors : null, sels, carets }));
    mirror.scrollTop = ta.scrollTop;
    renderPeople(cursors);
  }

  function renderPeople(cursors) {
    const names = cursors.map((c) => tint(h("span", { class: "doc-person" }, h("span", { class: "doc-dot", "aria-hidden": "true" }), c.name || nameOf(c.user)), c.user));
    if (!names.length) { people.replaceChildren(); return; }
    people.replaceChildren(h("span", { class: "doc-people-lead" }, t("doc.editing")), ...names);
  }

  // ---- authors legend ----
  function renderLegend() {
    legend.hidden = !authorsMode;
    if (!authorsMode) return;
    const runs = viewing ? viewing.authors : session?.authors || [];
    const totals = new Map();
    for (const [who, len] of runs) totals.set(who, (totals.get(who) || 0) + len);
    const items = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([who, count]) => {
      const li = h("li", { class: "doc-legend-item" },
        h("span", { class: `doc-swatch${who === null ? " unknown" : ""}`, "aria-hidden": "true" }),
        h("span", { class: "doc-legend-name" }, nameOf(who)), " ",
        h("span", { class: "doc-legend-count" }, t("doc.chars", { count })));
      return who === null ? li : tint(li, who);
    });
    legend.replaceChildren(h("h2", { class: "doc-legend-title" }, t("doc.authorsLegend")),
      items.length ? h("ul", { class: "doc-legend-list", role: "list" }, items) : h("p", { class: "muted" }, t("doc.noAuthors")));
  }

  async function loadMemberNames() {
    if (memberNames.size) return;
    try {
      const ok = await client.request({ type: "room.members", room: roomId });
      for (const m of ok.members || []) if (m && m.user !== undefined) memberNames.set(m.user, m.name);
      renderLegend();
      if (viewing) renderRevision();
    } catch { /* names from presence and cursors only */ }
  }

  // ---- Markdown preview ----
  let previewTimer = null;
  function schedulePreview() {
    if (!previewOn) return;
    clearTimeout(previewTimer);
    previewTimer = setTimeout(renderPreview, 150);
  }
  function renderPreview() {
    preview.hidden = !previewOn;
    if (!previewOn) return;
    const text = viewing ? viewing.text : session?.text ?? "";
    preview.lastChild.replaceChildren(renderMarkdown(text));
  }

  // ---- chrome: title, state, banner, buttons ----
  function renderChrome() {
    const title = docTitle();
    titleEl.textContent = title;
    document.title = `${title} — ${t("app.name")}`;
    back.title = t("doc.backTo", { name: roomName() });
    back.lastChild.textContent = t("doc.backTo", { name: roomName() });
    const ready = !!session?.ready;
    const canEdit = may("edit_boards");
    const facilitator = may("facilitate");
    lockButton.hidden = !(ready && facilitator);
    lockButton.setAttribute("aria-pressed", String(locked()));
    lockButton.querySelector(".doc-tool-label").textContent = locked() ? t("doc.unlock") : t("doc.lock");
    renameButton.hidden = !(ready && canEdit && (!locked() || facilitator));
    for (const b of [previewButton, authorsButton, historyButton]) b.disabled = !ready;
    ta.readOnly = !editable();
    ta.setAttribute("aria-readonly", String(!editable()));
    // Why it cannot be edited, said once, above the text.
    let text = null;
    if (ready && !viewing) {
      if (locked() && !facilitator) text = t("doc.lockedBanner");
      else if (!canEdit) text = t("doc.readOnlyBanner");
      else if (locked()) text = t("doc.lockedForOthers");
    }
    banner.hidden = !text;
    banner.classList.toggle("locked", locked());
    if (text) banner.replaceChildren(icon(locked() ? "lock" : "eye", "icon tiny"), h("span", {}, text));
    else banner.replaceChildren();
    renderSaveState();
  }

  function renderSaveState() {
    if (!session?.ready) { saveState.textContent = ""; return; }
    let key;
    if (!client.connected || !session.online) key = session.dc?.dirty ? "doc.savedLocally" : "doc.offline";
    else key = session.state === "synchronized" ? "doc.saved" : "doc.saving";
    const text = t(key);
    if (saveState.textContent !== text) saveState.textContent = text;
    saveState.dataset.state = key.slice(4);
  }

  /** What to show instead of the editor while the document cannot be shown. */
  function renderState() {
    const denied = client.access.get(roomId).denied;
    const st = denied ? "forbidden" : session?.status ?? "loading";
    const ready = !denied && !!session?.ready;
    const showEditor = ready && !viewing;
    editorWrap.hidden = !showEditor;
    if (ready) { stateBox.hidden = true; stateBox.replaceChildren(); return; }
    stateBox.hidden = false;
    const home = h("a", { class: "button", href: `#/room/${encodeURIComponent(roomId)}` }, t("doc.backTo", { name: roomName() }));
    let content;
    if (st === "missing") content = [h("p", { class: "doc-state-title" }, t("doc.notFound")), home];
    else if (st === "forbidden") {
      const why = denied ? denied.message : session?.error?.message;
      content = [icon("lock", "icon doc-state-icon"), h("p", { class: "doc-state-title" }, t("doc.forbidden")),
        why && why !== "forbidden" ? h("p", { class: "muted", dir: "auto" }, why) : null, denied ? h("a", { class: "button", href: "#/" }, t("room.back")) : home];
    }
    else if (st === "offline") content = [h("p", { class: "doc-state-title" }, t("doc.offlineWaiting"))];
    else if (st === "error") {
      const retry = h("button", { type: "button", class: "button primary" }, t("doc.retry"));
      retry.addEventListener("click", () => session?.open());
      content = [h("p", { class: "doc-state-title" }, t("doc.failed")), retry];
    } else content = [h("p", { class: "muted" }, t("doc.loading"))];
    stateBox.replaceChildren(...content.filter(Boolean));
  }

  function addNotice(text, { action = null, kind = "info" } = {}) {
    const close = h("button", { type: "button", class: "icon-button small", title: t("notice.dismiss") },
      icon("close"), h("span", { class: "visually-hidden" }, t("notice.dismiss")));
    const item = h("div", { class: `doc-notice ${kind}` }, icon(kind === "error" ? "alert" : "info", "icon tiny"),
      h("span", { class: "doc-notice-text" }, text), action, close);
    close.addEventListener("click", () => { item.remove(); (ta.isConnected && !editorWrap.hidden ? ta : titleEl).focus(); });
    notices.append(item);
    while (notices.children.length > 3) notices.firstChild.remove();
  }

  function onNotice(e) {
    if (e.code === "merged") addNotice(t("doc.merged", { count: e.count }));
    else if (e.code === "restored") {
      if (e.actor === me) return;     // said already, by the restore button's own message
      const from = e.from ?? "?";
      const who = e.actor === me ? null : (e.name || (e.actor !== undefined ? nameOf(e.actor) : null));
      addNotice(who ? t("doc.restoredBy", { name: who, rev: from }) : t("doc.restoredRev", { rev: from }));
      if (historyOpen) loadHistory(true);
    } else if (e.code === "refused" || e.code === "reloaded") {
      const lostText = session?.lostText;
      const why = e.code === "refused"
        ? (e.error === "forbidden" && e.message && e.message !== e.error ? e.message : errorText({ code: e.error || "generic", message: e.message }))
        : t("doc.reloadedWhy");
      const show = e.lost && lostText ? h("button", { type: "button", class: "link-button", onclick: () => showLostText(lostText) }, t("doc.showMine")) : null;
      addNotice(`${t(e.lost ? "doc.notSaved" : "doc.reloaded")} ${why}`, { action: show, kind: "error" });
    }
  }

  function showLostText(text) {
    const area = h("textarea", { class: "dialog-textarea doc-lost", readonly: true, rows: "10", "aria-label": t("doc.mineLabel") });
    area.value = text;
    const closeB = h("button", { type: "submit", value: "close", class: "button primary" }, t("doc.close"));
    modal(t("doc.mineTitle"), [h("p", { class: "dialog-lead" }, t("doc.mineLead")), area], [closeB]);
    area.focus();
    area.select();
  }

  // ---- toolbar actions ----
  previewButton.addEventListener("click", () => {
    previewOn = !previewOn;
    previewButton.setAttribute("aria-pressed", String(previewOn));
    panes.classList.toggle("with-preview", previewOn);
    renderPreview();
  });
  authorsButton.addEventListener("click", () => {
    authorsMode = !authorsMode;
    authorsButton.setAttribute("aria-pressed", String(authorsMode));
    el.classList.toggle("authors-on", authorsMode);
    if (authorsMode) loadMemberNames();
    renderLegend();
    if (viewing) renderRevision(); else scheduleRender();
  });
  historyButton.addEventListener("click", () => setHistoryOpen(!historyOpen));
  historyClose.addEventListener("click", () => setHistoryOpen(false));
  historyPanel.addEventListener("keydown", (e) => { if (e.key === "Escape") setHistoryOpen(false); });
  renameButton.addEventListener("click", openRename);
  lockButton.addEventListener("click", async () => {
    const want = !locked();
    lockButton.disabled = true;
    try {
      await docs.lock(roomId, docId, want);
      toast(want ? t("doc.lockedDone") : t("doc.unlockedDone"));
    } catch (err) { toast(errorText(err), "error"); }
    finally { lockButton.disabled = false; }
  });

  function openRename() {
    const id = uid("doc-rename");
    const input = h("input", { id, type: "text", class: "doc-rename-input", autocomplete: "off", required: true });
    input.value = docTitle();
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const ok = h("button", { type: "submit", value: "ok", class: "button primary" }, t("doc.renameSave"));
    const cancel = h("button", { type: "button", class: "button", onclick: () => dialog.close() }, t("edit.cancel"));
    const dialog = modal(t("doc.renameTitle"), [h("div", { class: "field" }, h("label", { for: id }, t("doc.titleLabel")), input), error], [cancel, ok]);
    input.focus();
    input.select();
    dialog.querySelector("form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const title = input.value.trim();
      const n = cpLength(title);
      if (n < 1 || n > 200) { error.textContent = t("doc.titleBad"); error.hidden = false; input.setAttribute("aria-invalid", "true"); input.focus(); return; }
      if (title === docTitle()) { dialog.close(); return; }
      ok.disabled = true;
      try { await docs.rename(roomId, docId, title); dialog.close(); } catch (err) {
        error.textContent = errorText(err);
        error.hidden = false;
        ok.disabled = false;
      }
    });
  }

  // ---- history ----
  let historyItems = [];
  let historyMoreBefore = null;
  let historyLoading = false;
  let historyTimer = null;

  function setHistoryOpen(open) {
    historyOpen = open;
    historyPanel.hidden = !open;
    el.classList.toggle("history-on", open);
    historyButton.setAttribute("aria-expanded", String(open));
    if (open) { loadHistory(true); historyTitle.setAttribute("tabindex", "-1"); historyTitle.focus(); }
    else if (historyPanel.contains(document.activeElement) || document.activeElement === document.body) historyButton.focus();
  }

  async function loadHistory(fresh = false) {
    if (historyLoading) return;
    historyLoading = true;
    if (fresh && !historyItems.length) historyMore.replaceChildren(h("p", { class: "muted" }, t("doc.loading")));
    try {
      const ok = await docs.history(roomId, docId, fresh ? null : historyMoreBefore, 50);
      const list = Array.isArray(ok.revisions) ? ok.revisions : [];
      for (const r of list) if (r.actor !== undefined && r.name) memberNames.set(r.actor, r.name);
      historyItems = fresh ? list : historyItems.concat(list);
      const oldest = historyItems.length ? Number(historyItems[historyItems.length - 1].rev) : null;
      historyMoreBefore = list.length >= 50 && oldest > 1 ? oldest : null;
      renderHistory();
    } catch (err) {
      historyMore.replaceChildren(h("p", { class: "form-error" }, errorText(err)));
    } finally {
      historyLoading = false;
    }
  }

  function renderHistory() {
    const items = historyItems.map((r) => {
      const rev = Number(r.rev);
      const at = new Date(r.at);
      const when = isNaN(at) ? "" : `${formatDay(at)}, ${formatTime(at)}`;
      const who = r.name || nameOf(r.actor);
      const current = viewing && viewing.rev === rev;
      const open = h("button", { type: "button", class: "doc-history-open", "aria-current": current ? "true" : null,
        "aria-label": t("doc.viewRevisionOf", { rev, name: who, when }) },
      h("span", { class: "doc-history-rev" }, t("doc.revisionShort", { rev })),
      h("span", { class: "doc-history-who" }, who),
      h("time", { class: "doc-history-when", datetime: isNaN(at) ? null : at.toISOString(), title: isNaN(at) ? null : formatFull(at) }, when));
      open.addEventListener("click", () => viewRevision(rev, { at, name: who }));
      const stats = h("span", { class: "doc-history-stats" },
        r.inserted ? h("span", { class: "ins" }, `+${r.inserted}`) : null,
        r.deleted ? h("span", { class: "del" }, `−${r.deleted}`) : null,
        r.restored_from !== undefined && r.restored_from !== null ? h("span", { class: "restored" }, t("doc.restoredFrom", { rev: r.restored_from })) : null);
      return h("li", { class: `doc-history-item${current ? " current" : ""}` }, open, stats);
    });
    // Revision 0 (the empty document at its creation) closes the list.
    if (historyItems.length && historyMoreBefore === null && Number(historyItems[historyItems.length - 1].rev) > 0) {
      const open = h("button", { type: "button", class: "doc-history-open" }, h("span", { class: "doc-history-rev" }, t("doc.revisionShort", { rev: 0 })),
        h("span", { class: "doc-history-who" }, t("doc.created")));
      open.addEventListener("click", () => viewRevision(0, { at: null, name: null }));
      items.push(h("li", { class: "doc-history-item" }, open));
    }
    historyList.replaceChildren(...items);
    if (!historyItems.length) historyMore.replaceChildren(h("p", { class: "muted" }, t("doc.historyEmpty")));
    else if (historyMoreBefore !== null) {
      const more = h("button", { type: "button", class: "button small" }, t("doc.historyMore"));
      more.addEventListener("click", () => loadHistory(false));
      historyMore.replaceChildren(more);
    } else historyMore.replaceChildren();
  }

  function scheduleHistoryRefresh() {
    if (!historyOpen || historyTimer) return;
    historyTimer = setTimeout(() => { historyTimer = null; if (historyOpen) loadHistory(true); }, 3000);
  }

  async function viewRevision(rev, info) {
    try {
      const ok = await docs.revision(roomId, docId, rev);
      viewing = { rev: Number(ok.rev ?? rev), text: typeof ok.text === "string" ? ok.text : "", authors: parseAuthors(ok.authors), ...info };
      renderRevision();
      renderHistory();
      renderChrome();
      renderState();
      revisionText.focus();
    } catch (err) { toast(errorText(err), "error"); }
  }

  function closeRevision() {
    viewing = null;
    revisionBar.hidden = true;
    revisionText.hidden = true;
    revisionText.replaceChildren();
    renderHistory();
    renderChrome();
    renderState();
    renderLegend();
    renderPreview();
    scheduleRender();
    ta.focus();
  }

  function renderRevision() {
    if (!viewing) return;
    const { rev } = viewing;
    const when = viewing.at && !isNaN(viewing.at) ? `${formatDay(viewing.at)}, ${formatTime(viewing.at)}` : "";
    const backB = h("button", { type: "button", class: "button small" }, t("doc.backToCurrent"));
    backB.addEventListener("click", closeRevision);
    const canRestore = may("edit_boards") && (!locked() || may("facilitate"));
    const restoreB = canRestore ? h("button", { type: "button", class: "button small primary" }, t("doc.restore")) : null;
    restoreB?.addEventListener("click", () => confirmDialog(t("doc.restoreTitle", { rev }), t("doc.restoreLead", { rev }), t("doc.restoreConfirm"), async () => {
      await docs.restore(roomId, docId, rev);
      toast(t("doc.restoredRev", { rev }));
      closeRevision();
    }));
    revisionBar.replaceChildren(icon("clock", "icon tiny"),
      h("span", { class: "doc-revision-label" }, viewing.name ? t("doc.viewingBy", { rev, name: viewing.name, when }) : t("doc.viewing", { rev })),
      h("span", { class: "doc-revision-actions" }, restoreB, backB));
    revisionBar.hidden = false;
    revisionText.setAttribute("aria-label", t("doc.revisionLabel", { rev }));
    revisionText.replaceChildren(segmentNodes(viewing.text, { runs: authorsMode ? viewing.authors : null }));
    revisionText.hidden = false;
    renderLegend();
    renderPreview();
  }

  // ---- wiring ----
  function onSession(e) {
    if (destroyed) return;
    switch (e.type) {
      case "remote": onRemote(e.op); scheduleHistoryRefresh(); if (authorsMode) renderLegend(); break;
      case "reset":
        showText(session.text);
        renderChrome(); renderState(); renderPreview(); renderLegend();
        break;
      case "status": renderState(); renderChrome(); if (session.ready) showText(session.text); break;
      case "meta": renderChrome(); break;
      case "cursors": scheduleRender(); break;
      case "sync": renderSaveState(); if (authorsMode) renderLegend(); break;
      case "notice": onNotice(e); break;
      default: break;
    }
  }

  let unsubscribe = () => {};
  const subs = [
    client.access.subscribe((room) => { if (room === roomId) { renderChrome(); renderState(); } }),
    client.subscribe((e) => { if (e.type === "state") renderSaveState(); }),
    client.rooms.subscribe(() => renderChrome()),
    client.presence.subscribe((room) => { if (room === roomId) scheduleRender(); }),
  ];

  renderChrome();
  renderState();
  // Joined after the view that is being replaced has left (mount() destroys it synchronously
  // after building this one): then the room's join and the document's open come in order.
  queueMicrotask(() => {
    if (destroyed) return;
    client.open(roomId).catch(() => {});
    session = docs.open(roomId, docId);
    unsubscribe = session.subscribe(onSession);
    if (session.ready) showText(session.text);
    renderChrome();
    renderState();
  });

  return {
    el,
    node: el,
    title: () => docTitle(),
    focus() { (session?.ready && !editorWrap.hidden ? ta : titleEl).focus(); },
    destroy({ keepJoined = false } = {}) {
      destroyed = true;
      follow.destroy?.();
      if (composing) { composing = false; commitInput(); session?.resume(); }
      unsubscribe();
      subs.forEach((u) => u());
      document.removeEventListener("selectionchange", onSelectionChange);
      resizeObserver?.disconnect();
      clearTimeout(previewTimer);
      clearTimeout(historyTimer);
      session?.release();
      // Still in this room (its chat, its board): stay joined; elsewhere: leave.
      const stay = keepJoined || location.hash.startsWith(`#/room/${encodeURIComponent(roomId)}/`) || location.hash === `#/room/${encodeURIComponent(roomId)}`;
      if (!stay) client.close(roomId);
    },
  };
}

// ---- a light Markdown: headings, paragraphs, lists, quotes, code, bold, italic, links ----

/** The text as DOM nodes (textContent only; links are http(s) only). */
export function renderMarkdown(text) {
  const frag = document.createDocumentFragment();
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let para = [];
  let list = null;          // {el, ordered}
  const flushPara = () => {
    if (!para.length) return;
    const p = document.createElement("p");
    para.forEach((line, i) => { if (i) p.append(document.createElement("br")); inline(line, p); });
    frag.append(p);
    para = [];
  };
  const endList = () => { list = null; };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = line.match(/^\s*(```|~~~)/);
    if (fence) {
      flushPara(); endList();
      const body = [];
      let j = i + 1;
      while (j < lines.length && !lines[j].trimStart().startsWith(fence[1])) body.push(lines[j++]);
      const pre = document.createElement("pre");
      const code = document.createElement("code");
      code.textContent = body.join("\n");
      pre.append(code);
      frag.append(pre);
      i = j;
      continue;
    }
    if (!line.trim()) { flushPara(); endList(); continue; }
    const heading = line.match(/^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/);
    if (heading) {
      flushPara(); endList();
      const level = Math.min(6, heading[1].length + 1);      // the page's h1 is the title
      const hEl = document.createElement(`h${level}`);
      hEl.className = `md-h${heading[1].length}`;
      inline(heading[2], hEl);
      frag.append(hEl);
      continue;
    }
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) { flushPara(); endList(); frag.append(document.createElement("hr")); continue; }
    const quote = line.match(/^\s{0,3}>\s?(.*)$/);
    if (quote) {
      flushPara(); endList();
      const last = frag.lastChild;
      const bq = last && last.nodeName === "BLOCKQUOTE" ? last : frag.appendChild(document.createElement("blockquote"));
      if (bq.childNodes.length) bq.append(document.createElement("br"));
      inline(quote[1], bq);
      continue;
    }
    const ul = line.match(/^\s*[-*+]\s+(.*)$/);
    const ol = line.match(/^\s*(\d{1,9})[.)]\s+(.*)$/);
    if (ul || ol) {
      flushPara();
      const ordered = !!ol;
      if (!list || list.ordered !== ordered) {
        const listEl = document.createElement(ordered ? "ol" : "ul");
        if (ordered && ol[1] !== "1") listEl.start = Number(ol[1]);
        frag.append(listEl);
        list = { el: listEl, ordered };
      }
      const li = document.createElement("li");
      inline(ordered ? ol[2] : ul[1], li);
      list.el.append(li);
      continue;
    }
    if (list && /^\s{2,}\S/.test(line)) {
      // A continuation line of the last item.
      const li = list.el.lastChild;
      li.append(document.createElement("br"));
      inline(line.trim(), li);
      continue;
    }
    endList();
    para.push(line);
  }
  flushPara();
  return frag;
}

function safeUrl(raw) {
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch { return null; }
}

/** Inline Markdown of one line into `parent`: `code`, **bold**, *italic*, [text](url), and
 *  bare http(s) links; everything else is text. */
function inline(src, parent) {
  let plain = "";
  const flush = () => { if (plain) { parent.append(linkify(plain)); plain = ""; } };
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === "\\" && i + 1 < src.length && /[\\`*_[\]()#+\-.!>~]/.test(src[i + 1])) { plain += src[i + 1]; i += 2; continue; }
    if (ch === "`") {
      const end = src.indexOf("`", i + 1);
      if (end > i + 1) {
        flush();
        const code = document.createElement("code");
        code.textContent = src.slice(i + 1, end);
        parent.append(code);
        i = end + 1;
        continue;
      }
    }
    if ((ch === "*" || ch === "_") && src[i + 1] === ch) {
      const marker = ch + ch;
      const end = src.indexOf(marker, i + 2);
      if (end > i + 2 && !/\s/.test(src[i + 2]) && !/\s/.test(src[end - 1])) {
        flush();
        const strong = document.createElement("strong");
        inline(src.slice(i + 2, end), strong);
        parent.append(strong);
        i = end + 2;
        continue;
      }
    }
    if (ch === "*" || ch === "_") {
      const wordBefore = i > 0 && /[\p{L}\p{N}]/u.test(src[i - 1]);
      let end = src.indexOf(ch, i + 1);
      while (end !== -1 && src[end + 1] === ch) end = src.indexOf(ch, end + 2);
      const wordAfter = end !== -1 && end + 1 < src.length && /[\p{L}\p{N}]/u.test(src[end + 1]);
      if (end > i + 1 && !/\s/.test(src[i + 1]) && !/\s/.test(src[end - 1]) && !(ch === "_" && (wordBefore || wordAfter))) {
        flush();
        const em = document.createElement("em");
        inline(src.slice(i + 1, end), em);
        parent.append(em);
        i = end + 1;
        continue;
      }
    }
    if (ch === "[") {
      const close = src.indexOf("](", i + 1);
      const end = close === -1 ? -1 : src.indexOf(")", close + 2);
      if (close > i && end > close) {
        const url = safeUrl(src.slice(close + 2, end).trim());
        if (url) {
          flush();
          const a = document.createElement("a");
          a.href = url.href;
          a.rel = "noopener noreferrer";
          a.target = "_blank";
          const label = src.slice(i + 1, close);
          if (label) { a.textContent = ""; inlineText(label, a); } else a.textContent = url.href;
          parent.append(a);
          i = end + 1;
          continue;
        }
      }
    }
    plain += ch;
    i++;
  }
  flush();
}

/** Inline formatting without links (inside a link's text). */
function inlineText(src, parent) {
  const tmp = document.createElement("span");
  inline(src, tmp);
  for (const a of tmp.querySelectorAll("a")) a.replaceWith(...a.childNodes);
  parent.append(...tmp.childNodes);
}
