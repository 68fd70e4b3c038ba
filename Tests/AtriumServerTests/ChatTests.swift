// PROTOCOL.md "Chat" and typing: send, nonce idempotency, edit, delete, typing relay.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Chat")
struct ChatTests {
    @Test func sendAssignsSeqsGrowingByOneAndEveryoneGetsTheEvent() async throws {
        try await withRunningServer(seed: Seed.withMessages(2)) { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            try alice.join("lounge", since: 2)
            try bob.join("lounge", since: 2)
            let seqs = try (1...4).map { try alice.post("lounge", "hello \($0)", nonce: "n-\($0)") }
            #expect(seqs == [3, 4, 5, 6])
            let seen = try bob.events("lounge", count: 4)
            #expect(seen.map(\.seq) == [3, 4, 5, 6])
            let e = seen[0]
            #expect(e["kind"]?.stringValue == "chat.message")
            #expect(e["text"]?.stringValue == "hello 1")
            #expect(e["nonce"]?.stringValue == "n-1")
            #expect(e["actor"]?.intValue == alice.userID)
            #expect(e["room"]?.stringValue == "lounge")
            // The sender gets the event too.
            #expect(try alice.events("lounge", count: 4).map(\.seq) == [3, 4, 5, 6])
        }
    }

    @Test func nonceResendReturnsTheSameSeqAndBroadcastsNothing() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            try alice.join("lounge")
            try bob.join("lounge")
            let first = try alice.chatSend("lounge", "only once", nonce: "nonce-42")
            let seq = try #require(first.seq)
            #expect(try bob.nextEvent("lounge").seq == seq)
            #expect(try alice.nextEvent("lounge").seq == seq)

            let again = try alice.chatSend("lounge", "only once", nonce: "nonce-42")
            #expect(again.isOK)
            #expect(again.seq == seq)
            #expect(again["duplicate"]?.boolValue == true)
            #expect(bob.drain(for: 0.4).filter { $0.type == "event" }.isEmpty)
            #expect(alice.drain(for: 0.1).filter { $0.type == "event" }.isEmpty)

            // Another user's same nonce is a different message; so is the next send.
            let bobs = try bob.chatSend("lounge", "mine", nonce: "nonce-42")
            #expect(bobs.seq == seq + 1)
            #expect(bobs["duplicate"] == nil)
        }
    }

    @Test func editOwnMessage() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            try alice.join("lounge")
            try bob.join("lounge")
            let seq = try alice.post("lounge", "typo")
            _ = try bob.nextEvent("lounge")
            let r = try alice.request(["type": "chat.edit", "room": "lounge", "seq": .int(seq), "text": "fixed"])
            #expect(r.isOK)
            let edited = try bob.nextEvent("lounge")
            #expect(edited["kind"]?.stringValue == "chat.edited")
            #expect(edited["target"]?.intValue == seq)
            #expect(edited["text"]?.stringValue == "fixed")
            #expect(edited.seq == seq + 1)
        }
    }

    @Test func editingSomeoneElsesMessageIsForbidden() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            try alice.join("lounge")
            try bob.join("lounge")
            let seq = try alice.post("lounge", "alice's words")
            let edit = try bob.request(["type": "chat.edit", "room": "lounge", "seq": .int(seq), "text": "bob's words"])
            #expect(edit.code == "forbidden")
            let delete = try bob.request(["type": "chat.delete", "room": "lounge", "seq": .int(seq)])
            #expect(delete.code == "forbidden")
            let history = try bob.request(["type": "history", "room": "lounge"])
            #expect(history["events"]?.arrayValue?.last?["text"]?.stringValue == "alice's words")
        }
    }

    @Test func deleteOwnMessageRemovesTheTextFromHistory() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            try alice.join("lounge")
            try bob.join("lounge")
            let seq = try alice.post("lounge", "secret")
            _ = try alice.post("lounge", "keep me")
            #expect(try alice.request(["type": "chat.edit", "room": "lounge", "seq": .int(seq), "text": "secret v2"]).isOK)
            #expect(try bob.events("lounge", count: 3).count == 3)
            let r = try alice.request(["type": "chat.delete", "room": "lounge", "seq": .int(seq)])
            #expect(r.isOK)
            let deleted = try bob.nextEvent("lounge")
            #expect(deleted["kind"]?.stringValue == "chat.deleted")
            #expect(deleted["target"]?.intValue == seq)

            let events = try #require(try bob.request(["type": "history", "room": "lounge"])["events"]?.arrayValue)
            let original = try #require(events.first { $0.seq == seq })
            #expect(original["kind"]?.stringValue == "chat.message")
            #expect(original["deleted"]?.boolValue == true)
            #expect(original["text"] == nil)
            #expect(events.first { $0.seq == seq + 1 }?["text"]?.stringValue == "keep me")
            // The edit that carried newer text loses it too.
            let edit = try #require(events.first { $0["kind"]?.stringValue == "chat.edited" })
            #expect(edit["text"] == nil)
            // And a fresh join's replay shows the same.
            let carol = try server.connect(as: "tina")
            try carol.join("lounge")
            let replay = try carol.events("lounge", count: 4)
            #expect(replay.first { $0.seq == seq }?["text"] == nil)
            #expect(!replay.contains { $0.encodedString().contains("secret") })
        }
    }

    @Test func typingReachesOthersButNotTheSender() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            let aliceTab2 = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            let tina = try server.connect(as: "tina")
            for ws in [alice, aliceTab2, bob] { try ws.join("lounge") }
            try tina.join("class-7a")
            #expect(try alice.request(["type": "typing", "room": "lounge"]).isOK)
            let t = try bob.receive(type: "typing")
            #expect(t == ["type": "typing", "room": "lounge", "user": .int(alice.userID)])
            #expect(alice.drain(for: 0.3).filter { $0.type == "typing" }.isEmpty)
            #expect(aliceTab2.drain(for: 0.1).filter { $0.type == "typing" }.isEmpty)
            #expect(tina.drain(for: 0.1).filter { $0.type == "typing" }.isEmpty)
        }
    }
}
