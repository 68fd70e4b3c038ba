// Renders docs/permissions.md from the code, so the documented table is the enforced one
// (a test compares the file with this text; regenerate with REGENERATE_PERMISSIONS_DOC=1).

extension PermissionTable {
    public static func documentation() -> String {
        var out = """
        # Room permissions

        Generated from `PermissionTable.defaults(for:)` and `Policy` in AtriumCore — do not edit
        by hand; a test checks that this file matches the code.

        ## Who has which role in a room
        1. The role listed for them in the room (`atrium room member`; owner, moderator, member,
           observer, guest).
        2. The owner of a personal cabinet (`cabinet-<login>`) is its owner.
        3. Otherwise the room's join rule decides:

        | join rule | someone not listed |
        |---|---|
        | `open` | member (any signed-in member of the school); partners and guests are external: no access unless listed |
        | `public` | observer: reads, does not write (the school's openness) |
        | `members` | no access; the room is not listed for them |
        | `knock` | no access, but the room is listed so they can ask to enter |
        | `invite` | no access; the room is not listed for them |

        Rules that hold in every room: nobody edits someone else's message (moderators delete it
        instead); deleting one's own message needs `edit_own`; `delete_any` deletes anyone's.
        A change of role takes effect at once on open connections: a person who can no longer
        read a room stops receiving it and gets a `room.access` frame saying why.

        ## Contact rules (direct conversations)
        Config section `[contact]` decides who may open a direct conversation with whom
        (`room.direct`): `yes`, `no`, or `own` — only related people: a parent and their own
        child (`atrium user link`), a teacher and the students of the classes, courses and
        projects they lead (owner or moderator), people sharing a class, course or project.
        A minor is a student marked as one (`atrium user set-minor`; students are, by default).

        | key | pair | default |
        |---|---|---|
        | `contact.student_student` | two students | `\(ContactTable().studentStudent.rawValue)` |
        | `contact.minor_teacher` | a minor and a teacher | `\(ContactTable().minorTeacher.rawValue)` |
        | `contact.minor_parent` | a minor and a parent | `\(ContactTable().minorParent.rawValue)` |
        | `contact.minor_partner` | a minor and a partner | `\(ContactTable().minorPartner.rawValue)` |
        | `contact.minor_admin` | a minor and an administrator | `\(ContactTable().minorAdmin.rawValue)` |
        | `contact.adults` | two adults | `\(ContactTable().adults.rawValue)` |

        A room's owner may change what a role can do in that room (`room.permissions`); owners
        always keep every permission. The tables below are the defaults.

        ## Default permissions by room kind


        """
        let roles = RoomRole.allCases
        for kind in RoomKind.allCases {
            let table = defaults(for: kind)
            out += "### \(kind.rawValue) (zone \(kind.zone.rawValue), default join rule `\(kind.defaultJoinRule.rawValue)`)\n\n"
            out += "| permission | " + roles.map(\.rawValue).joined(separator: " | ") + " |\n"
            out += "|---|" + roles.map { _ in "---" }.joined(separator: "|") + "|\n"
            for p in RoomPermission.allCases {
                out += "| `\(p.rawValue)` | " + roles.map { table.allows($0, p) ? "yes" : "—" }.joined(separator: " | ") + " |\n"
            }
            out += "\n"
        }
        return out
    }
}
