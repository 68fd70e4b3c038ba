// Moderation: mutes and bans per room (with an optional end), and reported messages in a
// queue with states. Every action goes to the oversight log.

import AtriumCore

public enum RestrictionKind: String, Sendable, CaseIterable {
    case mute, ban
}

/// Active mutes and bans of a room: person → end in ms since 1970 (nil: until lifted).
public struct RoomRestrictions: Sendable, Equatable {
    public var mutes: [UserID: Int64?] = [:]
    public var bans: [UserID: Int64?] = [:]

    public init() {}

    public func isMuted(_ user: UserID, nowMillis: Int64) -> Bool { Self.active(mutes[user], nowMillis) }
    public func isBanned(_ user: UserID, nowMillis: Int64) -> Bool { Self.active(bans[user], nowMillis) }

    private static func active(_ entry: Int64??, _ now: Int64) -> Bool {
        guard let entry else { return false }
        guard let until = entry else { return true }
        return until > now
    }
}

public enum ReportState: String, Sendable, CaseIterable {
    case open, resolved, dismissed
}

public struct Report: Sendable, Equatable {
    public var id: Int64
    public var room: RoomID
    public var seq: Int64
    public var reporter: UserID
    public var reporterName: String
    public var reason: String
    public var state: ReportState
    public var atMillis: Int64
    public var note: String?

    public var json: JSON {
        .object([
            ("id", .int(id)), ("room", .string(room)), ("seq", .int(seq)), ("reporter", .int(reporter)),
            ("reporter_name", .string(reporterName)), ("reason", .string(reason)), ("state", .string(state.rawValue)),
            ("at", .string(Timestamp.iso8601(millis: atMillis))), ("note", note.map { .string($0) } ?? .null),
        ])
    }
}

extension StoreConnection {
    public func restrict(room: RoomID, user: UserID, kind: RestrictionKind, untilMillis: Int64?, by moderator: UserID,
                         reason: String?, nowMillis: Int64) throws -> RoomRestrictions {
        try transaction {
            guard try self.room(id: room) != nil else { throw StoreError(.notFound, "There is no room '\(room)'.") }
            guard try self.user(id: user) != nil else { throw StoreError(.notFound, "There is no such person.") }
            _ = try db.execute("""
                INSERT INTO room_restrictions(room, user_id, kind, until, by_user, reason, at) VALUES(?,?,?,?,?,?,?)
                ON CONFLICT(room, user_id, kind) DO UPDATE SET until = excluded.until, by_user = excluded.by_user,
                    reason = excluded.reason, at = excluded.at
                """, [.text(room), .int(user), .text(kind.rawValue), untilMillis.map { .int($0) } ?? .null,
                      .int(moderator), reason.map { .text($0) } ?? .null, .int(nowMillis)])
            var detail: JSONObject = [("until", untilMillis.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null)]
            if let reason { detail["reason"] = .string(reason) }
            try appendAudit(actor: moderator, action: "mod.\(kind.rawValue)", room: room, subject: user, detail: detail, nowMillis: nowMillis)
            return try restrictions(room: room)
        }
    }

    public func lift(room: RoomID, user: UserID, kind: RestrictionKind, by moderator: UserID, nowMillis: Int64) throws -> RoomRestrictions {
        try transaction {
            _ = try db.execute("DELETE FROM room_restrictions WHERE room = ? AND user_id = ? AND kind = ?",
                               [.text(room), .int(user), .text(kind.rawValue)])
            try appendAudit(actor: moderator, action: "mod.un\(kind.rawValue)", room: room, subject: user, nowMillis: nowMillis)
            return try restrictions(room: room)
        }
    }

