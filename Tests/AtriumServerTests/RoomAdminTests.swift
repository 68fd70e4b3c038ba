// Room administration through real sockets: an owner's settings take effect on everyone at
// once; an administrator inspects a room only with a reason, visibly, and on the record.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Room settings and inspection")
struct RoomAdminTests {
    @Test func anOwnerClosesAnOpenRoomAndOnlyListedPeopleStay() async throws {
        try await withRunningServer { server in
            // The lounge is open; make tina its owner and alice a listed member.
            try cli(["room", "member", "--data", server.dataDir, "--room", "lounge", "--login", "tina", "--role", "owner"])
            try cli(["room", "member", "--data", server.dataDir, "--room", "lounge", "--login", "alice", "--role", "member"])
            let tina = try server.connect(as: "tina")
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            #expect(try eventually { (try? tina.join("lounge"))?["role"]?.stringValue == "owner" })
            // Both CLI changes reach the server by its change poll: wait until alice is listed too
            // (in an open room her join role is "member" either way).
            #expect(try eventually {
                let members = try tina.request(["type": "room.members", "room": "lounge"])["members"]?.arrayValue ?? []
                return members.contains { $0["user"]?.intValue == alice.userID }
            })
            _ = try alice.join("lounge")
            _ = try bob.join("lounge")
            // A member cannot change settings.
            #expect(try alice.request(["type": "room.settings", "room": "lounge", "join_rule": "members"]).code == "forbidden")
            #expect(try tina.request(["type": "room.settings", "room": "lounge", "join_rule": "bogus"]).code == "bad_request")
            let changed = try tina.request(["type": "room.settings", "room": "lounge", "join_rule": "members", "name": "Quiet room"])
            #expect(changed["room"]?["join_rule"]?.stringValue == "members")
            #expect(changed["room"]?["name"]?.stringValue == "Quiet room")
            // Bob (not listed) is out at once and told why; Alice stays.
            let out = try bob.receive(where: { $0["type"]?.stringValue == "room.access" })
            #expect(out["role"] == .null)
            #expect(try bob.request(["type": "history", "room": "lounge"]).code == "forbidden")
            let aliceHistory = try alice.request(["type": "history", "room": "lounge"])
            #expect(aliceHistory.isOK, "\(aliceHistory.encodedString())")
        }
    }

    @Test func anAdministratorInspectsOnlyWithAReasonAndIsSeen() async throws {
        try await withRunningServer { server in
            let adam = try server.connect(as: "adam")      // admin, not listed in class 7A
            let tina = try server.connect(as: "tina")
            _ = try tina.join("class-7a")
            #expect(try adam.request(["type": "join", "room": "class-7a"]).code == "forbidden")
            #expect(try adam.request(["type": "room.inspect", "room": "class-7a"]).code == "bad_request")  // no reason
            #expect(try tina.request(["type": "room.inspect", "room": "class-7a", "reason": "x"]).code == "forbidden")  // not an admin
            #expect(try adam.request(["type": "room.inspect", "room": "class-7a", "reason": "report #4 about bullying"])["role"]?.stringValue == "observer")
            let joined = try adam.join("class-7a")
            #expect(joined["role"]?.stringValue == "observer")
            #expect(try adam.request(["type": "chat.send", "room": "class-7a", "text": "hi"]).code == "forbidden")
            // Everyone in the room sees who is reading it.
            let seen = try tina.receive(where: { $0["type"]?.stringValue == "presence" && ($0["joined"]?.arrayValue ?? []).contains { $0["name"]?.stringValue == "Adam Orlov" } })
            #expect(seen["room"]?.stringValue == "class-7a")
            // The member list shows who is listed, and the inspecting administrator.
            let members = try #require(tina.request(["type": "room.members", "room": "class-7a"])["members"]?.arrayValue)
            #expect(members.contains { $0["name"]?.stringValue == "Adam Orlov" && $0["inspecting"] == .bool(true) && $0["room_role"]?.stringValue == "observer" })
            #expect(members.contains { $0["name"]?.stringValue == "Tina Petrova" && $0["room_role"]?.stringValue == "owner" })
            let bob = try server.connect(as: "bob")
            #expect(try bob.request(["type": "room.members", "room": "council"])["open_to"]?.stringValue == "everyone")
            let log = try cli(["audit", "--data", server.dataDir, "--login", "adam"])
            #expect(log.contains("admin.inspect,class-7a"))
            #expect(log.contains("report #4 about bullying"))
        }
    }
}

