// Administration by the school's administrators over the socket (the admin page of the web
// client); the same operations as the `atrium user|room` commands.

/// One administration request (every one needs the organisation role admin).
public enum AdminMessage: Sendable, Equatable {
    case users
    /// Every room of the school (names and rules only: reading one needs room.inspect).
    case rooms
    case addUser(login: String, name: String, role: OrgRole, group: String?)
    case linkParent(parent: UserID, child: UserID)
    case setMinor(user: UserID, minor: Bool)
    case revokeSessions(user: UserID)
    case addRoom(RoomRecord)
    case setMember(room: RoomID, user: UserID, role: RoomRole?)

    public var typeName: String {
        switch self {
        case .users: return "admin.users"
        case .rooms: return "admin.rooms"
        case .addUser: return "admin.user.add"
        case .linkParent: return "admin.user.link"
        case .setMinor: return "admin.user.minor"
        case .revokeSessions: return "admin.user.revoke_sessions"
        case .addRoom: return "admin.room.add"
        case .setMember: return "admin.room.member"
        }
    }
}
