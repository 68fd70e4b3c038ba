// The room: live chat with history paging, day separators, an unread divider, edit/delete of
// messages as the room's permissions (`can`) allow, typing, presence with "message privately",
// pending (outbox) messages, read markers, and what to show when the room is refused or the
// person's role in it changes.
import { h, icon, linkify, avatar, reconcile, toast } from "./dom.js";
import { t, language, formatTime, formatFull, formatDay, dayKey } from "../i18n/i18n.js";
import { roomsByZone } from "./rooms-list.js";
import { editDialog, confirmDialog, reasonDialog } from "./dialogs.js";
import { displayName, isOnRequest } from "../store/rooms.js";
import { knockPanel } from "./knock.js";
import { accessText, accessSentence, accessDetail } from "./access-notice.js";
import { knocksPanel, reportsPanel, inviteDialog, personDialog } from "./moderation.js";
import { settingsDialog, membersDialog, serverErrorText } from "./room-admin.js";
import { roomTabs } from "./room-tabs.js";
import { followControls } from "./follow.js";

const GROUP_MS = 5 * 60 * 1000;
const MAX_CHARS = 4000;

export function roomView(client, roomId, { reenter = null } = {}) {
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
  // Until the join answers with `can`, the listed role is a hint: observers never write.
  const may = (permission) => {
    if (!client.access.get(roomId).known && summary()?.role === "observer") return permission === "read";
    return client.access.may(roomId, permission);
  };
  const directState = new Map();    // user → {busy, error} of "message privately"

  // ---- static chrome ----
  const sidebar = h("nav", { class: "sidebar", "aria-label": t("room.rooms") });
  const title = h("h1", { id: "room-title", class: "room-title" });
  const sub = h("p", { class: "room-sub" });
  const peopleCount = h("span", { class: "people-count" });
  const peopleToggle = h("button", { type: "button", class: "icon-button people-toggle", "aria-controls": "people-panel", "aria-expanded": "false", title: t("room.showPeople") },
    icon("people"), peopleCount, h("span", { class: "visually-hidden" }, t("room.showPeople")));
  const inviteButton = h("button", { type: "button", id: "invite-open", class: "icon-button invite-open", title: t("invite.open"), hidden: true },
    icon("personAdd"), h("span", { class: "invite-open-label" }, t("invite.open")));
  inviteButton.addEventListener("click", () => inviteDialog(client, roomId));
  // Owners (change_settings): name, join rule, history, pre-moderation, what each role may do.
  const settingsButton = h("button", { type: "button", id: "settings-open", class: "icon-button settings-open", title: t("settings.open"), hidden: true },
    icon("settings"), h("span", { class: "visually-hidden" }, t("settings.open")));
  settingsButton.addEventListener("click", () => settingsDialog(client, roomId));
  const header = h("header", { class: "room-header" },
    h("a", { class: "icon-button back", href: "#/", title: t("room.back") }, icon("back"), h("span", { class: "visually-hidden" }, t("room.back"))),
    h("div", { class: "room-heading" }, title, sub),
    inviteButton,
    settingsButton,
    peopleToggle);
  // Moderators' queues: people waiting to enter, open reports. Made once `can` allows.
  const queues = h("div", { class: "queues" });
  let knocksQueue = null;
  let reportsQueue = null;

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
  const readOnly = h("p", { id: "composer-readonly", class: "composer-readonly" }, icon("eye"), h("span", {}, t("composer.readOnly")));
  const composerSlot = h("div", { class: "composer-slot" }, composer);
  // Changes of one's role here: the server's reason, kept until dismissed (a live region that
  // exists from the start, so that screen readers announce what is put in it).
  const noticeClose = h("button", { type: "button", class: "icon-button small", title: t("notice.dismiss") },
    icon("close"), h("span", { class: "visually-hidden" }, t("notice.dismiss")));
  const notice = h("div", { id: "room-notice", class: "room-notice", role: "status", "aria-live": "polite" });
  noticeClose.addEventListener("click", () => { notice.replaceChildren(); notice.classList.remove("shown"); input.isConnected ? input.focus() : log.focus(); });

  const peopleTitle = h("h2", { id: "people-title" }, t("room.people"));
  const peopleList = h("ul", { class: "people-list", role: "list" });
  const peopleClose = h("button", { type: "button", class: "icon-button people-close", title: t("room.close") }, icon("close"), h("span", { class: "visually-hidden" }, t("room.close")));
  // Everyone listed in the room (not only those present), and administrators inspecting it.
  const membersButton = h("button", { type: "button", id: "members-open", class: "link-button members-open" },
    icon("people", "icon tiny"), h("span", {}, t("members.open")));
  membersButton.addEventListener("click", () => membersDialog(client, roomId, { roomName: roomName() }));
  const people = h("aside", { id: "people-panel", class: "people", "aria-labelledby": "people-title" },
    h("div", { class: "people-head" }, peopleTitle, peopleClose), h("p", { class: "people-members" }, membersButton), peopleList);

  // Chat | Board | Documents (rooms that hold boards), and a teacher's "follow me" banner.
  const tabs = roomTabs(client, roomId, "chat");
  const follow = followControls(client, roomId, null);
  const chat = h("section", { class: "chat", "aria-labelledby": "room-title" },
    header, tabs.el, follow, notice, queues, h("div", { class: "log-wrap" }, log, jump), typingLine, composerSlot);
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
    else if (e.key === "ArrowUp" && !input.value && may("edit_own")) {
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
    if (msg.actor === me) { confirmDialog(t("delete.title"), t("delete.lead"), t("delete.confirm"), () => client.remove(roomId, msg.seq)); return; }
    confirmDialog(t("delete.title"), t("delete.leadOther", { name: msg.actorName }), t("delete.confirm"),
      (reason) => client.modDelete(roomId, msg.seq, reason), { reason: true });
  }
  async function approve(msg, button) {
    button.disabled = true;
    try { await client.approve(roomId, msg.seq); toast(t("msg.approved", { name: msg.actorName })); }
    catch (err) { button.disabled = false; toast(serverErrorText(err), "error"); }
  }
  function openReport(msg) {
    reasonDialog(t("report.title"), t("report.lead", { name: msg.actorName }), t("report.reason"), t("report.send"), async (reason) => {
      await client.request({ type: "mod.report", room: roomId, seq: msg.seq, reason });
      toast(t("report.sent"));
    }, { required: true });
  }
  /** Scrolls to a message (from a report) and puts focus on it. */
  async function goTo(seq) {
    for (let i = 0; i < 20 && !tl.messages.has(seq) && tl.hasMore; i++) {
      if (!(await client.loadEarlier(roomId))) break;
    }
    const node = list.querySelector(`.msg[data-seq="${seq}"]`);
    if (!node) { toast(t("reports.gone")); return; }
    node.setAttribute("tabindex", "-1");
    node.scrollIntoView({ block: "center" });
    node.classList.add("highlight");
    node.focus();
    setTimeout(() => node.classList.remove("highlight"), 2500);
  }

  /** The queues and the invite button, as the permissions allow. */
  function renderModeration() {
    const a = client.access.get(roomId);
    inviteButton.hidden = !(a.known && !a.denied && a.can.has("invite"));
    settingsButton.hidden = !(a.known && !a.denied && a.can.has("change_settings"));
    if (a.known && !a.denied && a.can.has("admit_knocks") && !knocksQueue) {
      knocksQueue = knocksPanel(client, roomId);
      queues.prepend(knocksQueue.el);
      knocksQueue.refresh();
    }
    if (a.known && !a.denied && a.can.has("delete_any") && !reportsQueue) {
      reportsQueue = reportsPanel(client, roomId, { goTo });
      queues.append(reportsQueue.el);
      reportsQueue.refresh();
    }
  }

  function showNotice(headline, reason) {
    notice.replaceChildren(icon("info"), h("span", { class: "room-notice-text" },
      h("strong", {}, headline), reason ? " " : null, reason ? h("span", { dir: "auto" }, reason) : null), noticeClose);
    notice.classList.add("shown");
  }

  /** The composer, or a plain note when the role here does not allow writing. */
  function renderComposer() {
    const want = may("post") ? composer : readOnly;
    if (composerSlot.firstChild === want) return;
    const hadFocus = composer.contains(document.activeElement);
    composerSlot.replaceChildren(want);
    if (hadFocus) log.focus();
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
    const canEdit = own && !msg.deleted && may("edit_own");
    const canDelete = !msg.deleted && ((own && may("edit_own")) || may("delete_any"));
    const canReport = !own && !msg.deleted && client.access.get(roomId).known && may("read");
    const reasonShown = msg.deleted && msg.deleteReason && may("delete_any") ? msg.deleteReason : null;
    // Pre-moderation: a waiting post (its author and moderators see it); moderators approve.
    const waiting = msg.pending && !msg.deleted;
    const canApprove = waiting && may("delete_any");
    const version = [msg.text, msg.edited, msg.deleted, compact, language(), msg.actorName, canEdit, canDelete, canReport, reasonShown, waiting, canApprove].join("\u0001");
    const cached = nodes.get(key);
    if (cached && cached.version === version) return cached.node;
    const time = h("time", { datetime: msg.at.toISOString(), title: formatFull(msg.at), class: "msg-time" }, formatTime(msg.at));
    const body = msg.deleted
      ? h("div", { class: "msg-text deleted" }, t("msg.deleted"), reasonShown ? h("span", { class: "delete-reason", dir: "auto" }, ` — ${t("msg.deletedReason", { reason: reasonShown })}`) : null)
      : h("div", { class: "msg-text", dir: "auto" }, linkify(msg.text));
    const deleteLabel = own ? t("msg.delete") : t("msg.deleteOf", { name: msg.actorName });
    const reportLabel = t("msg.reportOf", { name: msg.actorName });
    const actions = canEdit || canDelete || canReport ? h("div", { class: "msg-actions", role: "group", "aria-label": t("msg.actions") },
      canReport ? h("button", { type: "button", class: "icon-button small msg-report", title: reportLabel, onclick: () => openReport(msg) }, icon("flag"), h("span", { class: "visually-hidden" }, reportLabel)) : null,
      canEdit ? h("button", { type: "button", class: "icon-button small msg-edit", title: t("msg.edit"), onclick: () => openEdit(msg) }, icon("edit"), h("span", { class: "visually-hidden" }, t("msg.edit"))) : null,
      canDelete ? h("button", { type: "button", class: "icon-button small msg-delete", title: deleteLabel, onclick: () => openDelete(msg) }, icon("trash"), h("span", { class: "visually-hidden" }, deleteLabel)) : null) : null;
    const node = h("li", { class: `msg${own ? " own" : ""}${compact ? " compact" : ""}${msg.deleted ? " is-deleted" : ""}${waiting ? " is-waiting" : ""}`, dataset: { seq: String(msg.seq) } },
      compact ? h("span", { class: "gutter" }, time) : avatar(msg.actorName, msg.actor),
      h("div", { class: "msg-body" },
        compact ? h("span", { class: "visually-hidden" }, `${msg.actorName}: `) : h("div", { class: "msg-head" },
          h("span", { class: "author" }, msg.actorName), own ? h("span", { class: "you" }, `(${t("room.you")})`) : null, time),
        body,
        msg.edited && !msg.deleted ? h("span", { class: "msg-edited" }, `(${t("msg.edited")})`) : null,
        waiting ? h("div", { class: "msg-status msg-waiting" }, icon("clock", "icon tiny"), h("span", {}, t(own ? "msg.waitingOwn" : "msg.waiting")),
          canApprove ? h("button", { type: "button", class: "button small primary msg-approve", "aria-label": t("msg.approveOf", { name: msg.actorName }),
            onclick: (e) => approve(msg, e.currentTarget) }, t("msg.approve")) : null) : null),
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
        h("p", { class: "room-start-title" }, t(isDirect() ? "room.startDirect" : "room.start", { name: roomName() })),
        tl.messages.size === 0 ? h("p", { class: "muted" }, t("room.empty")) : null);
    }
    const state = `${tl.loaded}|${tl.hasMore}|${client.loadingEarlier.has(roomId)}|${tl.messages.size === 0}|${language()}|${roomName()}|${isDirect()}`;
    if (top.dataset.state !== state) { top.dataset.state = state; top.replaceChildren(content); }
  }

  function isDirect() { return (summary() ?? tl.roomInfo)?.kind === "direct"; }

  function roomName() {
    return displayName(summary() ?? tl.roomInfo) || roomId;
  }

  function render() {
    if (notFound) return;
    const s = summary();
    if (s && readAtEntry === null) readAtEntry = s.read || 0;
    const name = roomName();
    renderComposer();
    title.textContent = name;
    const kind = s?.kind ?? tl.roomInfo?.kind;
    const count = client.presence.people(roomId).length;
    sub.textContent = [kind ? t(`kind.${kind}`) : null, count ? t("room.peopleCount", { count }) : null].filter(Boolean).join(" · ");
    peopleCount.textContent = count ? String(count) : "";
    input.placeholder = t(isDirect() ? "composer.placeholderDirect" : "composer.placeholder", { name });
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

  const personNodes = new Map();    // user → {node, version}
  function personNode(p) {
    const self = p.user === me;
    const st = directState.get(p.user) || {};
    // In a direct conversation the other person is already the one written to.
    const offer = !self && !isDirect();
    const moderate = !self && !isDirect() && client.access.get(roomId).known && ["mute", "ban", "remove", "admit_knocks"].some((x) => client.access.may(roomId, x));
    const version = [p.name, p.role, language(), offer, st.busy, st.error, moderate].join("\u0001");
    const cached = personNodes.get(p.user);
    if (cached && cached.version === version) return cached.node;
    let direct = null;
    if (offer) {
      const errorId = `direct-error-${p.user}`;
      const button = h("button", { type: "button", class: "link-button direct-button", disabled: !!st.busy,
        "aria-describedby": st.error ? errorId : null, "aria-label": t("direct.buttonFor", { name: p.name }),
        onclick: () => startDirect(p) }, icon("chat", "icon tiny"), h("span", { "aria-hidden": "true" }, t("direct.button")));
      direct = h("span", { class: "person-direct" }, button,
        st.error ? h("span", { id: errorId, class: "person-error", role: "alert", dir: "auto" }, st.error) : null);
    }
    const modButton = moderate ? h("button", { type: "button", class: "link-button person-moderate", "aria-label": t("mod.personFor", { name: p.name }),
      onclick: () => personDialog(client, roomId, p, (x) => client.access.may(roomId, x), { knockRoom: (summary() ?? tl.roomInfo)?.join_rule === "knock" }) },
    icon("shield", "icon tiny"), h("span", { "aria-hidden": "true" }, t("mod.person"))) : null;
    const node = h("li", { class: "person", dataset: { user: String(p.user) } },
      h("span", { class: "avatar-wrap" }, avatar(p.name, p.user, "avatar small"), h("span", { class: "online-dot", "aria-hidden": "true" })),
      h("span", { class: "person-text" },
        h("span", { class: "person-name" }, p.name, self ? h("span", { class: "you" }, ` (${t("room.you")})`) : null),
        h("span", { class: "person-role" }, t(`role.${p.role}`)),
        direct, modButton));
    personNodes.set(p.user, { node, version });
    return node;
  }

  async function startDirect(p) {
    directState.set(p.user, { busy: true });
    renderPeople();
    try {
      const room = await client.openDirect(p.user);
      directState.delete(p.user);
      location.hash = `#/room/${encodeURIComponent(room.id)}`;
    } catch (err) {
      // The server's sentence says why (contact rules for minors); other failures get ours.
      const transient = ["offline", "timeout", "rate_limited", "unavailable"].includes(err.code);
      const error = err.code === "forbidden" && err.message && err.message !== err.code ? err.message
        : transient ? t(`error.${err.code}`) : t("direct.failed");
      directState.set(p.user, { error });
      if (el.isConnected) renderPeople();
    }
  }

  function renderPeople() {
    const list = client.presence.people(roomId);
    peopleTitle.textContent = `${t("room.people")} · ${list.length}`;
    const wanted = list.map(personNode);
    reconcile(peopleList, wanted);
    for (const [user, v] of personNodes) if (!wanted.includes(v.node)) personNodes.delete(user);
    render();
  }

  function renderSidebar() {
    sidebar.replaceChildren(h("h2", { class: "sidebar-title" }, t("room.rooms")), roomsByZone(client, { compact: true, current: roomId }));
  }

  /** The join was refused (or access lost): say why, instead of a spinner, with a way home. */
  let refusedWith = null;
  let knock = null;
  function showRefused(denied) {
    if (notFound) return;
    notFound = true;
    refusedWith = denied;
    client.close(roomId);
    renderRefused();
  }
  function renderRefused() {
    const denied = refusedWith;
    const s = summary();
    const onRequest = s && isOnRequest(s) && denied.code !== "not_found";
    if (onRequest && knock) return;
    if (onRequest) knock = knockPanel(client, roomId);
    const missing = denied.code === "not_found";
    const back = h("a", { id: "refused-back", class: "button primary", href: "#/" }, t("room.back"));
    const titleText = missing ? t("room.notFound") : t("room.refused", { name: s ? displayName(s) : roomId });
    const refusedBox = h("div", { id: "room-refused", class: `not-found refused${onRequest ? " with-knock" : ""}`, role: "alert" },
      missing ? null : icon("lock", "icon refused-icon"),
      h("p", { class: "refused-title" }, titleText),
      !missing && refusedText(denied) ? h("p", { class: "refused-reason", dir: "auto" }, refusedText(denied)) : null,
      !missing && s && s.role === null && !onRequest ? h("p", { class: "muted" }, t("room.onRequest.lead")) : null,
      onRequest ? null : h("p", {}, back));
    chat.replaceChildren(header, onRequest ? h("div", { class: "refused-scroll" }, refusedBox, knock.el, h("p", { class: "knock-back" }, back)) : refusedBox);
    title.textContent = missing ? t("room.notFound") : (s ? displayName(s) : roomId);
    sub.textContent = "";
    document.title = `${title.textContent} — ${t("app.name")}`;
  }

  /** Why entry is refused: a `room.access` change in the current language, else the server's message. */
  function refusedText(denied) {
    return denied.info ? accessText(denied.info, roomName()) : denied.message;
  }

  let shownRole = null;            // the role here as last known (to tell a settings change from a role change)
  function onAccess(room) {
    if (room !== roomId) return;
    const a = client.access.get(roomId);
    if (a.known && !a.denied && shownRole === null) shownRole = a.role;
    if (a.denied) { showRefused(a.denied); return; }
    // Let in while on the refusal page (a knock admitted): enter the room afresh.
    if (notFound && a.known && a.can.has("read")) { reenter?.(); return; }
    renderModeration();
    for (const v of nodes.values()) v.version = "";
    for (const v of personNodes.values()) v.version = "";
    renderPeople();
  }

  function onClientEvent(e) {
    if (e.type === "state") { for (const [k, v] of nodes) if (k.startsWith("p:")) v.version = ""; render(); }
    if (e.type === "access" && e.room === roomId && !e.lost) {
      // The same role with other permissions: the room's settings changed (said so, not "role").
      const same = shownRole !== null && shownRole === e.role;
      shownRole = e.role;
      const sentence = accessSentence(e.info, roomName());
      if (sentence !== null) showNotice(sentence, accessDetail(e.info));
      else showNotice(same ? t("notice.settingsChanged", { name: roomName() })
        : t("notice.roleChanged", { name: roomName(), role: t(`roomRole.${e.role || "none"}`) }), e.reason);
      render();
    }
  }

  const subs = [
    tl.subscribe(render),
    client.outbox.subscribe(render),
    client.presence.subscribe((room) => { if (room === roomId) renderPeople(); }),
    client.typing.subscribe((room) => { if (room === roomId) renderTyping(); }),
    client.rooms.subscribe(() => { renderSidebar(); if (notFound && refusedWith) renderRefused(); else render(); }),
    client.subscribe(onClientEvent),
    client.access.subscribe(onAccess),
  ];

  // A refusal shows through the access store (also when a rejoin after a reconnect is refused).
  client.open(roomId).catch(() => {});
  renderSidebar();
  renderPeople();
  renderTyping();

  return {
    el,
    focus() { (input.isConnected ? input : notFound ? chat.querySelector("#knock-message, #lobby-input, #refused-back") || log : log).focus(); },
    refused() { return notFound; },
    destroy({ keepJoined = false } = {}) {
      subs.forEach((u) => u());
      tabs.destroy();
      follow.destroy?.();
      knock?.destroy();
      knocksQueue?.destroy();
      reportsQueue?.destroy();
      observer.disconnect();
      if (maxSeen && client.connected) client.markRead(roomId, maxSeen);
      document.removeEventListener("visibilitychange", onVisibility);
      if (!keepJoined) client.close(roomId);
    },
    draft() { return input.value; },
    setDraft(v) { input.value = v || ""; autosize(); },
  };
}
