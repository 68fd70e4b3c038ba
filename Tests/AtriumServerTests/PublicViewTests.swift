// The public view: `public` rooms are readable without signing in, read-only, with students
// shown by display name only.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Public view (no sign-in)")
struct PublicViewTests {
    @Test func visitorsReadPublicRoomsOnly() async throws {
        try await withRunningServer { server in
            // The council is public; tina is a listed member and may write in it.
            let tina = try server.connect(as: "tina")
            _ = try tina.join("council")
            _ = try tina.post("council", "Agenda for Friday")
            try cli(["room", "member", "--data", server.dataDir, "--room", "council", "--login", "alice", "--role", "member"])
            let alice = try server.connect(as: "alice")
            #expect(try eventually { (try? alice.join("council"))?["role"]?.stringValue == "member" })
            _ = try alice.post("council", "Students agree")

            let list = try TestHTTP.request(port: server.port, method: "GET", path: "/api/public/rooms")
            #expect(list.status == 200)
            let ids = list.json?["rooms"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
            #expect(ids == ["council"])
            let page = try TestHTTP.request(port: server.port, method: "GET", path: "/api/public/rooms/council?limit=10")
            #expect(page.status == 200)
            let events = try #require(page.json?["events"]?.arrayValue)
            #expect(events.map { $0["text"]?.stringValue } == ["Agenda for Friday", "Students agree"])
            #expect(events.map { $0["actor_name"]?.stringValue } == ["Tina Petrova", "Alice S."])
            let older = try TestHTTP.request(port: server.port, method: "GET", path: "/api/public/rooms/council?before=2&limit=10")
            #expect(older.json?["events"]?.arrayValue?.count == 1)
            // Not public: nothing to see.
            #expect(try TestHTTP.request(port: server.port, method: "GET", path: "/api/public/rooms/class-7a").status == 404)
            #expect(try TestHTTP.request(port: server.port, method: "GET", path: "/api/public/rooms/lounge").status == 404)
        }
    }
}
