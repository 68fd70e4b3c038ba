import AtriumCore
import AtriumStore
import CLibWebSockets

/// Periodic work, driven by the ticker thread's posts (service thread).
extension Hub {
    func tick() {
        let now = monotonicSeconds()
        flushCollab()
        flushCalls()
        // The ticker runs at the shorter of the two intervals; presence keeps its own.
        if now - lastPresenceFlush >= Double(config.presenceTickMillis) / 1000 * 0.9 {
            lastPresenceFlush = now
            flushPresence(now: now)
        }
        expireHellos(now: now)
        evictIdleCollab(now: now)
        expireGuests()
        pollChanges(now: now)
        driveShutdown()
    }

    /// One merged presence frame per changed room per tick (no flicker, no O(N) floods).
    func flushPresence(now: Double) {
        guard !dirtyRooms.isEmpty else { return }
        for roomID in dirtyRooms {
            guard let room = rooms[roomID] else { dirtyRooms.remove(roomID); continue }
            if let diff = room.presence.tick(now: now), !(diff.joined.isEmpty && diff.left.isEmpty) {
                // One encoding per distinct set of masked names (usually one or two per room).
                var frames: [[UserID]: [UInt8]] = [:]
                for cid in room.members {
                    guard let c = connections[cid], let viewer = c.user else { continue }
                    let masked = diff.joined.filter { !seesFullName(viewer, of: $0.user) }.map(\.user)
                    if frames[masked] == nil {
                        let joined = masked.isEmpty ? diff.joined : diff.joined.map { visible($0, for: viewer) }
                        frames[masked] = ServerFrame.presence(room: roomID, joined: joined, left: diff.left)
                    }
                    send(c, frames[masked]!)
                }
            }
            if !room.presence.needsTick { dirtyRooms.remove(roomID) }
        }
    }

    private func expireHellos(now: Double) {
        guard !awaitingHello.isEmpty else { return }
        let limit = Double(config.helloTimeoutSeconds)
        for cid in awaitingHello {
            guard let c = connections[cid] else { awaitingHello.remove(cid); continue }
            if now - c.openedAt >= limit {
                awaitingHello.remove(cid)
                metrics.helloTimeouts += 1
                close(c, .helloTimeout)
            }
        }
    }

    // MARK: - Changes made by the CLI on the same data folder

    private func pollChanges(now: Double) {
        guard !changePollInFlight, now - lastChangePoll >= Double(config.changePollMillis) / 1000 else { return }
        changePollInFlight = true
        lastChangePoll = now
        let after = lastChangeID
        reader.submit({ store -> ([ChangeRecord], [StoredRoom], [StoredUser], [RoomID: [UserID: RoomRole]], [(parent: UserID, child: UserID)]?) in
            let changes = try store.changes(after: after)
            var rooms: [StoredRoom] = []
            var users: [StoredUser] = []
            var roles: [RoomID: [UserID: RoomRole]] = [:]
            for change in changes {
                switch change.kind {
                case ChangeKind.room:
                    if let r = try store.room(id: change.subject) { rooms.append(r) }
                case ChangeKind.roomMembers:
                    roles[change.subject] = try store.members(room: change.subject)
                case ChangeKind.user, ChangeKind.sessionsRevoked:
                    if let id = Int64(change.subject), let u = try store.user(id: id) { users.append(u) }
                default: break
                }
            }
            // Parent links change with people (the CLI records the parent as changed).
            let links = users.isEmpty ? nil : try store.allParentLinks()
            return (changes, rooms, users, roles, links)
        }) { [inbox] result in
            inbox.post { hub in hub.applyChanges(result) }
        }
    }

    private func applyChanges(_ result: Result<([ChangeRecord], [StoredRoom], [StoredUser], [RoomID: [UserID: RoomRole]], [(parent: UserID, child: UserID)]?), StoreError>) {
        changePollInFlight = false
        guard case .success(let (changes, storedRooms, users, roles, links)) = result else { return }
        for stored in users { userRoles[stored.profile.id] = stored.profile.role }
        if let links {
            parentsOf = [:]
            for link in links { parentsOf[link.child, default: []].insert(link.parent) }
            invalidateCircles()
        }
        for stored in storedRooms {
            if rooms[stored.record.id] != nil {
                applyRecord(stored.record)
            } else {
                rooms[stored.record.id] = RoomState(record: stored.record, lastSeq: stored.lastSeq,
                                                    graceSeconds: config.presenceGraceSeconds)
            }
        }
        for (roomID, listed) in roles { applyListedRoles(roomID, listed) }
        let revoked = Set(changes.filter { $0.kind == ChangeKind.sessionsRevoked }.compactMap { Int64($0.subject) })
        for stored in users {
            let profile = stored.profile
            // Cached sessions of a changed person are re-checked on their next hello.
            sessionCache = sessionCache.filter { $0.value.user.id != profile.id }
            for c in connections.values where c.user?.id == profile.id {
                if revoked.contains(profile.id) {
                    fail(c, WireError(.unauthenticated, "Your sessions were signed out by an administrator."))
                    close(c, .unauthenticated)
                } else if case .signedIn(_, let hash) = c.auth {
                    c.auth = .signedIn(profile, tokenHash: hash)
                }
            }
        }
        if let last = changes.last { lastChangeID = last.id }
    }

    // MARK: - Graceful shutdown

    func beginShutdown() {
        guard case .running = phase else { return }
        logger.info("shutting down: no new connections, finishing commits")
        phase = .draining(since: monotonicSeconds())
        driveShutdown()
    }

    /// Advances the shutdown: once pending commits are answered, close every client with 1001,
    /// then end the loop when they are gone or the grace period has passed.
    func driveShutdown() {
        let now = monotonicSeconds()
        switch phase {
        case .running, .stopped:
            return
        case .draining(let since):
            guard inFlightWrites == 0 || now - since > Double(config.shutdownGraceSeconds) else { return }
            for c in connections.values { close(c, .goingAway) }
            phase = .closing(deadline: now + Double(config.shutdownGraceSeconds))
            driveShutdown()
        case .closing(let deadline):
            guard connections.isEmpty || now >= deadline else { return }
            phase = .stopped
            finishLoop()
        }
    }

    private func finishLoop() {
        loopMayEnd = true
        guard let context else { return }
        if config.eventLib == "uv" {
            // No other thread may wake a context that is being torn down (lws frees its event
            // pipe before it marks itself destroyed): detach it from the inbox first.
            inbox.attach(context: nil)
            // Inside a callback lws defers this until the callback returns, then closes every
            // handle; the uv loop ends and lws_service returns (LWSContext.run).
            lws_context_destroy(context)
        } else {
            lws_cancel_service(context)
        }
    }
}

/// Kinds of rows in the `changes` table written by the CLI.
public enum ChangeKind {
    public static let room = "room"
    public static let user = "user"
    public static let sessionsRevoked = "sessions_revoked"
    /// The listed roles of a room changed (subject: the room id).
    public static let roomMembers = "room_members"
}
