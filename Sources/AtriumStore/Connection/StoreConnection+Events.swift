// Room events: append with seq assignment, and the two paging reads (replay and history).
//
// Seq rule (PROTOCOL.md): per room, starting at 1, growing by exactly 1. The next seq comes from
// `UPDATE rooms SET last_seq = last_seq + 1 … RETURNING last_seq` and the event is inserted
// under that seq inside the same transaction (or savepoint), so `rooms.last_seq` always equals
// the room's highest stored seq and a rolled-back append leaves no gap.

import AtriumCore

extension StoreConnection {
    // The hot statements below are cached by their SQL text (Database.run): prepared once per
    // connection, then only bound and stepped.
    static let nextSeqSQL = "UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq"
    static let insertEventSQL =
        "INSERT INTO events(room, seq, at, kind, actor, nonce, target, payload) VALUES(?,?,?,?,?,?,?,?)"
    static let eventsAfterSQL =
        "SELECT seq, at, kind, actor, payload FROM events WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?"
    static let eventsBeforeSQL =
        "SELECT seq, at, kind, actor, payload FROM events WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?"

    /// Stores an event of any kind under the room's next seq. `.notFound` for an unknown room.
    /// An integer `target` field in the payload is also kept in the `target` column (the seq an
    /// edit or delete refers to), so the events pointing at a message are found by index.
    @discardableResult
    public func appendEvent(room: RoomID, kind: String, actor: UserID, payload: JSONObject, nowMillis: Int64) throws -> RoomEvent {
        try transaction {
            try insertEvent(room: room, kind: kind, actor: actor, nonce: nil, payload: payload, nowMillis: nowMillis)
        }
    }

    /// The append itself; the caller provides the transaction or savepoint.
    func insertEvent(room: RoomID, kind: String, actor: UserID, nonce: String?, payload: JSONObject, nowMillis: Int64) throws -> RoomEvent {
        guard let seq = try db.queryOne(Self.nextSeqSQL, [.text(room)], { $0.int64(0) }) else {
            throw StoreError(.notFound, "There is no room '\(room)'.")
        }
        let target: SQLiteValue = payload["target"]?.intValue.map { .int($0) } ?? .null
        let text = String(decoding: payload.encoded(), as: UTF8.self)
        try db.execute(Self.insertEventSQL, [.text(room), .int(seq), .int(nowMillis), .text(kind), .int(actor),
                                             nonce.sqlite, target, .text(text)])
        return RoomEvent(room: room, seq: seq, atMillis: nowMillis, kind: kind, actor: actor, payload: payload)
    }

    /// Events with `seq > after`, ascending, at most `limit` (replay on join with `since`).
    public func events(room: RoomID, after: Int64, limit: Int) throws -> [RoomEvent] {
        guard limit > 0 else { return [] }
        return try db.query(Self.eventsAfterSQL, [.text(room), .int(after), .int(Int64(limit))]) {
            try Self.event(room: room, $0)
        }
    }

    /// The `limit` newest events with `seq < before`, returned oldest first (history paging).
    /// `kindPrefix`: only events whose kind starts with it (e.g. "chat.").
    public func events(room: RoomID, before: Int64, limit: Int, kindPrefix: String? = nil) throws -> [RoomEvent] {
        guard limit > 0 else { return [] }
        let newestFirst: [RoomEvent]
        if let kindPrefix {
            // substr, not LIKE: kinds are plain ASCII and no pattern characters can sneak in.
            newestFirst = try db.query(
                "SELECT seq, at, kind, actor, payload FROM events WHERE room = ? AND seq < ? AND substr(kind, 1, ?) = ? ORDER BY seq DESC LIMIT ?",
                [.text(room), .int(before), .int(Int64(kindPrefix.utf8.count)), .text(kindPrefix), .int(Int64(limit))]) {
                try Self.event(room: room, $0)
            }
        } else {
            newestFirst = try db.query(Self.eventsBeforeSQL, [.text(room), .int(before), .int(Int64(limit))]) {
                try Self.event(room: room, $0)
            }
        }
        return newestFirst.reversed()
    }

    /// One event by its seq, or nil.
    public func event(room: RoomID, seq: Int64) throws -> RoomEvent? {
        try db.queryOne("SELECT seq, at, kind, actor, payload FROM events WHERE room = ? AND seq = ?",
                        [.text(room), .int(seq)]) { try Self.event(room: room, $0) }
    }

    /// Rewrites the stored payload of one event (edit and delete keep the seq, change the body).
    func replacePayload(room: RoomID, seq: Int64, payload: JSONObject) throws {
        let text = String(decoding: payload.encoded(), as: UTF8.self)
        try db.execute("UPDATE events SET payload = ? WHERE room = ? AND seq = ?", [.text(text), .text(room), .int(seq)])
    }

    /// Maps a row of (seq, at, kind, actor, payload).
    static func event(room: RoomID, _ s: Statement) throws -> RoomEvent {
        let seq = s.int64(0)
        let payload: JSONObject
        do {
            guard case .object(let o) = try JSON.parse(s.bytes(4)) else {
                throw StoreError(.internal, "The payload of event \(room)#\(seq) is not a JSON object.")
            }
            payload = o
        } catch let e as JSONParseError {
            throw StoreError(.internal, "The payload of event \(room)#\(seq) is not valid JSON: \(e)")
        }
        return RoomEvent(room: room, seq: seq, atMillis: s.int64(1), kind: s.text(2), actor: s.int64(3), payload: payload)
    }
}
