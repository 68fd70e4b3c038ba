// Knocking on a `knock` room through real sockets: the live queue, lobby talk, admit, refuse,
// back to the lobby, and persistence of the knock.

import AtriumCore
import AtriumStore
import AtriumTestSupport
import Testing

@Suite("Knock")
struct KnockTests {
    /// The default fixtures plus a meeting room (knock) that tina moderates.
    static func seed(_ store: StoreConnection) throws {
        try TestFixtures.seedDefault(store)
        try store.addRoom(RoomRecord(id: "meeting", name: "Meeting", kind: .meeting), nowMillis: 1)
        try store.addRoom(RoomRecord(id: "project-x", name: "Project X", kind: .project), nowMillis: 1)
        let tina = try #require(try store.user(login: "tina")).profile.id
        try store.setMember(room: "meeting", userID: tina, role: .moderator, nowMillis: 1)
    }

    @Test func knockTalkAdmitAndBackToTheLobby() async throws {
        try await withRunningServer(seed: KnockTests.seed) { server in
            let tina = try server.connect(as: "tina")
            let bob = try server.connect(as: "bob")
            let bobID = try #require(bob.welcome?["user"]?["id"]?.intValue)
            // Activity in the room stays hidden from those who may only knock.
            _ = try tina.join("meeting")
            _ = try tina.post("meeting", "private agenda")
            // Bob sees the room (knock rooms are listed) but cannot enter.
            let listed = try #require(bob.request(["type": "rooms"])["rooms"]?.arrayValue).first { $0["id"]?.stringValue == "meeting" }
            #expect(listed?["role"] == .null)
            #expect(listed?["unread"]?.intValue == 0 && listed?["latest"]?.intValue == 0 && listed?["present"]?.intValue == 0)
            #expect(try bob.request(["type": "join", "room": "meeting"]).code == "forbidden")
            // He knocks; the moderator sees the queue live.
            #expect(try bob.request(["type": "room.knock", "room": "meeting", "message": "May I join the meeting?"])["state"]?.stringValue == "waiting")
            let queue = try tina.receive(where: { $0["type"]?.stringValue == "room.knocks" })
            #expect(queue["knocks"]?.arrayValue?.first?["message"]?.stringValue == "May I join the meeting?")
            #expect(queue["knocks"]?.arrayValue?.first?["name"]?.stringValue == "Bob Ivanov")
            // The knock survives: the room list says he is waiting.
            let again = try #require(bob.request(["type": "rooms"])["rooms"]?.arrayValue).first { $0["id"]?.stringValue == "meeting" }
            #expect(again?["knock"]?.stringValue == "waiting")
            // Lobby talk both ways.
            #expect(try tina.request(["type": "room.lobby", "room": "meeting", "user": .int(bobID), "text": "Who are you?"]).isOK)
            #expect(try bob.receive(where: { $0["type"]?.stringValue == "room.lobby" })["text"]?.stringValue == "Who are you?")
            #expect(try bob.request(["type": "room.lobby", "room": "meeting", "text": "Bob from 7A"]).isOK)
            // (Each message also reaches its sender's other tabs; Tina's own copy comes first.)
            #expect(try tina.receive(where: { $0["type"]?.stringValue == "room.lobby" && $0["from"]?.intValue == bobID })["name"]?.stringValue == "Bob Ivanov")
            // Alice, who is not waiting, cannot use the lobby; a member cannot admit.
            let alice = try server.connect(as: "alice")
            #expect(try alice.request(["type": "room.lobby", "room": "meeting", "text": "hi"]).code == "forbidden")
            #expect(try alice.request(["type": "room.admit", "room": "meeting", "user": .int(bobID)]).code == "forbidden")
            // Admitted: Bob is told at once and can enter.
            #expect(try tina.request(["type": "room.admit", "room": "meeting", "user": .int(bobID)]).isOK)
            let access = try bob.receive(where: { $0["type"]?.stringValue == "room.access" })
            #expect(access["role"]?.stringValue == "member")
            #expect(try bob.join("meeting")["role"]?.stringValue == "member")
            // Sent back to the lobby: out of the room, waiting again.
            #expect(try tina.request(["type": "room.lobby.return", "room": "meeting", "user": .int(bobID)]).isOK)
            let back = try bob.receive(where: { $0["type"]?.stringValue == "room.access" })
            #expect(back["role"] == .null && back["reason"]?.stringValue?.contains("lobby") == true)
            #expect(try bob.request(["type": "history", "room": "meeting"]).code == "forbidden")
            #expect(try tina.request(["type": "room.knocks", "room": "meeting"])["knocks"]?.arrayValue?.count == 1)
            // Refused, with a reason he sees.
            #expect(try tina.request(["type": "room.refuse", "room": "meeting", "user": .int(bobID), "reason": "members only today"]).isOK)
            let refused = try bob.receive(where: { $0["type"]?.stringValue == "room.access" && $0["reason"]?.stringValue?.contains("declined") == true })
            #expect(refused["reason"]?.stringValue?.contains("members only today") == true)
            #expect(try tina.request(["type": "room.knocks", "room": "meeting"])["knocks"]?.arrayValue?.isEmpty == true)
            // Decisions are in the oversight log, for Bob to see.
            let log = try #require(bob.request(["type": "audit.mine"])["entries"]?.arrayValue)
            #expect(log.filter { $0["action"]?.stringValue == "room.knock" }.count == 3)
        }
    }

    @Test func knockRulesAndErrors() async throws {
        try await withRunningServer(seed: KnockTests.seed) { server in
            let bob = try server.connect(as: "bob")
            #expect(try bob.request(["type": "room.knock", "room": "lounge", "message": "hi"]).code == "conflict")   // open: just join
            #expect(try bob.request(["type": "room.knock", "room": "project-x", "message": "hi"]).code == "bad_request")  // members only
            #expect(try bob.request(["type": "room.knock", "room": "meeting"]).code == "bad_request")  // no message
            #expect(try bob.request(["type": "room.knock", "room": "meeting", "message": .string(String(repeating: "x", count: 501))]).code == "too_large")
            #expect(try bob.request(["type": "room.knock", "room": "nowhere", "message": "hi"]).code == "not_found")
            let tina = try server.connect(as: "tina")
            #expect(try tina.request(["type": "room.admit", "room": "meeting", "user": 999]).code == "not_found")
        }
    }
}
