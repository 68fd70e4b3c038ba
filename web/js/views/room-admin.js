// Room administration dialogs: the owner's "room settings" (name, join rule, history,
// pre-moderation, and what each role may do), and the room's member list (`room.members`),
// which on the admin page also sets a person's role in the room (`admin.room.member`).
import { h, icon, toast } from "./dom.js";
import { t } from "../i18n/i18n.js";
import { modal, errorText } from "./dialogs.js";
import { displayName } from "../store/rooms.js";
import { PERMISSIONS, EDITABLE_ROLES, defaultPermissions } from "../store/permissions.js";

export const JOIN_RULES = ["open", "public", "members", "knock", "invite"];
export const ROOM_ROLES = ["owner", "moderator", "member", "observer", "guest"];

/** The server's own sentence where it explains the refusal (the last owner, a taken login…),
 *  else our text for the code. */
export function serverErrorText(err) {
  const code = err?.code;
  if (["conflict", "forbidden", "bad_request", "not_found", "too_large"].includes(code) && err.message && err.message !== code) return err.message;
  return errorText(err);
}

let seq = 0;
const uid = (p) => `${p}-${++seq}`;

/** A group of radio buttons with a one-line explanation each; → {el, value()}. */
function radioGroup(name, legend, options, current) {
  const inputs = [];
  const el = h("fieldset", { class: "choice-group", id: `${name}-group` },
    h("legend", {}, legend),
    options.map(({ value, label, hint }) => {
      const id = `${name}-${value}`;
      const hintId = `${id}-hint`;
      const input = h("input", { type: "radio", name, id, value, checked: value === current, "aria-describedby": hint ? hintId : null });
      inputs.push(input);
      return h("div", { class: "choice" }, input,
        h("label", { for: id }, h("span", { class: "choice-label" }, label), hint ? h("span", { id: hintId, class: "choice-hint" }, hint) : null));
    }));
  return { el, value: () => inputs.find((i) => i.checked)?.value ?? current };
}

