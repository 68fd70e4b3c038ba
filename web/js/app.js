// Entry point: the shell (skip link, top bar, connection banner, toasts), the session, and a
// small hash router: #/ home, #/room/ID a room, #/room/ID/board its board, #/room/ID/work its
// documents and contributions, #/room/ID/doc/DOC a document, #/room/ID/call its call, #/activity, #/admin
// (administrators), #/public and #/public/ID the school's public rooms (no sign-in needed).
// Views are mounted into <main>.
import { initLanguage, t, toggleLanguage, onLanguageChange, language } from "./i18n/i18n.js";
import { currentUser, signOut } from "./api.js";
import { Client } from "./client.js";
import { h, icon, avatar, toast } from "./views/dom.js";
import { signInView } from "./views/signin.js";
import { passwordView } from "./views/password.js";
import { homeView } from "./views/home.js";
import { roomView } from "./views/room.js";
import { accessText } from "./views/access-notice.js";
import { connectionBanner } from "./views/banner.js";
import { displayName } from "./store/rooms.js";
import { inviteView } from "./views/invite.js";
import { activityView } from "./views/activity.js";
import { adminView } from "./views/admin.js";
import { publicView } from "./views/public.js";
import { boardView, reportText } from "./views/board.js";
import { workView } from "./views/work.js";
import { clearBoardStorage } from "./store/board.js";

initLanguage();

const root = document.getElementById("app");
let client = null;
let banner = null;
let view = null;
let viewKey = null;
let notice = null;
let signInState = {};
let pendingPasswordChange = null;
let homeNotice = null;            // {headline, reason}: why the last room was left, shown at home

const main = h("main", { id: "main", tabindex: "-1" });
const topbar = h("header", { class: "topbar" });
const bannerSlot = h("div", { class: "banner-slot" });
const toasts = h("div", { id: "toasts", class: "toasts", role: "status", "aria-live": "polite" });

function skipLink() {
  const a = h("a", { class: "skip-link", href: "#main" }, t("skip"));
  a.addEventListener("click", (e) => {
    e.preventDefault();
    const target = main.querySelector("#composer-input") || main.querySelector("h1") && main;
    (target || main).focus();
  });
  return a;
}

function renderTopbar() {
  const lang = h("button", { type: "button", class: "lang-switch", id: "lang-switch", lang: language() === "ru" ? "en" : "ru", title: t("lang.switch.label") },
    icon("globe"), h("span", {}, t("lang.switch")));
  lang.addEventListener("click", toggleLanguage);
  const items = [
    h("a", { class: "brand", href: "#/" }, h("span", { class: "brand-mark", "aria-hidden": "true" }, "А"),
      h("span", { class: "brand-text" }, h("span", { class: "brand-name" }, t("app.name")), h("span", { class: "brand-tagline" }, t("app.tagline")))),
    h("div", { class: "topbar-spacer" }),
  ];
  if (client && banner) items.push(banner.pill);
  items.push(lang);
  if (client) {
    const out = h("button", { type: "button", class: "icon-button signout", id: "signout", title: t("signout") }, icon("logout"), h("span", { class: "signout-label" }, t("signout")));
    out.addEventListener("click", doSignOut);
    // The admin page: offered to the school's administrators only (the server refuses others).
    if (client.user.role === "admin") {
      items.push(h("a", { class: "icon-button admin-link", id: "admin-open", href: "#/admin", title: t("admin.title"),
        "aria-current": viewKey === "admin" ? "page" : null },
      icon("settings"), h("span", { class: "admin-link-label" }, t("admin.short"))));
    }
    items.push(h("a", { class: "user-chip", id: "user-activity", href: "#/activity", title: `${client.user.name} — ${t("activity.title")}` },
      avatar(client.user.name, client.user.id, "avatar small"),
      h("span", { class: "user-name" }, client.user.name),
      h("span", { class: "visually-hidden" }, ` — ${t("activity.title")}`)), out);
  }
  topbar.replaceChildren(...items);
  if (banner) banner.render();
}

/** The room a view key belongs to ("room:ID", "room:ID:board", …), or null. */
function roomOfKey(key) {
  return typeof key === "string" && key.startsWith("room:") ? key.slice(5).split(":")[0] : null;
}

/** The document editor (another module), loaded when first needed: a problem there never
 *  takes the rest of the client down. */
