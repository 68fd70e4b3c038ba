// What a room role allows, action by action (issue "Spaces, roles and safety", item 3).
// The defaults per room kind live in `PermissionTable.defaults(for:)`; docs/permissions.md is
// generated from them and a test keeps the two equal.

/// One thing a person may be allowed to do in a room.
public enum RoomPermission: String, Sendable, CaseIterable, Codable, Comparable {
    case read
    case post
    case editOwn = "edit_own"
    case deleteAny = "delete_any"
    case invite
    case admitKnocks = "admit_knocks"
    case mute
    case remove
    case ban
    case changeSettings = "change_settings"
    case editBoards = "edit_boards"
    case startCall = "start_call"
    case present
    case createPolls = "create_polls"
    /// Lock and unlock boards and documents, ask everyone to follow one's view (teachers).
    case facilitate

    public static func < (a: RoomPermission, b: RoomPermission) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Which permissions each room role has in one room.
public struct PermissionTable: Sendable, Equatable {
    public var grants: [RoomRole: Set<RoomPermission>]

    public init(_ grants: [RoomRole: Set<RoomPermission>]) {
        self.grants = grants
    }

    public func allows(_ role: RoomRole, _ permission: RoomPermission) -> Bool {
        grants[role]?.contains(permission) ?? false
    }

    public func permissions(of role: RoomRole) -> [RoomPermission] {
        (grants[role] ?? []).sorted()
    }

    /// The defaults of a room kind. Owners may do everything; moderators everything but change
    /// the room's settings; observers only read. What members and guests may do depends on
    /// what the room is for: a class is led by its teachers (students talk and work on boards,
    /// but do not start calls or polls), a project team runs itself, a council's members
    /// deliberate and vote, a meeting room welcomes guests.
    public static func defaults(for kind: RoomKind) -> PermissionTable {
        let all = Set(RoomPermission.allCases)
        let talk: Set<RoomPermission> = [.read, .post, .editOwn]
        var member = talk
        var guest: Set<RoomPermission> = [.read]
        switch kind {
        case .lounge, .conference:
            member.formUnion([.startCall, .present])
        case .library, .exhibition, .event:
            break
        case .cabinet, .direct:
            member.formUnion([.startCall, .present, .editBoards])
        case .class, .course:
            member.insert(.editBoards)
        case .project:
            member.formUnion([.editBoards, .startCall, .present, .createPolls])
        case .meeting, .partner:
            member.formUnion([.startCall, .present, .editBoards])
            guest = talk.union([.present])
        case .council:
            member.formUnion([.startCall, .present, .createPolls])
        }
        return PermissionTable([
            .owner: all,
            .moderator: all.subtracting([.changeSettings]),
            .member: member,
            .observer: [.read],
            .guest: guest,
        ])
    }
}
