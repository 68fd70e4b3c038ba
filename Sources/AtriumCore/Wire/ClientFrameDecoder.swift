// Turns the bytes of one client frame into a validated `ClientFrame`, or the exact `WireError`
// to send back. All request validation lives here so the hub can trust every field it gets.
//
// Conventions a client author can rely on (docs/protocol.md repeats them):
// - Unknown extra fields are ignored, so newer clients can talk to this server.
// - An optional field that is `null` counts as absent (many JSON encoders write nulls).
// - Integers may be written as 5 or 5.0; 5.5 is refused.
// - Lengths are counted in Unicode code points, like the chat text limit in PROTOCOL.md.

public enum ClientFrameDecoder {
    /// The longest `ref`, in code points (PROTOCOL.md).
    public static let maxRefChars = 64
    /// The longest `nonce`, in code points.
    public static let maxNonceChars = 128
    /// Namespaces PROTOCOL.md reserves for later parts: answered with a clearer error than
    /// "unknown type", so a client built for a later version learns why it failed.
    public static let reservedNamespaces = [
        // Still reserved; `room.*`, `mod.*`, `invite.*`, `board.*`, `doc.*` and `rtc.*` are in use (docs/protocol.md).
        "poll.", "survey.", "schedule.",
    ]

    public static func decode(_ bytes: [UInt8], limits: ProtocolLimits) -> Result<ClientFrame, WireError> {
        let json: JSON
        do {
            // Client frames are flat; a small depth limit stops deep-nesting attacks early.
            json = try JSON.parse(bytes, maxDepth: 32)
        } catch {
            return .failure(WireError(.badRequest, "The message is not valid JSON (\(error.reason) at byte \(error.offset))."))
        }
        return decode(json: json, limits: limits)
    }

    /// Decodes an already parsed JSON value (tests and tools that build frames as values).
    public static func decode(json: JSON, limits: ProtocolLimits) -> Result<ClientFrame, WireError> {
        guard case .object(let object) = json else {
            return .failure(WireError(.badRequest, "The message must be a JSON object."))
        }
        // The ref comes first: once it is valid, every later error can carry it.
        var ref: String?
        switch object["ref"] {
        case nil, .null?: ref = nil
        case .string(let s)?:
            guard s.unicodeScalars.count <= maxRefChars else {
                return .failure(WireError(.badRequest, "The field 'ref' must be at most \(maxRefChars) characters long."))
            }
            ref = s
        case _?:
            return .failure(WireError(.badRequest, "The field 'ref' must be a string."))
        }
        let fields = Fields(object: object, ref: ref, limits: limits)
        do {
            let message = try fields.message()
            return .success(ClientFrame(ref: ref, message: message))
        } catch {
            return .failure(error)
        }
    }
}

/// Reads typed fields out of one message object; every failure is a `WireError` carrying the ref.
struct Fields {
    let object: JSONObject
    let ref: String?
    let limits: ProtocolLimits

    func fail(_ message: String) -> WireError { fail(.badRequest, message) }

    func fail(_ code: ErrorCode, _ message: String) -> WireError {
        WireError(code, message, ref: ref)
    }

