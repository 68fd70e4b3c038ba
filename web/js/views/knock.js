// Asking to enter a room that is entered on request (join rule `knock`): the request form, then
// the waiting state (kept by the server: `rooms` carries "knock":"waiting" after a reload) with
// a small lobby chat with the moderators, and the refusal's reason when one comes.
import { h, icon, reconcile } from "./dom.js";
import { t, formatTime } from "../i18n/i18n.js";
import { errorText } from "./dialogs.js";
import { accessText, accessDetail } from "./access-notice.js";

const MAX = 500;

export function knockPanel(client, roomId) {
  const el = h("section", { id: "knock-panel", class: "knock-panel", "aria-labelledby": "knock-title" });
  let sent = false;                 // a knock sent from this page (before `rooms` says so)
  let refused = null;               // {info} (the room.access change) after a refusal, until one asks again
  let busy = false;
  let error = "";
  let mode = null;
  const lobbyList = h("ol", { id: "lobby-log", class: "lobby-log", role: "log", "aria-live": "polite", "aria-label": t("knock.lobby") });

  const waiting = () => !refused && (sent || client.rooms.get(roomId)?.knock === "waiting");

  function renderLobby() {
    const items = (client.lobby.get(roomId) || []).map((m) => {
      const mine = m.from === client.user.id;
      return h("li", { class: `lobby-msg${mine ? " own" : ""}` },
        h("span", { class: "lobby-author" }, mine ? t("room.you") : m.name || t("knock.moderator")),
        h("span", { class: "lobby-time" }, formatTime(m.at)),
        h("span", { class: "lobby-text", dir: "auto" }, m.text));
    });
    reconcile(lobbyList, items.length ? items : [h("li", { class: "muted lobby-empty" }, t("knock.lobbyEmpty"))]);
  }

  function knockForm() {
    const area = h("textarea", { id: "knock-message", class: "knock-message", rows: "3", maxlength: String(MAX), required: true,
      "aria-describedby": "knock-hint knock-error" });
    const hint = h("p", { id: "knock-hint", class: "field-hint" }, t("knock.hint", { max: MAX }));
    const err = h("p", { id: "knock-error", class: "form-error", role: "alert" }, error);
    const submit = h("button", { type: "submit", id: "knock-send", class: "button primary", disabled: busy }, t("knock.send"));
    const form = h("form", { class: "knock-form", novalidate: true },
      h("div", { class: "field" }, h("label", { for: "knock-message" }, t("knock.label")), area, hint),
      err, submit);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = area.value.trim();
      const n = [...text].length;
      if (!n || n > MAX) { error = t("knock.length", { max: MAX }); err.textContent = error; area.setAttribute("aria-invalid", "true"); area.focus(); return; }
      busy = true; submit.disabled = true; error = "";
      try {
        await client.knock(roomId, text);
        sent = true; refused = null;
        render(true);
      } catch (ex) {
        if (ex.code === "conflict") { location.reload(); return; }   // one may already enter
        error = errorText(ex);
        err.textContent = error;
      } finally { busy = false; submit.disabled = false; }
    });
    return form;
  }

  function lobbyForm() {
    const input = h("input", { id: "lobby-input", type: "text", maxlength: "1000", autocomplete: "off" });
    const send = h("button", { type: "submit", class: "button small" }, t("knock.lobbySend"));
    const form = h("form", { class: "lobby-form" },
      h("label", { for: "lobby-input", class: "visually-hidden" }, t("knock.lobbyLabel")), input, send);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      send.disabled = true;
      try { await client.lobbySay(roomId, text); input.value = ""; } catch (ex) { error = errorText(ex); render(); }
      finally { send.disabled = false; input.focus(); }
    });
    return form;
  }

  /** After "declined": the moderator's reason, or what else happened, in the current language. */
  function refusedWhy() {
    if (!refused || !refused.info) return "";
    return refused.info.code === "knock_refused" ? accessDetail(refused.info) : accessText(refused.info);
  }

  function render(focus = false) {
    const now = waiting() ? "waiting" : refused ? "refused" : "ask";
    if (now === mode && !focus) { renderLobby(); return; }
    mode = now;
    const title = h("h2", { id: "knock-title", class: "knock-title" }, t(now === "waiting" ? "knock.waitingTitle" : "knock.title"));
    if (now === "waiting") {
      el.replaceChildren(title,
        h("p", { id: "knock-waiting", class: "knock-waiting", role: "status" }, icon("clock", "icon"), h("span", {}, t("knock.waiting"))),
        h("h3", { class: "lobby-title" }, t("knock.lobby")),
        lobbyList, lobbyForm(),
        h("p", { class: "form-error", role: "alert" }, error));
      renderLobby();
      if (focus) el.querySelector("#lobby-input")?.focus();
    } else {
      el.replaceChildren(...[title,
        refused ? h("p", { id: "knock-refused", class: "knock-refused", role: "alert" },
          h("strong", {}, t("knock.refused")), refusedWhy() ? " " : null, refusedWhy() ? h("span", { dir: "auto" }, refusedWhy()) : null) : null,
        h("p", { class: "muted" }, t("knock.lead")),
        knockForm()].filter(Boolean));
    }
  }

  const unsub = [
    client.rooms.subscribe(() => render()),
    client.subscribe((e) => {
      if (e.type === "lobby" && e.room === roomId) renderLobby();
      if (e.type === "access" && e.room === roomId && e.lost && (sent || client.rooms.get(roomId)?.knock === "waiting" || mode === "waiting")) {
        // A declined knock says only the moderator's reason after the headline; another change says what happened.
        refused = { info: e.info };
        sent = false;
        client.rooms.update(roomId, { knock: null });
        render(true);
      }
    }),
  ];
  render();
  return { el, destroy() { unsub.forEach((u) => u()); } };
}
