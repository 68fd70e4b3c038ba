// The shared vocabulary of Atrium: ids, organisation roles, room kinds, zones, join rules and
// the room record. Pure values; every thread may use them.

public typealias UserID = Int64
public typealias RoomID = String

/// Organisation roles (MISSION.md "Who uses it").
public enum OrgRole: String, Sendable, CaseIterable, Codable {
    case admin, teacher, student, parent, partner
    /// Someone holding an invitation to one room or event: created only by accepting it.
    case guest

    /// The roles accounts are created with (CLI, roster); guests come only from invitations.
    public static let accountRoles: [OrgRole] = [.admin, .teacher, .student, .parent, .partner]
}

/// The zones of MISSION.md "The spaces".
public enum Zone: String, Sendable, CaseIterable, Codable {
    case common
    case `private`
    case education
    case meeting
    case council
    case partner
}

/// Room kinds; each belongs to exactly one zone (PROTOCOL.md "Rooms").
public enum RoomKind: String, Sendable, CaseIterable, Codable {
    case lounge, library, exhibition, conference, event
    case cabinet, direct
    case `class`, course, project
    case meeting
    case council
    case partner

    public var zone: Zone {
        switch self {
        case .lounge, .library, .exhibition, .conference, .event: return .common
        case .cabinet, .direct: return .private
        case .class, .course, .project: return .education
        case .meeting: return .meeting
        case .council: return .council
        case .partner: return .partner
        }
    }

    /// The join rule a new room of this kind gets unless one is given.
    public var defaultJoinRule: JoinRule {
        switch self {
        case .lounge, .library, .conference, .event: return .open
        case .exhibition: return .public
        case .cabinet, .direct, .class, .course, .project: return .members
        case .meeting, .partner: return .knock
        case .council: return .public
        }
    }
}

public enum JoinRule: String, Sendable, CaseIterable, Codable {
    case open
    case `public`
    case members
    case knock
    case invite
}

/// History visibility of a room.
public enum HistoryVisibility: String, Sendable, CaseIterable, Codable {
    case all, joined
}

/// A person's role inside one room (the permissions issue grows what each may do).
public enum RoomRole: String, Sendable, CaseIterable, Codable {
    case owner, moderator, member, observer, guest
}

/// The stored description of a room.
public struct RoomRecord: Sendable, Equatable {
    public var id: RoomID
    public var name: String
    public var kind: RoomKind
    public var joinRule: JoinRule
    /// Posts by students wait for a moderator's approval; meanwhile only their author and the
    /// moderators see them.
    public var premoderated: Bool
    /// Who reads the room's past: everyone who may read it (`all`), or each person only from
    /// when they joined (`joined`).
    public var history: HistoryVisibility = .all

    public init(id: RoomID, name: String, kind: RoomKind, joinRule: JoinRule? = nil, premoderated: Bool = false) {
        self.id = id
        self.name = name
        self.kind = kind
        self.joinRule = joinRule ?? kind.defaultJoinRule
        self.premoderated = premoderated
    }

    public var zone: Zone { kind.zone }

    /// The room object of the wire protocol (`rooms`, `join`).
    public func json(role: RoomRole?) -> JSON {
        .object([
            ("id", .string(id)), ("name", .string(name)), ("kind", .string(kind.rawValue)),
            ("zone", .string(zone.rawValue)), ("join_rule", .string(joinRule.rawValue)),
            ("role", role.map { .string($0.rawValue) } ?? .null), ("premoderated", .bool(premoderated)),
            ("history", .string(history.rawValue)),
        ])
    }

    /// Room ids are short slugs: they appear in URLs, logs and file names.
    public static func isValidID(_ id: String) -> Bool {
        guard (1...64).contains(id.utf8.count) else { return false }
        return id.utf8.allSatisfy { b in
            (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == 45 || b == 95 || b == 46
        }
    }
}

/// What the hub knows about a signed-in person.
public struct UserProfile: Sendable, Equatable {
    public var id: UserID
    public var login: String
    public var name: String
    public var role: OrgRole

    public init(id: UserID, login: String, name: String, role: OrgRole) {
        self.id = id
        self.login = login
        self.name = name
        self.role = role
    }

    /// `{"id","name","role"}` as in `welcome` and the sign-in reply.
    public var json: JSON {
        .object([("id", .int(id)), ("login", .string(login)), ("name", .string(name)), ("role", .string(role.rawValue))])
    }

    /// Logins: 2–64 characters of a–z, 0–9, '.', '_' and '-', compared case-insensitively.
    public static func isValidLogin(_ login: String) -> Bool {
        guard (2...64).contains(login.utf8.count) else { return false }
        return login.utf8.allSatisfy { b in
            (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == 45 || b == 95 || b == 46
        }
    }
}

/// One committed room event (PROTOCOL.md "A room event").
public struct RoomEvent: Sendable, Equatable {
    public var room: RoomID
    public var seq: Int64
    public var atMillis: Int64
    public var kind: String
    public var actor: UserID
    /// Kind-specific fields, written after the common ones.
    public var payload: JSONObject

    public init(room: RoomID, seq: Int64, atMillis: Int64, kind: String, actor: UserID, payload: JSONObject) {
        self.room = room
        self.seq = seq
        self.atMillis = atMillis
        self.kind = kind
        self.actor = actor
        self.payload = payload
    }

    public var json: JSON {
        var o = JSONObject([
            ("type", "event"), ("room", .string(room)), ("seq", .int(seq)),
            ("at", .string(Timestamp.iso8601(millis: atMillis))), ("kind", .string(kind)), ("actor", .int(actor)),
        ])
        for f in payload.fields where o[f.key] == nil { o[f.key] = f.value }
        return .object(o)
    }

    /// The wire frame, encoded once and shared by every recipient.
    public func encodedFrame() -> [UInt8] { json.encoded() }
}

/// Event kinds of the chat core.
public enum ChatEventKind {
    public static let message = "chat.message"
    public static let edited = "chat.edited"
    public static let deleted = "chat.deleted"
    /// A pre-moderated post approved: carries the message for those who did not see it.
    public static let approved = "chat.approved"
}

extension RoomEvent {
    /// A post (or an edit or deletion of one) still waiting for a moderator's approval.
    public var isPending: Bool { payload["pending"]?.boolValue == true }
}
