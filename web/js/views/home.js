// Home: the spaces grouped by zone with unread and present counts; refreshed on every visit
// and periodically while shown. A notice on top says why one was sent here (access lost).
import { h, icon, reconcile } from "./dom.js";
import { t } from "../i18n/i18n.js";
import { roomsByZone } from "./rooms-list.js";

const REFRESH_MS = 20000;

export function homeView(client, { notice = null, onDismiss = null } = {}) {
  const body = h("div", { class: "home-body" });
  // A guest sees only the room(s) they were invited to: the server lists nothing else.
  const guest = client.user.role === "guest";
  // A live region present from the start; the text goes in once mounted so it is announced.
  const noticeBox = h("div", { id: "home-notice", class: "home-notice", role: "status", "aria-live": "polite" });
  const el = h("div", { class: "home" },
    h("header", { class: "home-header" },
      h("h1", { id: "home-title", tabindex: "-1" }, t("home.title")),
      h("p", { class: "lead" }, t("home.greeting", { name: client.user.name }), " ", t(guest ? "home.guestLead" : "home.lead")),
      noticeBox),
    body);
  if (notice) {
    const close = h("button", { type: "button", class: "icon-button small", title: t("notice.dismiss") },
      icon("close"), h("span", { class: "visually-hidden" }, t("notice.dismiss")));
    close.addEventListener("click", () => { noticeBox.replaceChildren(); noticeBox.classList.remove("shown"); onDismiss?.(); el.querySelector("h1").focus(); });
    setTimeout(() => {
      noticeBox.replaceChildren(icon("info"), h("span", { class: "notice-text" },
        h("strong", {}, notice.headline), notice.reason ? " " : null, notice.reason ? h("span", { dir: "auto" }, notice.reason) : null), close);
      noticeBox.classList.add("shown");
    }, 50);
  }

  function render() {
    if (!client.rooms.loaded) { reconcile(body, [h("p", { class: "muted loading" }, t("home.loading"))]); return; }
    const groups = roomsByZone(client, { guest });
    reconcile(body, [groups.childElementCount ? groups : h("p", { class: "muted" }, t("home.empty"))]);
  }

  const refresh = () => { if (client.connected) client.refreshRooms().catch(() => {}); };
  const unsubscribe = client.rooms.subscribe(render);
  const unState = client.subscribe((e) => { if (e.type === "state" && e.state === "connected") refresh(); });
  const timer = setInterval(refresh, REFRESH_MS);
  const onVisible = () => { if (!document.hidden) refresh(); };
  document.addEventListener("visibilitychange", onVisible);
  refresh();
  render();
  return {
    el,
    title: () => t("home.title"),
    focus() {},
    destroy() { unsubscribe(); unState(); clearInterval(timer); document.removeEventListener("visibilitychange", onVisible); },
  };
}
