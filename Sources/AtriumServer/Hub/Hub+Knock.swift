import AtriumCore
import AtriumStore

/// Knocking (issue item 4): a person asks to enter a `knock` room with a message; everyone who
/// may admit (`admit_knocks`) sees the queue live and may talk with the knocker in the lobby
/// (ephemeral, not stored) before admitting or refusing; an admitted person can be sent back.
/// Service thread; storage on the commit queue and the reader.
extension Hub {
    func knockOn(_ c: Connection, ref: String?, roomID: RoomID, message: String) {
        guard let user = c.user else { return }
        guard let room = existingRoom(c, ref: ref, roomID) else { return }
        if room.decide(.join, for: user).isAllowed {
            fail(c, WireError(.conflict, "You can already enter “\(room.record.name)”.", ref: ref))
            return
        }
        guard room.record.joinRule == .knock else {
            fail(c, WireError(.badRequest, "“\(room.record.name)” is not entered by request.", ref: ref))
            return
        }
        let cid = c.id
        commits.submit({ store in try store.knock(room: roomID, user: user.id, message: message, nowMillis: wallMillis()) }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid] else { return }
                switch result {
                case .success:
                    hub.reply(c, ref: ref, [("state", "waiting")])
                    hub.pushKnockQueue(roomID)
                case .failure(let error):
                    hub.fail(c, WireError(error.code, error.message, ref: ref))
                }
            }
        }
    }

    func listKnocks(_ c: Connection, ref: String?, roomID: RoomID) {
        guard moderatedRoom(c, ref: ref, roomID) != nil else { return }
        let cid = c.id
        reader.submit({ store in try store.knocks(room: roomID) }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid], let viewer = c.user else { return }
                switch result {
                case .success(let knocks):
                    let list = knocks.map { k -> JSON in
                        guard case .object(var o) = k.json else { return .null }
                        o["name"] = .string(hub.name(k.user.name, of: k.user.id, for: viewer))
                        return .object(o)
                    }
                    hub.reply(c, ref: ref, [("knocks", .array(list))])
                case .failure(let error): hub.fail(c, WireError(error.code, error.message, ref: ref))
                }
            }
        }
    }

    func decideKnock(_ c: Connection, ref: String?, roomID: RoomID, user knocker: UserID, admit: Bool, reason: String?) {
        guard let moderator = c.user, let room = moderatedRoom(c, ref: ref, roomID) else { return }
        let cid = c.id
        let name = room.record.name
        inFlightWrites += 1
        commits.submit({ store in
            try store.decideKnock(room: roomID, user: knocker, admit: admit, moderator: moderator.id,
                                  reason: reason, nowMillis: wallMillis())
        }) { [inbox] result in
            inbox.post { hub in
                hub.inFlightWrites -= 1
                switch result {
                case .success(let listed):
                    if admit {
                        hub.applyListedRoles(roomID, listed)  // the knocker gets room.access: member
                    } else {
                        hub.notifyAccess(roomID, user: knocker, reason: .knockRefused(name, reason))
                    }
                    if let c = hub.connections[cid] { hub.reply(c, ref: ref) }
                    hub.pushKnockQueue(roomID)
                case .failure(let error):
                    if let c = hub.connections[cid] { hub.fail(c, WireError(error.code, error.message, ref: ref)) }
                }
            }
        }
    }

    func returnToLobby(_ c: Connection, ref: String?, roomID: RoomID, user: UserID) {
        guard let moderator = c.user, let room = moderatedRoom(c, ref: ref, roomID) else { return }
        let cid = c.id
        let name = room.record.name
        inFlightWrites += 1
        commits.submit({ store in
            try store.returnToLobby(room: roomID, user: user, moderator: moderator.id, nowMillis: wallMillis())
        }) { [inbox] result in
            inbox.post { hub in
                hub.inFlightWrites -= 1
                switch result {
                case .success(let listed):
                    hub.applyListedRoles(roomID, listed, reason: .backToLobby(name))
                    if let c = hub.connections[cid] { hub.reply(c, ref: ref) }
                    hub.pushKnockQueue(roomID)
                case .failure(let error):
                    if let c = hub.connections[cid] { hub.fail(c, WireError(error.code, error.message, ref: ref)) }
                }
            }
        }
    }

    /// Lobby talk between a waiting knocker and the room's moderators. From the knocker it goes
    /// to every moderator; from a moderator (naming `user`) to the knocker and the other
    /// moderators. Relayed live, not stored.
    func lobbyMessage(_ c: Connection, ref: String?, roomID: RoomID, user target: UserID?, text: String) {
        guard let sender = c.user, let room: RoomState = rooms[roomID] else {
            fail(c, WireError(.notFound, "There is no room '\(roomID)'.", ref: ref))
            return
        }
        let isModerator = room.decide(.permission(.admitKnocks), for: sender).isAllowed
        let knocker = isModerator ? target : sender.id
        guard let knocker else {
            fail(c, WireError(.badRequest, "Name the waiting person in 'user'.", ref: ref))
            return
        }
        let cid = c.id
        reader.submit({ store in try store.knock(room: roomID, user: knocker)?.state == .waiting }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid] else { return }
                guard case .success(true) = result else {
                    hub.fail(c, WireError(.forbidden, "The lobby is for people waiting to enter and the room's moderators.", ref: ref))
                    return
                }
                guard let room = hub.rooms[roomID] else { return }
                for other in hub.connections.values {
                    guard let u = other.user else { continue }
                    guard u.id == knocker || room.decide(.permission(.admitKnocks), for: u).isAllowed else { continue }
                    hub.send(other, JSON.object([
                        ("type", "room.lobby"), ("room", .string(roomID)), ("user", .int(knocker)),
                        ("from", .int(sender.id)), ("name", .string(hub.name(sender.name, of: sender.id, for: u))),
                        ("text", .string(text)),
                    ]).encoded())
                }
                hub.reply(c, ref: ref)
            }
        }
    }

    /// The room, if this connection's person may handle its knocks; otherwise answers.
    private func moderatedRoom(_ c: Connection, ref: String?, _ roomID: RoomID) -> RoomState? {
        guard let room = rooms[roomID] else {
            fail(c, WireError(.notFound, "There is no room '\(roomID)'.", ref: ref))
            return nil
        }
        guard allowed(c, ref: ref, .permission(.admitKnocks), in: room) else { return nil }
        return room
    }

    /// Sends the waiting queue to every connection that may admit in this room.
    func pushKnockQueue(_ roomID: RoomID) {
        reader.submit({ store in try store.knocks(room: roomID) }) { [inbox] result in
            inbox.post { hub in
                guard case .success(let knocks) = result, let room = hub.rooms[roomID] else { return }
                for c in hub.connections.values {
                    guard let u = c.user, room.decide(.permission(.admitKnocks), for: u).isAllowed else { continue }
                    let list = knocks.map { k -> JSON in
                        guard case .object(var o) = k.json else { return .null }
                        o["name"] = .string(hub.name(k.user.name, of: k.user.id, for: u))
                        return .object(o)
                    }
                    hub.send(c, JSON.object([("type", "room.knocks"), ("room", .string(roomID)), ("knocks", .array(list))]).encoded())
                }
            }
        }
    }
}
