// What owners and moderators see in a room: the people waiting to enter (admit, refuse, talk in
// the lobby), the open reports (resolve, dismiss, go to the message), invitations for guests,
// and the actions on a person (mute, ban, remove, back to the lobby).
import { h, icon, reconcile, toast } from "./dom.js";
import { t, formatTime, formatFull } from "../i18n/i18n.js";
import { modal, reasonDialog, confirmDialog, errorText } from "./dialogs.js";

/** A collapsible section with a count; `items()` gives the entries, `entry(item)` their nodes. */
function queueSection({ id, titleKey, emptyKey, count, body }) {
  const toggle = h("button", { type: "button", class: "queue-toggle", "aria-expanded": "true", "aria-controls": `${id}-body` });
  const content = h("div", { id: `${id}-body`, class: "queue-body" });
  const el = h("section", { id, class: "queue", "aria-labelledby": `${id}-heading` },
    h("h2", { id: `${id}-heading`, class: "queue-heading" }, toggle), content);
  let open = true;
  toggle.addEventListener("click", () => { open = !open; toggle.setAttribute("aria-expanded", String(open)); content.hidden = !open; });
  function render() {
    const n = count();
    el.hidden = n === 0;
    toggle.replaceChildren(icon(open ? "down" : "down", "icon tiny queue-caret"), h("span", {}, t(titleKey, { count: n })));
    reconcile(content, n ? body() : [h("p", { class: "muted" }, t(emptyKey))]);
  }
  return { el, render };
}

export function knocksPanel(client, roomId) {
  const entries = new Map();        // user → {node, lobby list, ...}
  const section = queueSection({
    id: "knocks-panel", titleKey: "knocks.title", emptyKey: "knocks.empty",
    count: () => (client.knocks.get(roomId) || []).length,
    body: () => [h("ul", { class: "queue-list", role: "list" }, (client.knocks.get(roomId) || []).map(entry))],
  });

  function lobbyItems(user) {
    return (client.lobby.get(roomId) || []).filter((m) => m.user === user).map((m) =>
      h("li", { class: `lobby-msg${m.from === client.user.id ? " own" : ""}` },
        h("span", { class: "lobby-author" }, m.from === client.user.id ? t("room.you") : m.name),
        h("span", { class: "lobby-time" }, formatTime(m.at)),
        h("span", { class: "lobby-text", dir: "auto" }, m.text)));
  }

  function entry(k) {
    let e = entries.get(k.user);
    if (e && e.message === k.message) { reconcile(e.lobby, lobbyItems(k.user)); return e.node; }
    const inputId = `lobby-reply-${k.user}`;
    const lobby = h("ol", { class: "lobby-log small", "aria-label": t("knocks.lobbyWith", { name: k.name }) });
    const input = h("input", { id: inputId, type: "text", maxlength: "1000", autocomplete: "off", class: "lobby-reply" });
    const form = h("form", { class: "lobby-form" }, h("label", { for: inputId, class: "visually-hidden" }, t("knocks.replyTo", { name: k.name })),
      input, h("button", { type: "submit", class: "button small" }, t("knock.lobbySend")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      try { await client.lobbySay(roomId, text, k.user); input.value = ""; } catch (err) { toast(errorText(err), "error"); }
    });
    const admit = h("button", { type: "button", class: "button small primary knock-admit", "aria-label": t("knocks.admitWho", { name: k.name }) }, t("knocks.admit"));
    admit.addEventListener("click", async () => {
      admit.disabled = true;
      try { await client.request({ type: "room.admit", room: roomId, user: k.user }); toast(t("knocks.admitted", { name: k.name })); }
      catch (err) { toast(errorText(err), "error"); admit.disabled = false; }
    });
    const refuse = h("button", { type: "button", class: "button small knock-refuse", "aria-label": t("knocks.refuseWho", { name: k.name }) }, t("knocks.refuse"));
    refuse.addEventListener("click", () => reasonDialog(t("knocks.refuseTitle", { name: k.name }), null, t("mod.reasonOptional"), t("knocks.refuse"),
      (reason) => client.request({ type: "room.refuse", room: roomId, user: k.user, ...(reason ? { reason } : {}) }), { danger: true }));
    const at = k.at ? new Date(k.at) : null;
    const node = h("li", { class: "queue-item knock-item", dataset: { user: String(k.user) } },
      h("div", { class: "queue-item-head" }, h("strong", {}, k.name || String(k.user)),
        at && !isNaN(at) ? h("time", { datetime: at.toISOString(), title: formatFull(at), class: "muted" }, formatTime(at)) : null),
      h("p", { class: "knock-text", dir: "auto" }, k.message || ""),
      h("div", { class: "queue-actions" }, admit, refuse),
      lobby, form);
    e = { node, lobby, message: k.message };
    entries.set(k.user, e);
    reconcile(lobby, lobbyItems(k.user));
    return node;
  }

  const unsub = client.subscribe((e) => {
    if ((e.type === "knocks" || e.type === "lobby") && e.room === roomId) section.render();
  });
  section.render();
  return { el: section.el, refresh: () => client.loadKnocks(roomId).catch(() => {}), destroy: unsub };
}

