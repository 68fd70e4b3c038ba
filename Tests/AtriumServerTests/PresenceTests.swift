// PROTOCOL.md "Presence": joins and leaves, one entry per person, reconnect grace.

import AtriumCore
import AtriumTestSupport
import Testing

/// Presence frames of `room` mentioning `user` (joined or left).
private func mentions(_ messages: [JSON], user: Int64) -> [JSON] {
    messages.filter { m in
        m.type == "presence" && (
            (m["joined"]?.arrayValue ?? []).contains { $0["user"]?.intValue == user } ||
            (m["left"]?.arrayValue ?? []).contains { $0.intValue == user })
    }
}

private func isJoin(of user: Int64) -> (JSON) -> Bool {
    { m in m.type == "presence" && (m["joined"]?.arrayValue ?? []).contains { $0["user"]?.intValue == user } }
}

private func isLeave(of user: Int64) -> (JSON) -> Bool {
    { m in m.type == "presence" && (m["left"]?.arrayValue ?? []).contains { $0.intValue == user } }
}

@Suite("Presence")
struct PresenceTests {
    @Test func membersSeeEachOtherJoinAndLeave() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            try alice.join("lounge")
            let bob = try server.connect(as: "bob")
            let joinReply = try bob.join("lounge")
            #expect((joinReply["presence"]?.arrayValue ?? []).contains { $0["user"]?.intValue == alice.userID })

            let p = try alice.receive(where: isJoin(of: bob.userID))
            #expect(p["room"]?.stringValue == "lounge")
            let entry = try #require(p["joined"]?.arrayValue?.first { $0["user"]?.intValue == bob.userID })
            #expect(entry == ["user": .int(bob.userID), "name": "Bob Ivanov", "role": "student"])
            #expect(p["left"]?.arrayValue != nil)
            // Bob learned of alice from his join reply (checked above); a presence frame naming
            // her reaches him only if her join was still unannounced when he came, which depends
            // on timing, so it is not required here.

            #expect(try bob.request(["type": "leave", "room": "lounge"]).isOK)
            let left = try alice.receive(where: isLeave(of: bob.userID))
            #expect(left["room"]?.stringValue == "lounge")
        }
    }

    @Test func twoTabsAreOnePersonWhoLeavesWithTheLastTab() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            try alice.join("lounge")
            let token = try server.signIn("bob")
            let tab1 = try server.connect(token: token)
            let tab2 = try server.connect(as: "bob")  // another session of the same person
            try tab1.join("lounge")
            _ = try alice.receive(where: isJoin(of: tab1.userID))
            let reply = try tab2.join("lounge")
            let bobEntries = (reply["presence"]?.arrayValue ?? []).filter { $0["user"]?.intValue == tab1.userID }
            #expect(bobEntries.count == 1)
            #expect(mentions(alice.drain(for: 0.4), user: tab1.userID).isEmpty, "second tab announced again")

            #expect(try tab1.request(["type": "leave", "room": "lounge"]).isOK)
            #expect(mentions(alice.drain(for: 0.4), user: tab1.userID).isEmpty, "left while a tab remains")
            tab2.close()
            _ = try alice.receive(where: isLeave(of: tab1.userID), timeout: 8)
        }
    }

    @Test func reconnectWithinGraceIsInvisible() async throws {
        try await withRunningServer(configure: { $0.presenceGraceSeconds = 1.5 }) { server in
            let alice = try server.connect(as: "alice")
            try alice.join("lounge")
            let token = try server.signIn("bob")
            let bob = try server.connect(token: token)
            try bob.join("lounge")
            _ = try alice.receive(where: isJoin(of: bob.userID))

            bob.abort()  // network lost, no close frame
            let again = try server.connect(token: token)
            try again.join("lounge")
            let seen = alice.drain(for: 2.5)  // longer than the grace period
            #expect(mentions(seen, user: bob.userID).isEmpty,
                    "presence flickered: \(mentions(seen, user: bob.userID).map { $0.encodedString() })")
        }
    }

    @Test func droppedConnectionLeavesAfterGrace() async throws {
        try await withRunningServer(configure: { $0.presenceGraceSeconds = 0.5 }) { server in
            let alice = try server.connect(as: "alice")
            try alice.join("lounge")
            let bob = try server.connect(as: "bob")
            try bob.join("lounge")
            _ = try alice.receive(where: isJoin(of: bob.userID))
            let start = ContinuousClock.now
            bob.abort()
            _ = try alice.receive(where: isLeave(of: bob.userID), timeout: 5)
            let waited = ContinuousClock.now - start
            #expect(waited >= .milliseconds(400), "left came before the grace period ended (\(waited))")
        }
    }
}
