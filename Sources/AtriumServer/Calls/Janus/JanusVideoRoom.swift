// The hub's own Janus session: one WebSocket, one session, one handle on the VideoRoom plugin,
// used for the synchronous room requests (create, allowed, kick, listparticipants, destroy).
// Blocking: runs only on the Janus worker thread (JanusWorker). Reconnects on the next request
// after any failure.

import AtriumCore

final class JanusVideoRoom {
    let url: String
    /// VideoRoom `admin_key` (janus.plugin.videoroom.jcfg), if Janus requires one to create rooms.
    let adminKey: String
    private var socket: JanusSocket?
    private var session: Int64 = 0
    private var handle: Int64 = 0
    private var nextTransaction = 0

    init(url: String, adminKey: String) {
        self.url = url
        self.adminKey = adminKey
    }

    func close() { socket?.close(); socket = nil }

    /// A Janus-level request; returns the first reply with our transaction that is not an `ack`.
    private func call(_ fields: [(String, JSON)]) throws -> JSON {
        guard let socket else { throw JanusError("not connected to Janus") }
        nextTransaction += 1
        let tx = "atrium-\(nextTransaction)"
        try socket.send(.object(JSONObject(fields + [("transaction", .string(tx))])))
        while true {
            let reply = try socket.receive()
            guard reply["transaction"]?.stringValue == tx else { continue }  // events of others
            if reply["janus"]?.stringValue == "ack" { continue }
            if reply["janus"]?.stringValue == "error" {
                throw JanusError("Janus: \(reply["error"]?["reason"]?.stringValue ?? reply.encodedString())")
            }
            return reply
        }
    }

    private func connect() throws {
        if socket?.isOpen == true, session != 0, handle != 0 { return }
        close()
        socket = try JanusSocket(url: url)
        let created = try call([("janus", "create")])
        guard let s = created["data"]?["id"]?.intValue else { throw JanusError("Janus create: no session id") }
        session = s
        let attached = try call([("janus", "attach"), ("session_id", .int(s)), ("plugin", "janus.plugin.videoroom")])
        guard let h = attached["data"]?["id"]?.intValue else { throw JanusError("Janus attach: no handle id") }
        handle = h
    }

    /// A VideoRoom request; returns `plugindata.data` or throws the plugin's error.
    func request(_ body: [(String, JSON)]) throws -> JSON {
        do {
            try connect()
            var fields = body
            if !adminKey.isEmpty, body.first?.1 == .string("create") { fields.append(("admin_key", .string(adminKey))) }
            let reply = try call([("janus", "message"), ("session_id", .int(session)), ("handle_id", .int(handle)),
                                  ("body", .object(JSONObject(fields)))])
            guard let data = reply["plugindata"]?["data"] else { throw JanusError("Janus: no plugin data in \(reply.encodedString().prefix(200))") }
            if let error = data["error"]?.stringValue {
                throw JanusVideoRoomError(code: data["error_code"]?.intValue ?? 0, message: error)
            }
            return data
        } catch let e as JanusVideoRoomError {
            throw e
        } catch {
            close()  // the connection is in an unknown state: start afresh next time
            throw error
        }
    }

    /// Keeps the session alive (Janus drops sessions silent for `session_timeout`, 60 s by default).
    func keepalive() {
        guard socket?.isOpen == true, session != 0 else { return }
        do { _ = try call([("janus", "keepalive"), ("session_id", .int(session))]) } catch { close() }
    }

    // MARK: - VideoRoom requests

    func createRoom(_ room: Int64, secret: String, publishers: Int, allowed: [String], description: String) throws {
        _ = try request([("request", "create"), ("room", .int(room)), ("permanent", .bool(false)),
                         ("description", .string(description)), ("secret", .string(secret)),
                         ("publishers", .int(Int64(publishers))), ("allowed", .array(allowed.map { .string($0) })),
                         ("is_private", .bool(true)),
                         // Subscriptions need a publisher's private_id: a kicked publisher's id is dead.
                         ("require_pvtid", .bool(true))])
    }