function lazyDocView(roomId, docId) {
  const c = client;
  const el = h("div", { class: "lazy-view" }, h("p", { class: "muted center" }, t("room.loading")));
  let inner = null;
  let stopped = false;
  let wantFocus = false;
  import("./views/doc-editor.js").then((m) => {
    if (stopped) return;
    inner = m.docView(c, roomId, docId);
    el.replaceWith(inner.el);
    if (inner.title) document.title = `${inner.title()} — ${t("app.name")}`;
    if (wantFocus) inner.focus?.();
  }).catch((err) => {
    console.warn("document editor", err);
    if (!stopped) el.replaceChildren(h("p", { class: "muted center" }, t("collab.docsUnavailable")));
  });
  return {
    el,
    focus() { if (inner) inner.focus?.(); else wantFocus = true; },
    destroy(opts) { stopped = true; inner?.destroy?.(opts); },
  };
}

/** Calls: the call view (web/js/views/call.js), loaded when first needed like the editor. */
function lazyCallView(roomId) {
  const c = client;
  const el = h("div", { class: "lazy-view" }, h("p", { class: "muted center" }, t("room.loading")));
  let inner = null;
  let stopped = false;
  import("./views/call.js").then((m) => {
    if (stopped) return;
    inner = m.callView(c, roomId);
    el.replaceWith(inner.el);
    if (inner.title) document.title = `${inner.title()} — ${t("app.name")}`;
  }).catch((err) => {
    console.warn("call view", err);
    if (!stopped) el.replaceChildren(h("p", { class: "muted center" }, t("call.unavailable")));
  });
  return { el, focus() { inner?.focus?.(); }, destroy(opts) { stopped = true; inner?.destroy?.(opts); } };
}

function mount(next, key) {
  const draft = view?.draft?.();
  const keep = key === viewKey;
  // Moving between a room's chat, board and documents keeps the room joined.
  const sameRoom = roomOfKey(key) !== null && roomOfKey(key) === roomOfKey(viewKey);
  view?.destroy?.({ keepJoined: keep || sameRoom });
  view = next;
  viewKey = key;
  const adminLink = topbar.querySelector("#admin-open");
  if (adminLink && key === "admin") adminLink.setAttribute("aria-current", "page"); else adminLink?.removeAttribute("aria-current");
  main.replaceChildren(view.el);
  if (keep && draft) view.setDraft?.(draft);
  document.title = view.title ? `${view.title()} — ${t("app.name")}` : t("app.title");
  updateTitle();
}

function updateTitle() {
  if (!client || !view || viewKey !== "home") return;
  const unread = client.rooms.totalUnread();
  document.title = `${unread ? `(${unread > 99 ? "99+" : unread}) ` : ""}${t("home.title")} — ${t("app.name")}`;
}

function inviteToken() {
  const m = location.pathname.match(/^\/invite\/([^/]+)\/?$/);
  return m ? decodeURIComponent(m[1]) : null;
}

