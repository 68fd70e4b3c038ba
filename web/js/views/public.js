// The public view (#/public, no sign-in needed): the school's `public` rooms and, for one of
// them, its events read-only (GET /api/public/rooms, GET /api/public/rooms/ID?before=&limit=),
// paged back with "show earlier". No composer, no presence: signing in is needed to take part.
import { h, icon, linkify } from "./dom.js";
import { t, formatTime, formatFull } from "../i18n/i18n.js";

const PAGE = 50;

async function getJSON(path, tries = 3) {
  for (let i = 0; ; i++) {
    let res;
    try { res = await fetch(path, { credentials: "omit", headers: { Accept: "application/json" } }); } catch { return { status: 0, data: null }; }
    if (res.status === 429 && i < tries) {
      const wait = Math.min(5, Number(res.headers.get("Retry-After")) || 1);
      await new Promise((r) => setTimeout(r, wait * 1000));
      continue;
    }
    let data = null;
    try { data = await res.json(); } catch { /* not JSON */ }
    return { status: res.status, data };
  }
}

/** roomId null: the list of public rooms; else that room's events. */
export function publicView(roomId = null) {
  let alive = true;
  const body = h("div", { id: "public-body", class: "public-body", "aria-live": "polite" }, h("p", { class: "muted" }, t("public.loading")));
  const note = h("p", { id: "public-note", class: "public-note" }, icon("lock", "icon tiny"), h("span", {}, t("public.note")), " ",
    h("a", { href: "#/", id: "public-signin" }, t("public.signin")));
  const title = h("h1", { id: "public-title", tabindex: "-1" }, t("public.title"));
  const back = roomId ? h("p", {}, h("a", { href: "#/public", class: "link-back", id: "public-back" }, icon("back", "icon tiny"), t("public.back")))
    : h("p", {}, h("a", { href: "#/", class: "link-back" }, icon("back", "icon tiny"), t("public.toSignin")));
  const el = h("div", { class: "home public-view" },
    h("header", { class: "home-header" }, back, title, h("p", { class: "lead" }, t(roomId ? "public.roomLead" : "public.lead")), note),
    h("div", { class: "home-body" }, body));

  const failed = (status) => h("p", { class: "form-error", role: "alert" }, t(status === 404 ? "public.notFound" : "public.failed"));

  async function loadList() {
    const r = await getJSON("/api/public/rooms");
    if (!alive) return;
    if (r.status !== 200) { body.replaceChildren(failed(r.status)); return; }
    const rooms = Array.isArray(r.data?.rooms) ? r.data.rooms : [];
    body.replaceChildren(rooms.length ? h("ul", { id: "public-rooms", class: "public-rooms", role: "list" }, rooms.map((room) =>
      h("li", { class: "public-room", dataset: { room: room.id } },
        h("a", { href: `#/public/${encodeURIComponent(room.id)}`, class: "public-room-link" },
          h("span", { class: "public-room-name" }, room.name || room.id),
          room.kind ? h("span", { class: "muted" }, ` · ${t(`kind.${room.kind}`)}`) : null))))
      : h("p", { id: "public-empty", class: "muted" }, t("public.none")));
  }

  // ---- one room ----
  const messages = new Map();   // seq → chat.message event (history carries edits and deletions)
  let oldest = null;
  let more = false;
  let busy = false;
  const log = h("ol", { id: "public-log", class: "public-log", role: "list" });
  const earlier = h("button", { type: "button", id: "public-earlier", class: "button small load-earlier" }, t("public.earlier"));
  earlier.addEventListener("click", () => loadPage());
  const top = h("div", { class: "public-top" });

  function renderLog() {
    const list = [...messages.values()].sort((a, b) => a.seq - b.seq);
    top.replaceChildren(more ? earlier : h("p", { class: "muted room-start" }, t("public.start")));
    log.replaceChildren(...list.map((ev) => {
      const at = ev.at ? new Date(ev.at) : null;
      return h("li", { class: "msg public-msg", dataset: { seq: String(ev.seq) } },
        h("div", { class: "msg-head" }, h("span", { class: "msg-author" }, ev.actor_name || ""),
          at && !isNaN(at) ? h("time", { class: "msg-time muted", datetime: ev.at, title: formatFull(at) }, ` ${formatTime(at)}`) : null),
        ev.deleted ? h("p", { class: "msg-text deleted muted" }, t("public.deleted"))
          : h("p", { class: "msg-text" }, linkify(String(ev.text ?? ""))),
        ev.edited && !ev.deleted ? h("span", { class: "msg-edited muted" }, t("public.edited")) : null);
    }));
    if (!list.length && !more) log.replaceChildren(h("li", { class: "muted" }, t("public.empty")));
  }

  async function loadPage() {
    if (busy) return;
    busy = true;
    earlier.disabled = true;
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (oldest !== null) q.set("before", String(oldest));
    const r = await getJSON(`/api/public/rooms/${encodeURIComponent(roomId)}?${q}`);
    busy = false;
    earlier.disabled = false;
    if (!alive) return;
    if (r.status !== 200) { if (oldest === null) body.replaceChildren(failed(r.status)); else top.replaceChildren(failed(r.status), earlier); return; }
    if (oldest === null && r.data?.room) {
      title.textContent = r.data.room.name || roomId;
      document.title = `${title.textContent} — ${t("app.name")}`;
      body.replaceChildren(top, log);
    }
    const events = Array.isArray(r.data?.events) ? r.data.events : [];
    for (const ev of events) {
      const seq = Number(ev.seq);
      if (oldest === null || seq < oldest) oldest = seq;
      if (ev.kind === "chat.message") messages.set(seq, { ...ev, seq });
    }
    more = events.length >= PAGE && oldest > 1;
    renderLog();
  }

  if (roomId) loadPage(); else loadList();
  return {
    el,
    title: () => t("public.title"),
    focus() { title.focus(); },
    destroy() { alive = false; },
  };
}