    func message() throws(WireError) -> ClientMessage {
        guard let typeValue = object["type"] else { throw fail("The field 'type' is required.") }
        guard case .string(let type) = typeValue else { throw fail("The field 'type' must be a string.") }
        switch type {
        case "hello": return .hello(token: try optionalString("token"))
        case "ping": return .ping
        case "rooms": return .rooms
        case "join": return .join(room: try room(), since: try optionalInt("since", min: 0))
        case "leave": return .leave(room: try room())
        case "history":
            let room = try room()
            let before = try optionalInt("before", min: 1)
            // Larger limits are clamped to historyMax rather than refused: a client asking
            // for "as many as possible" gets the most the server allows.
            let limit = try optionalInt("limit", min: 1).map { Int(min($0, Int64(limits.historyMax))) }
            var chatOnly = false
            switch object["only"] {
            case nil, .null?: break
            case .string("chat")?: chatOnly = true
            case _?: throw fail("The field 'only' must be \"chat\" or absent.")
            }
            return .history(room: room, before: before, limit: limit ?? limits.historyDefault, chatOnly: chatOnly)
        case "typing": return .typing(room: try room())
        case "chat.send":
            return .chatSend(room: try room(), text: try text(), nonce: try nonce())
        case "chat.edit":
            return .chatEdit(room: try room(), seq: try requiredInt("seq", min: 1), text: try text())
        case "chat.delete":
            return .chatDelete(room: try room(), seq: try requiredInt("seq", min: 1))
        case "read":
            return .read(room: try room(), seq: try requiredInt("seq", min: 0))
        case "audit.mine": return .auditMine
        case "room.knock": return .roomKnock(room: try room(), message: try shortText("message", required: true) ?? "")
        case "room.knocks": return .roomKnocks(room: try room())
        case "room.admit": return .roomAdmit(room: try room(), user: try requiredInt("user", min: 1))
        case "room.refuse":
            return .roomRefuse(room: try room(), user: try requiredInt("user", min: 1), reason: try shortText("reason", required: false))
        case "room.lobby": return .roomLobby(room: try room(), user: try optionalInt("user", min: 1), text: try text())
        case "room.lobby.return": return .roomReturnToLobby(room: try room(), user: try requiredInt("user", min: 1))
        case "mod.delete":
            return .modDelete(room: try room(), seq: try requiredInt("seq", min: 1), reason: try shortText("reason", required: false))
        case "mod.approve":
            return .modApprove(room: try room(), seq: try requiredInt("seq", min: 1))
        case "mod.mute", "mod.ban":
            // At most a year; without minutes, until lifted.
            let minutes = try optionalInt("minutes", min: 1)
            if let minutes, minutes > 525_600 { throw fail("The field 'minutes' must be at most 525600 (a year).") }
            return .modRestrict(room: try room(), user: try requiredInt("user", min: 1), ban: type == "mod.ban",
                                minutes: minutes, reason: try shortText("reason", required: false))
        case "mod.unmute", "mod.unban":
            return .modLift(room: try room(), user: try requiredInt("user", min: 1), ban: type == "mod.unban")
        case "mod.remove":
            return .modRemove(room: try room(), user: try requiredInt("user", min: 1), reason: try shortText("reason", required: false))
        case "mod.report":
            return .modReport(room: try room(), seq: try requiredInt("seq", min: 1), reason: try shortText("reason", required: true) ?? "")
        case "mod.reports":
            return .modReports(room: object["room"] == nil || object["room"]!.isNull ? nil : try room())
        case "invite.create":
            return .inviteCreate(room: try room(), hours: try optionalInt("hours", min: 1) ?? 72,
                                 uses: min(try optionalInt("uses", min: 1) ?? 1, 1000))
        case "invite.list": return .inviteList(room: try room())
        case "room.settings":
            var rule: JoinRule?
            if let raw = try optionalString("join_rule") {
                guard let r = JoinRule(rawValue: raw) else {
                    throw fail("The field 'join_rule' must be one of open, public, members, knock, invite.")
                }
                rule = r
            }
            let name = try shortText("name", required: false)
            if let name, name.unicodeScalars.count > 200 { throw fail(.tooLarge, "The field 'name' is longer than 200 characters.") }
            var premoderated: Bool?
            switch object["premoderated"] {
            case nil, .null?: premoderated = nil
            case .bool(let b)?: premoderated = b
            case _?: throw fail("The field 'premoderated' must be true or false.")
            }
            var history: HistoryVisibility?
            if let raw = try optionalString("history") {
                guard let h = HistoryVisibility(rawValue: raw) else { throw fail("The field 'history' must be \"all\" or \"joined\".") }
                history = h
            }
            guard name != nil || rule != nil || premoderated != nil || history != nil else {
                throw fail("Give 'name', 'join_rule', 'premoderated' or 'history' to change.")
            }
            return .roomSettings(room: try room(), name: name, joinRule: rule, premoderated: premoderated, history: history)
        case "room.permissions":
            guard let rawRole = try optionalString("role"), let role = RoomRole(rawValue: rawRole) else {
                throw fail("The field 'role' must be one of owner, moderator, member, observer, guest.")
            }
            var permissions: [RoomPermission]?
            switch object["permissions"] {
            case nil: throw fail("The field 'permissions' is required: a list of permission names, or null for the default.")
            case .null?: permissions = nil
            case .array(let list)?:
                permissions = []
                for item in list {
                    guard let name = item.stringValue, let p = RoomPermission(rawValue: name) else {
                        throw fail("Unknown permission \(item.encodedString()); see docs/permissions.md.")
                    }
                    permissions!.append(p)
                }
            case _?: throw fail("The field 'permissions' must be a list of permission names, or null for the default.")
            }
            return .roomPermissions(room: try room(), role: role, permissions: permissions)
        case "room.members": return .roomMembers(room: try room())
        case "admin.users": return .admin(.users)
        case "admin.rooms": return .admin(.rooms)
        case "admin.user.add":
            guard let login = try optionalString("login")?.lowercased(), UserProfile.isValidLogin(login) else {
                throw fail("The field 'login' must be 2 to 64 characters of a-z, 0-9, '.', '_' and '-'.")
            }
            guard let name = try shortText("name", required: true), name.unicodeScalars.count <= 200 else {
                throw fail("The field 'name' must be 1 to 200 characters.")
            }
            guard let raw = try optionalString("role"), let role = OrgRole(rawValue: raw), OrgRole.accountRoles.contains(role) else {
                throw fail("The field 'role' must be admin, teacher, student, parent or partner.")
            }
            return .admin(.addUser(login: login, name: name, role: role, group: try shortText("group", required: false)))
        case "admin.user.link":
            return .admin(.linkParent(parent: try requiredInt("parent", min: 1), child: try requiredInt("child", min: 1)))
        case "admin.user.minor":
            guard case .bool(let minor)? = object["minor"] else { throw fail("The field 'minor' must be true or false.") }
            return .admin(.setMinor(user: try requiredInt("user", min: 1), minor: minor))
        case "admin.user.revoke_sessions":
            return .admin(.revokeSessions(user: try requiredInt("user", min: 1)))
        case "admin.room.add":
            guard let id = try optionalString("id"), RoomRecord.isValidID(id) else {
                throw fail("The field 'id' must be a room id: 1 to 64 characters of a-z, 0-9, '.', '_' and '-'.")
            }
            guard let name = try shortText("name", required: true), name.unicodeScalars.count <= 200 else {
                throw fail("The field 'name' must be 1 to 200 characters.")
            }
            guard let rawKind = try optionalString("kind"), let kind = RoomKind(rawValue: rawKind) else {
                throw fail("The field 'kind' must be a room kind (lounge, library, …, partner).")
            }
            var rule: JoinRule?
            if let raw = try optionalString("join_rule") {
                guard let r = JoinRule(rawValue: raw) else { throw fail("The field 'join_rule' must be open, public, members, knock or invite.") }
                rule = r
            }
            return .admin(.addRoom(RoomRecord(id: id, name: name, kind: kind, joinRule: rule)))
        case "admin.room.member":
            var role: RoomRole?
            if let raw = try optionalString("role") {
                guard let r = RoomRole(rawValue: raw) else { throw fail("The field 'role' must be owner, moderator, member, observer, guest or null.") }
                role = r
            }
            return .admin(.setMember(room: try room(), user: try requiredInt("user", min: 1), role: role))
        case "room.inspect":
            return .roomInspect(room: try room(), reason: try shortText("reason", required: true) ?? "")
        case "invite.revoke": return .inviteRevoke(id: try requiredInt("id", min: 1))
        case "mod.report.decide":
            guard let state = try optionalString("state"), state == "resolved" || state == "dismissed" else {
                throw fail("The field 'state' must be \"resolved\" or \"dismissed\".")
            }
            return .modDecide(report: try requiredInt("report", min: 1), resolved: state == "resolved",
                              note: try shortText("note", required: false))
        case "room.direct":
            return .roomDirect(user: try requiredInt("user", min: 1))
        case _ where CollabMessage.typeNames.contains(type):
            return .collab(room: try room(), try collab(type))
        case _ where CallMessage.typeNames.contains(type):
            return .rtc(room: try room(), try call(type))
        default:
            let shown = Fields.abbreviated(type)
            if let ns = ClientFrameDecoder.reservedNamespaces.first(where: { type.hasPrefix($0) }) {
                throw fail("The message type '\(shown)' belongs to the '\(ns)*' namespace, which is reserved for a later version.")
            }
            throw fail("Unknown message type '\(shown)'.")
        }
    }

