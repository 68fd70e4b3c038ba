// Home: the spaces grouped by zone with unread and present counts; refreshed on every visit
// and periodically while shown.
import { h, reconcile } from "./dom.js";
import { t } from "../i18n/i18n.js";
import { roomsByZone } from "./rooms-list.js";

const REFRESH_MS = 20000;

export function homeView(client) {
  const body = h("div", { class: "home-body" });
  const el = h("div", { class: "home" },
    h("header", { class: "home-header" },
      h("h1", { id: "home-title" }, t("home.title")),
      h("p", { class: "lead" }, t("home.greeting", { name: client.user.name }), " ", t("home.lead"))),
    body);

  function render() {
    if (!client.rooms.loaded) { reconcile(body, [h("p", { class: "muted loading" }, t("home.loading"))]); return; }
    const groups = roomsByZone(client);
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
