import AtriumCore
import Foundation

/// The SFU path of calls (docs/calls.md "Large events: the SFU path"): with `rtc.sfu = janus`, a
/// call that would have more than `rtc.sfu_after` participants (default `rtc.mesh_max`) moves to a
/// Janus VideoRoom room the hub creates. Every participant gets a fresh random token in the room's
/// `allowed` list and a publisher id chosen by the hub, pushed as `rtc.sfu`; leaving (any reason:
/// rtc.leave, rtc.remove, permission loss, a dropped connection, moving tabs) removes the token
/// and kicks every Janus participant that is not a current seat; the end of the call destroys the
/// room. Atrium's permissions stay authoritative: Janus admits only tokens the hub added.
///
/// Service thread only; the blocking Janus requests run on `JanusWorker` and come back through
/// the Inbox. Only ids and strings cross threads.
final class SFURegistry {
    var worker: JanusWorker?
    var rooms: [RoomID: SFURoom] = [:]
}

final class SFURoom {
    let janusRoom: Int64
    let secret: String
    var ready = false
    /// By connection: the participant's token and Janus publisher id.
    var seats: [UInt64: SFUSeat] = [:]
    /// Seats whose token Janus has accepted (their `rtc.sfu` was sent).
    var confirmed: Set<UInt64> = []

    init(janusRoom: Int64, secret: String) {
        self.janusRoom = janusRoom
        self.secret = secret
    }
}

struct SFUSeat: Sendable, Equatable {
    let token: String
    let id: Int64
}

extension Hub {
    var sfuEnabled: Bool { config.rtcSFU == "janus" }

    /// Most participants of one call: the SFU's when it is configured, else the mesh's.
    var callCapacity: Int { sfuEnabled ? max(config.rtcSFUMax, config.rtcMeshMax) : config.rtcMeshMax }

    private var sfuThreshold: Int { config.rtcSFUAfter > 0 ? config.rtcSFUAfter : config.rtcMeshMax }

    private var janusWorker: JanusWorker {
        if let w = sfu.worker { return w }
        let w = JanusWorker(url: config.rtcJanusWSURL, adminKey: config.rtcJanusAdminKey,
                            adminURL: config.rtcJanusAdminURL, adminSecret: config.rtcJanusAdminSecret)
        sfu.worker = w
        return w
    }

