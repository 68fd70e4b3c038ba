// docs/protocol.md "Calls (rtc.*)": call state pushed to the room, moderator actions and their
// refusals, breakout groups, polls, TURN credentials, and the knock room's lobby.

import AtriumCore
import AtriumStore
import AtriumTestSupport
import Testing

@Suite("Call state")
struct CallStateIntegrationTests {
    @Test func statePushesMediaHandsAndPresenting() async throws {
        try await withRunningServer(seed: CallFixtures.seed) { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            let tina = try server.connect(as: "tina")
            let watcher = try server.connect(as: "adam")
            try watcher.join("studio")  // in the room, not in the call: gets the state too
            try alice.enterCall("studio", mic: true)
            try bob.enterCall("studio")
            try tina.enterCall("studio")
            let s1 = try watcher.callState("studio") { $0.participantConns.count == 3 }
            #expect(s1["active"]?.boolValue == true && s1["started_at"]?.stringValue != nil)
            #expect(s1.participant(alice.userID)?["mic"]?.boolValue == true)
            #expect(s1.participant(alice.userID)?["name"]?.stringValue != nil)
            #expect(try bob.rtc("media", "studio", ["camera": true]).isOK)
            _ = try watcher.callState("studio") { $0.participant(bob.userID)?["camera"]?.boolValue == true }
            // Hands: a queue in the order they went up.
            #expect(try bob.rtc("hand", "studio", ["raised": true]).isOK)
            #expect(try alice.rtc("hand", "studio", ["raised": true]).isOK)
            #expect(try bob.rtc("hand", "studio", ["raised": true]).isOK)  // again: keeps his place
            let hands = try watcher.callState("studio") { $0["hands"]?.arrayValue?.count == 2 }
            #expect(hands["hands"] == .array([.int(bob.userID), .int(alice.userID)]))
            #expect(hands.participant(bob.userID)?["hand_at"]?.stringValue != nil)
            #expect(try bob.rtc("hand", "studio", ["raised": false]).isOK)
            _ = try watcher.callState("studio") { $0["hands"] == .array([.int(alice.userID)]) }
            // Presenting: one at a time; a moderator takes over.
            #expect(try alice.rtc("present", "studio", ["on": true]).isOK)
            let busy = try bob.rtc("present", "studio", ["on": true])
            #expect(busy.code == "conflict" && busy["message"]?.stringValue?.contains("is presenting") == true)
            _ = try watcher.callState("studio") { $0["presenter"]?.intValue == alice.userID }
            #expect(try tina.rtc("present", "studio", ["on": true]).isOK)
            let taken = try watcher.callState("studio") { $0["presenter"]?.intValue == tina.userID }
            #expect(taken.participant(alice.userID)?["presenting"]?.boolValue == false)
            // A state request answers the same; rev grows.
            let asked = try watcher.rtc("state", "studio")["call"]
            #expect((asked?["rev"]?.intValue ?? 0) >= (taken["rev"]?.intValue ?? 0))
            // Someone joining the room later gets the state once.
            let late = try server.connect(as: "bob")
            try late.join("studio")
            #expect(try late.callState("studio")["active"]?.boolValue == true)
        }
    }

