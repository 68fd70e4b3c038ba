// The spaces grouped by zone, as cards (home) or as a compact list (the room view's sidebar).
import { h, icon } from "./dom.js";
import { t } from "../i18n/i18n.js";
import { displayName, isOnRequest } from "../store/rooms.js";

const KIND_MARK = {
  lounge: "Л", library: "Б", exhibition: "В", conference: "К", event: "С", cabinet: "М", direct: "Л",
  class: "К", course: "К", project: "П", meeting: "П", council: "С", partner: "П",
};

export function unreadBadge(count) {
  if (!count) return null;
  const label = count > 99 ? t("unread.capped") : t("unread", { count });
  return h("span", { class: "badge", title: label },
    h("span", { "aria-hidden": "true" }, count > 99 ? "99+" : String(count)),
    h("span", { class: "visually-hidden" }, label));
}

function roomMark(room) {
  const first = displayName(room).replace(/^[^\p{L}\p{N}]+/u, "").charAt(0) || KIND_MARK[room.kind] || "•";
  return h("span", { class: `room-mark kind-${room.kind}`, "aria-hidden": "true" }, first.toUpperCase());
}

export function roomsByZone(client, { compact = false, current = null, guest = client.user.role === "guest" } = {}) {
  // A guest: only rooms they hold a role in, never the directory of the school.
  const groups = client.rooms.grouped(client.user)
    .map(([zone, rooms]) => [zone, guest ? rooms.filter((r) => r.role) : rooms]).filter(([, rooms]) => rooms.length);
  const root = h("div", { class: compact ? "zones compact" : "zones" });
  for (const [zone, rooms] of groups) {
    const headingId = `${compact ? "side" : "zone"}-${zone}`;
    const items = rooms.map((room) => {
      const present = room.present || 0;
      const name = displayName(room);
      const onRequest = isOnRequest(room);
      const knock = onRequest ? h("span", { class: "on-request" }, icon("lock", "icon tiny"), h("span", {}, t("room.onRequest"))) : null;
      const link = h("a", {
        class: `room-link${room.id === current ? " current" : ""}${room.unread ? " has-unread" : ""}${onRequest ? " is-on-request" : ""}`,
        href: `#/room/${encodeURIComponent(room.id)}`,
        "aria-current": room.id === current ? "page" : null,
        dataset: { room: room.id },
      },
        roomMark(room),
        h("span", { class: "room-text" },
          h("span", { class: "room-name" }, name),
          compact ? knock : h("span", { class: "room-meta" },
            t(`kind.${room.kind}`) !== name ? h("span", { class: "kind" }, t(`kind.${room.kind}`)) : null,
            knock,
            present ? h("span", { class: "present", title: t("present", { count: present }) },
              h("span", { class: "dot", "aria-hidden": "true" }),
              h("span", { "aria-hidden": "true" }, t("present.short", { count: present })),
              h("span", { class: "visually-hidden" }, t("present", { count: present }))) : null)),
        unreadBadge(room.unread),
      );
      return h("li", {}, link);
    });
    root.append(h("section", { class: `zone zone-${zone}`, "aria-labelledby": headingId },
      h(compact ? "h3" : "h2", { id: headingId, class: "zone-title" }, t(`zone.${zone}`)),
      compact || guest ? null : h("p", { class: "zone-about" }, t(`zone.${zone}.about`)),
      h("ul", { class: "room-list", role: "list" }, items)));
  }
  return root;
}