/** "Room settings" for people with `change_settings`. */
export function settingsDialog(client, roomId) {
  const room = { ...(client.timeline(roomId).roomInfo || {}), ...(client.rooms.get(roomId) || {}) };
  const kind = room.kind || "lounge";
  const name = h("input", { id: "settings-name", type: "text", maxlength: "200", autocomplete: "off", required: true, value: room.name || "" });
  const join = radioGroup("settings-join", t("settings.join"),
    JOIN_RULES.map((r) => ({ value: r, label: t(`joinRule.${r}`), hint: t(`joinRule.${r}.hint`) })), room.join_rule || "open");
  const history = radioGroup("settings-history", t("settings.history"),
    ["all", "joined"].map((v) => ({ value: v, label: t(`history.${v}`), hint: t(`history.${v}.hint`) })), room.history || "all");
  const premod = h("input", { id: "settings-premod", type: "checkbox", checked: !!room.premoderated, "aria-describedby": "settings-premod-hint" });
  const error = h("p", { id: "settings-error", class: "form-error", role: "alert" });
  const save = h("button", { type: "submit", id: "settings-save", class: "button primary" }, t("settings.save"));
  const close = h("button", { type: "button", class: "button", onclick: () => dialog.close() }, t("room.close"));

  // What each role may do: rows roles, columns permissions.
  const table = client.rolePermissions(roomId);
  const status = h("p", { id: "roles-status", class: "muted", role: "status" });
  const rolesError = h("p", { id: "roles-error", class: "form-error", role: "alert" });
  const rows = EDITABLE_ROLES.map((role) => {
    const have = new Set(table.get(role) || defaultPermissions(kind, role));
    const boxes = PERMISSIONS.map((p) => h("input", { type: "checkbox", value: p, checked: have.has(p), dataset: { role, permission: p },
      "aria-label": t("roles.cell", { role: t(`roomRole.${role}`), permission: t(`perm.${p}`) }) }));
    const apply = h("button", { type: "button", class: "button small primary roles-apply", dataset: { role } }, t("roles.apply"));
    const reset = h("button", { type: "button", class: "button small roles-reset", dataset: { role } }, t("roles.reset"));
    const run = async (button, permissions) => {
      button.disabled = true;
      rolesError.textContent = "";
      status.textContent = "";
      try {
        const ok = await client.setRolePermissions(roomId, role, permissions);
        const now = new Set(Array.isArray(ok.permissions) ? ok.permissions : permissions ?? defaultPermissions(kind, role));
        for (const b of boxes) b.checked = now.has(b.value);
        status.textContent = t(permissions === null ? "roles.resetDone" : "roles.saved", { role: t(`roomRole.${role}`) });
      } catch (err) { rolesError.textContent = serverErrorText(err); }
      finally { button.disabled = false; }
    };
    apply.setAttribute("aria-label", t("roles.applyFor", { role: t(`roomRole.${role}`) }));
    reset.setAttribute("aria-label", t("roles.resetFor", { role: t(`roomRole.${role}`) }));
    apply.addEventListener("click", () => run(apply, boxes.filter((b) => b.checked).map((b) => b.value)));
    reset.addEventListener("click", () => run(reset, null));
    return h("tr", { dataset: { role } },
      h("th", { scope: "row" }, t(`roomRole.${role}`)),
      boxes.map((b) => h("td", {}, b)),
      h("td", { class: "roles-actions" }, apply, reset));
  });
  const rolesTable = h("div", { class: "roles-scroll", tabindex: "0", role: "region", "aria-labelledby": "roles-title" },
    h("table", { id: "roles-table", class: "roles-table" },
      h("caption", { class: "visually-hidden" }, t("roles.caption")),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("roles.role")),
        PERMISSIONS.map((p) => h("th", { scope: "col" }, h("span", { class: "perm-head" }, t(`perm.${p}`)))),
        h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("roles.actions"))))),
      h("tbody", {}, rows)));

  const dialog = modal(t("settings.title", { name: displayName(room) || roomId }), [
    h("div", { class: "field" }, h("label", { for: "settings-name" }, t("settings.name")), name),
    join.el,
    history.el,
    h("div", { class: "check-field" }, premod, h("label", { for: "settings-premod" },
      h("span", { class: "choice-label" }, t("settings.premod")), h("span", { id: "settings-premod-hint", class: "choice-hint" }, t("settings.premod.hint")))),
    error,
    h("div", { class: "settings-save-row" }, save),
    h("section", { class: "roles-section", "aria-labelledby": "roles-title" },
      h("h3", { id: "roles-title", class: "roles-title" }, t("roles.title")),
      h("p", { class: "dialog-lead" }, t("roles.lead")),
      rolesTable, rolesError, status),
  ], [close]);
  dialog.classList.add("settings-dialog");
  name.focus();

  dialog.querySelector("form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const changes = {};
    const n = name.value.trim();
    if (!n) { error.textContent = t("settings.nameNeeded"); name.setAttribute("aria-invalid", "true"); name.focus(); return; }
    name.setAttribute("aria-invalid", "false");
    if (n !== room.name) changes.name = n;
    if (join.value() !== room.join_rule) changes.join_rule = join.value();
    if (history.value() !== (room.history || "all")) changes.history = history.value();
    if (premod.checked !== !!room.premoderated) changes.premoderated = premod.checked;
    if (!Object.keys(changes).length) { dialog.close(); return; }
    save.disabled = true;
    error.textContent = "";
    try {
      await client.roomSettings(roomId, changes);
      Object.assign(room, changes);
      toast(t("settings.saved"));
      dialog.close();
    } catch (err) { error.textContent = serverErrorText(err); save.disabled = false; }
  });
  return dialog;
}

/** The room's members (`room.members`); with `people` (the admin page's `admin.users`) also a
 *  form to set someone's role in the room (`admin.room.member`). */
