// The invitation page (/invite/<token>): whose invitation, to which room, until when, the
// coworking space's regulations; a display name and "I accept the regulations", then the guest
// is signed in (the server sets the cookie) and goes into the room.
import { h, icon } from "./dom.js";
import { t, formatFull } from "../i18n/i18n.js";
import { getInvitation, acceptInvitation } from "../api.js";

export function inviteView(token, { onAccepted }) {
  const card = h("section", { class: "signin-card invite-card", "aria-labelledby": "invite-title", "aria-busy": "true" },
    h("div", { class: "brand-mark large", "aria-hidden": "true" }, "А"),
    h("h1", { id: "invite-title", tabindex: "-1" }, t("invitePage.title")),
    h("p", { class: "muted" }, t("invitePage.loading")));
  const el = h("div", { class: "signin-page invite-page" }, card);
  let alive = true;

  function failed(status) {
    const key = status === 404 ? "invitePage.unknown" : status === 410 ? "invitePage.gone" : "invitePage.failed";
    card.removeAttribute("aria-busy");
    card.replaceChildren(h("div", { class: "brand-mark large", "aria-hidden": "true" }, "А"),
      h("h1", { id: "invite-title", tabindex: "-1" }, t("invitePage.title")),
      h("p", { id: "invite-error", class: "form-error", role: "alert" }, icon("alert", "icon tiny"), " ", t(key)),
      h("p", { class: "hint" }, h("a", { href: "/" }, t("invitePage.home"))));
  }

  function show(info) {
    const expires = info.expires_at ? new Date(info.expires_at) : null;
    const name = h("input", { id: "guest-name", type: "text", maxlength: "60", autocomplete: "name", required: true, "aria-describedby": "guest-name-hint" });
    const accept = h("input", { id: "guest-accept", type: "checkbox", required: true });
    const error = h("p", { id: "invite-form-error", class: "form-error", role: "alert" });
    const submit = h("button", { type: "submit", id: "guest-enter", class: "button primary wide" }, t("invitePage.enter"));
    const form = h("form", { class: "signin-form invite-form", novalidate: true },
      h("div", { class: "field" }, h("label", { for: "guest-name" }, t("invitePage.name")), name,
        h("p", { id: "guest-name-hint", class: "field-hint" }, t("invitePage.nameHint"))),
      h("div", { class: "check-field" }, accept, h("label", { for: "guest-accept" }, t("invitePage.accept"))),
      error, submit);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const n = name.value.trim();
      name.setAttribute("aria-invalid", "false");
      accept.setAttribute("aria-invalid", "false");
      if (!n || [...n].length > 60) { error.textContent = t("invitePage.nameNeeded"); name.setAttribute("aria-invalid", "true"); name.focus(); return; }
      if (!accept.checked) { error.textContent = t("invitePage.acceptNeeded"); accept.setAttribute("aria-invalid", "true"); accept.focus(); return; }
      submit.disabled = true;
      error.textContent = "";
      const r = await acceptInvitation(token, n);
      if (!alive) return;
      submit.disabled = false;
      if (r.status === 200 && r.data && r.data.user && r.data.room) { onAccepted(r.data.user, r.data.room); return; }
      if (r.status === 404 || r.status === 410) { failed(r.status); card.querySelector("h1").focus(); return; }
      error.textContent = r.status === 429 ? t("invitePage.limited") : r.status === 400 ? t("invitePage.bad") : t("invitePage.failed");
    });
    card.removeAttribute("aria-busy");
    card.replaceChildren(
      h("div", { class: "brand-mark large", "aria-hidden": "true" }, "А"),
      h("h1", { id: "invite-title", tabindex: "-1" }, t("invitePage.title")),
      h("dl", { class: "invite-facts" },
        h("dt", {}, t("invitePage.room")), h("dd", { id: "invite-room" }, info.room?.name || ""),
        h("dt", {}, t("invitePage.sponsor")), h("dd", { id: "invite-sponsor" }, info.sponsor?.name || ""),
        expires && !isNaN(expires) ? [h("dt", {}, t("invitePage.expires")), h("dd", { id: "invite-expires" }, formatFull(expires))] : null),
      h("h2", { class: "invite-rules-title", id: "rules-title" }, t("invitePage.rules")),
      h("div", { id: "invite-rules", class: "invite-rules", tabindex: "0", role: "region", "aria-labelledby": "rules-title", dir: "auto" }, info.regulations || ""),
      form);
  }

  getInvitation(token).then((r) => {
    if (!alive) return;
    if (r.status === 200 && r.data) show(r.data); else failed(r.status);
  });
  return {
    el,
    title: () => t("invitePage.title"),
    focus() { card.querySelector("h1")?.focus(); },
    destroy() { alive = false; },
  };
}
