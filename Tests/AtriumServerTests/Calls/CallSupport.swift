// Helpers for the call integration tests: a seed with rooms for calls, and rtc.* requests.

import AtriumCore
import AtriumStore
import AtriumTestSupport
import Testing

enum CallFixtures {
    /// The default fixtures plus: `studio` (conference, open: members start calls and present;
    /// tina moderates it), `meeting` (knock; tina moderates), and a partner, pat.
    static func seed(_ store: StoreConnection) throws {
        try TestFixtures.seedDefault(store)
        try store.addRoom(RoomRecord(id: "studio", name: "Studio", kind: .conference), nowMillis: 1)
        try store.addRoom(RoomRecord(id: "meeting", name: "Meeting", kind: .meeting, joinRule: .knock), nowMillis: 1)
        let tina = try #require(try store.user(login: "tina")).profile.id
        try store.setMember(room: "studio", userID: tina, role: .moderator, nowMillis: 1)
        try store.setMember(room: "meeting", userID: tina, role: .moderator, nowMillis: 1)
        _ = try store.addUser(login: "pat", name: "Pat Partner", role: .partner, group: nil,
                              passwordHash: Passwords.hash(TestFixtures.password(for: "pat"), logN: 10),
                              mustChangePassword: false, nowMillis: 1)
    }
}

extension TestWebSocket {
    var conn: String { welcome?["conn"]?.stringValue ?? "?" }

    /// Joins the room and its call; returns the rtc.join reply.
    @discardableResult
    func enterCall(_ room: String, mic: Bool = false) throws -> JSON {
        _ = try join(room)
        return try request(["type": "rtc.join", "room": .string(room), "mic": .bool(mic)])
    }

    func rtc(_ type: String, _ room: String, _ fields: JSONObject = [:]) throws -> JSON {
        var f: JSONObject = ["type": .string("rtc." + type), "room": .string(room)]
        for (k, v) in fields.fields { f[k] = v }
        return try request(f)
    }

    func signal(_ room: String, to: String, kind: String = "ice", data: JSON = .object([("candidate", "x")])) throws -> JSON {
        try rtc("signal", room, ["to": .string(to), "kind": .string(kind), "data": data])
    }

    /// The next rtc.state of `room` that satisfies `predicate`.
    func callState(_ room: String, timeout: Double = 5, where predicate: (JSON) -> Bool = { _ in true }) throws -> JSON {
        try receive(where: { $0.type == "rtc.state" && $0["room"]?.stringValue == room && predicate($0["call"] ?? .null) },
                    timeout: timeout)["call"] ?? .null
    }

    func next(_ type: String, timeout: Double = 5) throws -> JSON {
        try receive(where: { $0.type == type }, timeout: timeout)
    }

    /// Whether a message of `type` arrives within `seconds`.
    func gets(_ type: String, within seconds: Double = 0.4) -> Bool {
        drain(for: seconds).contains { $0.type == type }
    }
}

extension JSON {
    var participantConns: [String] { self["participants"]?.arrayValue?.compactMap { $0["conn"]?.stringValue } ?? [] }
    func participant(_ user: Int64) -> JSON? { self["participants"]?.arrayValue?.first { $0["user"]?.intValue == user } }
}
