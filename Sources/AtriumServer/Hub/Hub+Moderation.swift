import AtriumCore
import AtriumStore

/// Moderation (issue item 6): delete with a reason, mute and ban for a time, remove, and the
/// reports queue that reaches the room's moderators and the school's safeguarding leads (the
/// organisation's administrators). Every action is checked against the room's permission
/// table and written to the oversight log by the store. Service thread.
extension Hub {
    func moderate(_ c: Connection, ref: String?, _ message: ClientMessage) {
        switch message {
        case .modDelete(let room, let seq, let reason): modDelete(c, ref: ref, roomID: room, seq: seq, reason: reason)
        case .modApprove(let room, let seq): approve(c, ref: ref, roomID: room, seq: seq)
        case .modRestrict(let room, let user, let ban, let minutes, let reason):
            restrict(c, ref: ref, roomID: room, target: user, ban: ban, minutes: minutes, reason: reason)
        case .modLift(let room, let user, let ban): lift(c, ref: ref, roomID: room, target: user, ban: ban)
        case .modRemove(let room, let user, let reason): remove(c, ref: ref, roomID: room, target: user, reason: reason)
        case .modReport(let room, let seq, let reason): fileReport(c, ref: ref, roomID: room, seq: seq, reason: reason)
        case .modReports(let room): listReports(c, ref: ref, roomID: room)
        case .modDecide(let report, let resolved, let note): decideReport(c, ref: ref, id: report, resolved: resolved, note: note)
        default: break
        }
    }

    private func modDelete(_ c: Connection, ref: String?, roomID: RoomID, seq: Int64, reason: String?) {
        guard let me = c.user, let room = existingRoom(c, ref: ref, roomID),
              allowed(c, ref: ref, .permission(.deleteAny), in: room), acceptingWritesForModeration(c, ref: ref) else { return }
        runJob(c, ref: ref, on: commits, write: true, { store in
            try store.deleteChat(room: roomID, seq: seq, actor: me.id, mayDeleteOthers: true, nowMillis: wallMillis(), reason: reason)
        }) { hub, event in
            hub.rooms[roomID]?.invalidateRecent()
            hub.publish(event)
            return [("seq", .int(event.seq))]
        }
    }

    /// Approves a waiting post in a pre-moderated room (delete_any): everyone gets it now.
    private func approve(_ c: Connection, ref: String?, roomID: RoomID, seq: Int64) {
        guard let me = c.user, let room = existingRoom(c, ref: ref, roomID),
              allowed(c, ref: ref, .permission(.deleteAny), in: room), acceptingWritesForModeration(c, ref: ref) else { return }
        runJob(c, ref: ref, on: commits, write: true, { store in
            try store.approveChat(room: roomID, seq: seq, moderator: me.id, nowMillis: wallMillis())
        }) { hub, event in
            hub.rooms[roomID]?.invalidateRecent()
            hub.publish(event)
            return [("seq", .int(event.seq))]
        }
    }

    private func restrict(_ c: Connection, ref: String?, roomID: RoomID, target: UserID, ban: Bool, minutes: Int64?, reason: String?) {
        guard let me = c.user, let room = existingRoom(c, ref: ref, roomID),
              allowed(c, ref: ref, .permission(ban ? .ban : .mute), in: room),
              mayActOn(c, ref: ref, target, in: room) else { return }
        let until = minutes.map { wallMillis() + $0 * 60_000 }
        let name = room.record.name
        runJob(c, ref: ref, on: commits, write: true, { store in
            try store.restrict(room: roomID, user: target, kind: ban ? .ban : .mute, untilMillis: until,
                               by: me.id, reason: reason, nowMillis: wallMillis())
        }) { hub, restrictions in
            guard let room = hub.rooms[roomID] else { return [] }
            room.restrictions = restrictions
            let why = AccessReason.restricted(name, ban: ban, until: until, reason: reason)
            if ban {
                for other in hub.connections.values where other.user?.id == target { hub.removeFromRoom(other, room) }
            }
            hub.notifyAccess(roomID, user: target, reason: why)
            return []
        }
    }

    private func lift(_ c: Connection, ref: String?, roomID: RoomID, target: UserID, ban: Bool) {
        guard let me = c.user, let room = existingRoom(c, ref: ref, roomID),
              allowed(c, ref: ref, .permission(ban ? .ban : .mute), in: room) else { return }
        let name = room.record.name
        runJob(c, ref: ref, on: commits, write: true, { store in
            try store.lift(room: roomID, user: target, kind: ban ? .ban : .mute, by: me.id, nowMillis: wallMillis())
        }) { hub, restrictions in
            hub.rooms[roomID]?.restrictions = restrictions
            hub.notifyAccess(roomID, user: target, reason: .lifted(name, ban: ban))
            return []
        }
    }

