import AtriumCore
@testable import AtriumStore
import Testing

@Suite struct EventTests {
    private func send(_ store: StoreConnection, _ room: RoomID, _ text: String, nonce: String? = nil,
                      actor: UserID = 1) throws -> AppendOutcome {
        try store.appendChat(room: room, actor: actor, actorName: "Anna", text: text, nonce: nonce, nowMillis: now)
    }

    private func seq(_ outcome: AppendOutcome) -> Int64? {
        if case .appended(let e) = outcome { return e.seq }
        return nil
    }

    @Test func seqStartsAtOneAndGrowsPerRoomIndependently() throws {
        try withTempDir { dir in
            let store = try openStore(dir, rooms: ["a", "b"])
            #expect(try seq(send(store, "a", "1")) == 1)
            #expect(try seq(send(store, "a", "2")) == 2)
            #expect(try seq(send(store, "b", "1")) == 1)
            #expect(try seq(send(store, "a", "3")) == 3)
            #expect(try seq(send(store, "b", "2")) == 2)
            #expect(try store.room(id: "a")?.lastSeq == 3)
            #expect(try store.room(id: "b")?.lastSeq == 2)
            #expect(try store.events(room: "a", after: 0, limit: 10).map(\.seq) == [1, 2, 3])
        }
    }

    @Test func chatPayloadFieldsInOrder() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            guard case .appended(let e) = try send(store, "lounge", "hello", nonce: "n1") else {
                Issue.record("not appended"); return
            }
            #expect(e.kind == ChatEventKind.message)
            #expect(e.payload.keys == ["text", "nonce", "actor_name"])
            let stored = try #require(try store.events(room: "lounge", after: 0, limit: 1).first)
            #expect(stored == e)
            #expect(stored.payload.keys == ["text", "nonce", "actor_name"])
            guard case .appended(let plain) = try send(store, "lounge", "no nonce") else { return }
            #expect(plain.payload.keys == ["text", "actor_name"])
        }
    }

    @Test func nonceDedupeReturnsFirstSeqAndWritesNothing() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            #expect(try seq(send(store, "lounge", "first", nonce: "x")) == 1)
            #expect(try seq(send(store, "lounge", "other", nonce: "y")) == 2)
            #expect(try send(store, "lounge", "first again", nonce: "x") == .duplicate(seq: 1))
            #expect(try store.room(id: "lounge")?.lastSeq == 2)
            #expect(try store.events(room: "lounge", after: 0, limit: 10).count == 2)
            // The same nonce from another user, or in another room, is a new message.
            #expect(try seq(send(store, "lounge", "hers", nonce: "x", actor: 2)) == 3)
        }
    }

    @Test func unknownRoomIsNotFound() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            #expect { try send(store, "nowhere", "hi") } throws: { ($0 as? StoreError)?.code == .notFound }
            #expect { try store.appendEvent(room: "nowhere", kind: "x", actor: 1, payload: [:], nowMillis: now) }
                throws: { ($0 as? StoreError)?.code == .notFound }
        }
    }

    @Test func genericEventsShareTheSequence() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            _ = try send(store, "lounge", "hi")
            let e = try store.appendEvent(room: "lounge", kind: "poll.created", actor: 7,
                                          payload: [("question", "Lunch?"), ("options", ["a", "b"])], nowMillis: now + 5)
            #expect(e.seq == 2)
            let back = try store.events(room: "lounge", after: 1, limit: 5)
            #expect(back == [e])
            #expect(back[0].atMillis == now + 5)
        }
    }

    @Test func pagingAfterAndBefore() throws {
        try withTempDir { dir in
            let store = try openStore(dir, rooms: ["lounge", "empty"])
            for i in 1...10 { _ = try send(store, "lounge", "m\(i)") }
            #expect(try store.events(room: "lounge", after: 0, limit: 3).map(\.seq) == [1, 2, 3])
            #expect(try store.events(room: "lounge", after: 8, limit: 5).map(\.seq) == [9, 10])
            #expect(try store.events(room: "lounge", after: 10, limit: 5).isEmpty)
            #expect(try store.events(room: "lounge", after: 99, limit: 5).isEmpty)
            #expect(try store.events(room: "lounge", after: 0, limit: 0).isEmpty)

            #expect(try store.events(room: "lounge", before: 11, limit: 3).map(\.seq) == [8, 9, 10])
            #expect(try store.events(room: "lounge", before: Int64.max, limit: 2).map(\.seq) == [9, 10])
            #expect(try store.events(room: "lounge", before: 4, limit: 10).map(\.seq) == [1, 2, 3])
            #expect(try store.events(room: "lounge", before: 1, limit: 10).isEmpty)
            #expect(try store.events(room: "lounge", before: 5, limit: 0).isEmpty)

            #expect(try store.events(room: "empty", after: 0, limit: 10).isEmpty)
            #expect(try store.events(room: "empty", before: 100, limit: 10).isEmpty)
            #expect(try store.events(room: "nowhere", after: 0, limit: 10).isEmpty)
        }
    }

    @Test func textWithQuotesNewlinesAndUnicodeRoundTrips() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            let text = "Привет, \"мир\"\n\t\\ 👋🏽 \u{0}end"
            _ = try send(store, "lounge", text, nonce: "")
            let e = try #require(try store.events(room: "lounge", after: 0, limit: 1).first)
            #expect(e.payload["text"] == .string(text))
            #expect(e.payload["nonce"] == .string(""))
        }
    }

    @Test func failedUnitLeavesNoGap() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            _ = try send(store, "lounge", "1")
            struct Boom: Error {}
            #expect(throws: Boom.self) {
                try store.transaction {
                    _ = try send(store, "lounge", "2")
                    throw Boom()
                }
            }
            #expect(try seq(send(store, "lounge", "2 again")) == 2)
            #expect(try store.room(id: "lounge")?.lastSeq == 2)
        }
    }

    @Test func savepointRollsBackOnlyItself() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            struct Boom: Error {}
            try store.transaction {
                _ = try send(store, "lounge", "kept")
                _ = try? store.savepoint {
                    _ = try send(store, "lounge", "dropped")
                    throw Boom()
                }
                _ = try send(store, "lounge", "kept too")
            }
            let texts = try store.events(room: "lounge", after: 0, limit: 10).map { $0.payload["text"] }
            #expect(texts == [.string("kept"), .string("kept too")])
            #expect(try store.events(room: "lounge", after: 0, limit: 10).map(\.seq) == [1, 2])
        }
    }
}

