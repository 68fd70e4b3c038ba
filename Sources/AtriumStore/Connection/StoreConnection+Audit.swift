// The oversight log: an append-only record of every role change, parent link, minor flag,
// direct conversation and moderation action, for the people concerned and for safeguarding.
// SQLite triggers refuse UPDATE and DELETE on the table, so not even a bug can rewrite it.

import AtriumCore

/// One entry of the oversight log.
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var atMillis: Int64
    /// Who did it; nil when it was done with the command line (an administrator on the server).
    public var actor: UserID?
    public var action: String
    public var room: RoomID?
    /// The person the entry concerns.
    public var subject: UserID?
    public var detail: JSONObject

    public var json: JSON {
        .object([
            ("id", .int(id)), ("at", .string(Timestamp.iso8601(millis: atMillis))),
            ("actor", actor.map { .int($0) } ?? .null), ("action", .string(action)),
            ("room", room.map { .string($0) } ?? .null), ("subject", subject.map { .int($0) } ?? .null),
            ("detail", .object(detail)),
        ])
    }
}

/// Actions recorded in the oversight log.
public enum AuditAction {
    public static let roomRole = "room.role"
    public static let userLink = "user.link"
    public static let userMinor = "user.minor"
    public static let directOpened = "room.direct"
    public static let deleteOthersMessage = "chat.delete_other"
    public static let sessionsRevoked = "user.sessions_revoked"
    public static let knockDecision = "room.knock"
}

extension StoreConnection {
    public func appendAudit(actor: UserID?, action: String, room: RoomID?, subject: UserID?,
                            detail: JSONObject = JSONObject(), nowMillis: Int64) throws {
        _ = try db.execute("INSERT INTO audit(at, actor_id, action, room, subject_id, detail) VALUES(?,?,?,?,?,?)",
                           [.int(nowMillis), actor.map { .int($0) } ?? .null, .text(action),
                            room.map { .text($0) } ?? .null, subject.map { .int($0) } ?? .null,
                            .text(String(decoding: detail.encoded(), as: UTF8.self))])
    }

    /// Entries that concern `person` (they are the subject or the actor), newest first.
    public func audit(concerning person: UserID, limit: Int = 200) throws -> [AuditEntry] {
        try db.query("""
            SELECT id, at, actor_id, action, room, subject_id, detail FROM audit
            WHERE subject_id = ?1 OR actor_id = ?1 ORDER BY id DESC LIMIT ?2
            """, [.int(person), .int(Int64(limit))], Self.auditEntry)
    }

    /// The whole log, oldest first (for `atrium audit`).
    public func auditLog() throws -> [AuditEntry] {
        try db.query("SELECT id, at, actor_id, action, room, subject_id, detail FROM audit ORDER BY id", [], Self.auditEntry)
    }

    private static func auditEntry(_ s: Statement) throws -> AuditEntry {
        let detail = (try? JSON.parse(s.text(6)))?.objectValue ?? JSONObject()
        return AuditEntry(id: s.int64(0), atMillis: s.int64(1), actor: s.isNull(2) ? nil : s.int64(2),
                          action: s.text(3), room: s.isNull(4) ? nil : s.text(4),
                          subject: s.isNull(5) ? nil : s.int64(5), detail: detail)
    }
}