export function membersDialog(client, roomId, { people = null, roomName = null, onChanged = null } = {}) {
  const listBox = h("div", { id: "members-list-box", class: "members-box", "aria-live": "polite" }, h("p", { class: "muted" }, t("members.loading")));
  const close = h("button", { type: "button", class: "button", onclick: () => dialog.close() }, t("room.close"));
  const content = [listBox];
  const byId = new Map((people || []).map((p) => [p.id, p]));
  let form = null;
  if (people) {
    const listId = uid("people-options");
    const person = h("input", { id: "member-person", type: "text", list: listId, autocomplete: "off", autocapitalize: "none", spellcheck: "false",
      required: true, "aria-describedby": "member-person-hint" });
    const options = h("datalist", { id: listId }, people.map((p) => h("option", { value: p.login }, `${p.name} (${t(`role.${p.role}`)})`)));
    const role = h("select", { id: "member-role" },
      ROOM_ROLES.map((r) => h("option", { value: r, selected: r === "member" }, t(`roomRole.${r}`))),
      h("option", { value: "" }, t("members.removeRole")));
    const error = h("p", { id: "member-error", class: "form-error", role: "alert" });
    const done = h("p", { id: "member-done", class: "muted", role: "status" });
    // Inside the dialog's own form: a group with a plain button (forms do not nest), and Enter
    // in the person field sets the role instead of closing the dialog.
    const submit = h("button", { type: "button", id: "member-set", class: "button primary" }, t("members.set"));
    form = h("div", { class: "member-form", role: "group", "aria-labelledby": "member-form-title" },
      h("h3", { id: "member-form-title", class: "roles-title" }, t("members.setTitle")),
      h("div", { class: "member-fields" },
        h("div", { class: "field" }, h("label", { for: "member-person" }, t("members.person")), person,
          h("p", { id: "member-person-hint", class: "field-hint" }, t("members.personHint"))),
        h("div", { class: "field" }, h("label", { for: "member-role" }, t("members.role")), role)),
      options, error, h("div", {}, submit), done);
    person.addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.isComposing) { e.preventDefault(); setRole(); } });
    submit.addEventListener("click", () => setRole());
    const setRole = async () => {
      const text = person.value.trim().toLowerCase();
      const who = people.find((p) => p.login === text) || people.find((p) => p.name.toLowerCase() === text);
      done.textContent = "";
      if (!who) { error.textContent = t("members.unknownPerson"); person.setAttribute("aria-invalid", "true"); person.focus(); return; }
      person.setAttribute("aria-invalid", "false");
      error.textContent = "";
      submit.disabled = true;
      try {
        const ok = await client.request({ type: "admin.room.member", room: roomId, user: who.id, role: role.value || null });
        done.textContent = role.value ? t("members.setDone", { name: who.name, role: t(`roomRole.${role.value}`) }) : t("members.removedDone", { name: who.name });
        listed = ok.members && typeof ok.members === "object" ? ok.members : listed;
        onChanged?.();
        load();
      } catch (err) { error.textContent = serverErrorText(err); }
      finally { submit.disabled = false; }
    };
    content.push(form);
  }
  let listed = null;   // {ID: ROLE} from the last admin.room.member ok (when room.members is refused)
  const dialog = modal(t("members.title", { name: roomName || displayName(client.rooms.get(roomId)) || roomId }), content, [close]);
  dialog.classList.add("members-dialog");
  (form ? form.querySelector("input") : close).focus();

  function personItem(m) {
    return h("li", { class: `member-item${m.inspecting ? " inspecting" : ""}`, dataset: { user: String(m.user) } },
      h("span", { class: "member-name" }, m.name, m.user === client.user.id ? h("span", { class: "you" }, ` (${t("room.you")})`) : null),
      h("span", { class: "member-role" }, m.inspecting
        ? [icon("eye", "icon tiny"), h("span", {}, t("members.inspecting"))]
        : t(`roomRole.${m.room_role}`)),
      m.role ? h("span", { class: "member-org muted" }, t(`role.${m.role}`)) : null);
  }

  async function load() {
    try {
      const ok = await client.request({ type: "room.members", room: roomId });
      const members = Array.isArray(ok.members) ? ok.members : [];
      const openTo = ok.open_to === "school" || ok.open_to === "everyone" ? h("p", { id: "members-open-to", class: "members-open-to" },
        icon("globe", "icon tiny"), h("span", {}, t(`members.openTo.${ok.open_to}`))) : null;
      listBox.replaceChildren(openTo,
        members.length ? h("ul", { id: "members-list", class: "members-list", role: "list" }, members.map(personItem))
          : h("p", { class: "muted" }, t("members.none")));
    } catch (err) {
      if (err.code !== "forbidden") { listBox.replaceChildren(h("p", { class: "form-error" }, serverErrorText(err))); return; }
      const known = listed ? Object.entries(listed).map(([id, r]) => ({ user: Number(id), name: byId.get(Number(id))?.name || `#${id}`,
        role: byId.get(Number(id))?.role, room_role: r, inspecting: false })) : [];
      listBox.replaceChildren(h("p", { id: "members-forbidden", class: "members-forbidden" }, icon("lock", "icon tiny"),
        h("span", {}, t(people ? "members.forbiddenAdmin" : "members.forbidden"))),
      known.length ? h("ul", { id: "members-list", class: "members-list", role: "list" }, known.map(personItem)) : null);
    }
  }
  load();
  return dialog;
}