    /// Echoed types are cut short so a huge bogus type cannot blow up the error reply.
    static func abbreviated(_ s: String) -> String {
        s.unicodeScalars.count <= 64 ? s : String(String.UnicodeScalarView(s.unicodeScalars.prefix(64))) + "…"
    }

    func room() throws(WireError) -> RoomID {
        guard let value = object["room"], !value.isNull else { throw fail("The field 'room' is required.") }
        guard case .string(let id) = value, RoomRecord.isValidID(id) else {
            throw fail("The field 'room' must be a room id: 1 to 64 characters of a-z, 0-9, '.', '_' and '-'.")
        }
        return id
    }

    func optionalString(_ name: String) throws(WireError) -> String? {
        switch object[name] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case _?: throw fail("The field '\(name)' must be a string.")
        }
    }

    func optionalInt(_ name: String, min: Int64) throws(WireError) -> Int64? {
        guard let value = object[name], !value.isNull else { return nil }
        return try int(name, value, min: min)
    }

    func requiredInt(_ name: String, min: Int64) throws(WireError) -> Int64 {
        guard let value = object[name], !value.isNull else { throw fail("The field '\(name)' is required.") }
        return try int(name, value, min: min)
    }

    func int(_ name: String, _ value: JSON, min: Int64) throws(WireError) -> Int64 {
        guard let i = value.intValue, i >= min else {
            throw fail("The field '\(name)' must be an integer of at least \(min).")
        }
        return i
    }

    func text() throws(WireError) -> String {
        guard let value = object["text"], !value.isNull else { throw fail("The field 'text' is required.") }
        guard case .string(let text) = value else { throw fail("The field 'text' must be a string.") }
        // Code points, not grapheme clusters or UTF-16 units: the count PROTOCOL.md names, and
        // one every client language can compute the same way.
        let count = text.unicodeScalars.count
        if count > limits.maxTextChars {
            throw fail(.tooLarge, "The field 'text' has \(count) characters; the limit is \(limits.maxTextChars).")
        }
        if text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            throw fail("The field 'text' must not be empty or only whitespace.")
        }
        return text
    }

    /// A short human text (a knock message, a refusal reason): 1 to 500 code points.
    func shortText(_ name: String, required: Bool) throws(WireError) -> String? {
        guard let s = try optionalString(name) else {
            if required { throw fail("The field '\(name)' is required.") }
            return nil
        }
        // Trim without Foundation: AtriumCore stays free of it.
        let scalars = s.unicodeScalars
        let start = scalars.firstIndex { !$0.properties.isWhitespace } ?? scalars.endIndex
        let end = scalars.lastIndex { !$0.properties.isWhitespace }.map { scalars.index(after: $0) } ?? start
        let trimmed = start < end ? String(scalars[start..<end]) : ""
        if trimmed.isEmpty {
            if required { throw fail("The field '\(name)' must not be empty.") }
            return nil
        }
        guard trimmed.unicodeScalars.count <= 500 else {
            throw fail(.tooLarge, "The field '\(name)' is longer than 500 characters.")
        }
        return trimmed
    }

    func nonce() throws(WireError) -> String? {
        guard let nonce = try optionalString("nonce") else { return nil }
        guard (1...ClientFrameDecoder.maxNonceChars).contains(nonce.unicodeScalars.count) else {
            throw fail("The field 'nonce' must be 1 to \(ClientFrameDecoder.maxNonceChars) characters long.")
        }
        return nonce
    }
}
