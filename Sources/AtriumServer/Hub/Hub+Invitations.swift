import AtriumCore
import AtriumStore

/// Invitations of external residents (issue item 5): sponsors with `invite` create links to one
/// room; a guest accepts the regulations on the invitation page and enters that room only.
/// Expiry or withdrawal ends the guest's access and closes their connections. Service thread.
extension Hub {
    func inviteCreate(_ c: Connection, ref: String?, roomID: RoomID, hours: Int64, uses: Int64) {
        guard let me = c.user, let room = existingRoom(c, ref: ref, roomID) else { return }
        guard allowed(c, ref: ref, .permission(.invite), in: room) else { return }
        guard hours <= Int64(config.inviteMaxHours) else {
            fail(c, WireError(.badRequest, "An invitation may stay valid at most \(config.inviteMaxHours) hours.", ref: ref))
            return
        }
        let cid = c.id
        commits.submit({ store in
            try store.createInvitation(room: roomID, sponsor: me.id, expiresAtMillis: wallMillis() + hours * 3_600_000,
                                       maxUses: Int(uses), nowMillis: wallMillis())
        }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid] else { return }
                switch result {
                case .success(let (invitation, token)):
                    hub.reply(c, ref: ref, [("invitation", invitation.json), ("token", .string(token)),
                                            ("link", .string("/invite/\(token)"))])
                case .failure(let error):
                    hub.fail(c, WireError(error.code, error.message, ref: ref))
                }
            }
        }
    }

    func inviteList(_ c: Connection, ref: String?, roomID: RoomID) {
        guard let room = existingRoom(c, ref: ref, roomID) else { return }
        guard allowed(c, ref: ref, .permission(.invite), in: room) else { return }
        let cid = c.id
        reader.submit({ store in try store.invitations(room: roomID) }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid] else { return }
                switch result {
                case .success(let list): hub.reply(c, ref: ref, [("invitations", .array(list.map(\.json)))])
                case .failure(let error): hub.fail(c, WireError(error.code, error.message, ref: ref))
                }
            }
        }
    }

    func inviteRevoke(_ c: Connection, ref: String?, id: Int64) {
        guard let me = c.user else { return }
        let cid = c.id
        reader.submit({ store in try store.invitation(id: id) }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid] else { return }
                guard case .success(let found) = result, let invitation = found, let room = hub.rooms[invitation.room] else {
                    hub.fail(c, WireError(.notFound, "There is no invitation \(id).", ref: ref))
                    return
                }
                // The sponsor, or anyone who may invite to that room, may withdraw it.
                if invitation.sponsor != me.id && !hub.allowed(c, ref: ref, .permission(.invite), in: room) { return }
                hub.commits.submit({ store in try store.revokeInvitation(id: id, by: me.id, nowMillis: wallMillis()) }) { [inbox = hub.inbox] result in
                    inbox.post { hub in
                        switch result {
                        case .success(let (guests, listed)):
                            hub.endGuestAccess(Set(guests), reason: "This invitation was withdrawn.")
                            hub.applyListedRoles(invitation.room, listed)
                            if let c = hub.connections[cid] { hub.reply(c, ref: ref, [("guests", .int(Int64(guests.count)))]) }
                        case .failure(let error):
                            if let c = hub.connections[cid] { hub.fail(c, WireError(error.code, error.message, ref: ref)) }
                        }
                    }
                }
            }
        }
    }

    /// Closes every connection of these guests (4401) and forgets their sessions.
    func endGuestAccess(_ guests: Set<UserID>, reason: String) {
        guard !guests.isEmpty else { return }
        sessionCache = sessionCache.filter { !guests.contains($0.value.user.id) }
        for c in connections.values {
            guard let user = c.user, guests.contains(user.id) else { continue }
            fail(c, WireError(.unauthenticated, reason))
            close(c, .unauthenticated)
        }
    }

    /// A guest signed in: learn when their access ends, so the tick can close them then.
    func watchGuestExpiry(_ c: Connection) {
        guard let user = c.user, user.role == .guest else { return }
        let cid = c.id
        reader.submit({ store in try store.guestAccessEnd(userID: user.id) }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid] else { return }
                if case .success(let end?) = result {
                    c.accessEndsAtMillis = end
                    hub.guestConnections.insert(cid)
                }
            }
        }
    }

    /// Tick: guests whose invitation has ended are closed.
    func expireGuests() {
        guard !guestConnections.isEmpty else { return }
        let now = wallMillis()
        for cid in guestConnections {
            guard let c = connections[cid] else { guestConnections.remove(cid); continue }
            guard let end = c.accessEndsAtMillis, end <= now, c.pendingClose == nil else { continue }
            fail(c, WireError(.unauthenticated, "Your invitation has expired."))
            close(c, .unauthenticated)
        }
    }
}