@Suite("Read markers")
struct ReadMarkerStoreTests {
    @Test func markersMoveForwardAndCountOthersMessages() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            let me = try store.addUser(login: "me", name: "Me", role: .student, group: nil, passwordHash: "x", mustChangePassword: false, nowMillis: now)
            let other = try store.addUser(login: "other", name: "Other", role: .student, group: nil, passwordHash: "x", mustChangePassword: false, nowMillis: now)
            for i in 1...4 { _ = try store.appendChat(room: "lounge", actor: other.id, actorName: "Other", text: "m\(i)", nonce: nil, nowMillis: now) }
            _ = try store.appendChat(room: "lounge", actor: me.id, actorName: "Me", text: "mine", nonce: nil, nowMillis: now)
            _ = try store.deleteChat(room: "lounge", seq: 4, actor: other.id, mayDeleteOthers: false, nowMillis: now)
            // 4 by the other, one of them deleted; mine does not count.
            #expect(try store.readStates(userID: me.id)["lounge"] == ReadState(read: 0, unread: 3))
            #expect(try store.markRead(userID: me.id, room: "lounge", seq: 2) == 2)
            #expect(try store.markRead(userID: me.id, room: "lounge", seq: 1) == 2)
            #expect(try store.readStates(userID: me.id)["lounge"] == ReadState(read: 2, unread: 1))
            #expect(try store.markRead(userID: me.id, room: "lounge", seq: 100) == 6)
            #expect(throws: StoreError.self) { try store.markRead(userID: me.id, room: "nowhere", seq: 1) }
        }
    }
}
