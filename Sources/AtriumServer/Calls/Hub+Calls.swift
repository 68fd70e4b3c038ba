import AtriumCore

/// Calls: joining and leaving, the signalling relay, media, hands and presenting (service
/// thread). The call's state is `RoomState.call`; changes mark the room for `flushCalls`.
extension Hub {
    func rtc(_ c: Connection, ref: String?, roomID: RoomID, _ message: CallMessage) {
        guard let user = c.user, let room = joinedRoom(c, ref: ref, roomID) else { return }
        switch message {
        case .join(let mic, let camera): callJoin(c, user: user, ref: ref, room: room, mic: mic, camera: camera)
        case .leave:
            leaveCall(c, room)
            reply(c, ref: ref)
        case .state:
            reply(c, ref: ref, [("call", callStateJSON(room.call, for: user))])
        case .signal(let to, let kind, let data):
            guard participating(c, user: user, ref: ref, room: room) else { return }
            relaySignal(c, ref: ref, room: room, to: to, kind: kind, data: data)
        case .media(let mic, let camera):
            guard participating(c, user: user, ref: ref, room: room) else { return }
            if room.call.setMedia(conn: c.id, mic: mic, camera: camera) { callChanged(room) }
            reply(c, ref: ref)
        case .hand(let raised):
            guard participating(c, user: user, ref: ref, room: room) else { return }
            if room.call.setHand(user: user.id, raised: raised, nowMillis: wallMillis()) { callChanged(room) }
            reply(c, ref: ref)
        case .present(let on):
            guard participating(c, user: user, ref: ref, room: room) else { return }
            if on { guard allowed(c, ref: ref, .permission(.present), in: room) else { return } }
            let takeOver = room.decide(.permission(.mute), for: user).isAllowed
            switch room.call.setPresenting(conn: c.id, on: on, takeOver: takeOver) {
            case .changed: callChanged(room); reply(c, ref: ref)
            case .unchanged: reply(c, ref: ref)
            case .busy(let other):
                fail(c, WireError(.conflict, "\(name(other.name, of: other.user, for: user)) is presenting; ask them to stop first.", ref: ref))
            case .notInCall: fail(c, WireError(.forbidden, "Join the call first.", ref: ref))
            }
        case .ice:
            guard participating(c, user: user, ref: ref, room: room) else { return }
            reply(c, ref: ref, iceServers(for: user))
        case .mute, .lowerHand, .remove, .end, .breakout:
            moderateCall(c, user: user, ref: ref, room: room, message)
        case .poll, .vote, .pollClose:
            callPoll(c, user: user, ref: ref, room: room, message)
        }
    }

    func callChanged(_ room: RoomState) {
        callDirtyRooms.insert(room.record.id)
        sfuReconcile(room)  // Hook (Janus SFU, Calls/Janus/Hub+SFU.swift): seats follow the participants.
    }

    /// The connection is in the call and may still be (start_call, checked on every message);
    /// one who lost the permission is taken out at once.
    func participating(_ c: Connection, user: UserProfile, ref: String?, room: RoomState) -> Bool {
        guard room.call.participant(conn: c.id) != nil else {
            fail(c, WireError(.forbidden, "Join the call first (rtc.join).", ref: ref))
            return false
        }
        if case .deny(let why) = room.decide(.permission(.startCall), for: user) {
            takeOutOfCall(c, room, reason: "access_lost", by: nil)
            fail(c, WireError(.forbidden, why, ref: ref))
            return false
        }
        return true
    }

    private func callJoin(_ c: Connection, user: UserProfile, ref: String?, room: RoomState, mic: Bool, camera: Bool) {
        guard allowed(c, ref: ref, .permission(.startCall), in: room) else { return }
        let previous = room.call.participant(user: user.id)
        switch room.call.join(conn: c.id, user: user.id, name: user.name, mic: mic, camera: camera,
                              nowMillis: wallMillis(), meshMax: callCapacity) {  // Hook (Janus SFU): rtc.sfu_max with an SFU
        case .full(let max):
            let key = sfuEnabled ? "rtc.sfu_max" : "rtc.mesh_max"
            fail(c, WireError(.conflict, "The call is full: at most \(max) people (\(key)).", ref: ref))
            return
        case .already:
            break
        case .joined(let moved):
            c.calls.insert(room.record.id)
            if let moved, let old = connections[moved.conn] {
                old.calls.remove(room.record.id)
                send(old, removedFrame(room, reason: "moved", by: nil))
            }
            if let moved { announceLeft(room, moved) } else { _ = previous }
            callChanged(room)
        }
        // Hook (Janus SFU): an SFU call has no mesh peers; the reply carries `sfu` instead.
        let sfuField = sfuJoinField(c, room: room, user: user)
        let peers = sfuField == nil ? room.call.peers(of: c.id) : []
        reply(c, ref: ref, (sfuField.map { [("sfu", $0)] } ?? []) + [("conn", .string(CallMessage.connString(c.id))),
                            ("peers", .array(peers.map { peerJSON($0, for: user) })),
                            ("offer_to", .array(peers.map { .string(CallMessage.connString($0.conn)) }))]
                + iceServers(for: user) + [("call", callStateJSON(room.call, for: user))])
    }