function route({ focus = true } = {}) {
  const token = inviteToken();
  if (token) {
    mount(inviteView(token, { onAccepted }), "invite");
    if (focus) view.focus();
    return;
  }
  // The public view: for visitors too (no session needed), and for people signed in.
  const publicMatch = location.hash.match(/^#\/public(?:\/([^/]+))?$/);
  if (publicMatch) {
    const id = publicMatch[1] ? decodeURIComponent(publicMatch[1]) : null;
    mount(publicView(id), `public:${id ?? ""}`);
    document.body.classList.remove("in-room");
    if (focus) view.focus();
    return;
  }
  if (!client) {
    mount(signInView({ onSignedIn, notice, state: signInState }), "signin");
    view.el.classList.add("fade-in");
    if (focus) view.focus();
    return;
  }
  if (pendingPasswordChange) {
    mount(passwordView({ oldPassword: pendingPasswordChange, onDone: () => { pendingPasswordChange = null; route(); } }), "password");
    if (focus) view.focus();
    return;
  }
  const hash = location.hash.replace(/^#/, "") || "/";
  const roomMatch = hash.match(/^\/room\/([^/]+)$/);
  const collabMatch = hash.match(/^\/room\/([^/]+)\/(board|work|call|doc\/([^/]+))$/);
  if (collabMatch) {
    const id = decodeURIComponent(collabMatch[1]);
    homeNotice = null;
    if (collabMatch[2] === "board") mount(boardView(client, id), `room:${id}:board`);
    else if (collabMatch[2] === "work") mount(workView(client, id), `room:${id}:work`);
    else if (collabMatch[2] === "call") mount(lazyCallView(id), `room:${id}:call`);   // calls
    else {
      const doc = decodeURIComponent(collabMatch[3]);
      mount(lazyDocView(id, doc), `room:${id}:doc:${doc}`);
    }
    document.body.classList.add("in-room");
    if (focus) view.focus?.();
  } else if (roomMatch) {
    const id = decodeURIComponent(roomMatch[1]);
    homeNotice = null;
    mount(roomView(client, id, { reenter: () => { if (viewKey === `room:${id}`) route(); } }), `room:${id}`);
    document.body.classList.add("in-room");
    // On touch screens focusing the composer would pop the keyboard over the conversation.
    if (focus && !matchMedia("(pointer: coarse)").matches) view.focus();
  } else if (hash === "/admin" && client.user.role === "admin") {
    mount(adminView(client), "admin");
    document.body.classList.remove("in-room");
    if (focus) main.querySelector("h1")?.focus?.();
  } else if (hash === "/activity") {
    mount(activityView(client), "activity");
    document.body.classList.remove("in-room");
    if (focus) main.querySelector("h1")?.focus?.();
  } else {
    if (hash !== "/") history.replaceState(null, "", "#/");
    mount(homeView(client, { notice: homeNotice, onDismiss: () => { homeNotice = null; } }), "home");

    document.body.classList.remove("in-room");
    if (focus) main.querySelector("h1")?.focus?.();
  }
}

function startSession(user) {
  client = new Client(user);
  banner = connectionBanner(client);
  bannerSlot.replaceChildren(banner.banner);
  client.subscribe((e) => {
    if (e.type === "signedout") endSession(t("conn.signedOut"));
    if (e.type === "access" && e.lost && viewKey !== `room:${e.room}` && roomOfKey(viewKey) === e.room) {
      // On the room's board or documents: its chat page says why (or offers to knock).
      if (client.rooms.get(e.room)?.join_rule === "knock") location.hash = `#/room/${encodeURIComponent(e.room)}`;
      else leaveLostRoom(e);
    }
    if (e.type === "access" && e.lost && viewKey === `room:${e.room}`) {
      // A room entered on request: stay, and show the request form (or the waiting state).
      if (client.rooms.get(e.room)?.join_rule === "knock") { if (!view?.refused?.()) route(); }
      else leaveLostRoom(e);
    }
    // Board changes made offline, sent while the board was not on screen.
    if (e.type === "board.report") {
      const room = client.rooms.get(e.room)?.name || e.room;
      toast(t("board.report.where", { room, text: reportText(e) }), e.failed.length ? "error" : "info");
    }
    if (e.type === "error" && e.code !== "unauthenticated") toast(t(`error.${e.code}`) !== `error.${e.code}` ? t(`error.${e.code}`) : t("error.generic"), "error");
  });
  client.rooms.subscribe(updateTitle);
  client.start();
  renderTopbar();
}

/** The server took the person out of the room on screen: go home and say why. */
function leaveLostRoom(e) {
  const room = client.rooms.get(e.room) || client.timeline(e.room).roomInfo;
  const name = room ? displayName(room) : e.room;
  homeNotice = { headline: t("notice.lost", { name }), reason: accessText(e.info, name) || e.reason };
  if (location.hash !== "#/") location.hash = "#/";   // the hashchange routes home
  else route();
}

function endSession(message = null) {
  client?.stop();
  client = null;
  banner?.destroy();
  banner = null;
  bannerSlot.replaceChildren();
  notice = message;
  signInState = {};
  document.body.classList.remove("in-room");
  renderTopbar();
  route();
}

/** A guest accepted an invitation: the server set the session cookie; go into the room. */
function onAccepted(user, room) {
  if (client) { client.stop(); client = null; banner?.destroy(); banner = null; }
  history.replaceState(null, "", `/#/room/${encodeURIComponent(room.id)}`);
  notice = null;
  startSession(user);
  route();
}

function onSignedIn(user, { mustChange, password }) {
  notice = null;
  if (mustChange) pendingPasswordChange = password;
  startSession(user);
  route();
}

async function doSignOut() {
  const c = client;
  await signOut();
  if (c) clearBoardStorage(c.user.id);   // boards kept for offline work are this person's only
  c?.stop({ discardOutbox: true });
  endSession(null);
}

onLanguageChange(() => {
  if (view?.state) signInState = view.state();
  renderTopbar();
  skip.replaceWith(skip = skipLink());
  const active = document.activeElement?.id;
  viewKey === "signin" || viewKey === "password" ? route({ focus: false }) : route({ focus: false });
  if (active) document.getElementById(active)?.focus();
});

addEventListener("hashchange", () => route());

let skip = skipLink();
root.replaceChildren(skip, topbar, bannerSlot, main, toasts);

(async () => {
  let user = null;
  try { user = await currentUser(); } catch { user = null; }
  if (user) startSession(user);
  renderTopbar();
  route({ focus: false });
})();
