// The `read` extension (docs/protocol.md "Read markers"): unread counts in `rooms`, markers that
// only move forward, and presence counts.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Read markers and room summaries")
struct ReadMarkerTests {
    private func room(_ rooms: JSON?, _ id: String) -> JSON? {
        rooms?.arrayValue?.first { $0["id"]?.stringValue == id }
    }

    @Test func unreadCountsMessagesByOthersAfterTheMarker() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            _ = try alice.join("lounge")
            for i in 1...3 { _ = try alice.post("lounge", "hello \(i)") }
            _ = try bob.join("class-7a")
            _ = try bob.post("class-7a", "bob writes in class")  // bob's own message is never unread for bob
            let before = try bob.request(["type": "rooms"])["rooms"]
            #expect(room(before, "lounge")?["unread"]?.intValue == 3)
            #expect(room(before, "lounge")?["latest"]?.intValue == 3)
            #expect(room(before, "lounge")?["present"]?.intValue == 1)
            #expect(room(before, "class-7a")?["unread"]?.intValue == 0)

            let marked = try bob.request(["type": "read", "room": "lounge", "seq": 2])
            #expect(marked["type"]?.stringValue == "ok" && marked["read"]?.intValue == 2)
            #expect(room(try bob.request(["type": "rooms"])["rooms"], "lounge")?["unread"]?.intValue == 1)

            // Markers never move back, and never past the room's last seq.
            #expect(try bob.request(["type": "read", "room": "lounge", "seq": 1])["read"]?.intValue == 2)
            #expect(try bob.request(["type": "read", "room": "lounge", "seq": 999])["read"]?.intValue == 3)
            let after = try bob.request(["type": "rooms"])["rooms"]
            #expect(room(after, "lounge")?["unread"]?.intValue == 0)
            #expect(room(after, "lounge")?["read"]?.intValue == 3)
            // Alice's own messages are not unread for her.
            #expect(room(try alice.request(["type": "rooms"])["rooms"], "lounge")?["unread"]?.intValue == 0)
        }
    }

    @Test func readNeedsAKnownRoomAndAValidSeq() async throws {
        try await withRunningServer { server in
            let bob = try server.connect(as: "bob")
            #expect(try bob.request(["type": "read", "room": "nowhere", "seq": 1])["code"]?.stringValue == "not_found")
            #expect(try bob.request(["type": "read", "room": "lounge"])["code"]?.stringValue == "bad_request")
            #expect(try bob.request(["type": "read", "room": "lounge", "seq": -1])["code"]?.stringValue == "bad_request")
        }
    }
}
