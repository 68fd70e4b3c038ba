// Room roles (who is listed in a room, as what), parent ↔ child links, and the minor flag.

import AtriumCore

extension StoreConnection {
    /// Lists `userID` in `room` with `role`, or removes them (`nil`). A room that has an owner
    /// or moderator never loses the last of them: that change is `.conflict`.
    /// Recorded in the oversight log (`actor` nil: the command line).
    public func setMember(room: RoomID, userID: UserID, role: RoomRole?, nowMillis: Int64, actor: UserID? = nil) throws {
        try transaction {
            guard try self.room(id: room) != nil else { throw StoreError(.notFound, "There is no room '\(room)'.") }
            let current = try members(room: room)
            let leaders = current.filter { $0.value == .owner || $0.value == .moderator }
            let isLeader = role == .owner || role == .moderator
            if !isLeader, leaders.keys.contains(userID), leaders.count == 1 {
                throw StoreError(.conflict, "A room must keep at least one owner or moderator: add another one first.")
            }
            if let role {
                _ = try db.execute("""
                    INSERT INTO room_members(room, user_id, role, added_at, since_seq)
                    VALUES(?, ?, ?, ?, (SELECT last_seq FROM rooms WHERE id = ?))
                    ON CONFLICT(room, user_id) DO UPDATE SET role = excluded.role
                    """, [.text(room), .int(userID), .text(role.rawValue), .int(nowMillis), .text(room)])
            } else {
                _ = try db.execute("DELETE FROM room_members WHERE room = ? AND user_id = ?", [.text(room), .int(userID)])
            }
            if current[userID] != role {
                try appendAudit(actor: actor, action: AuditAction.roomRole, room: room, subject: userID,
                                detail: [("from", current[userID].map { .string($0.rawValue) } ?? .null),
                                         ("to", role.map { .string($0.rawValue) } ?? .null)], nowMillis: nowMillis)
            }
        }
    }

    /// The listed people of one room and their roles.
    public func members(room: RoomID) throws -> [UserID: RoomRole] {
        let rows = try db.query("SELECT user_id, role FROM room_members WHERE room = ?", [.text(room)]) { s in
            (s.int64(0), RoomRole(rawValue: s.text(1)))
        }
        return Dictionary(rows.compactMap { id, role in role.map { (id, $0) } }, uniquingKeysWith: { a, _ in a })
    }

    /// The seq each listed person of a room joined at (history visibility `joined`).
    public func memberSince(room: RoomID) throws -> [UserID: Int64] {
        Dictionary(try db.query("SELECT user_id, since_seq FROM room_members WHERE room = ?", [.text(room)]) { ($0.int64(0), $0.int64(1)) },
                   uniquingKeysWith: { a, _ in a })
    }

    /// Every room's listed people (the server loads this once at start-up).
    public func allMembers() throws -> [RoomID: [UserID: RoomRole]] {
        var result: [RoomID: [UserID: RoomRole]] = [:]
        let rows = try db.query("SELECT room, user_id, role FROM room_members", []) { s in (s.text(0), s.int64(1), s.text(2)) }
        for (room, user, raw) in rows {
            if let role = RoomRole(rawValue: raw) { result[room, default: [:]][user] = role }
        }
        return result
    }

    /// Links a parent to their child (idempotent). Both must exist; the parent must have the
    /// parent role and the child the student role.
    public func linkParent(parentID: UserID, childID: UserID, nowMillis: Int64 = 0, actor: UserID? = nil) throws {
        guard let parent = try user(id: parentID), let child = try user(id: childID) else {
            throw StoreError(.notFound, "Both people must exist.")
        }
        guard parent.profile.role == .parent else {
            throw StoreError(.badRequest, "'\(parent.profile.login)' is not a parent account.")
        }
        guard child.profile.role == .student else {
            throw StoreError(.badRequest, "'\(child.profile.login)' is not a student account.")
        }
        let added = try db.execute("INSERT OR IGNORE INTO user_links(parent_id, child_id) VALUES(?, ?)", [.int(parentID), .int(childID)])
        if added > 0 {
            try appendAudit(actor: actor, action: AuditAction.userLink, room: nil, subject: childID,
                            detail: [("parent", .int(parentID))], nowMillis: nowMillis)
        }
    }

    public func children(of parentID: UserID) throws -> [UserID] {
        try db.query("SELECT child_id FROM user_links WHERE parent_id = ? ORDER BY child_id", [.int(parentID)]) { $0.int64(0) }
    }

    public func parents(of childID: UserID) throws -> [UserID] {
        try db.query("SELECT parent_id FROM user_links WHERE child_id = ? ORDER BY parent_id", [.int(childID)]) { $0.int64(0) }
    }

    public func isMinor(userID: UserID) throws -> Bool {
        try db.queryOne("SELECT minor FROM users WHERE id = ?", [.int(userID)]) { $0.int64(0) != 0 } ?? false
    }

    public func setMinor(userID: UserID, minor: Bool, nowMillis: Int64 = 0, actor: UserID? = nil) throws {
        guard try db.execute("UPDATE users SET minor = ? WHERE id = ?", [.int(minor ? 1 : 0), .int(userID)]) > 0 else {
            throw StoreError(.notFound, "There is no such person.")
        }
        try appendAudit(actor: actor, action: AuditAction.userMinor, room: nil, subject: userID,
                        detail: [("minor", .bool(minor))], nowMillis: nowMillis)
    }
}

extension StoreConnection {
    /// Every parent link (the server keeps them in memory for the personal-data rule).
    public func allParentLinks() throws -> [(parent: UserID, child: UserID)] {
        try db.query("SELECT parent_id, child_id FROM user_links", []) { (parent: $0.int64(0), child: $0.int64(1)) }
    }

    /// Every account's organisation role, by id.
    public func allUserRoles() throws -> [UserID: OrgRole] {
        var result: [UserID: OrgRole] = [:]
        for (id, raw) in try db.query("SELECT id, role FROM users", [], { ($0.int64(0), $0.text(1)) }) {
            if let role = OrgRole(rawValue: raw) { result[id] = role }
        }
        return result
    }
}
