// The one place that decides who may do what in a room. The hub asks before every action
// (join, read, post, typing, edit, delete, …), not only at join, so a changed role takes
// effect on the next action — and the hub re-asks for every open connection when a role
// changes. Callers never re-implement any of these rules.
//
// A person's effective role in a room:
//   1. their listed role (room_members), if any;
//   2. the owner of a personal cabinet (id "cabinet-<login>") is its owner;
//   3. otherwise the join rule decides: `open` → member (any signed-in member of the school:
//      not partners, who are external), 
//      `public` → observer (readable by everyone, written by its listed members), `members`,
//      `knock`, `invite` → no access until listed (knock and invitations admit people).
// What the role may do comes from the room's PermissionTable (defaults per kind).

/// Something a person wants to do in a room.
public enum RoomAction: Sendable, Equatable {
    case see
    case join
    case read
    case post
    case typing
    case editMessage(author: UserID)
    case deleteMessage(author: UserID)
    case permission(RoomPermission)
}

public enum Decision: Sendable, Equatable {
    case allow
    /// Refused, with a human sentence the client shows as the `forbidden` message.
    case deny(String)

    public var isAllowed: Bool { self == .allow }
}

public enum Policy {
    /// The role a person has in a room, listed or derived from the join rule; nil = no access.
    public static func effectiveRole(user: UserProfile, room: RoomRecord, listedRole: RoomRole?) -> RoomRole? {
        if let listedRole { return listedRole }
        // A guest enters only the room they were invited to (where they are listed).
        if user.role == .guest { return nil }
        if room.kind == .cabinet { return room.id == cabinetID(of: user) ? .owner : nil }
        switch room.joinRule {
        // "Open" means open to the school's own members. Partners are external residents: they
        // enter only rooms they are listed in (or public ones, read-only), so they never meet
        // students where no teacher has invited them.
        case .open: return user.role == .partner ? nil : .member
        case .public: return .observer
        case .members, .knock, .invite: return nil
        }
    }

    /// `muted` / `banned`: the person's active moderation restrictions in this room (a ban
    /// shuts them out; a mute stops their writing, typing and editing).
    public static func decide(_ action: RoomAction, user: UserProfile, room: RoomRecord, roomRole listedRole: RoomRole?,
                              table: PermissionTable? = nil, muted: Bool = false, banned: Bool = false) -> Decision {
        let table = table ?? PermissionTable.defaults(for: room.kind)
        let role = effectiveRole(user: user, room: room, listedRole: listedRole)
        if banned && action != .see {
            return .deny("You are banned from this room.")
        }
        if muted {
            switch action {
            case .post, .typing, .editMessage:
                return .deny("You are muted in this room for now.")
            default: break
            }
        }
        switch action {
        case .see:
            // Knock rooms are listed so that people can ask to enter; invitation-only,
            // members-only rooms and other people's cabinets stay out of sight.
            if role != nil || (room.joinRule == .knock && user.role != .guest) { return .allow }
            return .deny(noAccessReason(room))
        case .join, .read:
            guard let role else { return .deny(noAccessReason(room)) }
            return table.allows(role, .read) ? .allow : .deny("You cannot read this room.")
        case .post, .typing:
            guard let role else { return .deny(noAccessReason(room)) }
            if table.allows(role, .post) { return .allow }
            return .deny(role == .observer
                ? "You can read this room but not write in it."
                : "Your role in this room does not allow writing.")
        case .editMessage(let author):
            guard let role else { return .deny(noAccessReason(room)) }
            // Nobody rewrites someone else's words; moderators delete with a reason instead.
            guard author == user.id else { return .deny("You can only edit your own messages.") }
            return table.allows(role, .editOwn) ? .allow : .deny("Your role in this room does not allow editing.")
        case .deleteMessage(let author):
            guard let role else { return .deny(noAccessReason(room)) }
            if table.allows(role, .deleteAny) { return .allow }
            if author == user.id && table.allows(role, .editOwn) { return .allow }
            return .deny("You can only delete your own messages.")
        case .permission(let permission):
            guard let role else { return .deny(noAccessReason(room)) }
            return table.allows(role, permission) ? .allow
                : .deny("Your role in this room does not allow this (\(permission.rawValue)).")
        }
    }

    /// Everything the person may do in the room, for clients (`can` in join replies).
    public static func permissions(user: UserProfile, room: RoomRecord, roomRole listedRole: RoomRole?,
                                   table: PermissionTable? = nil) -> [RoomPermission] {
        let table = table ?? PermissionTable.defaults(for: room.kind)
        guard let role = effectiveRole(user: user, room: room, listedRole: listedRole) else { return [] }
        return table.permissions(of: role)
    }

    /// The id of a person's personal cabinet room.
    public static func cabinetID(of user: UserProfile) -> RoomID { "cabinet-\(user.login)" }

    private static func noAccessReason(_ room: RoomRecord) -> String {
        switch (room.kind, room.joinRule) {
        case (.cabinet, _): return "This is someone else's personal cabinet."
        case (_, .knock): return "This room is entered on request: knock and wait for a moderator."
        case (_, .invite): return "This room is by invitation only."
        default: return "Only this room's members can enter it; ask its teacher or moderator to add you."
        }
    }
}
