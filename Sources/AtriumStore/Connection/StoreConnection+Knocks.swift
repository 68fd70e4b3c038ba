// Knocks: a person asks to enter a `knock` room with a short message; a moderator admits
// (the person is listed as a member) or refuses; a moderator can send an admitted person back
// to the lobby (waiting again). Every decision goes to the oversight log.

import AtriumCore

public enum KnockState: String, Sendable {
    case waiting, admitted, refused
}

public struct Knock: Sendable, Equatable {
    public var room: RoomID
    public var user: UserProfile
    public var message: String
    public var state: KnockState
    public var atMillis: Int64

    public var json: JSON {
        .object([
            ("room", .string(room)), ("user", .int(user.id)), ("name", .string(user.name)),
            ("role", .string(user.role.rawValue)), ("message", .string(message)), ("state", .string(state.rawValue)),
            ("at", .string(Timestamp.iso8601(millis: atMillis))),
        ])
    }
}

extension StoreConnection {
    /// Records (or renews) a person's request to enter; it waits until a moderator decides.
    public func knock(room: RoomID, user: UserID, message: String, nowMillis: Int64) throws {
        guard let stored = try self.room(id: room) else { throw StoreError(.notFound, "There is no room '\(room)'.") }
        guard stored.record.joinRule == .knock else {
            throw StoreError(.badRequest, "“\(stored.record.name)” is not entered by request.")
        }
        _ = try db.execute("""
            INSERT INTO knocks(room, user_id, message, state, created_at) VALUES(?, ?, ?, 'waiting', ?)
            ON CONFLICT(room, user_id) DO UPDATE SET message = excluded.message, state = 'waiting',
                created_at = excluded.created_at, decided_by = NULL, decided_at = NULL
            """, [.text(room), .int(user), .text(message), .int(nowMillis)])
    }

    /// The waiting knocks of a room, oldest first.
    public func knocks(room: RoomID) throws -> [Knock] {
        try db.query("""
            SELECT k.room, u.id, u.login, u.name, u.role, k.message, k.state, k.created_at
            FROM knocks k JOIN users u ON u.id = k.user_id
            WHERE k.room = ? AND k.state = 'waiting' ORDER BY k.created_at, u.id
            """, [.text(room)], Self.knockRow)
    }

    /// One person's knock on a room, if any.
    public func knock(room: RoomID, user: UserID) throws -> Knock? {
        try db.queryOne("""
            SELECT k.room, u.id, u.login, u.name, u.role, k.message, k.state, k.created_at
            FROM knocks k JOIN users u ON u.id = k.user_id WHERE k.room = ? AND k.user_id = ?
            """, [.text(room), .int(user)], Self.knockRow)
    }

    /// Every room a person is waiting to enter.
    public func waitingKnocks(user: UserID) throws -> Set<RoomID> {
        Set(try db.query("SELECT room FROM knocks WHERE user_id = ? AND state = 'waiting'", [.int(user)]) { $0.text(0) })
    }

    /// A moderator's decision on a waiting knock. Admitting lists the person as a member.
    /// Returns the room's listed roles after the decision.
    public func decideKnock(room: RoomID, user: UserID, admit: Bool, moderator: UserID, reason: String?,
                            nowMillis: Int64) throws -> [UserID: RoomRole] {
        try transaction {
            guard let knock = try knock(room: room, user: user), knock.state == .waiting else {
                throw StoreError(.notFound, "This person is not waiting to enter.")
            }
            _ = try db.execute("UPDATE knocks SET state = ?, decided_by = ?, decided_at = ? WHERE room = ? AND user_id = ?",
                               [.text(admit ? "admitted" : "refused"), .int(moderator), .int(nowMillis), .text(room), .int(user)])
            if admit { try setMember(room: room, userID: user, role: .member, nowMillis: nowMillis, actor: moderator) }
            var detail: JSONObject = [("decision", .string(admit ? "admitted" : "refused"))]
            if let reason { detail["reason"] = .string(reason) }
            try appendAudit(actor: moderator, action: AuditAction.knockDecision, room: room, subject: user,
                            detail: detail, nowMillis: nowMillis)
            return try members(room: room)
        }
    }

    /// Sends an admitted person back to the lobby: no longer listed, waiting again.
    public func returnToLobby(room: RoomID, user: UserID, moderator: UserID, nowMillis: Int64) throws -> [UserID: RoomRole] {
        try transaction {
            guard let role = try members(room: room)[user] else {
                throw StoreError(.notFound, "This person is not in the room.")
            }
            guard role != .owner && role != .moderator else {
                throw StoreError(.forbidden, "Owners and moderators cannot be sent to the lobby.")
            }
            try setMember(room: room, userID: user, role: nil, nowMillis: nowMillis, actor: moderator)
            _ = try db.execute("""
                INSERT INTO knocks(room, user_id, message, state, created_at) VALUES(?, ?, '', 'waiting', ?)
                ON CONFLICT(room, user_id) DO UPDATE SET state = 'waiting', created_at = excluded.created_at,
                    decided_by = NULL, decided_at = NULL
                """, [.text(room), .int(user), .int(nowMillis)])
            try appendAudit(actor: moderator, action: AuditAction.knockDecision, room: room, subject: user,
                            detail: [("decision", "back_to_lobby")], nowMillis: nowMillis)
            return try members(room: room)
        }
    }

    private static func knockRow(_ s: Statement) throws -> Knock {
        guard let role = OrgRole(rawValue: s.text(4)), let state = KnockState(rawValue: s.text(6)) else {
            throw StoreError(.internal, "A knock row has an unknown role or state.")
        }
        return Knock(room: s.text(0), user: UserProfile(id: s.int64(1), login: s.text(2), name: s.text(3), role: role),
                     message: s.text(5), state: state, atMillis: s.int64(7))
    }
}