    private func remove(_ c: Connection, ref: String?, roomID: RoomID, target: UserID, reason: String?) {
        guard let me = c.user, let room = existingRoom(c, ref: ref, roomID),
              allowed(c, ref: ref, .permission(.remove), in: room), mayActOn(c, ref: ref, target, in: room) else { return }
        let wasListed = room.listed[target] != nil
        let why = AccessReason.removed(room.record.name, reason)
        runJob(c, ref: ref, on: commits, write: true, { store -> [UserID: RoomRole] in
            if wasListed { try store.setMember(room: roomID, userID: target, role: nil, nowMillis: wallMillis(), actor: me.id) }
            var detail: JSONObject = [:]
            if let reason { detail["reason"] = .string(reason) }
            try store.appendAudit(actor: me.id, action: "mod.remove", room: roomID, subject: target, detail: detail, nowMillis: wallMillis())
            return try store.members(room: roomID)
        }) { hub, listed in
            guard let room = hub.rooms[roomID] else { return [] }
            // Out of the room now; in an open room they may come back (a ban keeps them out).
            for other in hub.connections.values where other.user?.id == target { hub.removeFromRoom(other, room) }
            hub.applyListedRoles(roomID, listed, reason: why)
            if !wasListed { hub.notifyAccess(roomID, user: target, reason: why) }
            return []
        }
    }

    private func fileReport(_ c: Connection, ref: String?, roomID: RoomID, seq: Int64, reason: String) {
        guard let me = c.user, let room = existingRoom(c, ref: ref, roomID), allowed(c, ref: ref, .read, in: room) else { return }
        runJob(c, ref: ref, on: commits, write: true, { store in
            try store.report(room: roomID, seq: seq, reporter: me.id, reason: reason, nowMillis: wallMillis())
        }) { hub, report in
            hub.pushReports(roomID)
            return [("report", .int(report.id))]
        }
    }

    private func listReports(_ c: Connection, ref: String?, roomID: RoomID?) {
        guard let me = c.user else { return }
        if let roomID {
            guard let room = existingRoom(c, ref: ref, roomID) else { return }
            guard me.role == .admin || allowed(c, ref: ref, .permission(.deleteAny), in: room) else { return }
        } else if me.role != .admin {
            fail(c, WireError(.forbidden, "Only the school's safeguarding leads see every room's reports; name a room you moderate.", ref: ref))
            return
        }
        let cid = c.id
        reader.submit({ store in try store.reports(room: roomID, includeClosed: true) }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid] else { return }
                switch result {
                case .success(let list): hub.reply(c, ref: ref, [("reports", .array(list.map(\.json)))])
                case .failure(let error): hub.fail(c, WireError(error.code, error.message, ref: ref))
                }
            }
        }
    }

    private func decideReport(_ c: Connection, ref: String?, id: Int64, resolved: Bool, note: String?) {
        guard let me = c.user else { return }
        let cid = c.id
        // Who may decide depends on the report's room: read it first.
        reader.submit({ store in try store.report(id: id) }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid] else { return }
                guard case .success(let found) = result, let report = found, let room = hub.rooms[report.room] else {
                    hub.fail(c, WireError(.notFound, "There is no report \(id).", ref: ref))
                    return
                }
                guard me.role == .admin || hub.allowed(c, ref: ref, .permission(.deleteAny), in: room) else { return }
                hub.runJob(c, ref: ref, on: hub.commits, write: true, { store in
                    try store.decideReport(id: id, state: resolved ? .resolved : .dismissed, note: note, by: me.id, nowMillis: wallMillis())
                }) { hub, decided in
                    hub.pushReports(decided.room)
                    return [("state", .string(decided.state.rawValue))]
                }
            }
        }
    }

    // MARK: - Helpers

    /// Owners and moderators cannot be muted, banned or removed by moderation, nor oneself.
    private func mayActOn(_ c: Connection, ref: String?, _ target: UserID, in room: RoomState) -> Bool {
        if target == c.user?.id {
            fail(c, WireError(.badRequest, "You cannot moderate yourself.", ref: ref))
            return false
        }
        if let role = room.listed[target], role == .owner || role == .moderator {
            fail(c, WireError(.forbidden, "Owners and moderators cannot be muted, banned or removed; change their role first.", ref: ref))
            return false
        }
        return true
    }

    private func acceptingWritesForModeration(_ c: Connection, ref: String?) -> Bool {
        if case .running = phase { return true }
        fail(c, WireError(.unavailable, "The server is shutting down.", ref: ref))
        return false
    }

    /// The open reports of a room, to its moderators and to the safeguarding leads.
    func pushReports(_ roomID: RoomID) {
        reader.submit({ store in try store.reports(room: roomID, includeClosed: false) }) { [inbox] result in
            inbox.post { hub in
                guard case .success(let reports) = result, let room = hub.rooms[roomID] else { return }
                let frame = JSON.object([("type", "mod.reports"), ("room", .string(roomID)),
                                         ("reports", .array(reports.map(\.json)))]).encoded()
                for c in hub.connections.values {
                    guard let u = c.user else { continue }
                    if u.role == .admin || room.decide(.permission(.deleteAny), for: u).isAllowed { hub.send(c, frame) }
                }
            }
        }
    }
}
