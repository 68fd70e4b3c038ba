// Pre-moderation through real sockets: a student's post waits, visible only to its author and
// the moderators, until approved; then everyone gets it.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Pre-moderation")
struct PremoderationTests {
    @Test func aStudentsPostWaitsForApproval() async throws {
        try await withRunningServer { server in
            let tina = try server.connect(as: "tina")   // owner of class 7A
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            for ws in [tina, alice, bob] { _ = try ws.join("class-7a") }
            #expect(try alice.request(["type": "room.settings", "room": "class-7a", "premoderated": true]).code == "forbidden")
            #expect(try tina.request(["type": "room.settings", "room": "class-7a", "premoderated": true])["room"]?["premoderated"] == .bool(true))
            let seq = try alice.post("class-7a", "my first idea")
            // The author and the moderator see it, marked as waiting; Bob does not.
            #expect(try alice.receive(where: { $0["seq"]?.intValue == seq })["pending"] == .bool(true))
            #expect(try tina.receive(where: { $0["seq"]?.intValue == seq })["pending"] == .bool(true))
            #expect(!bob.drain(for: 0.4).contains { $0["seq"]?.intValue == seq })
            let bobsHistory = try #require(bob.request(["type": "history", "room": "class-7a"])["events"]?.arrayValue)
            #expect(!bobsHistory.contains { $0["seq"]?.intValue == seq })
            // A teacher's own post is not held.
            let tinaSeq = try tina.post("class-7a", "welcome")
            #expect(try bob.receive(where: { $0["seq"]?.intValue == tinaSeq })["pending"] == nil)
            // Only a moderator approves; then everyone gets the message.
            #expect(try bob.request(["type": "mod.approve", "room": "class-7a", "seq": .int(seq)]).code == "forbidden")
            #expect(try tina.request(["type": "mod.approve", "room": "class-7a", "seq": .int(seq)]).isOK)
            let approved = try bob.receive(where: { $0["kind"]?.stringValue == "chat.approved" })
            #expect(approved["target"]?.intValue == seq)
            #expect(approved["text"]?.stringValue == "my first idea")
            #expect(approved["author"]?.intValue == alice.welcome?["user"]?["id"]?.intValue)
            #expect(try tina.request(["type": "mod.approve", "room": "class-7a", "seq": .int(seq)]).code == "conflict")
            let after = try #require(bob.request(["type": "history", "room": "class-7a"])["events"]?.arrayValue)
            #expect(after.first { $0["seq"]?.intValue == seq }?["text"]?.stringValue == "my first idea")
        }
    }
}
