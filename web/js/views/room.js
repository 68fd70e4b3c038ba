// The room: live chat with history paging, day separators, an unread divider, edit/delete of
// one's own messages, typing, presence, pending (outbox) messages and read markers.
import { h, icon, linkify, avatar, reconcile, toast } from "./dom.js";
import { t, language, formatTime, formatFull, formatDay, dayKey } from "../i18n/i18n.js";
import { roomsByZone } from "./rooms-list.js";
import { editDialog, confirmDialog } from "./dialogs.js";

const GROUP_MS = 5 * 60 * 1000;
const MAX_CHARS = 4000;

export function roomView(client, roomId) {
  const tl = client.timeline(roomId);
  const me = client.user.id;
  const summary = () => client.rooms.get(roomId);
  let dividerBefore = null;       // the seq the divider stays above once the room is shown
  let readAtEntry = null;           // the read marker when the room was opened: the "new" divider
  let positioned = false;           // initial scroll done
  let stick = true;                 // keep the view at the newest message
  let prepending = false;
  let maxSeen = 0;
  let notFound = false;
  const nodes = new Map();          // key → {node, version}

  // ---- static chrome ----
  const sidebar = h("nav", { class: "sidebar", "aria-label": t("room.rooms") });
  const title = h("h1", { id: "room-title", class: "room-title" });
  const sub = h("p", { class: "room-sub" });
  const peopleCount = h("span", { class: "people-count" });
  const peopleToggle = h("button", { type: "button", class: "icon-button people-toggle", "aria-controls": "people-panel", "aria-expanded": "false", title: t("room.showPeople") },
    icon("people"), peopleCount, h("span", { class: "visually-hidden" }, t("room.showPeople")));
  const header = h("header", { class: "room-header" },
    h("a", { class: "icon-button back", href: "#/", title: t("room.back") }, icon("back"), h("span", { class: "visually-hidden" }, t("room.back"))),
    h("div", { class: "room-heading" }, title, sub),
    peopleToggle);

  const top = h("div", { class: "log-top" });
  const list = h("ol", { class: "messages", role: "list" });
  const log = h("div", { id: "message-log", class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" }, top, list);
  const jump = h("button", { type: "button", class: "jump", hidden: true }, t("room.jump"), icon("down"));
  const typingLine = h("div", { class: "typing", "aria-live": "polite" });

  const input = h("textarea", { id: "composer-input", class: "composer-input", rows: "1", autocomplete: "off", "aria-describedby": "composer-hint" });
  const sendButton = h("button", { type: "submit", class: "send-button", title: t("composer.send") }, icon("send"), h("span", { class: "visually-hidden" }, t("composer.send")));
  const composerNote = h("p", { id: "composer-hint", class: "composer-hint" }, t("composer.hint"));
  const composer = h("form", { class: "composer", "aria-label": t("composer.label") },
    h("label", { for: "composer-input", class: "visually-hidden" }, t("composer.label")),
    h("div", { class: "composer-box" }, input, sendButton),
    composerNote);

  const peopleTitle = h("h2", { id: "people-title" }, t("room.people"));
  const peopleList = h("ul", { class: "people-list", role: "list" });
  const peopleClose = h("button", { type: "button", class: "icon-button people-close", title: t("room.close") }, icon("close"), h("span", { class: "visually-hidden" }, t("room.close")));
  const people = h("aside", { id: "people-panel", class: "people", "aria-labelledby": "people-title" },
    h("div", { class: "people-head" }, peopleTitle, peopleClose), peopleList);

  const chat = h("section", { class: "chat", "aria-labelledby": "room-title" },
    header, h("div", { class: "log-wrap" }, log, jump), typingLine, composer);
  const el = h("div", { class: "room-layout" }, sidebar, chat, people);

  // ---- behaviour ----
  function setPeopleOpen(open) {
    people.classList.toggle("open", open);
    peopleToggle.setAttribute("aria-expanded", String(open));
    if (open) peopleClose.focus(); else if (people.contains(document.activeElement)) peopleToggle.focus();
  }
  peopleToggle.addEventListener("click", () => setPeopleOpen(!people.classList.contains("open")));
  peopleClose.addEventListener("click", () => setPeopleOpen(false));
  people.addEventListener("keydown", (e) => { if (e.key === "Escape") setPeopleOpen(false); });

  log.addEventListener("scroll", () => {
    stick = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
    jump.hidden = stick;
    if (log.scrollTop < 200) loadEarlier();
    if (stick) noteSeen(tl.lastSeq);
  }, { passive: true });
  jump.addEventListener("click", () => { log.scrollTop = log.scrollHeight; input.focus(); });

  async function loadEarlier() {
    if (!tl.hasMore || !positioned || prepending) return;
    prepending = true;
    try { await client.loadEarlier(roomId); } catch { /* offline: try again on the next scroll */ }
    finally { prepending = false; render(); }
  }

  function autosize() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
  }
  function checkLength() {
    const n = [...input.value].length;
    const over = n > MAX_CHARS;
    sendButton.disabled = over;
    composerNote.textContent = over ? t("composer.tooLong", { count: n, max: MAX_CHARS }) : t("composer.hint");
    composerNote.classList.toggle("error", over);
    return !over;
  }
  input.addEventListener("input", () => {
    autosize();
    checkLength();
    if (input.value.trim()) client.typingNow(roomId);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submit(); }
    else if (e.key === "ArrowUp" && !input.value) {
      const own = tl.sorted().reverse().find((m) => m.actor === me && !m.deleted);
      if (own) { e.preventDefault(); openEdit(own); }
    }
  });
  composer.addEventListener("submit", (e) => { e.preventDefault(); submit(); });
  function submit() {
    const text = input.value;
    if (!text.trim() || !checkLength()) return;
    client.send(roomId, text);
    input.value = "";
    autosize();
    stick = true;
    render();
    input.focus();
  }

  function openEdit(msg) {
    editDialog(msg.text, (text) => client.edit(roomId, msg.seq, text));
  }
  function openDelete(msg) {
    confirmDialog(t("delete.title"), t("delete.lead"), t("delete.confirm"), () => client.remove(roomId, msg.seq));
  }

  // Read markers: what was on screen while the page was visible.
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) noteSeen(Number(entry.target.dataset.seq));
    }
  }, { root: log, threshold: 0.5 });
  function noteSeen(seq) {
    if (!seq || document.visibilityState !== "visible") return;
    if (seq >= (tl.sorted().at(-1)?.seq ?? 0)) seq = Math.max(seq, tl.lastSeq);
    if (seq <= maxSeen) return;
    maxSeen = seq;
    if (client.connected) client.markRead(roomId, maxSeen);
  }
  const onVisibility = () => {
    if (document.visibilityState === "visible" && stick) noteSeen(tl.lastSeq);
  };
  document.addEventListener("visibilitychange", onVisibility);

  // ---- rendering ----
  function messageNode(msg, compact) {
    const own = msg.actor === me;
    const key = `m:${msg.seq}`;
    const version = [msg.text, msg.edited, msg.deleted, compact, language(), msg.actorName].join("\u0001");
    const cached = nodes.get(key);
    if (cached && cached.version === version) return cached.node;
    const time = h("time", { datetime: msg.at.toISOString(), title: formatFull(msg.at), class: "msg-time" }, formatTime(msg.at));
    const body = msg.deleted
      ? h("div", { class: "msg-text deleted" }, t("msg.deleted"))
      : h("div", { class: "msg-text", dir: "auto" }, linkify(msg.text));
    const actions = own && !msg.deleted ? h("div", { class: "msg-actions", role: "group", "aria-label": t("msg.actions") },
      h("button", { type: "button", class: "icon-button small", title: t("msg.edit"), onclick: () => openEdit(msg) }, icon("edit"), h("span", { class: "visually-hidden" }, t("msg.edit"))),
      h("button", { type: "button", class: "icon-button small", title: t("msg.delete"), onclick: () => openDelete(msg) }, icon("trash"), h("span", { class: "visually-hidden" }, t("msg.delete")))) : null;
    const node = h("li", { class: `msg${own ? " own" : ""}${compact ? " compact" : ""}${msg.deleted ? " is-deleted" : ""}`, dataset: { seq: String(msg.seq) } },
      compact ? h("span", { class: "gutter" }, time) : avatar(msg.actorName, msg.actor),
      h("div", { class: "msg-body" },
        compact ? h("span", { class: "visually-hidden" }, `${msg.actorName}: `) : h("div", { class: "msg-head" },
          h("span", { class: "author" }, msg.actorName), own ? h("span", { class: "you" }, `(${t("room.you")})`) : null, time),
        body,
        msg.edited && !msg.deleted ? h("span", { class: "msg-edited" }, `(${t("msg.edited")})`) : null),
      actions);
    if (cached) observer.unobserve(cached.node);
    observer.observe(node);
    nodes.set(key, { node, version });
    return node;
  }

  function pendingNode(item) {
    const key = `p:${item.nonce}`;
    const version = [item.status, item.text, language()].join("\u0001");
    const cached = nodes.get(key);
    if (cached && cached.version === version) return cached.node;
    const failed = item.status === "failed";
    const state = failed ? t(`error.${item.error}`) !== `error.${item.error}` ? `${t("msg.failed")}: ${t(`error.${item.error}`)}` : t("msg.failed")
      : client.connected ? t("msg.pending") : t("msg.queued");
    const node = h("li", { class: `msg own pending${failed ? " failed" : ""}`, dataset: { nonce: item.nonce } },
      avatar(client.user.name, me),
      h("div", { class: "msg-body" },
        h("div", { class: "msg-head" }, h("span", { class: "author" }, client.user.name), h("span", { class: "you" }, `(${t("room.you")})`)),
        h("div", { class: "msg-text", dir: "auto" }, linkify(item.text)),
        h("div", { class: "msg-status" }, icon(failed ? "alert" : "clock", "icon tiny"), h("span", {}, state),
          failed ? h("button", { type: "button", class: "link-button", onclick: () => client.retry(item.nonce) }, t("msg.retry")) : null,
          failed ? h("button", { type: "button", class: "link-button", onclick: () => client.discard(item.nonce) }, t("msg.discard")) : null)));
    nodes.set(key, { node, version });
    return node;
  }

  function keyed(key, make) {
    const cached = nodes.get(key);
    if (cached && cached.version === language()) return cached.node;
    const node = make();
    nodes.set(key, { node, version: language() });
    return node;
  }

  function renderTop() {
    const s = summary();
    let content;
    if (!tl.loaded) content = h("p", { class: "muted center" }, t("room.loading"));
    else if (tl.hasMore) {
      content = client.loadingEarlier.has(roomId)
        ? h("p", { class: "muted center" }, t("room.loadingEarlier"))
        : h("button", { type: "button", class: "button small load-earlier", onclick: loadEarlier }, t("room.loadEarlier"));
    } else {
      content = h("div", { class: "room-start" },
        h("p", { class: "room-start-title" }, t("room.start", { name: s?.name ?? roomId })),
        tl.messages.size === 0 ? h("p", { class: "muted" }, t("room.empty")) : null);
    }
    const state = `${tl.loaded}|${tl.hasMore}|${client.loadingEarlier.has(roomId)}|${tl.messages.size === 0}|${language()}|${s?.name}`;
    if (top.dataset.state !== state) { top.dataset.state = state; top.replaceChildren(content); }
  }

  function render() {
    if (notFound) return;
    const s = summary();
    if (s && readAtEntry === null) readAtEntry = s.read || 0;
    const name = s?.name ?? tl.roomInfo?.name ?? roomId;
    title.textContent = name;
    const kind = s?.kind ?? tl.roomInfo?.kind;
    const count = client.presence.people(roomId).length;
    sub.textContent = [kind ? t(`kind.${kind}`) : null, count ? t("room.peopleCount", { count }) : null].filter(Boolean).join(" · ");
    peopleCount.textContent = count ? String(count) : "";
    input.placeholder = t("composer.placeholder", { name });
    log.setAttribute("aria-label", t("room.log", { name }));
    document.title = `${name} — ${t("app.name")}`;
    renderTop();

    const wanted = [];
    let prev = null;
    let lastDay = null;
    let dividerPlaced = false;
    let firstUnread = null;
    for (const msg of tl.sorted()) {
      const day = dayKey(msg.at);
      if (day !== lastDay) {
        wanted.push(keyed(`d:${day}`, () => h("li", { class: "day-sep", role: "presentation" }, h("span", {}, formatDay(msg.at)))));
        lastDay = day;
        prev = null;
      }
      const isFirstUnread = positioned ? msg.seq === dividerBefore
        : readAtEntry !== null && msg.seq > readAtEntry && msg.actor !== me;
      if (!dividerPlaced && isFirstUnread) {
        if (!positioned) firstUnread = msg.seq;
        wanted.push(keyed("new", () => h("li", { class: "new-divider", id: "new-divider", role: "presentation" }, h("span", {}, t("room.new")))));
        dividerPlaced = true;
        prev = null;
      }
      const compact = prev && prev.actor === msg.actor && !prev.deleted && msg.at - prev.at < GROUP_MS;
      wanted.push(messageNode(msg, !!compact));
      prev = msg;
    }
    for (const item of client.outbox.forRoom(roomId)) {
      if (item.seq && tl.messages.has(item.seq)) continue;
      wanted.push(pendingNode(item));
    }
    const fromBottom = log.scrollHeight - log.scrollTop;
    reconcile(list, wanted);
    for (const key of [...nodes.keys()]) {
      if (!wanted.includes(nodes.get(key).node)) { observer.unobserve(nodes.get(key).node); nodes.delete(key); }
    }

    if (!positioned && tl.loaded && (tl.messages.size > 0 || !tl.hasMore)) {
      positioned = true;
      // The "new messages" line stays where it was on arrival; live messages get none.
      dividerBefore = firstUnread;
      const divider = list.querySelector(".new-divider");
      if (divider) { divider.scrollIntoView({ block: "start" }); log.scrollTop = Math.max(0, log.scrollTop - 8); }
      else log.scrollTop = log.scrollHeight;
      stick = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
      jump.hidden = stick;
      if (stick) noteSeen(tl.lastSeq);
    } else if (stick) {
      log.scrollTop = log.scrollHeight;
      noteSeen(tl.lastSeq);
    } else {
      log.scrollTop = log.scrollHeight - fromBottom;
    }
    // A short history that does not fill the view: fetch more so that scrolling is possible.
    if (positioned && tl.hasMore && log.scrollHeight <= log.clientHeight + 10) loadEarlier();
  }

  function renderTyping() {
    const names = client.typing.names(roomId);
    let text = "";
    if (names.length === 1) text = t("typing.one", { a: names[0] });
    else if (names.length === 2) text = t("typing.two", { a: names[0], b: names[1] });
    else if (names.length > 2) text = t("typing.many", { count: names.length });
    if (typingLine.textContent !== text) typingLine.textContent = text;
  }

  function renderPeople() {
    const list = client.presence.people(roomId);
    peopleTitle.textContent = `${t("room.people")} · ${list.length}`;
    peopleList.replaceChildren(...list.map((p) => h("li", { class: "person", dataset: { user: String(p.user) } },
      h("span", { class: "avatar-wrap" }, avatar(p.name, p.user, "avatar small"), h("span", { class: "online-dot", "aria-hidden": "true" })),
      h("span", { class: "person-text" },
        h("span", { class: "person-name" }, p.name, p.user === me ? h("span", { class: "you" }, ` (${t("room.you")})`) : null),
        h("span", { class: "person-role" }, t(`role.${p.role}`))))));
    render();
  }

  function renderSidebar() {
    sidebar.replaceChildren(h("h2", { class: "sidebar-title" }, t("room.rooms")), roomsByZone(client, { compact: true, current: roomId }));
    const s = summary();
    if (client.rooms.loaded && !s && !tl.roomInfo) showNotFound();
  }

  function showNotFound() {
    if (notFound) return;
    notFound = true;
    client.close(roomId);
    chat.replaceChildren(header, h("div", { class: "not-found" }, h("p", {}, t("room.notFound")), h("a", { class: "button primary", href: "#/" }, t("room.back"))));
    title.textContent = t("room.notFound");
  }

  const subs = [
    tl.subscribe(render),
    client.outbox.subscribe(render),
    client.presence.subscribe((room) => { if (room === roomId) renderPeople(); }),
    client.typing.subscribe((room) => { if (room === roomId) renderTyping(); }),
    client.rooms.subscribe(() => { renderSidebar(); render(); }),
    client.subscribe((e) => { if (e.type === "state") { for (const [k, v] of nodes) if (k.startsWith("p:")) v.version = ""; render(); } }),
  ];

  client.open(roomId).catch((err) => {
    if (err.code === "not_found" || err.code === "forbidden") showNotFound();
  });
  renderSidebar();
  renderPeople();
  renderTyping();

  return {
    el,
    focus() { input.focus(); },
    destroy({ keepJoined = false } = {}) {
      subs.forEach((u) => u());
      observer.disconnect();
      if (maxSeen && client.connected) client.markRead(roomId, maxSeen);
      document.removeEventListener("visibilitychange", onVisibility);
      if (!keepJoined) client.close(roomId);
    },
    draft() { return input.value; },
    setDraft(v) { input.value = v || ""; autosize(); },
  };
}
