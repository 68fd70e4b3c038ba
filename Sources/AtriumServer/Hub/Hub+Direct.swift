import AtriumCore
import AtriumStore

/// `room.direct`: open a direct conversation, if the contact rules allow it (service thread;
/// the facts are read on the reader thread, the room is created by the commit queue).
extension Hub {
    func openDirect(_ c: Connection, ref: String?, with otherID: UserID) {
        guard let me = c.user else { return }
        guard otherID != me.id else {
            fail(c, WireError(.badRequest, "You cannot start a conversation with yourself.", ref: ref))
            return
        }
        let cid = c.id
        reader.submit({ store -> (UserProfile, ContactFacts)? in
            guard let other = try store.user(id: otherID) else { return nil }
            return (other.profile, try store.contactFacts(me.id, otherID))
        }) { [inbox] result in
            inbox.post { hub in hub.directChecked(cid, ref: ref, me: me, result) }
        }
    }

    private func directChecked(_ cid: ConnectionID, ref: String?, me: UserProfile,
                               _ result: Result<(UserProfile, ContactFacts)?, StoreError>) {
        guard let c = connections[cid] else { return }
        let other: UserProfile
        let facts: ContactFacts
        switch result {
        case .failure(let error):
            fail(c, WireError(error.code, error.message, ref: ref))
            return
        case .success(nil):
            fail(c, WireError(.notFound, "There is no such person.", ref: ref))
            return
        case .success(let found?):
            (other, facts) = found
        }
        if case .deny(let why) = ContactPolicy.decide(me, other, facts: facts, table: config.contactTable) {
            fail(c, WireError(.forbidden, why, ref: ref))
            return
        }
        inFlightWrites += 1
        commits.submit({ store in try store.openDirect(me, other, nowMillis: wallMillis()) }) { [inbox] result in
            inbox.post { hub in hub.directOpened(cid, ref: ref, me: me, result) }
        }
    }

    private func directOpened(_ cid: ConnectionID, ref: String?, me: UserProfile,
                              _ result: Result<(room: StoredRoom, people: [UserProfile], created: Bool), StoreError>) {
        inFlightWrites -= 1
        switch result {
        case .failure(let error):
            if let c = connections[cid] { fail(c, WireError(error.code, error.message, ref: ref)) }
        case .success(let opened):
            let id = opened.room.record.id
            if rooms[id] == nil {
                rooms[id] = RoomState(record: opened.room.record, lastSeq: opened.room.lastSeq,
                                      graceSeconds: config.presenceGraceSeconds)
            }
            let room = rooms[id]!
            room.directPeople = opened.people
            // Both people get room.access (the other learns a conversation was opened with them).
            applyListedRoles(id, Dictionary(uniqueKeysWithValues: opened.people.map { ($0.id, RoomRole.member) }))
            if let c = connections[cid] { reply(c, ref: ref, [("room", roomJSON(room, for: me))]) }
        }
    }
}
