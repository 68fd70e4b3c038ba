// The one place that decides who may do what in a room. The hub asks before every action
// (join, read, post, typing, edit, delete), not only at join, so a changed role takes effect
// on the next action. Later issues (room roles, zones, parents, partners) grow `decide`;
// callers never re-implement any of these rules.

/// Something a person wants to do in a room.
public enum RoomAction: Sendable, Equatable {
    case see
    case join
    case read
    case post
    case typing
    case editMessage(author: UserID)
    case deleteMessage(author: UserID)
}

public enum Decision: Sendable, Equatable {
    case allow
    /// Refused, with a human sentence the client shows as the `forbidden` message.
    case deny(String)

    public var isAllowed: Bool { self == .allow }
}

public enum Policy {
    public static func decide(_ action: RoomAction, user: UserProfile, room: RoomRecord, roomRole: RoomRole?) -> Decision {
        switch action {
        case .see, .join, .read, .post, .typing:
            // A personal cabinet belongs to one person (its id is "cabinet-<login>"): nobody
            // else may see or enter it — students' private spaces stay private.
            if room.kind == .cabinet && room.id != cabinetID(of: user) {
                return .deny("This is someone else's personal cabinet.")
            }
            // The chat-core rule: every signed-in person may see, join, read, post and type
            // in every other room. The permissions issue replaces this with zone, join-rule
            // and room-role rules.
            return .allow
        case .editMessage(let author):
            return ownOrModerator(user: user, author: author, roomRole: roomRole)
                ? .allow : .deny("You can only edit your own messages.")
        case .deleteMessage(let author):
            return ownOrModerator(user: user, author: author, roomRole: roomRole)
                ? .allow : .deny("You can only delete your own messages.")
        }
    }

    /// The id of a person's personal cabinet room.
    public static func cabinetID(of user: UserProfile) -> RoomID { "cabinet-\(user.login)" }

    /// Authors manage their own messages; a room's owner and moderators manage everyone's.
    private static func ownOrModerator(user: UserProfile, author: UserID, roomRole: RoomRole?) -> Bool {
        user.id == author || roomRole == .owner || roomRole == .moderator
    }
}