export function reportsPanel(client, roomId, { goTo }) {
  const section = queueSection({
    id: "reports-panel", titleKey: "reports.title", emptyKey: "reports.empty",
    count: () => (client.reports.get(roomId) || []).length,
    body: () => [h("ul", { class: "queue-list", role: "list" }, (client.reports.get(roomId) || []).map(entry))],
  });
  function entry(r) {
    const at = r.at ? new Date(r.at) : null;
    const decide = (state) => async (ev) => {
      ev.currentTarget.disabled = true;
      try { await client.decideReport(roomId, r.id, state); toast(t(state === "resolved" ? "reports.resolvedDone" : "reports.dismissedDone")); }
      catch (err) { toast(errorText(err), "error"); section.render(); }
    };
    return h("li", { class: "queue-item report-item", dataset: { report: String(r.id), seq: String(r.seq) } },
      h("div", { class: "queue-item-head" }, h("strong", {}, t("reports.by", { name: r.reporter_name || String(r.reporter) })),
        at && !isNaN(at) ? h("time", { datetime: at.toISOString(), title: formatFull(at), class: "muted" }, formatTime(at)) : null),
      h("p", { class: "knock-text", dir: "auto" }, r.reason || ""),
      h("div", { class: "queue-actions" },
        h("button", { type: "button", class: "link-button report-goto", onclick: () => goTo(Number(r.seq)) }, t("reports.goto")),
        h("button", { type: "button", class: "button small primary report-resolve", onclick: decide("resolved") }, t("reports.resolve")),
        h("button", { type: "button", class: "button small report-dismiss", onclick: decide("dismissed") }, t("reports.dismiss"))));
  }
  const unsub = client.subscribe((e) => { if (e.type === "reports" && e.room === roomId) section.render(); });
  section.render();
  return { el: section.el, refresh: () => client.loadReports(roomId).catch(() => {}), destroy: unsub };
}

