// Boards and documents in storage (docs/collab.md "The event log, snapshots and kill -9").
// Every operation is a room event (so resume and history work as for chat); in the same
// transaction it is indexed in `collab_ops` by object and revision, counted in
// `collab_contributions`, and every few revisions a snapshot is written. The revision is
// checked against the stored one (`rev = stored + 1`), so an operation that followed a failed
// one can never be stored out of order.

import AtriumCore

/// A board or a document.
public enum CollabKind: String, Sendable {
    case doc
    case board
}

/// One board or document as stored.
public struct CollabObjectRecord: Sendable, Equatable {
    public var kind: CollabKind
    public var id: String
    public var title: String
    public var rev: Int64
    public var locked: Bool
    public var createdBy: UserID?
    public var createdAtMillis: Int64

    public init(kind: CollabKind, id: String, title: String, rev: Int64, locked: Bool, createdBy: UserID?, createdAtMillis: Int64) {
        self.kind = kind
        self.id = id
        self.title = title
        self.rev = rev
        self.locked = locked
        self.createdBy = createdBy
        self.createdAtMillis = createdAtMillis
    }
}

/// One committed operation: its revision, the room event that holds it, and its timeline line.
public struct CollabOpRecord: Sendable, Equatable {
    public var rev: Int64
    public var seq: Int64
    public var actor: UserID
    public var actorName: String
    public var atMillis: Int64
    /// The event's payload (`op`, `nonce`, … as in docs/protocol.md).
    public var payload: JSONObject
    public var summary: JSONObject
}

/// What a newly committed operation writes besides its event.
public struct CollabOpWrite: Sendable {
    public var kind: CollabKind
    public var object: String
    /// The revision this operation creates (stored revision + 1).
    public var rev: Int64
    public var eventKind: String
    public var payload: JSONObject
    /// The client's nonce (nil for a server-made change such as a board restore).
    public var nonce: String?
    /// For the timeline (`doc.history`, `board.history`).
    public var summary: JSONObject
    /// Written when given (every `collab.snapshot_every` revisions, and on a restore).
    public var snapshot: JSON?
    /// Contribution counters to add, by metric name.
    public var contributions: [(String, Int64)]

    public init(kind: CollabKind, object: String, rev: Int64, eventKind: String, payload: JSONObject, nonce: String?,
                summary: JSONObject, snapshot: JSON?, contributions: [(String, Int64)]) {
        self.kind = kind
        self.object = object
        self.rev = rev
        self.eventKind = eventKind
        self.payload = payload
        self.nonce = nonce
        self.summary = summary
        self.snapshot = snapshot
        self.contributions = contributions
    }
}

/// A stored state to start from, and the operations after it.
public struct CollabLoad: Sendable {
    public var object: CollabObjectRecord
    /// (revision, body) of the newest snapshot at or before the asked revision; nil: none yet.
    public var snapshot: (rev: Int64, body: JSON)?
    public var ops: [CollabOpRecord]
}

/// The id of a room's board in `collab_objects`.
public let boardObjectID = "main"

extension StoreConnection {
    // MARK: - Objects

    public func collabObjects(room: RoomID) throws -> [CollabObjectRecord] {
        try db.query("SELECT kind, id, title, rev, locked, created_by, created_at FROM collab_objects WHERE room = ? ORDER BY created_at, id",
                     [.text(room)], Self.object)
    }

    public func collabObject(room: RoomID, kind: CollabKind, id: String) throws -> CollabObjectRecord? {
        try db.queryOne("SELECT kind, id, title, rev, locked, created_by, created_at FROM collab_objects WHERE room = ? AND kind = ? AND id = ?",
                        [.text(room), .text(kind.rawValue), .text(id)], Self.object)
    }

    private static func object(_ s: Statement) -> CollabObjectRecord {
        CollabObjectRecord(kind: CollabKind(rawValue: s.text(0)) ?? .doc, id: s.text(1), title: s.text(2), rev: s.int64(3),
                           locked: s.int64(4) != 0, createdBy: s.isNull(5) ? nil : s.int64(5), createdAtMillis: s.int64(6))
    }

    /// Creates a document at revision 0 (empty, with an empty snapshot) and its `doc.created`
    /// event. `conflict` if the id is in use in this room.
    public func createDoc(room: RoomID, id: String, title: String, actor: UserID, nowMillis: Int64) throws -> (CollabObjectRecord, RoomEvent) {
        try transaction {
            if try collabObject(room: room, kind: .doc, id: id) != nil {
                throw StoreError(.conflict, "There is already a document '\(id)' in this room.")
            }
            try db.execute("INSERT INTO collab_objects(room, kind, id, title, created_by, created_at) VALUES(?,?,?,?,?,?)",
                           [.text(room), .text("doc"), .text(id), .text(title), .int(actor), .int(nowMillis)])
            try writeSnapshot(room: room, kind: .doc, object: id, rev: 0, body: .object([("text", ""), ("authors", .array([]))]))
            let record = CollabObjectRecord(kind: .doc, id: id, title: title, rev: 0, locked: false, createdBy: actor, createdAtMillis: nowMillis)
            let event = try insertEvent(room: room, kind: "doc.created", actor: actor, nonce: nil,
                                        payload: [("doc", record.json)], nowMillis: nowMillis)
            return (record, event)
        }
    }

