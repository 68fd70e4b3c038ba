// The admin page (#/admin, organisation administrators only): the school's people — add one
// (and show their one-time password once), mark minors, link a parent to a child, sign someone
// out everywhere — and its rooms: add one, see and set who is in it.
import { h, icon, toast } from "./dom.js";
import { t } from "../i18n/i18n.js";
import { confirmDialog } from "./dialogs.js";
import { displayName } from "../store/rooms.js";
import { membersDialog, serverErrorText, JOIN_RULES } from "./room-admin.js";

const ORG_ROLES = ["student", "teacher", "parent", "partner", "admin"];
const KINDS = ["lounge", "library", "exhibition", "conference", "event", "class", "course", "project", "meeting", "council", "partner", "cabinet"];

// Rooms added here in this session: shown at once, even before `admin.rooms` lists them.
const created = new Map();
// The one-time password on screen: kept while the page is only re-drawn (a language switch),
// dropped when the admin leaves the page or presses "Done".
let shownPassword = null;

export function adminView(client) {
  let users = [];
  let alive = true;
  let filterText = "";

  // ---- people ----
  const field = (id, label, control, hint = null) => h("div", { class: "field" }, h("label", { for: id }, label), control,
    hint ? h("p", { id: `${id}-hint`, class: "field-hint" }, hint) : null);
  const login = h("input", { id: "admin-login", type: "text", maxlength: "64", autocomplete: "off", autocapitalize: "none", spellcheck: "false",
    required: true, "aria-describedby": "admin-login-hint" });
  const fullName = h("input", { id: "admin-name", type: "text", maxlength: "200", autocomplete: "off", required: true });
  const role = h("select", { id: "admin-role" }, ORG_ROLES.map((r) => h("option", { value: r }, t(`orgRole.${r}`))));
  const group = h("input", { id: "admin-group", type: "text", maxlength: "100", autocomplete: "off", "aria-describedby": "admin-group-hint" });
  const addError = h("p", { id: "admin-add-error", class: "form-error", role: "alert" });
  const addButton = h("button", { type: "submit", id: "admin-add", class: "button primary" }, t("admin.add"));
  const once = h("div", { id: "admin-once", class: "admin-once", role: "status", "aria-live": "polite" });
  const addForm = h("form", { class: "admin-form", novalidate: true, "aria-labelledby": "admin-add-title" },
    h("h3", { id: "admin-add-title", class: "admin-subtitle" }, t("admin.addTitle")),
    h("div", { class: "admin-fields" },
      field("admin-login", t("admin.login"), login, t("admin.loginHint")),
      field("admin-name", t("admin.name"), fullName),
      field("admin-role", t("admin.role"), role),
      field("admin-group", t("admin.group"), group, t("admin.groupHint"))),
    addError, h("div", {}, addButton));
  addForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const l = login.value.trim().toLowerCase();
    const n = fullName.value.trim();
    for (const x of [login, fullName]) x.setAttribute("aria-invalid", "false");
    if (!/^[a-z0-9._-]{2,64}$/.test(l)) { addError.textContent = t("admin.loginBad"); login.setAttribute("aria-invalid", "true"); login.focus(); return; }
    if (!n) { addError.textContent = t("admin.nameNeeded"); fullName.setAttribute("aria-invalid", "true"); fullName.focus(); return; }
    addError.textContent = "";
    addButton.disabled = true;
    const message = { type: "admin.user.add", login: l, name: n, role: role.value };
    if (group.value.trim()) message.group = group.value.trim();
    try {
      const ok = await client.request(message);
      showPassword(ok.user || { login: l, name: n }, String(ok.password || ""));
      login.value = ""; fullName.value = ""; group.value = "";
      loadUsers();
    } catch (err) {
      addError.textContent = err.code === "conflict" ? t("admin.loginTaken", { login: l }) : serverErrorText(err);
      if (err.code === "conflict") { login.setAttribute("aria-invalid", "true"); login.focus(); }
    } finally { addButton.disabled = false; }
  });

  /** The one-time password, once: with a copy button and a note that it is not shown again. */
  function showPassword(user, password) {
    const value = h("input", { id: "admin-password", type: "text", readonly: true, value: password, class: "mono", "aria-label": t("admin.passwordFor", { login: user.login }) });
    const copied = h("span", { class: "muted", role: "status" });
    const copy = h("button", { type: "button", id: "admin-password-copy", class: "button small" }, t("invite.copy"));
    copy.addEventListener("click", async () => {
      value.select();
      try { await navigator.clipboard.writeText(password); } catch { try { document.execCommand("copy"); } catch { /* selected for copying by hand */ } }
      copied.textContent = t("admin.copied");
    });
    const done = h("button", { type: "button", id: "admin-password-done", class: "button small" }, t("admin.passwordDone"));
    done.addEventListener("click", () => { shownPassword = null; once.replaceChildren(); login.focus(); });
    shownPassword = { user, password };
    once.replaceChildren(h("div", { class: "admin-once-box" },
      h("p", { class: "admin-once-title" }, t("admin.added", { name: user.name, login: user.login })),
      h("p", { class: "invite-once" }, icon("alert", "icon tiny"), h("strong", {}, t("admin.passwordOnce"))),
      h("div", { class: "invite-link-row" }, value, copy, done), copied));
    value.focus();
    value.select();
  }

  const filter = h("input", { id: "admin-filter", type: "search", autocomplete: "off", placeholder: t("admin.filterPlaceholder") });
  filter.addEventListener("input", () => { filterText = filter.value.trim().toLowerCase(); renderUsers(); });
  const count = h("p", { id: "admin-count", class: "muted", role: "status" });
  const usersBox = h("div", { class: "admin-users-box" }, h("p", { class: "muted" }, t("admin.loading")));

  function matches(u) {
    if (!filterText) return true;
    return [u.login, u.name, u.group || "", t(`orgRole.${u.role}`), u.role].some((x) => String(x).toLowerCase().includes(filterText));
  }

  function userItem(u) {
    const byId = new Map(users.map((x) => [x.id, x]));
    const children = (u.children || []).map((id) => byId.get(id)?.name || `#${id}`);
    const minorId = `admin-minor-${u.id}`;
    const minor = h("input", { id: minorId, type: "checkbox", class: "admin-minor", checked: !!u.minor });
    minor.addEventListener("change", async () => {
      minor.disabled = true;
      try {
        await client.request({ type: "admin.user.minor", user: u.id, minor: minor.checked });
        u.minor = minor.checked;
        toast(t(u.minor ? "admin.minorOn" : "admin.minorOff", { name: u.name }));
      } catch (err) { minor.checked = !minor.checked; toast(serverErrorText(err), "error"); }
      finally { minor.disabled = false; }
    });
    let link = null;
    if (u.role === "parent") {
      const selectId = `admin-child-${u.id}`;
      const students = users.filter((x) => x.role === "student" && !(u.children || []).includes(x.id));
      const select = h("select", { id: selectId, class: "admin-child" }, h("option", { value: "" }, t("admin.chooseChild")),
        students.map((s) => h("option", { value: String(s.id) }, `${s.name} (${s.login}${s.group ? `, ${s.group}` : ""})`)));
      const button = h("button", { type: "button", class: "button small admin-link" }, t("admin.link"));
      button.addEventListener("click", async () => {
        const child = Number(select.value);
        if (!child) { select.focus(); toast(t("admin.chooseChildFirst"), "error"); return; }
        button.disabled = true;
        try {
          await client.request({ type: "admin.user.link", parent: u.id, child });
          toast(t("admin.linked", { parent: u.name, child: users.find((x) => x.id === child)?.name || "" }));
          await loadUsers();
        } catch (err) { toast(serverErrorText(err), "error"); button.disabled = false; }
      });
      link = h("div", { class: "admin-link-row" }, h("label", { for: selectId }, t("admin.linkChild")), h("div", { class: "admin-inline" }, select, button));
    }
    const revoke = h("button", { type: "button", class: "button small admin-revoke" }, t("admin.revoke"));
    revoke.setAttribute("aria-label", t("admin.revokeFor", { name: u.name }));
    revoke.addEventListener("click", () => confirmDialog(t("admin.revokeTitle", { name: u.name }), t("admin.revokeLead", { name: u.name }), t("admin.revoke"), async () => {
      const ok = await client.request({ type: "admin.user.revoke_sessions", user: u.id });
      toast(t("admin.revoked", { count: Number(ok.sessions) || 0, name: u.name }));
    }));
    return h("li", { class: "admin-user", dataset: { login: u.login, user: String(u.id) } },
      h("div", { class: "admin-user-head" },
        h("span", { class: "admin-user-name" }, u.name, u.id === client.user.id ? h("span", { class: "you" }, ` (${t("room.you")})`) : null),
        h("span", { class: "admin-user-login mono" }, u.login)),
      h("p", { class: "admin-user-meta" },
        h("span", { class: "tag" }, t(`orgRole.${u.role}`)),
        u.group ? h("span", { class: "tag" }, t("admin.groupIs", { group: u.group })) : null,
        u.minor ? h("span", { class: "tag tag-minor" }, t("admin.minor")) : null,
        children.length ? h("span", {}, t("admin.children", { names: children.join(", ") })) : null),
      h("div", { class: "admin-user-actions" },
        h("div", { class: "check-field compact" }, minor, h("label", { for: minorId }, t("admin.minorToggle"))),
        revoke),
      link);
  }

  function renderUsers() {
    const shown = users.filter(matches);
    count.textContent = t("admin.count", { count: shown.length, total: users.length });
    usersBox.replaceChildren(shown.length ? h("ul", { id: "admin-users", class: "admin-users", role: "list" }, shown.map(userItem))
      : h("p", { class: "muted" }, t("admin.noneFound")));
  }

  async function loadUsers() {
    try {
      const ok = await client.request({ type: "admin.users" });
      if (!alive) return;
      users = (Array.isArray(ok.users) ? ok.users : []).sort((a, b) => a.name.localeCompare(b.name));
      renderUsers();
    } catch (err) {
      if (!alive) return;
      if (err.code === "offline") { setTimeout(() => { if (alive) loadUsers(); }, 1000); return; }
      usersBox.replaceChildren(h("p", { class: "form-error", role: "alert" }, serverErrorText(err)));
    }
  }

  // ---- rooms ----
  const roomId = h("input", { id: "admin-room-id", type: "text", maxlength: "64", autocomplete: "off", autocapitalize: "none", spellcheck: "false",
    required: true, "aria-describedby": "admin-room-id-hint" });
  const roomName = h("input", { id: "admin-room-name", type: "text", maxlength: "200", autocomplete: "off", required: true });
  const kind = h("select", { id: "admin-room-kind" }, KINDS.map((k) => h("option", { value: k }, t(`kind.${k}`))));
  const rule = h("select", { id: "admin-room-rule" }, h("option", { value: "" }, t("admin.ruleDefault")),
    JOIN_RULES.map((r) => h("option", { value: r }, `${t(`joinRule.${r}`)} — ${t(`joinRule.${r}.hint`)}`)));
  const roomError = h("p", { id: "admin-room-error", class: "form-error", role: "alert" });
  const roomButton = h("button", { type: "submit", id: "admin-room-add", class: "button primary" }, t("admin.roomAdd"));
  const roomForm = h("form", { class: "admin-form", novalidate: true, "aria-labelledby": "admin-room-title" },
    h("h3", { id: "admin-room-title", class: "admin-subtitle" }, t("admin.roomAddTitle")),
    h("div", { class: "admin-fields" },
      field("admin-room-id", t("admin.roomId"), roomId, t("admin.roomIdHint")),
      field("admin-room-name", t("admin.roomName"), roomName),
      field("admin-room-kind", t("admin.roomKind"), kind),
      field("admin-room-rule", t("admin.roomRule"), rule)),
    roomError, h("div", {}, roomButton));
  roomForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const id = roomId.value.trim();
    const n = roomName.value.trim();
    for (const x of [roomId, roomName]) x.setAttribute("aria-invalid", "false");
    if (!/^[a-z0-9._-]{1,64}$/.test(id)) { roomError.textContent = t("admin.roomIdBad"); roomId.setAttribute("aria-invalid", "true"); roomId.focus(); return; }
    if (!n) { roomError.textContent = t("admin.nameNeeded"); roomName.setAttribute("aria-invalid", "true"); roomName.focus(); return; }
    roomError.textContent = "";
    roomButton.disabled = true;
    const message = { type: "admin.room.add", id, name: n, kind: kind.value };
    if (rule.value) message.join_rule = rule.value;
    try {
      const ok = await client.request(message);
      created.set(id, ok.room || { id, name: n, kind: kind.value, join_rule: rule.value || null, role: null });
      toast(t("admin.roomAdded", { name: n }));
      roomId.value = ""; roomName.value = "";
      client.refreshRooms().catch(() => {});
      await loadRooms();
    } catch (err) {
      roomError.textContent = serverErrorText(err);
    } finally { roomButton.disabled = false; }
  });

  // Every room of the school (`admin.rooms`), also those the admin cannot read, with how many
  // people are listed in each.
  const roomsBox = h("div", { class: "admin-rooms-box" }, h("p", { class: "muted" }, t("admin.loading")));
  let allRooms = null;
  async function loadRooms() {
    try {
      const ok = await client.request({ type: "admin.rooms" });
      if (!alive) return;
      allRooms = Array.isArray(ok.rooms) ? ok.rooms : [];
      renderRooms();
    } catch (err) {
      if (!alive) return;
      if (err.code === "offline") { setTimeout(() => { if (alive) loadRooms(); }, 1000); return; }
      roomsBox.replaceChildren(h("p", { class: "form-error", role: "alert" }, serverErrorText(err)));
    }
  }
  function renderRooms() {
    if (!allRooms) return;
    const list = allRooms.filter((r) => r.kind !== "direct");
    for (const r of created.values()) if (!list.some((x) => x.id === r.id)) list.push(r);
    list.sort((a, b) => displayName(a).localeCompare(displayName(b)));
    roomsBox.replaceChildren(list.length ? h("ul", { id: "admin-rooms", class: "admin-rooms", role: "list" }, list.map((r) => {
      const button = h("button", { type: "button", class: "button small admin-members" }, icon("people", "icon tiny"), h("span", {}, t("admin.members")));
      button.setAttribute("aria-label", t("admin.membersOf", { name: displayName(r) }));
      button.addEventListener("click", () => membersDialog(client, r.id, { people: users, roomName: displayName(r), onChanged: loadRooms }));
      const listed = typeof r.listed === "number" ? t("admin.listed", { count: Number(r.listed) }) : null;
      return h("li", { class: "admin-room", dataset: { room: r.id } },
        h("span", { class: "admin-room-text" },
          h("span", { class: "admin-user-name" }, displayName(r)),
          h("span", { class: "muted" }, [r.id, r.kind ? t(`kind.${r.kind}`) : null, r.join_rule ? t(`joinRule.${r.join_rule}`) : null, listed].filter(Boolean).join(" · "))),
        button);
    })) : h("p", { class: "muted" }, t("home.empty")));
  }

  const el = h("div", { class: "home admin" },
    h("header", { class: "home-header" },
      h("p", {}, h("a", { href: "#/", class: "link-back" }, icon("back", "icon tiny"), t("room.back"))),
      h("h1", { id: "admin-title", tabindex: "-1" }, t("admin.title")),
      h("p", { class: "lead" }, t("admin.lead")),
      h("nav", { class: "admin-nav", "aria-label": t("admin.sections") },
        h("a", { href: "#admin-people-title", class: "admin-nav-link", onclick: jumpTo("admin-people-title") }, t("admin.people")),
        h("a", { href: "#admin-rooms-title", class: "admin-nav-link", onclick: jumpTo("admin-rooms-title") }, t("admin.rooms")))),
    h("div", { class: "home-body admin-body" },
      h("section", { class: "admin-section", "aria-labelledby": "admin-people-title" },
        h("h2", { id: "admin-people-title", class: "admin-title", tabindex: "-1" }, t("admin.people")),
        addForm, once,
        h("div", { class: "field admin-filter" }, h("label", { for: "admin-filter" }, t("admin.filter")), filter),
        count, usersBox),
      h("section", { class: "admin-section", "aria-labelledby": "admin-rooms-title" },
        h("h2", { id: "admin-rooms-title", class: "admin-title", tabindex: "-1" }, t("admin.rooms")),
        roomForm, roomsBox)));

  // In-page links would change the router's hash: move focus and scroll instead.
  function jumpTo(id) {
    return (e) => { e.preventDefault(); const target = el.querySelector(`#${id}`); target?.scrollIntoView({ block: "start" }); target?.focus(); };
  }

  loadUsers();
  loadRooms();
  if (shownPassword) showPassword(shownPassword.user, shownPassword.password);
  return {
    el,
    title: () => t("admin.title"),
    focus() { el.querySelector("h1")?.focus(); },
    destroy({ keepJoined = false } = {}) { alive = false; if (!keepJoined) shownPassword = null; },
  };
}