    private func relaySignal(_ c: Connection, ref: String?, room: RoomState, to: UInt64, kind: SignalKind, data: JSON) {
        let now = monotonicSeconds()
        if c.signalBucket == nil {
            c.signalBucket = TokenBucket(ratePerSecond: config.rtcSignalPerSecond, burst: config.rtcSignalBurst, now: now)
        }
        if !c.signalBucket!.take(now: now) {
            let wait = c.signalBucket!.secondsUntilAvailable(now: now)
            reject(c, WireError(.rateLimited, "Too many signalling messages: slow down (next in \(formatSeconds(wait)) s).", ref: ref))
            return
        }
        guard to != c.id else {
            fail(c, WireError(.badRequest, "A connection cannot signal itself.", ref: ref))
            return
        }
        guard let me = room.call.participant(conn: c.id), let target = room.call.participant(conn: to),
              let peer = connections[to], let peerUser = peer.user else {
            fail(c, WireError(.notFound, "\(CallMessage.connString(to)) is not in this call.", ref: ref))
            return
        }
        // The target's permission is checked too: a role change takes them out on the spot.
        guard room.decide(.permission(.startCall), for: peerUser).isAllowed else {
            takeOutOfCall(peer, room, reason: "access_lost", by: nil)
            fail(c, WireError(.notFound, "\(CallMessage.connString(to)) is not in this call.", ref: ref))
            return
        }
        guard room.call.reachable(me, target) else {
            fail(c, WireError(.forbidden, "\(CallMessage.connString(to)) is in another breakout group.", ref: ref))
            return
        }
        let payload = data.encoded()
        guard payload.count <= config.rtcMaxSignalBytes else {
            fail(c, WireError(.tooLarge, "The signal's data has \(payload.count) bytes; the limit is \(config.rtcMaxSignalBytes).", ref: ref))
            return
        }
        var frame: [UInt8] = []
        frame.reserveCapacity(payload.count + 96)
        frame.append(contentsOf: #"{"type":"rtc.signal","room":"#.utf8)
        JSON.writeString(room.record.id, into: &frame)
        frame.append(contentsOf: #","from":""#.utf8)
        frame.append(contentsOf: CallMessage.connString(c.id).utf8)
        frame.append(contentsOf: #"","kind":""#.utf8)
        frame.append(contentsOf: kind.rawValue.utf8)
        frame.append(contentsOf: #"","data":"#.utf8)
        frame.append(contentsOf: payload)
        frame.append(UInt8(ascii: "}"))
        metrics.signalsRelayed += 1
        send(peer, frame)
        reply(c, ref: ref)
    }

    // MARK: - Leaving

    /// A connection leaves a room's call on its own (rtc.leave, leave, a dropped connection).
    func leaveCall(_ c: Connection, _ room: RoomState) {
        c.calls.remove(room.record.id)
        guard let p = room.call.leave(conn: c.id) else { return }
        announceLeft(room, p)
        callChanged(room)
    }

    /// Takes a connection out of the call without its asking; it gets `rtc.removed`.
    func takeOutOfCall(_ c: Connection, _ room: RoomState, reason: String, by: UserID?) {
        guard room.call.participant(conn: c.id) != nil else { c.calls.remove(room.record.id); return }
        leaveCall(c, room)
        send(c, removedFrame(room, reason: reason, by: by))
    }

    func removedFrame(_ room: RoomState, reason: String, by: UserID?) -> [UInt8] {
        var o = JSONObject([("type", "rtc.removed"), ("room", .string(room.record.id)), ("reason_code", .string(reason))])
        if let by { o["by"] = .int(by) }
        return JSON.object(o).encoded()
    }

    /// `rtc.left` to the other participants at once (they close that peer connection).
    func announceLeft(_ room: RoomState, _ p: CallParticipant) {
        let frame = JSON.object([("type", "rtc.left"), ("room", .string(room.record.id)),
                                 ("conn", .string(CallMessage.connString(p.conn))), ("user", .int(p.user))]).encoded()
        for other in room.call.participants {
            if let oc = connections[other.conn] { send(oc, frame) }
        }
    }

    /// Every connection closing leaves its calls (no grace period).
    func connectionClosedCalls(_ c: Connection) {
        for roomID in c.calls {
            if let room = rooms[roomID] { leaveCall(c, room) }
        }
        c.calls.removeAll()
    }

    /// After roles or permissions changed: participants without `start_call` leave the call.
    func recheckCall(_ room: RoomState) {
        for p in room.call.participants {
            guard let c = connections[p.conn], let user = c.user else { continue }
            if !room.decide(.permission(.startCall), for: user).isAllowed {
                takeOutOfCall(c, room, reason: "access_lost", by: nil)
            }
        }
    }
}