    /// The board's row, made on first use.
    private func ensureBoard(room: RoomID, nowMillis: Int64) throws {
        try db.execute("INSERT OR IGNORE INTO collab_objects(room, kind, id, title, created_at) VALUES(?,?,?,?,?)",
                       [.text(room), .text("board"), .text(boardObjectID), .text("board"), .int(nowMillis)])
    }

    /// Renames a document or (un)locks a document or the board, with its event
    /// (`doc.renamed`, `doc.locked`, `board.locked`).
    public func updateCollab(room: RoomID, kind: CollabKind, id: String, title: String? = nil, locked: Bool? = nil,
                             actor: UserID, nowMillis: Int64) throws -> RoomEvent {
        try transaction {
            if kind == .board { try ensureBoard(room: room, nowMillis: nowMillis) }
            guard try collabObject(room: room, kind: kind, id: id) != nil else {
                throw StoreError(.notFound, "There is no document '\(id)' in this room.")
            }
            var payload = JSONObject()
            if kind == .doc { payload["doc"] = .string(id) }
            let eventKind: String
            if let title {
                try db.execute("UPDATE collab_objects SET title = ? WHERE room = ? AND kind = ? AND id = ?",
                               [.text(title), .text(room), .text(kind.rawValue), .text(id)])
                payload["title"] = .string(title)
                eventKind = "doc.renamed"
            } else {
                let value = locked ?? false
                try db.execute("UPDATE collab_objects SET locked = ? WHERE room = ? AND kind = ? AND id = ?",
                               [.int(value ? 1 : 0), .text(room), .text(kind.rawValue), .text(id)])
                payload["locked"] = .bool(value)
                eventKind = kind == .doc ? "doc.locked" : "board.locked"
            }
            return try insertEvent(room: room, kind: eventKind, actor: actor, nonce: nil, payload: payload, nowMillis: nowMillis)
        }
    }

    // MARK: - Operations

    /// Commits one operation: the event, its index row, contributions and maybe a snapshot.
    /// `conflict` if `write.rev` does not follow the stored revision (an earlier one failed).
    public func appendCollabOp(room: RoomID, actor: UserID, _ write: CollabOpWrite, nowMillis: Int64) throws -> RoomEvent {
        try transaction {
            if write.kind == .board { try ensureBoard(room: room, nowMillis: nowMillis) }
            let moved = try db.execute(
                "UPDATE collab_objects SET rev = ? WHERE room = ? AND kind = ? AND id = ? AND rev = ?",
                [.int(write.rev), .text(room), .text(write.kind.rawValue), .text(write.object), .int(write.rev - 1)])
            guard moved == 1 else {
                throw StoreError(.conflict, "The \(write.kind == .doc ? "document" : "board") changed in storage out of order; open it again.")
            }
            let event = try insertEvent(room: room, kind: write.eventKind, actor: actor, nonce: write.nonce,
                                        payload: write.payload, nowMillis: nowMillis)
            try db.execute("INSERT INTO collab_ops(room, kind, object, rev, seq, actor, at, summary) VALUES(?,?,?,?,?,?,?,?)",
                           [.text(room), .text(write.kind.rawValue), .text(write.object), .int(write.rev), .int(event.seq),
                            .int(actor), .int(nowMillis), .text(String(decoding: write.summary.encoded(), as: UTF8.self))])
            for (metric, count) in write.contributions where count != 0 {
                try db.execute("""
                    INSERT INTO collab_contributions(room, user, metric, count) VALUES(?,?,?,?)
                    ON CONFLICT(room, user, metric) DO UPDATE SET count = count + excluded.count
                    """, [.text(room), .int(actor), .text(metric), .int(count)])
            }
            if let snapshot = write.snapshot {
                try writeSnapshot(room: room, kind: write.kind, object: write.object, rev: write.rev, body: snapshot)
            }
            return event
        }
    }

    private func writeSnapshot(room: RoomID, kind: CollabKind, object: String, rev: Int64, body: JSON) throws {
        try db.execute("INSERT OR REPLACE INTO collab_snapshots(room, kind, object, rev, body) VALUES(?,?,?,?,?)",
                       [.text(room), .text(kind.rawValue), .text(object), .int(rev), .text(body.encodedString())])
    }

