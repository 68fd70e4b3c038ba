import AtriumCore
import AtriumStore

/// Chat: send, edit, delete. Every write goes through the commit queue; the ok and the event
/// frames go out only after the commit (service thread, except the closures given to the queue,
/// which run on the commit thread).
extension Hub {
    func chatSend(_ c: Connection, ref: String?, roomID: RoomID, text: String, nonce: String?) {
        guard let user = c.user, let room = joinedRoom(c, ref: ref, roomID),
              allowed(c, ref: ref, .post, in: room), acceptingWrites(c, ref: ref) else { return }
        let cid = c.id
        // In a pre-moderated room a student's post waits for a moderator (not a moderator's own).
        let pending = room.record.premoderated && user.role == .student
            && !room.decide(.permission(.deleteAny), for: user).isAllowed
        inFlightWrites += 1
        commits.submit({ store in
            try store.appendChat(room: roomID, actor: user.id, actorName: user.name, text: text,
                                 nonce: nonce, nowMillis: wallMillis(), pending: pending)
        }) { [inbox] result in
            inbox.post { hub in hub.chatSent(cid, ref: ref, result) }
        }
    }

    private func chatSent(_ cid: ConnectionID, ref: String?, _ result: Result<AppendOutcome, StoreError>) {
        inFlightWrites -= 1
        switch result {
        case .success(.appended(let event)):
            publish(event)
            if let c = connections[cid] { reply(c, ref: ref, [("seq", .int(event.seq))]) }
        case .success(.duplicate(let seq)):
            if let c = connections[cid] { reply(c, ref: ref, [("seq", .int(seq)), ("duplicate", .bool(true))]) }
        case .failure(let error):
            if let c = connections[cid] { fail(c, WireError(error.code, error.message, ref: ref)) }
        }
    }

    func chatEdit(_ c: Connection, ref: String?, roomID: RoomID, seq: Int64, text: String) {
        // Nobody edits someone else's message (Policy); the store checks authorship.
        guard let user = c.user, let room = joinedRoom(c, ref: ref, roomID),
              allowed(c, ref: ref, .editMessage(author: user.id), in: room), acceptingWrites(c, ref: ref) else { return }
        submitChange(c, ref: ref) { store in
            try store.editChat(room: roomID, seq: seq, actor: user.id, text: text,
                               mayEditOthers: false, nowMillis: wallMillis())
        }
    }

    func chatDelete(_ c: Connection, ref: String?, roomID: RoomID, seq: Int64) {
        guard let user = c.user, let room = joinedRoom(c, ref: ref, roomID), acceptingWrites(c, ref: ref) else { return }
        // delete_any removes anyone's message; otherwise only one's own (the store checks authorship).
        let mayDeleteOthers = room.decide(.deleteMessage(author: -1), for: user).isAllowed
        if !mayDeleteOthers && !allowed(c, ref: ref, .deleteMessage(author: user.id), in: room) { return }
        submitChange(c, ref: ref) { store in
            try store.deleteChat(room: roomID, seq: seq, actor: user.id,
                                 mayDeleteOthers: mayDeleteOthers, nowMillis: wallMillis())
        }
    }

    /// Commits an event that changes an earlier one (edit, delete), then publishes it.
    private func submitChange(_ c: Connection, ref: String?,
                              _ work: @escaping @Sendable (StoreConnection) throws -> RoomEvent) {
        let cid = c.id
        inFlightWrites += 1
        commits.submit(work) { [inbox] result in
            inbox.post { hub in
                hub.inFlightWrites -= 1
                switch result {
                case .success(let event):
                    // Cached frames may hold the old text.
                    hub.rooms[event.room]?.invalidateRecent()
                    hub.publish(event)
                    if let c = hub.connections[cid] { hub.reply(c, ref: ref, [("seq", .int(event.seq))]) }
                case .failure(let error):
                    if let c = hub.connections[cid] { hub.fail(c, WireError(error.code, error.message, ref: ref)) }
                }
            }
        }
    }

    private func acceptingWrites(_ c: Connection, ref: String?) -> Bool {
        if case .running = phase { return true }
        fail(c, WireError(.unavailable, "The server is shutting down; send again after reconnecting.", ref: ref))
        return false
    }
}
