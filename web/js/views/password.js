// Shown once after signing in with a one-time password: choose one's own.
import { h } from "./dom.js";
import { t } from "../i18n/i18n.js";
import { changePassword } from "../api.js";

export function passwordView({ oldPassword, onDone }) {
  const fresh = h("input", { id: "new-password", type: "password", autocomplete: "new-password", minlength: "8", maxlength: "256", required: true });
  const again = h("input", { id: "new-password-2", type: "password", autocomplete: "new-password", required: true });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "button primary wide" }, t("password.save"));
  const form = h("form", { class: "signin-form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: "new-password" }, t("password.new")), fresh),
    h("div", { class: "field" }, h("label", { for: "new-password-2" }, t("password.repeat")), again),
    error, submit);
  const fail = (key) => { error.textContent = t(key); error.hidden = false; };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if ([...fresh.value].length < 8 || [...fresh.value].length > 256) return fail("password.short");
    if (fresh.value !== again.value) return fail("password.mismatch");
    submit.disabled = true;
    const ok = await changePassword(oldPassword, fresh.value).catch(() => false);
    submit.disabled = false;
    if (ok) onDone(); else fail("password.failed");
  });
  const el = h("div", { class: "signin-page" },
    h("section", { class: "signin-card", "aria-labelledby": "password-title" },
      h("div", { class: "brand-mark large", "aria-hidden": "true" }, "А"),
      h("h1", { id: "password-title" }, t("password.title")),
      h("p", { class: "lead" }, t("password.lead")),
      form));
  return { el, focus() { fresh.focus(); }, destroy() {} };
}