    /// The state to open an object with, or to show revision `upTo`: the newest snapshot at or
    /// before it and the operations after the snapshot, up to `upTo` (nil: the latest).
    /// nil when the object does not exist (a board that was never used is empty at rev 0).
    public func loadCollab(room: RoomID, kind: CollabKind, id: String, upTo: Int64? = nil) throws -> CollabLoad? {
        guard let object = try collabObject(room: room, kind: kind, id: id) else { return nil }
        let limit = upTo ?? object.rev
        let snapshot = try db.queryOne(
            "SELECT rev, body FROM collab_snapshots WHERE room = ? AND kind = ? AND object = ? AND rev <= ? ORDER BY rev DESC LIMIT 1",
            [.text(room), .text(kind.rawValue), .text(id), .int(limit)]) { s -> (Int64, JSON) in
            (s.int64(0), try JSON.parse(s.bytes(1)))
        }
        let ops = try collabOps(room: room, kind: kind, id: id, after: snapshot?.0 ?? 0, through: limit, limit: Int.max)
        return CollabLoad(object: object, snapshot: snapshot.map { (rev: $0.0, body: $0.1) }, ops: ops)
    }

    /// Committed operations with `after < rev <= through`, oldest first, at most `limit`.
    public func collabOps(room: RoomID, kind: CollabKind, id: String, after: Int64, through: Int64 = Int64.max,
                          limit: Int) throws -> [CollabOpRecord] {
        try db.query("""
            SELECT o.rev, o.seq, o.actor, COALESCE(u.name, ''), o.at, e.payload, o.summary
            FROM collab_ops o JOIN events e ON e.room = o.room AND e.seq = o.seq
            LEFT JOIN users u ON u.id = o.actor
            WHERE o.room = ? AND o.kind = ? AND o.object = ? AND o.rev > ? AND o.rev <= ?
            ORDER BY o.rev LIMIT ?
            """, [.text(room), .text(kind.rawValue), .text(id), .int(after), .int(through), .int(Int64(min(limit, Int(Int64.max))))],
                     Self.op)
    }

    /// The timeline: operations with `rev < before` (all when nil), newest first.
    public func collabHistory(room: RoomID, kind: CollabKind, id: String, before: Int64?, limit: Int) throws -> [CollabOpRecord] {
        try db.query("""
            SELECT o.rev, o.seq, o.actor, COALESCE(u.name, ''), o.at, '{}', o.summary
            FROM collab_ops o LEFT JOIN users u ON u.id = o.actor
            WHERE o.room = ? AND o.kind = ? AND o.object = ? AND o.rev < ?
            ORDER BY o.rev DESC LIMIT ?
            """, [.text(room), .text(kind.rawValue), .text(id), .int(before ?? Int64.max), .int(Int64(limit))], Self.op)
    }

    private static func op(_ s: Statement) throws -> CollabOpRecord {
        guard case .object(let payload) = try JSON.parse(s.bytes(5)), case .object(let summary) = try JSON.parse(s.bytes(6)) else {
            throw StoreError(.internal, "A stored operation is not a JSON object.")
        }
        return CollabOpRecord(rev: s.int64(0), seq: s.int64(1), actor: s.int64(2), actorName: s.text(3), atMillis: s.int64(4),
                              payload: payload, summary: summary)
    }

    // MARK: - Contributions

    /// Counters per person (metric → count) and each person's name.
    public func collabContributions(room: RoomID) throws -> [(user: UserID, name: String, metrics: [String: Int64])] {
        var byUser: [UserID: (String, [String: Int64])] = [:]
        var order: [UserID] = []
        try db.query("""
            SELECT c.user, COALESCE(u.name, ''), c.metric, c.count FROM collab_contributions c
            LEFT JOIN users u ON u.id = c.user WHERE c.room = ? ORDER BY c.user
            """, [.text(room)]) { s in
            let user = s.int64(0)
            if byUser[user] == nil { byUser[user] = (s.text(1), [:]); order.append(user) }
            byUser[user]!.1[s.text(2)] = s.int64(3)
        }
        return order.map { (user: $0, name: byUser[$0]!.0, metrics: byUser[$0]!.1) }
    }

    /// Names of people, for the authors of documents that have no counters yet.
    public func userNames(_ ids: [UserID]) throws -> [UserID: String] {
        var names: [UserID: String] = [:]
        for id in ids {
            if let name = try db.queryOne("SELECT name FROM users WHERE id = ?", [.int(id)], { $0.text(0) }) { names[id] = name }
        }
        return names
    }
}

extension CollabObjectRecord {
    /// The object of `doc.list` / `doc.created` (docs/protocol.md).
    public var json: JSON {
        .object([("id", .string(id)), ("title", .string(title)), ("rev", .int(rev)), ("locked", .bool(locked)),
                 ("created_by", createdBy.map(JSON.int) ?? .null), ("created_at", .string(Timestamp.iso8601(millis: createdAtMillis)))])
    }
}
