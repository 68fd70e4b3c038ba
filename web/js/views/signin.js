// The sign-in page: login + password, a clear message for a wrong password, and for a rate
// limit the wait time, counting down.
import { h, icon } from "./dom.js";
import { t, formatWait } from "../i18n/i18n.js";
import { signIn } from "../api.js";

export function signInView({ onSignedIn, notice = null, state = {} }) {
  let countdown = null;
  const login = h("input", { id: "login", name: "login", type: "text", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true, value: state.login || "" });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const reveal = h("button", { type: "button", class: "icon-button reveal", "aria-label": t("signin.show"), "aria-pressed": "false", title: t("signin.show") }, icon("eye"));
  reveal.addEventListener("click", () => {
    const show = password.type === "password";
    password.type = show ? "text" : "password";
    reveal.setAttribute("aria-pressed", String(show));
    reveal.setAttribute("aria-label", t(show ? "signin.hide" : "signin.show"));
    reveal.title = t(show ? "signin.hide" : "signin.show");
    password.focus();
  });
  const error = h("p", { id: "signin-error", class: "form-error", role: "alert", "aria-live": "assertive" });
  const submit = h("button", { type: "submit", class: "button primary wide" }, t("signin.submit"));

  function showError(text) {
    error.textContent = text;
    error.hidden = !text;
    login.setAttribute("aria-invalid", text ? "true" : "false");
    password.setAttribute("aria-invalid", text ? "true" : "false");
  }
  showError(notice || "");

  function limited(seconds) {
    clearInterval(countdown);
    const until = Date.now() + seconds * 1000;
    const tick = () => {
      const left = (until - Date.now()) / 1000;
      if (left <= 0) { clearInterval(countdown); countdown = null; submit.disabled = false; showError(""); return; }
      submit.disabled = true;
      error.textContent = t("signin.limited", { wait: formatWait(left) });
      error.hidden = false;
    };
    tick();
    countdown = setInterval(tick, 1000);
  }

  const form = h("form", { class: "signin-form", novalidate: true, "aria-describedby": "signin-lead" },
    h("div", { class: "field" }, h("label", { for: "login" }, t("signin.login")), login),
    h("div", { class: "field" }, h("label", { for: "password" }, t("signin.password")),
      h("div", { class: "input-with-button" }, password, reveal)),
    error,
    submit,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (submit.disabled) return;
    const l = login.value.trim();
    if (!l || !password.value) { showError(t("signin.empty")); (l ? password : login).focus(); return; }
    submit.disabled = true;
    submit.textContent = t("signin.busy");
    form.setAttribute("aria-busy", "true");
    const result = await signIn(l, password.value);
    form.removeAttribute("aria-busy");
    submit.textContent = t("signin.submit");
    submit.disabled = false;
    if (result.ok) { onSignedIn(result.user, { mustChange: result.mustChange, password: password.value }); return; }
    if (result.reason === "limited") limited(result.retryAfter);
    else showError(t(result.reason === "wrong" ? "signin.wrong" : "signin.failed"));
    password.select();
    password.focus();
  });

  const el = h("div", { class: "signin-page" },
    h("section", { class: "signin-card", "aria-labelledby": "signin-title" },
      h("div", { class: "brand-mark large", "aria-hidden": "true" }, "А"),
      h("h1", { id: "signin-title" }, t("signin.title")),
      h("p", { id: "signin-lead", class: "lead" }, t("signin.lead")),
      form,
      h("p", { class: "hint" }, t("signin.hint")),
      h("p", { class: "signin-public" }, h("a", { href: "#/public", id: "public-link" }, icon("globe", "icon tiny"), h("span", {}, t("signin.public")))),
    ),
  );
  return {
    el,
    focus() { (login.value ? password : login).focus(); },
    state() { return { login: login.value }; },
    destroy() { clearInterval(countdown); },
  };
}
