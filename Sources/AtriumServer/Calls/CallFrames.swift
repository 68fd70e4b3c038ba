import AtriumCore
import AtriumStore

/// The JSON of calls on the wire (docs/protocol.md "Calls (rtc.*)"): state, peers, ICE servers.
extension Hub {
    /// The call's state as `viewer` may see it (students' names masked by the personal-data rule).
    func callStateJSON(_ call: CallState, for viewer: UserProfile) -> JSON {
        let participants: [JSON] = call.participants.map { p in
            .object([
                ("conn", .string(CallMessage.connString(p.conn))), ("user", .int(p.user)),
                ("name", .string(name(p.name, of: p.user, for: viewer))),
                ("mic", .bool(p.mic)), ("camera", .bool(p.camera)), ("presenting", .bool(p.presenting)),
                ("hand_at", p.handAtMillis.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null),
                ("group", call.group(of: p.user).map { .int(Int64($0)) } ?? .null),
                ("joined_at", .string(Timestamp.iso8601(millis: p.joinedAtMillis))),
            ])
        }
        var poll: JSON = .null
        if let p = call.poll {
            poll = .object([
                ("id", .int(p.id)), ("question", .string(p.question)), ("options", .array(p.options.map { .string($0) })),
                ("counts", .array(p.counts.map { .int(Int64($0)) })), ("voters", .int(Int64(p.votes.count))),
                ("closed", .bool(p.closed)), ("by", .int(p.by)),
            ])
        }
        return .object([
            ("active", .bool(call.isActive)), ("rev", .int(call.rev)),
            ("started_at", call.startedAtMillis.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null),
            ("participants", .array(participants)),
            ("hands", .array(call.hands.map { .int($0) })),
            ("presenter", call.presenter.map { .int($0) } ?? .null),
            ("groups", call.groups.map { .array($0.map { .array($0.map { .int($0) }) }) } ?? .null),
            ("poll", poll),
        ])
    }

    func callStateFrame(_ room: RoomState, for viewer: UserProfile) -> [UInt8] {
        JSON.object([("type", "rtc.state"), ("room", .string(room.record.id)), ("call", callStateJSON(room.call, for: viewer))]).encoded()
    }

    func peerJSON(_ p: CallParticipant, for viewer: UserProfile) -> JSON {
        .object([("conn", .string(CallMessage.connString(p.conn))), ("user", .int(p.user)),
                 ("name", .string(name(p.name, of: p.user, for: viewer)))])
    }

    /// `ice_servers` for `new RTCPeerConnection({iceServers})`, with fresh TURN credentials.
    func iceServers(for user: UserProfile) -> [(String, JSON)] {
        var servers: [JSON] = []
        if !config.rtcStunURLs.isEmpty {
            servers.append(.object([("urls", .array(config.rtcStunURLs.map { .string($0) }))]))
        }
        if !config.rtcTurnURLs.isEmpty {
            let cred = TurnCredentials.make(secret: config.rtcTurnSecret, user: user.id, nowSeconds: wallMillis() / 1000,
                                            ttlSeconds: Int64(config.rtcTurnTTLSeconds))
            servers.append(.object([("urls", .array(config.rtcTurnURLs.map { .string($0) })),
                                    ("username", .string(cred.username)), ("credential", .string(cred.credential))]))
        }
        return [("ice_servers", .array(servers)), ("ice_ttl_s", .int(Int64(config.rtcTurnTTLSeconds)))]
    }

    /// Pushes the state of every call that changed: one frame per room per tick, encoded once
    /// per distinct set of masked names (like presence).
    func flushCalls() {
        guard !callDirtyRooms.isEmpty else { return }
        let dirty = callDirtyRooms
        callDirtyRooms = []
        for roomID in dirty {
            guard let room = rooms[roomID] else { continue }
            let subjects = room.call.participants.map(\.user)
            var frames: [[UserID]: [UInt8]] = [:]
            for cid in room.members {
                guard let c = connections[cid], let viewer = c.user else { continue }
                let masked = subjects.filter { !seesFullName(viewer, of: $0) }
                if frames[masked] == nil { frames[masked] = callStateFrame(room, for: viewer) }
                send(c, frames[masked]!)
            }
        }
    }
}
