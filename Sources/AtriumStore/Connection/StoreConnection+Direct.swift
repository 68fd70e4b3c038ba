// Direct conversations (rooms of kind `direct`) and the facts the contact rules need.

import AtriumCore

extension StoreConnection {
    /// How two people are related, for `ContactPolicy`.
    public func contactFacts(_ a: UserID, _ b: UserID) throws -> ContactFacts {
        let pair: [SQLiteValue] = [.int(a), .int(b)]
        let parentLink = try db.queryOne("""
            SELECT 1 FROM user_links WHERE (parent_id = ?1 AND child_id = ?2) OR (parent_id = ?2 AND child_id = ?1) LIMIT 1
            """, pair) { _ in true } ?? false
        let leads = try db.queryOne("""
            SELECT 1 FROM room_members lead JOIN room_members other ON other.room = lead.room
              JOIN rooms r ON r.id = lead.room
            WHERE r.kind IN ('class', 'course', 'project') AND lead.role IN ('owner', 'moderator')
              AND ((lead.user_id = ?1 AND other.user_id = ?2) OR (lead.user_id = ?2 AND other.user_id = ?1))
            LIMIT 1
            """, pair) { _ in true } ?? false
        let share = try db.queryOne("""
            SELECT 1 FROM room_members x JOIN room_members y ON y.room = x.room JOIN rooms r ON r.id = x.room
            WHERE r.kind IN ('class', 'course', 'project') AND x.user_id = ?1 AND y.user_id = ?2 LIMIT 1
            """, pair) { _ in true } ?? false
        return ContactFacts(aIsMinor: try isMinor(userID: a), bIsMinor: try isMinor(userID: b),
                            parentLink: parentLink, leadsRoomOfOther: leads, shareRoom: share)
    }

    /// The direct conversation of two people, created with both listed as members if it does
    /// not exist yet. Returns the room, its two people, and whether it was created now.
    public func openDirect(_ a: UserProfile, _ b: UserProfile, nowMillis: Int64) throws -> (room: StoredRoom, people: [UserProfile], created: Bool) {
        let id = ContactPolicy.directRoomID(a.id, b.id)
        return try transaction {
            if let existing = try room(id: id) {
                return (existing, [a, b], false)
            }
            let record = RoomRecord(id: id, name: "\(a.name) · \(b.name)", kind: .direct, joinRule: .members)
            try addRoom(record, nowMillis: nowMillis)
            try setMember(room: id, userID: a.id, role: .member, nowMillis: nowMillis, actor: a.id)
            try setMember(room: id, userID: b.id, role: .member, nowMillis: nowMillis, actor: a.id)
            try appendAudit(actor: a.id, action: AuditAction.directOpened, room: id, subject: b.id, nowMillis: nowMillis)
            return (StoredRoom(record: record, lastSeq: 0), [a, b], true)
        }
    }

    /// The listed people of every direct conversation (their names label the room per viewer).
    public func directPeople() throws -> [RoomID: [UserProfile]] {
        var result: [RoomID: [UserProfile]] = [:]
        let rows = try db.query("""
            SELECT m.room, u.id, u.login, u.name, u.role FROM room_members m
              JOIN rooms r ON r.id = m.room JOIN users u ON u.id = m.user_id
            WHERE r.kind = 'direct' ORDER BY m.room, u.id
            """, []) { s in (s.text(0), s.int64(1), s.text(2), s.text(3), s.text(4)) }
        for (room, id, login, name, role) in rows {
            guard let role = OrgRole(rawValue: role) else { continue }
            result[room, default: []].append(UserProfile(id: id, login: login, name: name, role: role))
        }
        return result
    }
}