/** Invitations for guests: create one (hours, uses) and see its link once; list and withdraw. */
export function inviteDialog(client, roomId) {
  const hours = h("input", { id: "invite-hours", type: "number", min: "1", max: "8760", value: "72", inputmode: "numeric", required: true });
  const uses = h("input", { id: "invite-uses", type: "number", min: "1", max: "1000", value: "1", inputmode: "numeric", required: true });
  const error = h("p", { class: "form-error", role: "alert" });
  const result = h("div", { id: "invite-result", class: "invite-result", "aria-live": "polite" });
  const listBox = h("div", { class: "invite-list-box" });
  const create = h("button", { type: "button", id: "invite-create", class: "button primary" }, t("invite.create"));
  const close = h("button", { type: "button", class: "button", onclick: () => dialog.close() }, t("room.close"));
  const dialog = modal(t("invite.title"), [
    h("p", { class: "dialog-lead" }, t("invite.lead")),
    h("div", { class: "invite-fields" },
      h("div", { class: "field" }, h("label", { for: "invite-hours" }, t("invite.hours")), hours),
      h("div", { class: "field" }, h("label", { for: "invite-uses" }, t("invite.uses")), uses)),
    error, create, result,
    h("h3", { class: "invite-list-title" }, t("invite.list")), listBox,
  ], [close]);
  dialog.classList.add("invite-dialog");
  hours.focus();

  create.addEventListener("click", async () => {
    const hv = Number(hours.value), uv = Number(uses.value);
    if (!Number.isInteger(hv) || hv < 1 || !Number.isInteger(uv) || uv < 1 || uv > 1000) { error.textContent = t("invite.invalid"); return; }
    error.textContent = "";
    create.disabled = true;
    try {
      const ok = await client.request({ type: "invite.create", room: roomId, hours: hv, uses: uv });
      const link = location.origin + (ok.link || `/invite/${ok.token}`);
      const field = h("input", { id: "invite-link", type: "text", readonly: true, value: link, "aria-label": t("invite.link") });
      const copy = h("button", { type: "button", id: "invite-copy", class: "button small" }, t("invite.copy"));
      const copied = h("span", { class: "muted", role: "status" });
      copy.addEventListener("click", async () => {
        field.select();
        try { await navigator.clipboard.writeText(link); } catch { try { document.execCommand("copy"); } catch { /* selected for copying by hand */ } }
        copied.textContent = t("invite.copied");
      });
      result.replaceChildren(h("p", { class: "invite-once" }, icon("info", "icon tiny"), h("span", {}, t("invite.once"))),
        h("div", { class: "invite-link-row" }, field, copy), copied);
      field.focus();
      field.select();
      loadList();
    } catch (err) { error.textContent = errorText(err); }
    finally { create.disabled = false; }
  });

  async function loadList() {
    try {
      const ok = await client.request({ type: "invite.list", room: roomId });
      const items = (ok.invitations || []).map((inv) => {
        const expires = inv.expires_at ? new Date(inv.expires_at) : null;
        const state = inv.revoked ? t("invite.revoked") : expires && expires < new Date() ? t("invite.expired")
          : t("invite.usesOf", { uses: inv.uses ?? 0, max: inv.max_uses ?? 1 });
        const revoke = !inv.revoked && !(expires && expires < new Date())
          ? h("button", { type: "button", class: "button small danger invite-revoke" }, t("invite.revoke")) : null;
        revoke?.addEventListener("click", () => confirmDialog(t("invite.revokeTitle"), t("invite.revokeLead"), t("invite.revoke"), async () => {
          const r = await client.request({ type: "invite.revoke", id: inv.id });
          toast(t("invite.revokedDone", { count: Number(r.guests) || 0 }));
          loadList();
        }));
        return h("li", { class: "invite-item", dataset: { invite: String(inv.id) } },
          h("span", { class: "invite-item-text" },
            h("span", {}, t("invite.by", { name: inv.sponsor_name || "" })),
            h("span", { class: "muted" }, expires && !isNaN(expires) ? t("invite.until", { when: formatFull(expires) }) : ""),
            h("span", { class: "muted" }, state)),
          revoke);
      });
      listBox.replaceChildren(items.length ? h("ul", { class: "invite-list", role: "list" }, items) : h("p", { class: "muted" }, t("invite.none")));
    } catch (err) { listBox.replaceChildren(h("p", { class: "form-error" }, errorText(err))); }
  }
  loadList();
  return dialog;
}

/** Moderation of one person in the room: what `can` allows, each with an optional reason. */
export function personDialog(client, roomId, person, may, { knockRoom = false } = {}) {
  const reasonInput = h("input", { id: "person-reason", type: "text", maxlength: "500", autocomplete: "off" });
  const error = h("p", { class: "form-error", role: "alert" });
  const close = h("button", { type: "button", class: "button", onclick: () => dialog.close() }, t("edit.cancel"));
  const act = (type, extra = {}, doneKey) => async (ev) => {
    const button = ev.currentTarget;
    button.disabled = true;
    const reason = reasonInput.value.trim();
    const message = { type, room: roomId, user: person.user, ...extra };
    if (reason && !type.startsWith("mod.un") && type !== "room.lobby.return") message.reason = reason;
    try { await client.request(message); toast(t(doneKey, { name: person.name })); dialog.close(); }
    catch (err) { error.textContent = errorText(err); button.disabled = false; }
  };
  const button = (cls, label, handler, danger = false) => h("button", { type: "button", class: `button small ${danger ? "danger " : ""}${cls}`, onclick: handler }, label);
  const buttons = [
    may("mute") ? button("mod-mute", t("mod.mute15"), act("mod.mute", { minutes: 15 }, "mod.mutedDone")) : null,
    may("mute") ? button("mod-unmute", t("mod.unmute"), act("mod.unmute", {}, "mod.unmutedDone")) : null,
    may("ban") ? button("mod-ban", t("mod.ban"), act("mod.ban", {}, "mod.bannedDone"), true) : null,
    may("ban") ? button("mod-unban", t("mod.unban"), act("mod.unban", {}, "mod.unbannedDone")) : null,
    may("remove") ? button("mod-remove", t("mod.remove"), act("mod.remove", {}, "mod.removedDone"), true) : null,
    may("admit_knocks") && knockRoom ? button("mod-lobby", t("mod.backToLobby"), act("room.lobby.return", {}, "mod.lobbyDone")) : null,
  ].filter(Boolean);
  const dialog = modal(t("mod.personTitle", { name: person.name }), [
    h("div", { class: "field" }, h("label", { for: "person-reason" }, t("mod.reasonOptional")), reasonInput),
    h("div", { class: "mod-actions", role: "group", "aria-label": t("mod.actions") }, buttons),
    error,
  ], [close]);
  reasonInput.focus();
  return dialog;
}
