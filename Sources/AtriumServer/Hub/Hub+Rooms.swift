import AtriumCore
import AtriumStore

/// Rooms on the wire: list, join with replay or resume, leave, history, typing (service thread).
extension Hub {
    /// Every room the person may see, with its latest seq, how many people are present, and
    /// the person's read marker and unread count (read on the reader thread).
    func listRooms(_ c: Connection, ref: String?) {
        guard let user = c.user else { return }
        let cid = c.id
        reader.submit({ store in (try store.readStates(userID: user.id), try store.waitingKnocks(user: user.id)) }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid] else { return }
                switch result {
                case .success(let (states, waiting)): hub.replyRooms(c, ref: ref, user: user, states: states, waiting: waiting)
                case .failure(let error): hub.fail(c, WireError(error.code, error.message, ref: ref))
                }
            }
        }
    }

    private func replyRooms(_ c: Connection, ref: String?, user: UserProfile, states: [RoomID: ReadState], waiting: Set<RoomID>) {
        let now = monotonicSeconds()
        let visible = rooms.values
            .filter { $0.decide(.see, for: user).isAllowed }
            .sorted { ($0.record.zone.rawValue, $0.record.name) < ($1.record.zone.rawValue, $1.record.name) }
        let list: [JSON] = visible.map { room in
            guard case .object(var o) = roomJSON(room, for: user) else { return .null }
            let state = states[room.record.id] ?? ReadState(read: 0, unread: 0)
            // A room listed only to knock on reveals nothing of its activity.
            let readable = room.decide(.read, for: user).isAllowed
            o["latest"] = .int(readable ? room.lastSeq : 0)
            o["present"] = .int(readable ? Int64(room.presence.present(now: now).count) : 0)
            o["read"] = .int(readable ? state.read : 0)
            o["unread"] = .int(readable ? Int64(state.unread) : 0)
            if waiting.contains(room.record.id) { o["knock"] = "waiting" }
            return .object(o)
        }
        reply(c, ref: ref, [("rooms", .array(list))])
    }

    func markRead(_ c: Connection, ref: String?, roomID: RoomID, seq: Int64) {
        guard let user = c.user else { return }
        guard let room = existingRoom(c, ref: ref, roomID) else { return }
        guard allowed(c, ref: ref, .read, in: room) else { return }
        let cid = c.id
        commits.submit({ store in try store.markRead(userID: user.id, room: roomID, seq: seq) }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid] else { return }
                switch result {
                case .success(let stored): hub.reply(c, ref: ref, [("read", .int(stored))])
                case .failure(let error): hub.fail(c, WireError(error.code, error.message, ref: ref))
                }
            }
        }
    }

    /// The room, if the connection joined it; otherwise answers `forbidden` or `not_found`.
    func joinedRoom(_ c: Connection, ref: String?, _ roomID: RoomID) -> RoomState? {
        guard let room = rooms[roomID] else {
            fail(c, WireError(.notFound, "There is no room '\(roomID)'.", ref: ref))
            return nil
        }
        guard c.rooms.contains(roomID) else {
            fail(c, WireError(.forbidden, "Join the room '\(roomID)' first.", ref: ref))
            return nil
        }
        return room
    }

    func allowed(_ c: Connection, ref: String?, _ action: RoomAction, in room: RoomState) -> Bool {
        guard let user = c.user else { return false }
        if case .deny(let why) = room.decide(action, for: user) {
            fail(c, WireError(.forbidden, why, ref: ref))
            return false
        }
        return true
    }

    func join(_ c: Connection, ref: String?, roomID: RoomID, since: Int64?) {
        let cid = c.id
        withRoom(roomID) { hub, room in
            guard let c = hub.connections[cid], let user = c.user else { return }
            guard let room else {
                hub.fail(c, WireError(.notFound, "There is no room '\(roomID)'.", ref: ref))
                return
            }
            guard hub.allowed(c, ref: ref, .join, in: room) else { return }
            // History visibility `joined`: a person reads the room from when they joined it
            // (listed people: when they were listed; others: from this join). Owners and
            // moderators read everything.
            let role = room.role(of: user)
            guard room.record.history == .joined, role != .owner, role != .moderator else {
                c.historyFloor[roomID] = nil
                hub.completeJoin(c, user: user, ref: ref, room: room, since: since)
                return
            }
            guard room.listed[user.id] != nil else {
                c.historyFloor[roomID] = c.historyFloor[roomID] ?? room.lastSeq
                hub.completeJoin(c, user: user, ref: ref, room: room, since: since)
                return
            }
            hub.reader.submit({ store in try store.memberSince(room: roomID)[user.id] ?? 0 }) { [inbox = hub.inbox] result in
                inbox.post { hub in
                    guard let c = hub.connections[cid], let room = hub.rooms[roomID] else { return }
                    c.historyFloor[roomID] = (try? result.get()) ?? room.lastSeq
                    hub.completeJoin(c, user: user, ref: ref, room: room, since: since)
                }
            }
        }
    }

    private func completeJoin(_ c: Connection, user: UserProfile, ref: String?, room: RoomState, since: Int64?) {
        let roomID = room.record.id
        c.rooms.insert(roomID)
        room.members.insert(c.id)
        let now = monotonicSeconds()
        room.presence.add(conn: c.id, entry: PresenceEntry(user: user.id, name: user.name, role: user.role), now: now)
        dirtyRooms.insert(roomID)
        if room.call.isActive { callChanged(room) }  // the newcomer learns the call's state

        let latest = room.lastSeq
        let floor = c.historyFloor[roomID] ?? 0
        var reset = false
        var from: Int64
        if let since {
            reset = since > latest || latest - max(since, floor) > Int64(config.replayCap)
            from = reset ? latest : since
        } else {
            from = max(0, latest - Int64(limits.historyDefault))
        }
        from = max(from, min(floor, latest))
        if ref != nil {
            // Built only when asked for: a large room's presence list is not free.
            let role = room.role(of: user)
            var fields: [(String, JSON)] = [
                ("room", roomJSON(room, for: user)), ("role", role.map { .string($0.rawValue) } ?? .null),
                ("can", .array(room.permissions(of: user).map { .string($0.rawValue) })),
                ("latest", .int(latest)),
                ("presence", .array(room.presence.present(now: now).map { visible($0, for: user).json })),
            ]
            if reset { fields.append(("reset", .bool(true))) }
            if room.decide(.permission(.changeSettings), for: user).isAllowed {
                fields.append(("permissions", permissionsJSON(room)))
            }
            reply(c, ref: ref, fields)
        }

        c.replayBuffers.removeValue(forKey: roomID)
        guard from < latest else { return }
        if let cached = room.cachedEvents(after: from, upTo: latest) {
            for entry in cached where mayView(entry.event, viewer: user, in: room) {
                var masked: [UInt8]?
                send(c, frame(of: entry.event, encoded: entry.frame, for: user, masked: &masked), replay: true)
            }
            return
        }
        // Read the missing events; live events for this room wait in the replay buffer.
        c.replayBuffers[roomID] = []
        let cid = c.id
        let start = from
        let count = Int(latest - from)
        reader.submit({ store in try store.events(room: roomID, after: start, limit: count) }) { [inbox] result in
            inbox.post { hub in hub.finishReplay(cid, roomID: roomID, result) }
        }
    }

    private func finishReplay(_ cid: ConnectionID, roomID: RoomID, _ result: Result<[RoomEvent], StoreError>) {
        guard let c = connections[cid], let viewer = c.user, let buffered = c.replayBuffers.removeValue(forKey: roomID) else { return }
        switch result {
        case .success(let events):
            let room = rooms[roomID]
            for e in events where room.map({ mayView(e, viewer: viewer, in: $0) }) ?? false {
                send(c, visible(e, for: viewer).encodedFrame(), replay: true)
            }
        case .failure(let error):
            logger.error("replay read failed", metadata: ["room.id": "\(roomID)", "error": "\(error.message)"])
            fail(c, WireError(.internal, "Could not read the history of '\(roomID)'; join again.", ref: nil))
        }
        for b in buffered { send(c, b.frame, replay: true) }
    }

    func leave(_ c: Connection, ref: String?, roomID: RoomID) {
        guard let room = existingRoom(c, ref: ref, roomID) else { return }
        leaveCall(c, room)
        removeFromRoom(c, room)
        reply(c, ref: ref)
    }

    func history(_ c: Connection, ref: String?, roomID: RoomID, before: Int64?, limit: Int, chatOnly: Bool = false) {
        guard let room = joinedRoom(c, ref: ref, roomID), allowed(c, ref: ref, .read, in: room) else { return }
        let upper = before ?? (room.lastSeq + 1)
        let cid = c.id
        reader.submit({ store in
            try store.events(room: roomID, before: upper, limit: limit, kindPrefix: chatOnly ? "chat." : nil)
        }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid], let viewer = c.user else { return }
                switch result {
                case .success(let events):
                    let room = hub.rooms[roomID]
                    let floor = c.historyFloor[roomID] ?? 0
                    let shown = events.filter { e in e.seq > floor && (room.map { hub.mayView(e, viewer: viewer, in: $0) } ?? false) }
                    hub.reply(c, ref: ref, [("events", .array(shown.map { hub.visible($0, for: viewer).json }))])
                case .failure(let error):
                    hub.fail(c, WireError(error.code, error.message, ref: ref))
                }
            }
        }
    }

    func typing(_ c: Connection, ref: String?, roomID: RoomID) {
        guard let user = c.user, let room = joinedRoom(c, ref: ref, roomID),
              allowed(c, ref: ref, .typing, in: room) else { return }
        let frame = ServerFrame.typing(room: roomID, user: user.id)
        for cid in room.members {
            guard let other = connections[cid], other.user?.id != user.id else { continue }
            send(other, frame)
        }
        reply(c, ref: ref)
    }

    /// Sends a committed event to every member (or into their replay buffer) and remembers it.
    /// `deferred`: board and document operations, sent with the next collab flush.
    func publish(_ event: RoomEvent, deferred: Bool = false) {
        guard let room = rooms[event.room] else { return }
        let frame = event.encodedFrame()
        if event.seq > room.lastSeq { room.lastSeq = event.seq }
        room.remember(event, frame: frame)
        metrics.eventsCommitted += 1
        // Decided once per event, not per recipient: the hot path of every fan-out.
        let pending = event.isPending
        let maskable = namesMaskable(event)
        var masked: [UInt8]?
        for cid in room.members {
            guard let c = connections[cid], let viewer = c.user else { continue }
            if pending && !mayView(event, viewer: viewer, in: room) { continue }
            let bytes = maskable ? self.frame(of: event, encoded: frame, for: viewer, masked: &masked) : frame
            if c.replayBuffers[event.room] != nil {
                c.replayBuffers[event.room]!.append((event.seq, bytes))
            } else {
                send(c, bytes, deferred: deferred)
            }
        }
    }
}