    func allowed(_ room: Int64, secret: String, action: String, tokens: [String]) throws {
        _ = try request([("request", "allowed"), ("room", .int(room)), ("secret", .string(secret)),
                         ("action", .string(action)), ("allowed", .array(tokens.map { .string($0) }))])
    }

    func participants(_ room: Int64) throws -> [Int64] {
        let data = try request([("request", "listparticipants"), ("room", .int(room))])
        guard case .array(let list)? = data["participants"] else { return [] }
        return list.compactMap { $0["id"]?.intValue }
    }

    func kick(_ room: Int64, secret: String, id: Int64) throws {
        _ = try request([("request", "kick"), ("room", .int(room)), ("secret", .string(secret)), ("id", .int(id))])
    }

    func destroy(_ room: Int64, secret: String) throws {
        _ = try request([("request", "destroy"), ("room", .int(room)), ("secret", .string(secret)), ("permanent", .bool(false))])
    }
}

struct JanusVideoRoomError: Error, CustomStringConvertible {
    let code: Int64
    let message: String
    var description: String { "VideoRoom error \(code): \(message)" }
}

/// The Janus Admin API (WebSocket, subprotocol "janus-admin-protocol"): finds the sessions that
/// hold a removed participant's VideoRoom handles and destroys them, so a client that ignores
/// its kick keeps no subscription. Worker thread only.
final class JanusAdmin {
    let url: String
    let secret: String
    private var socket: JanusSocket?
    private var nextTransaction = 0

    init(url: String, secret: String) {
        self.url = url
        self.secret = secret
    }

    func close() { socket?.close(); socket = nil }

    private func call(_ fields: [(String, JSON)]) throws -> JSON {
        do {
            if socket?.isOpen != true { socket = try JanusSocket(url: url, subprotocol: "janus-admin-protocol") }
            nextTransaction += 1
            let tx = "atrium-admin-\(nextTransaction)"
            try socket!.send(.object(JSONObject(fields + [("transaction", .string(tx)), ("admin_secret", .string(secret))])))
            while true {
                let reply = try socket!.receive()
                guard reply["transaction"]?.stringValue == tx else { continue }
                if reply["janus"]?.stringValue == "error" {
                    throw JanusError("Janus admin: \(reply["error"]?["reason"]?.stringValue ?? reply.encodedString())")
                }
                return reply
            }
        } catch {
            close()
            throw error
        }
    }

    private func ids(_ reply: JSON, _ key: String) -> [Int64] {
        guard case .array(let list)? = reply[key] else { return [] }
        return list.compactMap(\.intValue)
    }

    /// Destroys every Janus session with a VideoRoom handle in `room` that is the publisher
    /// `ids`, or a subscription made with the private id of one of them. Returns how many.
    func destroySessions(room: Int64, publishers ids: Set<Int64>) throws -> Int {
        var privateIDs: Set<Int64> = []
        var doomed: Set<Int64> = []
        var subscribers: [(session: Int64, pvt: Int64)] = []
        for session in self.ids(try call([("janus", "list_sessions")]), "sessions") {
            guard let handles = try? call([("janus", "list_handles"), ("session_id", .int(session))]) else { continue }
            for handle in self.ids(handles, "handles") {
                guard let info = try? call([("janus", "handle_info"), ("session_id", .int(session)), ("handle_id", .int(handle))]),
                      let p = info["info"]?["plugin_specific"], p["room"]?.intValue == room else { continue }
                if p["type"]?.stringValue == "publisher", let id = p["id"]?.intValue, ids.contains(id) {
                    doomed.insert(session)
                    if let pvt = p["private_id"]?.intValue { privateIDs.insert(pvt) }
                } else if p["type"]?.stringValue == "subscriber", let pvt = (p["private_id"] ?? p["pvt_id"])?.intValue {
                    subscribers.append((session, pvt))
                }
            }
        }
        for s in subscribers where privateIDs.contains(s.pvt) { doomed.insert(s.session) }
        for session in doomed { _ = try? call([("janus", "destroy_session"), ("session_id", .int(session))]) }
        return doomed.count
    }
}
