// What a client may send (PROTOCOL.md), already validated: the server and the hub work with
// these values and never look at raw JSON again.

/// One decoded client request. Every field has passed the rules of `ClientFrameDecoder`.
public enum ClientMessage: Sendable, Equatable {
    case hello(token: String?)
    case ping
    case rooms
    case join(room: RoomID, since: Int64?)
    case leave(room: RoomID)
    /// `chatOnly`: only `chat.*` events (a room busy with board and document operations still
    /// pages its conversation 50 messages at a time).
    case history(room: RoomID, before: Int64?, limit: Int, chatOnly: Bool = false)
    case typing(room: RoomID)
    case chatSend(room: RoomID, text: String, nonce: String?)
    case chatEdit(room: RoomID, seq: Int64, text: String)
    case chatDelete(room: RoomID, seq: Int64)
    /// "I have seen everything up to `seq` here": moves the person's read marker.
    case read(room: RoomID, seq: Int64)
    /// Open (or find) the direct conversation with another person.
    case roomDirect(user: UserID)
    /// The oversight-log entries that concern the signed-in person.
    case auditMine
    /// Knocking on a `knock` room, and what its moderators do with the queue.
    case roomKnock(room: RoomID, message: String)
    case roomKnocks(room: RoomID)
    case roomAdmit(room: RoomID, user: UserID)
    case roomRefuse(room: RoomID, user: UserID, reason: String?)
    case roomLobby(room: RoomID, user: UserID?, text: String)
    case roomReturnToLobby(room: RoomID, user: UserID)
    /// Moderation: delete anyone's message with a reason, mute or ban (for `minutes`, or until
    /// lifted), lift, remove from the room, report a message, the reports queue and decisions.
    case modDelete(room: RoomID, seq: Int64, reason: String?)
    case modApprove(room: RoomID, seq: Int64)
    case modRestrict(room: RoomID, user: UserID, ban: Bool, minutes: Int64?, reason: String?)
    case modLift(room: RoomID, user: UserID, ban: Bool)
    case modRemove(room: RoomID, user: UserID, reason: String?)
    case modReport(room: RoomID, seq: Int64, reason: String)
    case modReports(room: RoomID?)
    case modDecide(report: Int64, resolved: Bool, note: String?)
    /// Invitations of guests to one room: create (valid `hours`, for `uses` guests), list, withdraw.
    case inviteCreate(room: RoomID, hours: Int64, uses: Int64)
    case inviteList(room: RoomID)
    case inviteRevoke(id: Int64)
    /// A room's owner changes its name or join rule.
    case roomSettings(room: RoomID, name: String?, joinRule: JoinRule?, premoderated: Bool?, history: HistoryVisibility?)
    /// An administrator reads a room they are not listed in, giving a written reason (logged).
    case roomInspect(room: RoomID, reason: String)
    /// Who can read a room: its listed people with their room roles, and who is inspecting it.
    case roomMembers(room: RoomID)
    /// School administration (admins only).
    case admin(AdminMessage)
    /// A room's owner sets what a role may do there (nil: back to the kind's default).
    case roomPermissions(room: RoomID, role: RoomRole, permissions: [RoomPermission]?)
    /// Boards and documents of a room (co-editing), and following a teacher's view.
    case collab(room: RoomID, CollabMessage)
    /// Calls: signalling, call state, moderation, breakout groups, polls.
    case rtc(room: RoomID, CallMessage)

    /// The room the message addresses, if any (for routing and per-room checks).
    public var room: RoomID? {
        switch self {
        case .hello, .ping, .rooms, .roomDirect, .auditMine, .modDecide, .inviteRevoke, .admin: return nil
        case .modReports(let r): return r
        case .join(let r, _), .leave(let r), .history(let r, _, _, _), .typing(let r),
             .chatSend(let r, _, _), .chatEdit(let r, _, _), .chatDelete(let r, _), .read(let r, _),
             .roomKnock(let r, _), .roomKnocks(let r), .roomAdmit(let r, _), .roomRefuse(let r, _, _),
             .roomLobby(let r, _, _), .roomReturnToLobby(let r, _), .modDelete(let r, _, _), .modApprove(let r, _),
             .modRestrict(let r, _, _, _, _), .modLift(let r, _, _), .modRemove(let r, _, _), .modReport(let r, _, _),
             .inviteCreate(let r, _, _), .inviteList(let r), .collab(let r, _), .rtc(let r, _), .roomSettings(let r, _, _, _, _), .roomInspect(let r, _), .roomPermissions(let r, _, _), .roomMembers(let r):
            return r
        }
    }