@Suite("Per-room permissions")
struct RoomPermissionTests {
    @Test func anOwnerAdjustsWhatARoleMayDoAndEveryoneFeelsItAtOnce() async throws {
        try await withRunningServer { server in
            let tina = try server.connect(as: "tina")   // owner of class 7A
            let alice = try server.connect(as: "alice")
            _ = try tina.join("class-7a")
            _ = try alice.join("class-7a")
            #expect(try alice.request(["type": "room.permissions", "room": "class-7a", "role": "member", "permissions": ["read"]]).code == "forbidden")
            #expect(try tina.request(["type": "room.permissions", "room": "class-7a", "role": "owner", "permissions": ["read"]]).code == "bad_request")
            #expect(try tina.request(["type": "room.permissions", "room": "class-7a", "role": "member", "permissions": ["fly"]]).code == "bad_request")
            #expect(try tina.request(["type": "room.permissions", "room": "class-7a", "role": "member"]).code == "bad_request")
            // The owner reads the table in the join reply; a member does not get it.
            #expect(try tina.join("class-7a")["permissions"]?["member"]?.arrayValue?.contains("post") == true)
            #expect(try alice.join("class-7a")["permissions"] == nil)
            // Members may only read now: Alice is told and cannot post.
            let set = try tina.request(["type": "room.permissions", "room": "class-7a", "role": "member", "permissions": ["read"]])
            #expect(set["permissions"]?.arrayValue == ["read"])
            let access = try alice.receive(where: { $0["type"]?.stringValue == "room.access" })
            #expect(access["can"]?.arrayValue == ["read"])
            #expect(try alice.request(["type": "chat.send", "room": "class-7a", "text": "hi"]).code == "forbidden")
            // Back to the kind's default.
            #expect(try tina.request(["type": "room.permissions", "room": "class-7a", "role": "member", "permissions": .null]).isOK)
            #expect(try alice.request(["type": "chat.send", "room": "class-7a", "text": "hi"]).isOK)
        }
    }
}

@Suite("History visibility")
struct HistoryVisibilityTests {
    @Test func fromJoiningMeansNoEarlierEvents() async throws {
        try await withRunningServer { server in
            let tina = try server.connect(as: "tina")   // owner of class 7A
            _ = try tina.join("class-7a")
            for i in 1...3 { _ = try tina.post("class-7a", "before \(i)") }
            #expect(try tina.request(["type": "room.settings", "room": "class-7a", "history": "sometimes"]).code == "bad_request")
            #expect(try tina.request(["type": "room.settings", "room": "class-7a", "history": "joined"])["room"]?["history"]?.stringValue == "joined")
            // Adam is listed only now: he reads from here on; Alice (listed from the start) reads all.
            try cli(["room", "member", "--data", server.dataDir, "--room", "class-7a", "--login", "adam", "--role", "member"])
            let adam = try server.connect(as: "adam")
            #expect(try eventually { (try? adam.join("class-7a"))?["type"]?.stringValue == "ok" })
            #expect(!adam.drain(for: 0.3).contains { $0["type"]?.stringValue == "event" })
            #expect(try adam.request(["type": "history", "room": "class-7a"])["events"]?.arrayValue?.isEmpty == true)
            let alice = try server.connect(as: "alice")
            _ = try alice.join("class-7a")
            #expect(try alice.request(["type": "history", "room": "class-7a"])["events"]?.arrayValue?.count == 3)
            // New events reach him.
            _ = try tina.post("class-7a", "after")
            #expect(try adam.receive(where: { $0["type"]?.stringValue == "event" })["text"]?.stringValue == "after")
            #expect(try adam.request(["type": "history", "room": "class-7a"])["events"]?.arrayValue?.count == 1)
        }
    }
}