    @Test func presentingNeedsThePermission() async throws {
        try await withRunningServer(seed: CallFixtures.seed) { server in
            // In a class, tina's call: students have no start_call, so no present either; a
            // member without `present` in a room where they may call is refused.
            let tina = try server.connect(as: "tina")
            let alice = try server.connect(as: "alice")
            try tina.join("class-7a")
            #expect(try tina.request(["type": "room.permissions", "room": "class-7a", "role": "member",
                                      "permissions": ["read", "post", "edit_own", "start_call"]]).isOK)
            try tina.enterCall("class-7a")
            try alice.enterCall("class-7a")
            #expect(try alice.rtc("present", "class-7a", ["on": true]).code == "forbidden")
            #expect(try tina.rtc("present", "class-7a", ["on": true]).isOK)
            // Taking start_call away from members takes alice out of the call.
            #expect(try tina.request(["type": "room.permissions", "room": "class-7a", "role": "member",
                                      "permissions": ["read", "post", "edit_own"]]).isOK)
            #expect(try alice.next("rtc.removed")["reason_code"]?.stringValue == "access_lost")
        }
    }

    @Test func moderatorActionsAndRefusals() async throws {
        try await withRunningServer(seed: CallFixtures.seed) { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            let tina = try server.connect(as: "tina")
            try alice.enterCall("studio")
            try bob.enterCall("studio")
            try tina.join("studio")  // a moderator need not be in the call
            // Students may not moderate.
            for (type, fields) in [("mute", ["user": JSON.int(alice.userID)]), ("lower_hand", ["user": .int(alice.userID)]),
                                   ("remove", ["user": .int(alice.userID)]), ("end", [:]), ("breakout", ["groups": .null])] as [(String, JSONObject)] {
                #expect(try bob.rtc(type, "studio", fields).code == "forbidden", "\(type)")
            }
            #expect(!alice.gets("rtc.mute_request"))
            // Ask to mute: the target is asked; nothing else changes.
            #expect(try tina.rtc("mute", "studio", ["user": .int(alice.userID)]).isOK)
            let ask = try alice.next("rtc.mute_request")
            #expect(ask["by"]?.intValue == tina.userID && ask["by_name"]?.stringValue == "Tina Petrova")
            #expect(try tina.rtc("mute", "studio", ["user": 999]).code == "not_found")
            // Lower a hand.
            #expect(try alice.rtc("hand", "studio", ["raised": true]).isOK)
            _ = try tina.callState("studio") { $0["hands"]?.arrayValue?.count == 1 }
            #expect(try tina.rtc("lower_hand", "studio", ["user": .int(alice.userID)]).isOK)
            _ = try tina.callState("studio") { $0["hands"]?.arrayValue?.isEmpty == true }
            // Remove: out, told why; may come back.
            #expect(try tina.rtc("remove", "studio", ["user": .int(bob.userID)]).isOK)
            let removed = try bob.next("rtc.removed")
            #expect(removed["reason_code"]?.stringValue == "removed" && removed["by"]?.intValue == tina.userID)
            #expect(try alice.next("rtc.left")["user"]?.intValue == bob.userID)
            #expect(try bob.signal("studio", to: alice.conn).code == "forbidden")
            #expect(try bob.rtc("join", "studio").isOK)
            // End for all.
            #expect(try tina.rtc("end", "studio").isOK)
            #expect(try alice.next("rtc.ended")["by"]?.intValue == tina.userID)
            #expect(try bob.next("rtc.ended")["by"]?.intValue == tina.userID)
            _ = try tina.callState("studio") { $0["active"]?.boolValue == false && $0.participantConns.isEmpty }
            #expect(try alice.signal("studio", to: bob.conn).code == "forbidden")
            #expect(try tina.rtc("end", "studio").code == "not_found")
        }
    }

    @Test func breakoutGroupsRestrictTheRelay() async throws {
        try await withRunningServer(seed: CallFixtures.seed) { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            let tina = try server.connect(as: "tina")
            try tina.enterCall("studio")
            try alice.enterCall("studio")
            try bob.enterCall("studio")
            #expect(try tina.rtc("breakout", "studio", ["groups": [[.int(alice.userID)], [.int(bob.userID)]]]).isOK)
            let peers = try alice.next("rtc.peers")
            #expect(peers["group"]?.intValue == 1 && peers["peers"]?.arrayValue?.isEmpty == true)
            #expect(try tina.next("rtc.peers")["group"] == .null)
            let state = try tina.callState("studio") { $0["groups"] != .null }
            #expect(state.participant(alice.userID)?["group"]?.intValue == 1)
            #expect(state.participant(bob.userID)?["group"]?.intValue == 2)
            #expect(state.participant(tina.userID)?["group"] == .null)
            #expect(try alice.signal("studio", to: bob.conn).code == "forbidden")
            #expect(try tina.signal("studio", to: bob.conn).code == "forbidden")
            #expect(!bob.gets("rtc.signal"))
            // Alice and bob in one group: they reach each other; the later joiner offers.
            #expect(try tina.rtc("breakout", "studio", ["groups": [[.int(alice.userID), .int(bob.userID)]]]).isOK)
            let bobPeers = try bob.next("rtc.peers")
            #expect(bobPeers["offer_to"]?.arrayValue == [.string(alice.conn)])
            #expect(try alice.next("rtc.peers")["offer_to"]?.arrayValue == [])
            #expect(try bob.signal("studio", to: alice.conn, kind: "offer").isOK)
            #expect(try alice.next("rtc.signal")["from"]?.stringValue == bob.conn)
            // Everyone back.
            #expect(try tina.rtc("breakout", "studio", ["groups": .null]).isOK)
            let back = try tina.next("rtc.peers")
            #expect(back["group"] == .null && back["peers"]?.arrayValue?.count == 2)
            #expect(try alice.signal("studio", to: tina.conn).isOK)
            // A bad split.
            #expect(try tina.rtc("breakout", "studio", ["groups": [[1, 2], [2]]]).code == "bad_request")
        }
    }

    @Test func pollInACall() async throws {
        try await withRunningServer(seed: CallFixtures.seed) { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            let tina = try server.connect(as: "tina")
            try tina.join("studio")
            let options: JSON = ["Monday", "Tuesday", "Friday"]
            #expect(try tina.rtc("poll", "studio", ["question": "When?", "options": options]).code == "conflict")  // no call
            try alice.enterCall("studio")
            try bob.enterCall("studio")
            // Students may not open polls in a conference room.
            #expect(try alice.rtc("poll", "studio", ["question": "When?", "options": options]).code == "forbidden")
            let opened = try tina.rtc("poll", "studio", ["question": "When?", "options": options])
            let id = try #require(opened["poll"]?.intValue)
            #expect(try tina.rtc("poll", "studio", ["question": "Again?", "options": ["a", "b"]]).code == "conflict")
            #expect(try alice.rtc("vote", "studio", ["poll": .int(id), "option": 0]).isOK)
            #expect(try bob.rtc("vote", "studio", ["poll": .int(id), "option": 0]).isOK)
            #expect(try bob.rtc("vote", "studio", ["poll": .int(id), "option": 2]).isOK)  // changed
            #expect(try bob.rtc("vote", "studio", ["poll": .int(id), "option": 3]).code == "bad_request")
            #expect(try bob.rtc("vote", "studio", ["poll": .int(id + 1), "option": 0]).code == "not_found")
            #expect(try tina.rtc("vote", "studio", ["poll": .int(id), "option": 0]).code == "forbidden")  // not in the call
            let s = try alice.callState("studio") { $0["poll"]?["voters"]?.intValue == 2 && $0["poll"]?["counts"] == [1, 0, 1] }
            #expect(s["poll"]?["question"]?.stringValue == "When?" && s["poll"]?["closed"]?.boolValue == false)
            #expect(try bob.rtc("poll_close", "studio", ["poll": .int(id)]).code == "forbidden")
            #expect(try tina.rtc("poll_close", "studio", ["poll": .int(id)]).isOK)
            _ = try alice.callState("studio") { $0["poll"]?["closed"]?.boolValue == true }
            #expect(try alice.rtc("vote", "studio", ["poll": .int(id), "option": 1]).code == "conflict")
        }
    }

    @Test func turnCredentialsInTheJoinReply() async throws {
        try await withRunningServer(configure: {
            $0.rtcTurnURLs = ["turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"]
            $0.rtcStunURLs = ["stun:127.0.0.1:3478"]
            $0.rtcTurnSecret = "test-secret"
            $0.rtcTurnTTLSeconds = 600
        }, seed: CallFixtures.seed) { server in
            let alice = try server.connect(as: "alice")
            let reply = try alice.enterCall("lounge")
            let servers = try #require(reply["ice_servers"]?.arrayValue)
            #expect(servers.count == 2)
            #expect(servers[0]["urls"] == ["stun:127.0.0.1:3478"] && servers[0]["username"] == nil)
            #expect(servers[1]["urls"]?.arrayValue?.count == 2)
            let username = try #require(servers[1]["username"]?.stringValue)
            let parts = username.split(separator: ":")
            #expect(parts.count == 2 && Int64(parts[1]) == alice.userID)
            let expiry = try #require(Int64(parts[0]))
            let now = TestFixtures.nowMillis / 1000
            #expect(expiry >= now + 590 && expiry <= now + 610)
            #expect(servers[1]["credential"]?.stringValue == TurnCredentials.credential(secret: "test-secret", username: username))
            #expect(reply["ice_ttl_s"]?.intValue == 600)
            // Fresh ones on request.
            #expect(try alice.rtc("ice", "lounge")["ice_servers"]?.arrayValue?.count == 2)
        }
    }

    @Test func theKnockRoomsLobbyLeadsIntoTheCall() async throws {
        try await withRunningServer(seed: CallFixtures.seed) { server in
            let tina = try server.connect(as: "tina")
            let bob = try server.connect(as: "bob")
            try tina.enterCall("meeting")
            // Not admitted: no room, no call.
            #expect(try bob.request(["type": "join", "room": "meeting"]).code == "forbidden")
            #expect(try bob.rtc("join", "meeting").code == "forbidden")
            #expect(try bob.signal("meeting", to: tina.conn).code == "forbidden")
            // Knock, admitted, in.
            #expect(try bob.request(["type": "room.knock", "room": "meeting", "message": "May I join the call?"]).isOK)
            #expect(try tina.request(["type": "room.admit", "room": "meeting", "user": .int(bob.userID)]).isOK)
            _ = try bob.next("room.access")
            let joined = try bob.enterCall("meeting")
            #expect(joined.isOK && joined["offer_to"]?.arrayValue == [.string(tina.conn)])
            #expect(try bob.signal("meeting", to: tina.conn, kind: "offer").isOK)
            #expect(try tina.next("rtc.signal")["from"]?.stringValue == bob.conn)
            // Back to the lobby: out of the room and the call.
            #expect(try tina.request(["type": "room.lobby.return", "room": "meeting", "user": .int(bob.userID)]).isOK)
            #expect(try bob.next("rtc.removed")["reason_code"]?.stringValue == "access_lost")
            #expect(try tina.next("rtc.left")["user"]?.intValue == bob.userID)
            #expect(try bob.signal("meeting", to: tina.conn).code == "forbidden")
        }
    }
}
