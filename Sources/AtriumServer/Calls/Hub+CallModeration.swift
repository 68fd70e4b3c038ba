import AtriumCore

/// What teachers and moderators do in a call (`mute` permission): ask to mute, lower a hand,
/// remove, end the call, breakout groups; and polls in a call (service thread).
extension Hub {
    func moderateCall(_ c: Connection, user: UserProfile, ref: String?, room: RoomState, _ message: CallMessage) {
        guard allowed(c, ref: ref, .permission(.mute), in: room) else { return }
        switch message {
        case .mute(let target):
            guard let p = callTarget(c, ref: ref, room: room, target), let tc = connections[p.conn] else { return }
            send(tc, JSON.object([("type", "rtc.mute_request"), ("room", .string(room.record.id)), ("by", .int(user.id)),
                                  ("by_name", .string(name(user.name, of: user.id, for: tc.user ?? user)))]).encoded())
            reply(c, ref: ref)
        case .lowerHand(let target):
            guard callTarget(c, ref: ref, room: room, target) != nil else { return }
            if room.call.setHand(user: target, raised: false, nowMillis: wallMillis()) { callChanged(room) }
            reply(c, ref: ref)
        case .remove(let target):
            guard let p = callTarget(c, ref: ref, room: room, target) else { return }
            if let tc = connections[p.conn] {
                takeOutOfCall(tc, room, reason: "removed", by: user.id)
            } else {
                room.call.leave(conn: p.conn)
                announceLeft(room, p)
                callChanged(room)
            }
            reply(c, ref: ref)
        case .end:
            guard room.call.isActive else {
                fail(c, WireError(.notFound, "There is no call in this room.", ref: ref))
                return
            }
            let frame = JSON.object([("type", "rtc.ended"), ("room", .string(room.record.id)), ("by", .int(user.id))]).encoded()
            for p in room.call.end() {
                guard let pc = connections[p.conn] else { continue }
                pc.calls.remove(room.record.id)
                send(pc, frame)
            }
            callChanged(room)
            reply(c, ref: ref)
        case .breakout(let groups):
            guard room.call.isActive else {
                fail(c, WireError(.conflict, "There is no call in this room.", ref: ref))
                return
            }
            for update in room.call.setGroups(groups) {
                guard let pc = connections[update.conn], let viewer = pc.user else { continue }
                send(pc, JSON.object([
                    ("type", "rtc.peers"), ("room", .string(room.record.id)),
                    ("group", update.group.map { .int(Int64($0)) } ?? .null),
                    ("peers", .array(update.peers.map { peerJSON($0, for: viewer) })),
                    ("offer_to", .array(update.offerTo.map { .string(CallMessage.connString($0)) })),
                ]).encoded())
            }
            callChanged(room)
            reply(c, ref: ref)
        default:
            break
        }
    }

    /// The participant `user`, or `not_found`.
    private func callTarget(_ c: Connection, ref: String?, room: RoomState, _ user: UserID) -> CallParticipant? {
        guard let p = room.call.participant(user: user) else {
            fail(c, WireError(.notFound, "That person is not in the call.", ref: ref))
            return nil
        }
        return p
    }

    func callPoll(_ c: Connection, user: UserProfile, ref: String?, room: RoomState, _ message: CallMessage) {
        switch message {
        case .poll(let question, let options):
            guard allowed(c, ref: ref, .permission(.createPolls), in: room) else { return }
            let (outcome, id) = room.call.openPoll(question: question, options: options, by: user.id)
            switch outcome {
            case .ok:
                callChanged(room)
                reply(c, ref: ref, [("poll", .int(id ?? 0))])
            case .busy: fail(c, WireError(.conflict, "Another poll is open; close it first.", ref: ref))
            default: fail(c, WireError(.conflict, "There is no call in this room.", ref: ref))
            }
        case .vote(let poll, let option):
            guard participating(c, user: user, ref: ref, room: room) else { return }
            answerPoll(c, ref: ref, room: room, room.call.vote(user: user.id, poll: poll, option: option))
        case .pollClose(let poll):
            guard allowed(c, ref: ref, .permission(.createPolls), in: room) else { return }
            answerPoll(c, ref: ref, room: room, room.call.closePoll(poll))
        default:
            break
        }
    }

    private func answerPoll(_ c: Connection, ref: String?, room: RoomState, _ outcome: CallState.PollOutcome) {
        switch outcome {
        case .ok:
            callChanged(room)
            reply(c, ref: ref)
        case .notFound: fail(c, WireError(.notFound, "There is no such poll in this call.", ref: ref))
        case .closed: fail(c, WireError(.conflict, "The poll is closed.", ref: ref))
        case .badOption: fail(c, WireError(.badRequest, "The field 'option' is not an option of the poll.", ref: ref))
        case .busy: fail(c, WireError(.conflict, "Another poll is open; close it first.", ref: ref))
        case .noCall: fail(c, WireError(.conflict, "There is no call in this room.", ref: ref))
        }
    }
}
