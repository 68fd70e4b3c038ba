// "What happened concerning me": the oversight log's entries about the signed-in person
// (`audit.mine`), newest first — who did what, where and when.
import { h, icon } from "./dom.js";
import { t, formatFull } from "../i18n/i18n.js";
import { errorText } from "./dialogs.js";

function describe(e, client) {
  const d = e.detail && typeof e.detail === "object" ? e.detail : {};
  const params = {
    subject: e.subject === client.user.id ? t("activity.you") : e.subject_name || t("activity.someone"),
    from: d.from ? t(`roomRole.${d.from}`) : t("roomRole.none"),
    to: d.to ? t(`roomRole.${d.to}`) : t("roomRole.none"),
    decision: d.decision ? t(`activity.decision.${d.decision}`) : "",
  };
  const key = `activity.action.${e.action}`;
  const text = t(key, params);
  return text === key ? e.action : text;
}

export function activityView(client) {
  const body = h("div", { class: "activity-body", "aria-live": "polite" }, h("p", { class: "muted" }, t("activity.loading")));
  const el = h("div", { class: "home activity" },
    h("header", { class: "home-header" },
      h("p", {}, h("a", { href: "#/", class: "link-back" }, icon("back", "icon tiny"), t("room.back"))),
      h("h1", { id: "activity-title", tabindex: "-1" }, t("activity.title")),
      h("p", { class: "lead" }, t("activity.lead"))),
    h("div", { class: "home-body" }, body));
  let alive = true;

  async function load() {
    try {
      const ok = await client.request({ type: "audit.mine" });
      if (!alive) return;
      const entries = Array.isArray(ok.entries) ? ok.entries : [];
      if (!entries.length) { body.replaceChildren(h("p", { class: "muted" }, t("activity.empty"))); return; }
      body.replaceChildren(h("ol", { id: "activity-list", class: "activity-list", role: "list" }, entries.map((e) => {
        const at = new Date(e.at);
        const room = e.room ? client.rooms.get(e.room) : null;
        const d = e.detail && typeof e.detail === "object" ? e.detail : {};
        return h("li", { class: "activity-item", dataset: { action: String(e.action) } },
          h("p", { class: "activity-what" }, describe(e, client)),
          h("p", { class: "activity-meta muted" },
            h("span", {}, e.actor === null || e.actor === undefined ? t("activity.byAdmin") : e.actor === client.user.id ? t("activity.byYou") : t("activity.by", { name: e.actor_name || "" })),
            e.room ? h("span", {}, " · ", room ? h("a", { href: `#/room/${encodeURIComponent(e.room)}` }, room.name) : e.room) : null,
            " · ", isNaN(at) ? null : h("time", { datetime: at.toISOString() }, formatFull(at))),
          d.reason ? h("p", { class: "activity-reason", dir: "auto" }, t("activity.reason", { reason: d.reason })) : null);
      })));
    } catch (err) {
      if (!alive) return;
      if (err.code === "offline") { setTimeout(() => { if (alive) load(); }, 1000); return; }
      body.replaceChildren(h("p", { class: "form-error", role: "alert" }, errorText(err)));
    }
  }
  load();
  return { el, title: () => t("activity.title"), focus() {}, destroy() { alive = false; } };
}
