// PROTOCOL.md "Rooms, events, resume": the room list, join replies, replay, resume, history.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Rooms, replay and history")
struct RoomTests {
    @Test func roomsListsTheSeededRooms() async throws {
        try await withRunningServer { server in
            let ws = try server.connect(as: "bob")
            let r = try ws.request(["type": "rooms"])
            #expect(r.isOK)
            let rooms = try #require(r["rooms"]?.arrayValue)
            let byID = Dictionary(uniqueKeysWithValues: rooms.compactMap { room in room["id"]?.stringValue.map { ($0, room) } })
            #expect(Set(byID.keys) == ["lounge", "class-7a", "council"])
            let lounge = try #require(byID["lounge"])
            #expect(lounge["name"]?.stringValue == "Lounge")
            #expect(lounge["kind"]?.stringValue == "lounge")
            #expect(lounge["zone"]?.stringValue == "common")
            #expect(lounge["join_rule"]?.stringValue != nil)
            #expect(lounge["role"]?.stringValue == "member")  // open: every signed-in person
            #expect(byID["class-7a"]?["role"]?.stringValue == "member")  // listed
            #expect(byID["council"]?["role"]?.stringValue == "observer")  // public, not listed
            #expect(byID["class-7a"]?["zone"]?.stringValue == "education")
            #expect(byID["council"]?["zone"]?.stringValue == "council")
            for room in rooms {
                #expect(room.objectValue?.keys.sorted() == ["history", "id", "join_rule", "kind", "latest", "name", "premoderated", "present", "read", "role", "unread", "zone"])
            }
        }
    }

