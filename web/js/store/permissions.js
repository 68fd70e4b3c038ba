// The permissions of docs/permissions.md: their order, and each room kind's default table
// (PermissionTable.defaults in AtriumCore). The settings dialog starts from the room's own table
// (`permissions` in the owner's join reply); these defaults are only the fallback when it is absent.

export const PERMISSIONS = ["read", "post", "edit_own", "delete_any", "invite", "admit_knocks", "mute", "remove", "ban",
  "change_settings", "edit_boards", "start_call", "present", "create_polls", "facilitate"];

/** The roles an owner may change (owners always keep every permission). */
export const EDITABLE_ROLES = ["member", "moderator", "observer", "guest"];

const MEMBER_EXTRA = {
  lounge: ["start_call", "present"],
  library: [],
  exhibition: [],
  conference: ["start_call", "present"],
  event: [],
  cabinet: ["edit_boards", "start_call", "present"],
  direct: ["edit_boards", "start_call", "present"],
  class: ["edit_boards"],
  course: ["edit_boards"],
  project: ["edit_boards", "start_call", "present", "create_polls"],
  meeting: ["edit_boards", "start_call", "present"],
  council: ["start_call", "present", "create_polls"],
  partner: ["edit_boards", "start_call", "present"],
};

/** The default permissions of `role` in a room of `kind`. */
export function defaultPermissions(kind, role) {
  switch (role) {
    case "owner": return [...PERMISSIONS];
    case "moderator": return PERMISSIONS.filter((p) => p !== "change_settings");
    case "member": return ["read", "post", "edit_own", ...(MEMBER_EXTRA[kind] || [])];
    case "observer": return ["read"];
    case "guest": return kind === "meeting" || kind === "partner" ? ["read", "post", "edit_own", "present"] : ["read"];
    default: return [];
  }
}
