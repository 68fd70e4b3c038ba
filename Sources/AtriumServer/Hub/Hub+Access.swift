import AtriumCore

/// Room roles changing under open connections (service thread). A person whose role changed
/// learns it at once with a `room.access` frame; one who can no longer read the room is taken
/// out of it (no more events, presence ends) in the same step.
extension Hub {
    /// `reason`: said to the people who lost access instead of the default sentence.
    func applyListedRoles(_ roomID: RoomID, _ listed: [UserID: RoomRole], reason lostReason: String? = nil) {
        guard let room = rooms[roomID] else { return }
        let before = room.listed
        room.listed = listed
        if before != listed { invalidateCircles() }
        let changed = Set(before.keys).union(listed.keys).filter { before[$0] != listed[$0] }
        guard !changed.isEmpty else { return }
        for c in connections.values {
            guard let user = c.user, changed.contains(user.id) else { continue }
            let reason: String
            if !room.decide(.read, for: user).isAllowed {
                reason = lostReason ?? "You no longer have access to “\(room.record.name)”."
                if c.rooms.contains(roomID) { removeFromRoom(c, room) }
            } else {
                reason = "Your role in “\(room.record.name)” is now \(room.role(of: user)?.rawValue ?? "none")."
            }
            send(c, accessFrame(room, for: user, reason: reason))
        }
    }

    /// `room.access`: the person's role and permissions in the room now, and why it changed.
    func accessFrame(_ room: RoomState, for user: UserProfile, reason: String) -> [UInt8] {
        JSON.object([
            ("type", "room.access"), ("room", .string(room.record.id)),
            ("role", room.role(of: user).map { .string($0.rawValue) } ?? .null),
            ("can", .array(room.permissions(of: user).map { .string($0.rawValue) })),
            ("reason", .string(reason)),
        ]).encoded()
    }

    /// Tells one person's connections their (unchanged) access to a room, with a reason.
    func notifyAccess(_ roomID: RoomID, user userID: UserID, reason: String) {
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
        room.members.remove(c.id)
        c.replayBuffers.removeValue(forKey: roomID)
        room.presence.remove(conn: c.id, now: monotonicSeconds(), dropped: false)
        dirtyRooms.insert(roomID)
    }
}
