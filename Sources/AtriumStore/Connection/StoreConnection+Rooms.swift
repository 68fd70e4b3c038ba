// Rooms: the stored description plus `last_seq`, the highest event seq assigned so far.

import AtriumCore

extension StoreConnection {
    /// `.conflict` if a room with this id exists.
    public func addRoom(_ room: RoomRecord, nowMillis: Int64) throws {
        do {
            try db.execute("INSERT INTO rooms(id, name, kind, join_rule, last_seq, created_at, premoderated) VALUES(?,?,?,?,0,?,?)",
                           [.text(room.id), .text(room.name), .text(room.kind.rawValue),
                            .text(room.joinRule.rawValue), .int(nowMillis), .int(room.premoderated ? 1 : 0)])
        } catch let e as StoreError where e.code == .conflict {
            throw StoreError(.conflict, "The room '\(room.id)' already exists.")
        }
    }

    /// Changes a room's name and/or join rule (logged in the oversight log).
    public func updateRoom(id: RoomID, name: String?, joinRule: JoinRule?, premoderated: Bool? = nil,
                           history: HistoryVisibility? = nil, by actor: UserID?, nowMillis: Int64) throws -> StoredRoom {
        try transaction {
            guard let before = try room(id: id) else { throw StoreError(.notFound, "There is no room '\(id)'.") }
            if let name { _ = try db.execute("UPDATE rooms SET name = ? WHERE id = ?", [.text(name), .text(id)]) }
            if let joinRule { _ = try db.execute("UPDATE rooms SET join_rule = ? WHERE id = ?", [.text(joinRule.rawValue), .text(id)]) }
            if let premoderated { _ = try db.execute("UPDATE rooms SET premoderated = ? WHERE id = ?", [.int(premoderated ? 1 : 0), .text(id)]) }
            if let history { _ = try db.execute("UPDATE rooms SET history = ? WHERE id = ?", [.text(history.rawValue), .text(id)]) }
            var detail: JSONObject = [:]
            if let name { detail["name"] = .string(name); detail["old_name"] = .string(before.record.name) }
            if let joinRule { detail["join_rule"] = .string(joinRule.rawValue); detail["old_join_rule"] = .string(before.record.joinRule.rawValue) }
            if let premoderated { detail["premoderated"] = .bool(premoderated) }
            if let history { detail["history"] = .string(history.rawValue) }
            try appendAudit(actor: actor, action: "room.settings", room: id, subject: nil, detail: detail, nowMillis: nowMillis)
            return try room(id: id)!
        }
    }

    /// Every room, by id.
    public func rooms() throws -> [StoredRoom] {
        try db.query("SELECT id, name, kind, join_rule, last_seq, premoderated, history FROM rooms ORDER BY id", [], Self.storedRoom)
    }

    public func room(id: RoomID) throws -> StoredRoom? {
        try db.queryOne("SELECT id, name, kind, join_rule, last_seq, premoderated, history FROM rooms WHERE id = ?", [.text(id)], Self.storedRoom)
    }

    private static func storedRoom(_ s: Statement) throws -> StoredRoom {
        let id = s.text(0)
        guard let kind = RoomKind(rawValue: s.text(2)) else {
            throw StoreError(.internal, "Room '\(id)' has an unknown kind '\(s.text(2))'.")
        }
        guard let rule = JoinRule(rawValue: s.text(3)) else {
            throw StoreError(.internal, "Room '\(id)' has an unknown join rule '\(s.text(3))'.")
        }
        var record = RoomRecord(id: id, name: s.text(1), kind: kind, joinRule: rule, premoderated: s.int64(5) != 0)
        record.history = HistoryVisibility(rawValue: s.text(6)) ?? .all
        return StoredRoom(record: record, lastSeq: s.int64(4))
    }
}
