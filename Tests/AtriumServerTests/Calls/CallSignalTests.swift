// docs/protocol.md "Calls (rtc.*)": the signalling relay through real sockets — only to the
// addressed peer, never across calls or rooms, not after leaving, not without permission,
// the mesh limit and the signalling rate at their edges.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Call signalling")
struct CallSignalTests {
    @Test func relaysOnlyToTheAddressedPeerInTheSameCall() async throws {
        try await withRunningServer(seed: CallFixtures.seed) { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            let tina = try server.connect(as: "tina")
            let first = try alice.enterCall("studio")
            #expect(first["conn"]?.stringValue == alice.conn)
            #expect(first["peers"]?.arrayValue?.isEmpty == true && first["ice_servers"]?.arrayValue == [])
            let joined = try bob.enterCall("studio")
            // The newcomer gets the others and calls them.
            #expect(joined["peers"]?.arrayValue?.map { $0["conn"]?.stringValue } == [alice.conn])
            #expect(joined["offer_to"]?.arrayValue == [.string(alice.conn)])
            #expect(joined["call"]?.participantConns == [alice.conn, bob.conn])
            try tina.enterCall("studio")
            // An offer from bob to alice reaches alice only, with its sender.
            let sdp: JSON = .object([("type", "offer"), ("sdp", "v=0 …")])
            #expect(try bob.signal("studio", to: alice.conn, kind: "offer", data: sdp).isOK)
            let got = try alice.next("rtc.signal")
            #expect(got["from"]?.stringValue == bob.conn && got["kind"]?.stringValue == "offer" && got["data"] == sdp)
            #expect(got["room"]?.stringValue == "studio")
            #expect(!tina.gets("rtc.signal"))
            #expect(try alice.signal("studio", to: bob.conn, kind: "answer").isOK)
            #expect(try bob.next("rtc.signal")["kind"]?.stringValue == "answer")
            // Not to oneself, not to a connection outside this call.
            #expect(try alice.signal("studio", to: alice.conn).code == "bad_request")
            #expect(try alice.signal("studio", to: "c99999").code == "not_found")
            let bob2 = try server.connect(as: "bob")
            try bob2.join("studio")  // in the room, not in the call
            #expect(try alice.signal("studio", to: bob2.conn).code == "not_found")
            #expect(!bob2.gets("rtc.signal"))
            // Not across rooms: alice's peer in the lounge call is not reachable from the studio.
            let other = try server.connect(as: "tina")
            try other.enterCall("lounge")  // tina's other tab, in another room's call
            #expect(try alice.signal("studio", to: other.conn).code == "not_found")
            #expect(try alice.signal("lounge", to: other.conn).code == "forbidden")  // alice has not joined the lounge
            try alice.join("lounge")
            #expect(try alice.signal("lounge", to: other.conn).code == "forbidden")  // not in the lounge call
            #expect(!other.gets("rtc.signal"))
            // Not after leaving: bob leaves; alice hears it at once and cannot reach him.
            #expect(try bob.rtc("leave", "studio").isOK)
            #expect(try alice.next("rtc.left")["conn"]?.stringValue == bob.conn)
            #expect(try alice.signal("studio", to: bob.conn).code == "not_found")
            #expect(try bob.signal("studio", to: alice.conn).code == "forbidden")
            #expect(try bob.rtc("leave", "studio").isOK)  // leaving twice is fine
            // Too large data.
            let big: JSON = .string(String(repeating: "x", count: 40_000))
            #expect(try alice.signal("studio", to: tina.conn, data: big).code == "too_large")
        }
    }

    @Test func withoutPermissionNoCall() async throws {
        try await withRunningServer(seed: CallFixtures.seed) { server in
            // An observer: the council is public, alice reads it but may not start calls.
            let alice = try server.connect(as: "alice")
            try alice.join("council")
            let refused = try alice.rtc("join", "council")
            #expect(refused.code == "forbidden")
            // Students in a class do not start calls (teachers do).
            try alice.join("class-7a")
            #expect(try alice.rtc("join", "class-7a").code == "forbidden")
            let tina = try server.connect(as: "tina")
            #expect(try tina.enterCall("class-7a").isOK)
            // A partner cannot enter an open room, so not its call either.
            let pat = try server.connect(as: "pat")
            #expect(try pat.request(["type": "join", "room": "lounge"]).code == "forbidden")
            #expect(try pat.rtc("join", "lounge").code == "forbidden")
            // Nor can anyone signal into a call without joining the room.
            #expect(try pat.signal("class-7a", to: tina.conn).code == "forbidden")
            #expect(!tina.gets("rtc.signal"))
        }
    }

