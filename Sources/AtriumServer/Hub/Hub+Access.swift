import AtriumCore

/// Room roles changing under open connections (service thread). A person whose role changed
/// learns it at once with a `room.access` frame; one who can no longer read the room is taken
/// out of it (no more events, presence ends) in the same step.
extension Hub {
    /// `reason`: said to the people who lost access instead of the default sentence.
    func applyListedRoles(_ roomID: RoomID, _ listed: [UserID: RoomRole], reason lostReason: AccessReason? = nil) {
        guard let room = rooms[roomID] else { return }
        let before = room.listed
        room.listed = listed
        if before != listed { invalidateCircles() }
        let changed = Set(before.keys).union(listed.keys).filter { before[$0] != listed[$0] }
        guard !changed.isEmpty else { return }
        defer { recheckCall(room) }
        for c in connections.values {
            guard let user = c.user, changed.contains(user.id) else { continue }
            let reason: AccessReason
            if !room.decide(.read, for: user).isAllowed {
                reason = lostReason ?? .lost(room.record.name)
                if c.rooms.contains(roomID) { removeFromRoom(c, room) }
            } else {
                reason = .roleChanged(room.record.name, room.role(of: user))
            }
            send(c, accessFrame(room, for: user, reason: reason))
        }
    }

    /// `room.access`: the person's role and permissions in the room now, and why it changed.
    func accessFrame(_ room: RoomState, for user: UserProfile, reason: AccessReason) -> [UInt8] {
        var o = JSONObject([
            ("type", "room.access"), ("room", .string(room.record.id)),
            ("role", room.role(of: user).map { .string($0.rawValue) } ?? .null),
            ("can", .array(room.permissions(of: user).map { .string($0.rawValue) })),
            ("reason", .string(reason.text)), ("reason_code", .string(reason.code)), ("room_name", .string(room.record.name)),
        ])
        if let detail = reason.detail { o["detail"] = .string(detail) }
        if let until = reason.untilMillis { o["until"] = .string(Timestamp.iso8601(millis: until)) }
        return JSON.object(o).encoded()
    }

    /// Tells one person's connections their (unchanged) access to a room, with a reason.
    func notifyAccess(_ roomID: RoomID, user userID: UserID, reason: AccessReason) {
        guard let room = rooms[roomID] else { return }
        for c in connections.values {
            guard let user = c.user, user.id == userID else { continue }
            send(c, accessFrame(room, for: user, reason: reason))
        }
    }

    /// Takes a connection out of a room the way `leave` does (presence ends at the next tick).
    func removeFromRoom(_ c: Connection, _ room: RoomState) {
        let roomID = room.record.id
        guard c.rooms.remove(roomID) != nil else { return }
        takeOutOfCall(c, room, reason: "access_lost", by: nil)
        forgetCollab(c, roomID: roomID)
        room.members.remove(c.id)
        c.replayBuffers.removeValue(forKey: roomID)
        room.presence.remove(conn: c.id, now: monotonicSeconds(), dropped: false)
        dirtyRooms.insert(roomID)
    }
}