    static func sfuRandomID() -> Int64 { Int64.random(in: 1...((1 << 53) - 1)) }  // exact in JavaScript
    static func sfuRandomToken() -> String {
        (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// At shutdown (service thread, after the loop ended): destroys the Janus rooms of calls still
    /// going on, so they do not outlive Atrium, then ends the worker (it finishes queued jobs).
    func stopSFU() {
        guard let worker = sfu.worker else { return }
        let log = logger
        for (_, s) in sfu.rooms {
            let (janusRoom, secret) = (s.janusRoom, s.secret)
            worker.submit { v, _ in
                do { try v.destroy(janusRoom, secret: secret) } catch { log.warning("janus: destroying room \(janusRoom) at shutdown: \(error)") }
            }
        }
        sfu.rooms.removeAll()
        worker.stop()
        sfu.worker = nil
    }

    /// The `sfu` field of the rtc.join reply: nil for a mesh call.
    func sfuJoinField(_ c: Connection, room: RoomState, user: UserProfile) -> JSON? {
        guard let s = sfu.rooms[room.record.id] else { return nil }
        if s.confirmed.contains(c.id), let seat = s.seats[c.id] { return sfuInfo(room, s, seat, for: user) }
        return .object([("kind", "janus"), ("pending", .bool(true))])
    }

    private func sfuInfo(_ room: RoomState, _ s: SFURoom, _ seat: SFUSeat, for user: UserProfile) -> JSON {
        let url = config.rtcJanusPublicURL.isEmpty ? config.rtcJanusWSURL : config.rtcJanusPublicURL
        var fields: [(String, JSON)] = [("kind", "janus"), ("url", .string(url)), ("janus_room", .int(s.janusRoom)),
                                        ("token", .string(seat.token)), ("id", .int(seat.id))]
        fields += iceServers(for: user)
        return .object(JSONObject(fields))
    }

    /// After every change of a call (hooked into `callChanged`): moves a call that grew past the
    /// threshold to the SFU, and brings the Janus room's seats in line with the participants.
    func sfuReconcile(_ room: RoomState) {
        let roomID = room.record.id
        guard let s = sfu.rooms[roomID] else {
            guard sfuEnabled, room.call.isActive, room.call.participants.count > sfuThreshold else { return }
            sfuCreate(room)
            return
        }
        let current = Set(room.call.participants.map(\.conn))
        // Seats of connections no longer in the call: revoke the token, kick from Janus.
        let gone = s.seats.filter { !current.contains($0.key) }
        for conn in gone.keys { s.seats[conn] = nil; s.confirmed.remove(conn) }
        if !room.call.isActive {
            sfu.rooms[roomID] = nil
            let (janusRoom, secret) = (s.janusRoom, s.secret)
            let log = logger
            janusWorker.submit { v, _ in
                do { try v.destroy(janusRoom, secret: secret) } catch { log.warning("janus: destroying room \(janusRoom): \(error)") }
            }
            return
        }
        if !gone.isEmpty {
            let tokens = gone.values.map(\.token)
            let keep = Set(s.seats.values.map(\.id))
            let (janusRoom, secret) = (s.janusRoom, s.secret)
            let goneIDs = Set(gone.values.map(\.id))
            let log = logger
            janusWorker.submit { v, admin in
                do {
                    try v.allowed(janusRoom, secret: secret, action: "remove", tokens: tokens)
                    // With the Admin API: end the removed people's Janus sessions (their subscriptions too).
                    if let admin {
                        do { _ = try admin.destroySessions(room: janusRoom, publishers: goneIDs) } catch {
                            log.warning("janus admin: ending sessions in room \(janusRoom): \(error)")
                        }
                    }
                    // Every publisher that is not a current seat (also one that joined with an id of its own).
                    for id in try v.participants(janusRoom) where !keep.contains(id) {
                        do { try v.kick(janusRoom, secret: secret, id: id) } catch { log.warning("janus: kicking \(id) from room \(janusRoom): \(error)") }
                    }
                } catch { log.warning("janus: revoking seats in room \(janusRoom): \(error)") }
            }
        }
        // New participants: a fresh token each.
        var added: [UInt64: SFUSeat] = [:]
        for p in room.call.participants where s.seats[p.conn] == nil {
            let seat = SFUSeat(token: Hub.sfuRandomToken(), id: Hub.sfuRandomID())
            s.seats[p.conn] = seat
            added[p.conn] = seat
        }
        if !added.isEmpty && s.ready { sfuAllow(room, s, added) }
    }

    private func sfuCreate(_ room: RoomState) {
        let s = SFURoom(janusRoom: Hub.sfuRandomID(), secret: Hub.sfuRandomToken())
        for p in room.call.participants { s.seats[p.conn] = SFUSeat(token: Hub.sfuRandomToken(), id: Hub.sfuRandomID()) }
        sfu.rooms[room.record.id] = s
        let roomID = room.record.id, seats = s.seats, (janusRoom, secret) = (s.janusRoom, s.secret)
        let publishers = callCapacity, description = "atrium:\(roomID)"
        logger.info("call moves to the SFU", metadata: ["room": "\(roomID)", "janus.room": "\(janusRoom)"])
        janusWorker.submit { [inbox] v, _ in
            let result: String?
            do {
                try v.createRoom(janusRoom, secret: secret, publishers: publishers, allowed: seats.values.map(\.token), description: description)
                result = nil
            } catch { result = "\(error)" }
            inbox.post { hub in hub.sfuSeatsAnswered(roomID, janusRoom: janusRoom, seats: seats, error: result, created: true) }
        }
    }

    private func sfuAllow(_ room: RoomState, _ s: SFURoom, _ seats: [UInt64: SFUSeat]) {
        let roomID = room.record.id, (janusRoom, secret) = (s.janusRoom, s.secret)
        janusWorker.submit { [inbox] v, _ in
            let result: String?
            do { try v.allowed(janusRoom, secret: secret, action: "add", tokens: seats.values.map(\.token)); result = nil } catch { result = "\(error)" }
            inbox.post { hub in hub.sfuSeatsAnswered(roomID, janusRoom: janusRoom, seats: seats, error: result, created: false) }
        }
    }

    /// Janus answered a create or an `allowed add`: push `rtc.sfu` to each seat still current, or
    /// take those participants out of the call if Janus failed.
    func sfuSeatsAnswered(_ roomID: RoomID, janusRoom: Int64, seats: [UInt64: SFUSeat], error: String?, created: Bool) {
        guard let room = rooms[roomID], let s = sfu.rooms[roomID], s.janusRoom == janusRoom else { return }
        if let error {
            logger.warning("janus: \(created ? "creating room" : "adding seats to room") \(janusRoom): \(error)")
            if created { sfu.rooms[roomID] = nil }
            for conn in seats.keys where s.seats[conn] == seats[conn] || created {
                if let c = connections[conn] { takeOutOfCall(c, room, reason: "sfu_unavailable", by: nil) }
            }
            return
        }
        if created {
            s.ready = true
            // Participants who joined while the room was being created.
            let late = s.seats.filter { seats[$0.key] == nil }
            if !late.isEmpty { sfuAllow(room, s, late) }
        }
        for (conn, seat) in seats where s.seats[conn] == seat {
            s.confirmed.insert(conn)
            guard let c = connections[conn], let user = c.user else { continue }
            send(c, JSON.object([("type", "rtc.sfu"), ("room", .string(roomID)), ("sfu", sfuInfo(room, s, seat, for: user))]).encoded())
        }
    }
}

extension Hub {
    /// The security headers, with the browsers' Janus URL added to the CSP's `connect-src` when
    /// the SFU is on (browsers talk to Janus directly). Hooked into Hub+HTTP's responses.
    func sfuSecurityHeaders(tls: Bool) -> [(String, String)] {
        let headers = SecurityHeaders.all(tls: tls)
        guard sfuEnabled else { return headers }
        let url = config.rtcJanusPublicURL.isEmpty ? config.rtcJanusWSURL : config.rtcJanusPublicURL
        // The origin only (scheme://host:port): a path would restrict the source to that path.
        var origin = url
        if let schemeEnd = url.range(of: "://"), let slash = url[schemeEnd.upperBound...].firstIndex(of: "/") {
            origin = String(url[..<slash])
        }
        guard !origin.contains(where: { $0 == ";" || $0 == " " || $0 == "'" }) else { return headers }
        return headers.map { name, value in
            name == "content-security-policy"
                ? (name, value.replacingOccurrences(of: "connect-src 'self'", with: "connect-src 'self' \(origin)"))
                : (name, value)
        }
    }
}