    /// The wire `type`, e.g. "chat.send" (for metrics and logs: never the message content).
    public var typeName: String {
        switch self {
        case .hello: return "hello"
        case .ping: return "ping"
        case .rooms: return "rooms"
        case .join: return "join"
        case .leave: return "leave"
        case .history: return "history"
        case .typing: return "typing"
        case .chatSend: return "chat.send"
        case .chatEdit: return "chat.edit"
        case .chatDelete: return "chat.delete"
        case .read: return "read"
        case .roomDirect: return "room.direct"
        case .auditMine: return "audit.mine"
        case .roomKnock: return "room.knock"
        case .roomKnocks: return "room.knocks"
        case .roomAdmit: return "room.admit"
        case .roomRefuse: return "room.refuse"
        case .roomLobby: return "room.lobby"
        case .roomReturnToLobby: return "room.lobby.return"
        case .modDelete: return "mod.delete"
        case .modApprove: return "mod.approve"
        case .modRestrict(_, _, let ban, _, _): return ban ? "mod.ban" : "mod.mute"
        case .modLift(_, _, let ban): return ban ? "mod.unban" : "mod.unmute"
        case .modRemove: return "mod.remove"
        case .modReport: return "mod.report"
        case .modReports: return "mod.reports"
        case .modDecide: return "mod.report.decide"
        case .inviteCreate: return "invite.create"
        case .inviteList: return "invite.list"
        case .inviteRevoke: return "invite.revoke"
        case .roomSettings: return "room.settings"
        case .roomInspect: return "room.inspect"
        case .roomPermissions: return "room.permissions"
        case .roomMembers: return "room.members"
        case .admin(let a): return a.typeName
        case .collab(_, let m): return m.typeName
        case .rtc(_, let m): return m.typeName
        }
    }

    /// Every type this version understands, in the order of PROTOCOL.md.
    public static let typeNames: [String] = [
        "hello", "ping", "rooms", "join", "leave", "history", "typing", "chat.send", "chat.edit", "chat.delete", "read", "room.direct", "audit.mine",
        "room.knock", "room.knocks", "room.admit", "room.refuse", "room.lobby", "room.lobby.return",
        "mod.delete", "mod.approve", "mod.mute", "mod.unmute", "mod.ban", "mod.unban", "mod.remove", "mod.report", "mod.reports",
        "mod.report.decide", "invite.create", "invite.list", "invite.revoke", "room.settings", "room.inspect", "room.permissions", "room.members",
        "admin.users", "admin.rooms", "admin.user.add", "admin.user.link", "admin.user.minor", "admin.user.revoke_sessions",
        "admin.room.add", "admin.room.member",
    ] + CollabMessage.typeNames + CallMessage.typeNames
}

/// A decoded client frame: the optional `ref` the reply must echo, and the message.
public struct ClientFrame: Sendable, Equatable {
    public var ref: String?
    public var message: ClientMessage

    public init(ref: String?, message: ClientMessage) {
        self.ref = ref
        self.message = message
    }
}

/// The configurable limits the decoder enforces (from `AtriumConfig.protocolLimits`).
public struct ProtocolLimits: Sendable, Equatable {
    /// Longest chat text, in Unicode code points (PROTOCOL.md: 4,000 by default).
    public var maxTextChars: Int = 4000
    /// Largest `history.limit`; larger requests are clamped, not refused.
    public var historyMax: Int = 200
    /// `history.limit` when the client gives none.
    public var historyDefault: Int = 50

    /// Sizes of one document operation (collab.max_op_components, collab.max_insert_chars).
    public var textOperation = TextOperationLimits(maxComponents: 10_000, maxInsertChars: 50_000)

    public init(maxTextChars: Int = 4000, historyMax: Int = 200,
                textOperation: TextOperationLimits = TextOperationLimits(maxComponents: 10_000, maxInsertChars: 50_000)) {
        self.maxTextChars = maxTextChars
        self.historyMax = historyMax
        self.textOperation = textOperation
        // The default never exceeds the maximum, even when an operator sets a tiny maximum.
        self.historyDefault = min(50, historyMax)
    }
}