    @Test func joinReplyHasRoomRoleLatestPresence() async throws {
        try await withRunningServer(seed: Seed.withMessages(3)) { server in
            let ws = try server.connect(as: "bob")
            let r = try ws.join("lounge")
            #expect(r["room"]?["id"]?.stringValue == "lounge")
            #expect(r["room"]?["kind"]?.stringValue == "lounge")
            #expect(r["role"] != nil)
            #expect(r["latest"]?.intValue == 3)
            let presence = try #require(r["presence"]?.arrayValue)
            #expect(presence.contains { $0["user"]?.intValue == ws.userID && $0["name"]?.stringValue == "Bob Ivanov"
                && $0["role"]?.stringValue == "student" })
            #expect(r["reset"] == nil)
            let events = try ws.events("lounge", count: 3)
            #expect(events.map(\.seq) == [1, 2, 3])
            let first = events[0]
            #expect(first["kind"]?.stringValue == "chat.message")
            #expect(first["text"]?.stringValue == "m1")
            #expect(first["actor"]?.intValue != nil)
            #expect(first["at"]?.stringValue?.hasSuffix("Z") == true)
        }
    }

    @Test func joinWithoutSinceReplaysTheLast50() async throws {
        try await withRunningServer(seed: Seed.withMessages(60)) { server in
            let ws = try server.connect(as: "bob")
            let r = try ws.join("lounge")
            #expect(r["latest"]?.intValue == 60)
            let events = try ws.events("lounge", count: 50)
            #expect(events.map(\.seq) == Array(11...60))
            #expect(events.first?["text"]?.stringValue == "m11")
            #expect(ws.drain(for: 0.3).filter { $0.type == "event" }.isEmpty)
        }
    }

    @Test func joinWithSinceReplaysExactlyTheMissingEvents() async throws {
        try await withRunningServer(seed: Seed.withMessages(60)) { server in
            let ws = try server.connect(as: "bob")
            let r = try ws.join("lounge", since: 52)
            #expect(r["latest"]?.intValue == 60)
            #expect(r["reset"] == nil)
            let events = try ws.events("lounge", count: 8)
            #expect(events.map(\.seq) == Array(53...60))
            #expect(events.map { $0["text"]?.stringValue } == (53...60).map { "m\($0)" })
            #expect(ws.drain(for: 0.3).filter { $0.type == "event" }.isEmpty)

            // since == latest: nothing to replay, no reset.
            let other = try server.connect(as: "alice")
            let up = try other.join("lounge", since: 60)
            #expect(up["reset"] == nil)
            #expect(other.drain(for: 0.3).filter { $0.type == "event" }.isEmpty)
        }
    }

    @Test func sinceBeyondLatestResets() async throws {
        try await withRunningServer(seed: Seed.withMessages(5)) { server in
            let ws = try server.connect(as: "bob")
            let r = try ws.join("lounge", since: 99)
            #expect(r["reset"]?.boolValue == true)
            #expect(r["latest"]?.intValue == 5)
            #expect(ws.drain(for: 0.3).filter { $0.type == "event" }.isEmpty)
        }
    }

    @Test func moreThanReplayCapMissingResets() async throws {
        try await withRunningServer(configure: { $0.replayCap = 5 }, seed: Seed.withMessages(20)) { server in
            let ws = try server.connect(as: "bob")
            let r = try ws.join("lounge", since: 14)  // 6 missing > 5
            #expect(r["reset"]?.boolValue == true)
            #expect(ws.drain(for: 0.3).filter { $0.type == "event" }.isEmpty)

            let ws2 = try server.connect(as: "alice")
            let r2 = try ws2.join("lounge", since: 15)  // exactly 5 missing: replayed
            #expect(r2["reset"] == nil)
            #expect(try ws2.events("lounge", count: 5).map(\.seq) == Array(16...20))

            // After a reset the client pages with history.
            let page = try ws.request(["type": "history", "room": "lounge", "limit": 3])
            #expect(page["events"]?.arrayValue?.map(\.seq) == [18, 19, 20])
        }
    }

    @Test func historyPagesOldestFirstAndClampsTheLimit() async throws {
        try await withRunningServer(configure: { $0.historyMax = 10 }, seed: Seed.withMessages(30)) { server in
            let ws = try server.connect(as: "bob")
            try ws.join("lounge", since: 30)
            let newest = try ws.request(["type": "history", "room": "lounge", "limit": 1000])
            #expect(newest.isOK)
            #expect(newest["events"]?.arrayValue?.map(\.seq) == Array(21...30))
            let older = try ws.request(["type": "history", "room": "lounge", "before": 21, "limit": 5])
            #expect(older["events"]?.arrayValue?.map(\.seq) == Array(16...20))
            #expect(older["events"]?.arrayValue?.first?["text"]?.stringValue == "m16")
            let start = try ws.request(["type": "history", "room": "lounge", "before": 3, "limit": 5])
            #expect(start["events"]?.arrayValue?.map(\.seq) == [1, 2])
            let none = try ws.request(["type": "history", "room": "lounge", "before": 1])
            #expect(none["events"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func liveEventsNeverOvertakeTheReplay() async throws {
        try await withRunningServer(configure: { $0.rateBurst = 1000; $0.ratePerSecond = 1000 },
                                    seed: Seed.withMessages(300)) { server in
            let sender = try server.connect(as: "alice")
            try sender.join("lounge", since: 300)
            let joiner = try server.connect(as: "bob")
            // The join (a storage read of 300 events) and the live sends race.
            let joinRef = joiner.nextRef()
            try joiner.send(["type": "join", "room": "lounge", "since": 0, "ref": .string(joinRef)])
            var sendRefs: [String] = []
            for i in 1...10 {
                let ref = sender.nextRef()
                sendRefs.append(ref)
                try sender.send(["type": "chat.send", "room": "lounge", "text": .string("live \(i)"), "ref": .string(ref)])
            }
            for ref in sendRefs { #expect(try sender.receive(where: { $0["ref"]?.stringValue == ref }).isOK) }
            let ok = try joiner.receive(where: { $0["ref"]?.stringValue == joinRef })
            #expect(ok.isOK)
            let latest = try #require(ok["latest"]?.intValue)
            let events = try joiner.events("lounge", count: 310)
            #expect(events.map(\.seq) == Array(1...310), "events out of order or duplicated (latest at join \(latest))")
            #expect(joiner.drain(for: 0.3).filter { $0.type == "event" }.isEmpty)
        }
    }
}

@Suite("Personal cabinets")
struct CabinetTests {
    @Test func aCabinetIsVisibleAndJoinableOnlyByItsOwner() async throws {
        let seed: (StoreConnection) throws -> Void = { store in
            try TestFixtures.seedDefault(store)
            for login in ["alice", "bob"] {
                try store.addRoom(RoomRecord(id: "cabinet-\(login)", name: "Cabinet of \(login)", kind: .cabinet), nowMillis: 1)
            }
        }
        try await withRunningServer(seed: seed) { server in
            let bob = try server.connect(as: "bob")
            let ids = try #require(bob.request(["type": "rooms"])["rooms"]?.arrayValue).compactMap { $0["id"]?.stringValue }
            #expect(ids.contains("cabinet-bob"))
            #expect(!ids.contains("cabinet-alice"))
            let refused = try bob.request(["type": "join", "room": "cabinet-alice"])
            #expect(refused["code"]?.stringValue == "forbidden")
            #expect(try bob.request(["type": "join", "room": "cabinet-bob"])["type"]?.stringValue == "ok")
        }
    }
}

import AtriumStore
