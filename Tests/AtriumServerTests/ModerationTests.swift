// Moderation through real sockets: delete with a reason, mute, ban, remove, reports to the
// room's moderators and the safeguarding leads, and who may do what.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Moderation")
struct ModerationTests {
    @Test func deleteWithReasonMuteBanRemove() async throws {
        try await withRunningServer { server in
            // tina owns class 7A; alice and bob are members (fixtures).
            let tina = try server.connect(as: "tina")
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            let aliceID = try #require(alice.welcome?["user"]?["id"]?.intValue)
            for ws in [tina, alice, bob] { _ = try ws.join("class-7a") }
            let seq = try alice.post("class-7a", "something unkind")
            // A member cannot moderate.
            #expect(try bob.request(["type": "mod.delete", "room": "class-7a", "seq": .int(seq)]).code == "forbidden")
            #expect(try bob.request(["type": "mod.mute", "room": "class-7a", "user": .int(aliceID)]).code == "forbidden")
            // The owner deletes it with a reason: the text is gone for everyone, the fact stays.
            #expect(try tina.request(["type": "mod.delete", "room": "class-7a", "seq": .int(seq), "reason": "not kind"]).isOK)
            let deleted = try bob.receive(where: { $0["kind"]?.stringValue == "chat.deleted" })
            #expect(deleted["target"]?.intValue == seq && deleted["reason"]?.stringValue == "not kind")
            let history = try #require(bob.request(["type": "history", "room": "class-7a"])["events"]?.arrayValue)
            #expect(history.first { $0["seq"]?.intValue == seq }?["text"] == nil)
            // Muted for 10 minutes: told why, cannot write, still reads.
            #expect(try tina.request(["type": "mod.mute", "room": "class-7a", "user": .int(aliceID), "minutes": 10, "reason": "cool down"]).isOK)
            let muted = try alice.receive(where: { $0["type"]?.stringValue == "room.access" })
            #expect(muted["reason"]?.stringValue?.contains("muted") == true)
            #expect(muted["can"]?.arrayValue?.contains("post") == false)
            // A code and its parameters let clients say it in their own language.
            #expect(muted["reason_code"]?.stringValue == "muted")
            #expect(muted["detail"]?.stringValue == "cool down")
            #expect(muted["until"]?.stringValue != nil)
            #expect(muted["room_name"]?.stringValue == "Class 7A")
            #expect(try alice.request(["type": "chat.send", "room": "class-7a", "text": "hi"]).code == "forbidden")
            _ = try tina.post("class-7a", "still readable")
            #expect(try alice.receive(where: { $0["type"]?.stringValue == "event" && $0["text"]?.stringValue == "still readable" })["seq"] != nil)
            #expect(try tina.request(["type": "mod.unmute", "room": "class-7a", "user": .int(aliceID)]).isOK)
            _ = try alice.receive(where: { $0["type"]?.stringValue == "room.access" })
            #expect(try alice.request(["type": "chat.send", "room": "class-7a", "text": "sorry"]).isOK)
            // Banned: out at once and cannot come back; unbanned: may.
            #expect(try tina.request(["type": "mod.ban", "room": "class-7a", "user": .int(aliceID)]).isOK)
            let banned = try alice.receive(where: { $0["type"]?.stringValue == "room.access" && $0["reason"]?.stringValue?.contains("banned") == true })
            #expect(banned["can"]?.arrayValue == [])
            #expect(try alice.request(["type": "join", "room": "class-7a"])["message"]?.stringValue == "You are banned from this room.")
            #expect(try tina.request(["type": "mod.unban", "room": "class-7a", "user": .int(aliceID)]).isOK)
            #expect(try alice.join("class-7a")["type"]?.stringValue == "ok")
            // Removed: no longer listed, told why; owners cannot be removed by moderation.
            #expect(try tina.request(["type": "mod.remove", "room": "class-7a", "user": .int(aliceID), "reason": "left the class"]).isOK)
            let removed = try alice.receive(where: { $0["type"]?.stringValue == "room.access" && $0["reason"]?.stringValue?.contains("removed") == true })
            #expect(removed["role"] == .null)
            #expect(try alice.request(["type": "history", "room": "class-7a"]).code == "forbidden")
            let tinaID = try #require(tina.welcome?["user"]?["id"]?.intValue)
            #expect(try tina.request(["type": "mod.remove", "room": "class-7a", "user": .int(tinaID)]).code == "bad_request")
            // Every action is in the oversight log, for Alice to see.
            let log = try #require(alice.request(["type": "audit.mine"])["entries"]?.arrayValue).compactMap { $0["action"]?.stringValue }
            for action in ["chat.delete_other", "mod.mute", "mod.unmute", "mod.ban", "mod.unban", "mod.remove"] {
                #expect(log.contains(action), "\(action)")
            }
        }
    }

    @Test func reportsReachModeratorsAndLeads() async throws {
        try await withRunningServer { server in
            let tina = try server.connect(as: "tina")   // owner of class 7A
            let adam = try server.connect(as: "adam")   // an administrator: safeguarding lead
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            _ = try alice.join("class-7a")
            _ = try bob.join("class-7a")
            let seq = try alice.post("class-7a", "a worrying message")
            let filed = try bob.request(["type": "mod.report", "room": "class-7a", "seq": .int(seq), "reason": "bullying"])
            let reportID = try #require(filed["report"]?.intValue)
            // Pushed live to the room's moderator and to the lead.
            for ws in [tina, adam] {
                let queue = try ws.receive(where: { $0["type"]?.stringValue == "mod.reports" })
                #expect(queue["reports"]?.arrayValue?.first?["reason"]?.stringValue == "bullying")
            }
            #expect(try alice.request(["type": "mod.reports", "room": "class-7a"]).code == "forbidden")
            #expect(try tina.request(["type": "mod.reports"]).code == "forbidden")  // all rooms: leads only
            #expect(try adam.request(["type": "mod.reports"])["reports"]?.arrayValue?.count == 1)
            #expect(try bob.request(["type": "mod.report", "room": "class-7a", "seq": 999, "reason": "x"]).code == "not_found")
            // Alice learns her message was reported, but never by whom.
            let hers = try #require(alice.request(["type": "audit.mine"])["entries"]?.arrayValue)
            let entry = try #require(hers.first { $0["action"]?.stringValue == "mod.report" })
            #expect(entry["actor"] == .null && entry["actor_name"] == .null)
            #expect(!entry.encodedString().contains("Bob"))
            // The moderator resolves it; deciding twice is a conflict.
            #expect(try tina.request(["type": "mod.report.decide", "report": .int(reportID), "state": "resolved", "note": "talked to them"])["state"]?.stringValue == "resolved")
            #expect(try adam.request(["type": "mod.report.decide", "report": .int(reportID), "state": "dismissed"]).code == "conflict")
            #expect(try bob.request(["type": "mod.report.decide", "report": .int(reportID), "state": "dismissed"]).code == "forbidden")
        }
    }
}