    public func restrictions(room: RoomID) throws -> RoomRestrictions {
        var r = RoomRestrictions()
        let rows = try db.query("SELECT user_id, kind, until FROM room_restrictions WHERE room = ?", [.text(room)]) { s in
            (s.int64(0), s.text(1), s.isNull(2) ? nil : s.int64(2))
        }
        for (user, kind, until) in rows {
            switch RestrictionKind(rawValue: kind) {
            case .mute?: r.mutes[user] = until
            case .ban?: r.bans[user] = until
            case nil: continue
            }
        }
        return r
    }

    public func allRestrictions() throws -> [RoomID: RoomRestrictions] {
        var result: [RoomID: RoomRestrictions] = [:]
        for room in try db.query("SELECT DISTINCT room FROM room_restrictions", []) { $0.text(0) } {
            result[room] = try restrictions(room: room)
        }
        return result
    }

    /// Files a report on a message; `.notFound` if there is no such message.
    public func report(room: RoomID, seq: Int64, reporter: UserID, reason: String, nowMillis: Int64) throws -> Report {
        try transaction {
            guard let event = try event(room: room, seq: seq), event.kind == ChatEventKind.message else {
                throw StoreError(.notFound, "There is no message \(seq) in room '\(room)'.")
            }
            _ = try db.execute("INSERT INTO reports(room, seq, reporter, reason, state, created_at) VALUES(?,?,?,?, 'open', ?)",
                               [.text(room), .int(seq), .int(reporter), .text(reason), .int(nowMillis)])
            let id = db.lastInsertRowID
            try appendAudit(actor: reporter, action: "mod.report", room: room, subject: event.actor,
                            detail: [("report", .int(id)), ("seq", .int(seq))], nowMillis: nowMillis)
            return try report(id: id)!
        }
    }

    public func report(id: Int64) throws -> Report? {
        try db.queryOne("""
            SELECT r.id, r.room, r.seq, r.reporter, u.name, r.reason, r.state, r.created_at, r.note
            FROM reports r JOIN users u ON u.id = r.reporter WHERE r.id = ?
            """, [.int(id)], Self.reportRow)
    }

    /// Reports in a room (or in every room: nil), open ones first, newest first.
    public func reports(room: RoomID?, includeClosed: Bool) throws -> [Report] {
        var sql = """
            SELECT r.id, r.room, r.seq, r.reporter, u.name, r.reason, r.state, r.created_at, r.note
            FROM reports r JOIN users u ON u.id = r.reporter WHERE 1 = 1
            """
        var args: [SQLiteValue] = []
        if let room { sql += " AND r.room = ?"; args.append(.text(room)) }
        if !includeClosed { sql += " AND r.state = 'open'" }
        sql += " ORDER BY (r.state = 'open') DESC, r.id DESC LIMIT 500"
        return try db.query(sql, args, Self.reportRow)
    }

    public func decideReport(id: Int64, state: ReportState, note: String?, by moderator: UserID, nowMillis: Int64) throws -> Report {
        try transaction {
            guard let report = try report(id: id) else { throw StoreError(.notFound, "There is no report \(id).") }
            guard report.state == .open else { throw StoreError(.conflict, "Report \(id) is already \(report.state.rawValue).") }
            _ = try db.execute("UPDATE reports SET state = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ?",
                               [.text(state.rawValue), .int(moderator), .int(nowMillis), note.map { .text($0) } ?? .null, .int(id)])
            var detail: JSONObject = [("report", .int(id)), ("state", .string(state.rawValue))]
            if let note { detail["note"] = .string(note) }
            try appendAudit(actor: moderator, action: "mod.report_decision", room: report.room, subject: report.reporter,
                            detail: detail, nowMillis: nowMillis)
            return try self.report(id: id)!
        }
    }

    private static func reportRow(_ s: Statement) throws -> Report {
        Report(id: s.int64(0), room: s.text(1), seq: s.int64(2), reporter: s.int64(3), reporterName: s.text(4),
               reason: s.text(5), state: ReportState(rawValue: s.text(6)) ?? .open, atMillis: s.int64(7),
               note: s.isNull(8) ? nil : s.text(8))
    }
}