    @Test func aRoleChangeTakesAParticipantOutAtOnce() async throws {
        try await withRunningServer(seed: CallFixtures.seed) { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            let adam = try server.connect(as: "adam")
            try alice.enterCall("studio")
            try bob.enterCall("studio")
            // The CLI makes bob an observer: out of the call, alice hears it.
            try cli(["room", "member", "--data", server.dataDir, "--room", "studio", "--login", "bob", "--role", "observer"])
            let removed = try bob.next("rtc.removed", timeout: 10)
            #expect(removed["reason_code"]?.stringValue == "access_lost")
            #expect(try alice.next("rtc.left")["conn"]?.stringValue == bob.conn)
            #expect(try bob.signal("studio", to: alice.conn).code == "forbidden")
            #expect(try bob.rtc("join", "studio").code == "forbidden")
            #expect(!alice.gets("rtc.signal"))
            // An administrator lists alice as an observer: the same.
            #expect(try adam.request(["type": "admin.room.member", "room": "studio", "user": .int(alice.userID), "role": "observer"]).isOK)
            #expect(try alice.next("rtc.removed")["reason_code"]?.stringValue == "access_lost")
            try adam.join("studio")
            let state = try adam.rtc("state", "studio")
            #expect(state["call"]?["active"]?.boolValue == false)
            // And back: a member again may join.
            #expect(try adam.request(["type": "admin.room.member", "room": "studio", "user": .int(alice.userID), "role": "member"]).isOK)
            _ = try alice.next("room.access")
            #expect(try alice.rtc("join", "studio").isOK)
        }
    }

    @Test func meshLimitAtItsEdge() async throws {
        try await withRunningServer(configure: { $0.rtcMeshMax = 2 }, seed: CallFixtures.seed) { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            let tina = try server.connect(as: "tina")
            #expect(try alice.enterCall("studio").isOK)
            #expect(try bob.enterCall("studio").isOK)
            let full = try tina.enterCall("studio")
            #expect(full.code == "conflict")
            #expect(full["message"]?.stringValue == "The call is full: at most 2 people (rtc.mesh_max).")
            // Bob moving to another tab is not a third person.
            let bob2 = try server.connect(as: "bob")
            let moved = try bob2.enterCall("studio")
            #expect(moved.isOK && moved["call"]?.participantConns == [alice.conn, bob2.conn])
            #expect(try bob.next("rtc.removed")["reason_code"]?.stringValue == "moved")
            #expect(try alice.next("rtc.left")["conn"]?.stringValue == bob.conn)
            // One leaves: there is room again.
            #expect(try alice.rtc("leave", "studio").isOK)
            #expect(try tina.rtc("join", "studio").isOK)
        }
    }

    @Test func signallingRateAtItsEdge() async throws {
        try await withRunningServer(configure: {
            $0.rtcSignalBurst = 30
            $0.rtcSignalPerSecond = 0.01
        }, seed: CallFixtures.seed) { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            try alice.enterCall("studio")
            try bob.enterCall("studio")
            // 30 at once pass — more than the general burst of 40 minus what was spent, which
            // they do not use — the 31st does not.
            for i in 0..<30 {
                try alice.send(["type": "rtc.signal", "room": "studio", "to": .string(bob.conn), "kind": "ice", "data": .object([("i", .int(Int64(i)))])])
            }
            let over = try alice.signal("studio", to: bob.conn)
            #expect(over.code == "rate_limited")
            var seen = 0
            for _ in 0..<30 { if (try? bob.next("rtc.signal"))?.type == "rtc.signal" { seen += 1 } }
            #expect(seen == 30)
            #expect(!bob.gets("rtc.signal"))
            // Other requests still pass: the general bucket was not spent by signals.
            #expect(try alice.rtc("media", "studio", ["mic": true]).isOK)
        }
    }

    @Test func aDroppedConnectionLeavesTheCall() async throws {
        try await withRunningServer(seed: CallFixtures.seed) { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            try alice.enterCall("studio")
            try bob.enterCall("studio")
            _ = try alice.callState("studio") { $0.participantConns.count == 2 }
            bob.abort()
            #expect(try alice.next("rtc.left")["user"]?.intValue == bob.userID)
            let state = try alice.callState("studio") { $0.participantConns.count == 1 }
            #expect(state.participantConns == [alice.conn])
            // Leaving the room leaves the call too.
            #expect(try alice.request(["type": "leave", "room": "studio"]).isOK)
            let tina = try server.connect(as: "tina")
            try tina.join("studio")
            #expect(try tina.rtc("state", "studio")["call"]?["active"]?.boolValue == false)
        }
    }
}
