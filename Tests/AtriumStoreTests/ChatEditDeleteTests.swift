import AtriumCore
import AtriumStore
import Testing

@Suite struct ChatEditDeleteTests {
    private let alice: UserID = 1
    private let bob: UserID = 2

    private func code(_ body: () throws -> Void) -> ErrorCode? {
        do { try body(); return nil } catch { return (error as? StoreError)?.code }
    }

    private func message(_ store: StoreConnection, _ seq: Int64) throws -> RoomEvent {
        try #require(try store.events(room: "lounge", after: seq - 1, limit: 1).first)
    }

    @Test func editStoresEventAndRewritesOriginal() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            _ = try store.appendChat(room: "lounge", actor: alice, actorName: "Alice", text: "helo", nonce: "n", nowMillis: now)
            let edit = try store.editChat(room: "lounge", seq: 1, actor: alice, text: "hello", mayEditOthers: false, nowMillis: now + 1)
            #expect(edit.seq == 2)
            #expect(edit.kind == ChatEventKind.edited)
            #expect(edit.payload == [("target", 1), ("text", "hello")])
            #expect(edit.payload.keys == ["target", "text"])
            let original = try message(store, 1)
            #expect(original.payload["text"] == "hello")
            #expect(original.payload["edited"] == true)
            #expect(original.payload["actor_name"] == "Alice")
            #expect(try message(store, 2) == edit)
        }
    }

    @Test func editRules() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            _ = try store.appendChat(room: "lounge", actor: alice, actorName: "Alice", text: "a", nonce: nil, nowMillis: now)
            _ = try store.appendEvent(room: "lounge", kind: "poll.created", actor: alice, payload: [:], nowMillis: now)
            #expect(code { _ = try store.editChat(room: "lounge", seq: 1, actor: bob, text: "x", mayEditOthers: false, nowMillis: now) } == .forbidden)
            do {
                _ = try store.editChat(room: "lounge", seq: 1, actor: bob, text: "x", mayEditOthers: false, nowMillis: now)
            } catch let e as StoreError {
                #expect(e.message == "You can only edit your own messages.")
            }
            #expect(code { _ = try store.editChat(room: "lounge", seq: 9, actor: alice, text: "x", mayEditOthers: false, nowMillis: now) } == .notFound)
            #expect(code { _ = try store.editChat(room: "lounge", seq: 2, actor: alice, text: "x", mayEditOthers: false, nowMillis: now) } == .notFound)
            #expect(code { _ = try store.editChat(room: "other", seq: 1, actor: alice, text: "x", mayEditOthers: false, nowMillis: now) } == .notFound)
            // A moderator may edit someone else's message.
            #expect(code { _ = try store.editChat(room: "lounge", seq: 1, actor: bob, text: "mod", mayEditOthers: true, nowMillis: now) } == nil)
            // An edit event is not a message: editing it is not found.
            #expect(code { _ = try store.editChat(room: "lounge", seq: 3, actor: bob, text: "x", mayEditOthers: true, nowMillis: now) } == .notFound)
            // Refused edits wrote nothing.
            #expect(try store.room(id: "lounge")?.lastSeq == 3)
        }
    }

    @Test func deleteStripsTextFromMessageAndItsEdits() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            _ = try store.appendChat(room: "lounge", actor: alice, actorName: "Alice", text: "secret", nonce: "n", nowMillis: now)
            _ = try store.appendChat(room: "lounge", actor: bob, actorName: "Bob", text: "other", nonce: nil, nowMillis: now)
            _ = try store.editChat(room: "lounge", seq: 1, actor: alice, text: "secret 2", mayEditOthers: false, nowMillis: now)
            _ = try store.editChat(room: "lounge", seq: 2, actor: bob, text: "other 2", mayEditOthers: false, nowMillis: now)
            _ = try store.editChat(room: "lounge", seq: 1, actor: alice, text: "secret 3", mayEditOthers: false, nowMillis: now)

            let deletion = try store.deleteChat(room: "lounge", seq: 1, actor: alice, mayDeleteOthers: false, nowMillis: now)
            #expect(deletion.seq == 6)
            #expect(deletion.kind == ChatEventKind.deleted)
            #expect(deletion.payload == [("target", 1)])

            let history = try store.events(room: "lounge", after: 0, limit: 100)
            #expect(history.map(\.seq) == [1, 2, 3, 4, 5, 6])
            #expect(history[0].payload["text"] == nil)
            #expect(history[0].payload["deleted"] == true)
            #expect(history[2].payload["text"] == nil && history[2].payload["deleted"] == true)
            #expect(history[4].payload["text"] == nil && history[4].payload["deleted"] == true)
            #expect(history[2].payload["target"] == 1)
            // Bob's message and its edit are untouched.
            #expect(history[1].payload["text"] == "other 2")
            #expect(history[3].payload["text"] == "other 2" && history[3].payload["deleted"] == nil)
            // No trace of the text anywhere in the stored history.
            for e in history {
                #expect(!e.json.encodedString().contains("secret"))
            }
        }
    }

    @Test func deleteRules() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            _ = try store.appendChat(room: "lounge", actor: alice, actorName: "Alice", text: "a", nonce: nil, nowMillis: now)
            #expect(code { _ = try store.deleteChat(room: "lounge", seq: 1, actor: bob, mayDeleteOthers: false, nowMillis: now) } == .forbidden)
            #expect(code { _ = try store.deleteChat(room: "lounge", seq: 5, actor: alice, mayDeleteOthers: false, nowMillis: now) } == .notFound)
            #expect(code { _ = try store.deleteChat(room: "lounge", seq: 1, actor: bob, mayDeleteOthers: true, nowMillis: now) } == nil)
            #expect(code { _ = try store.deleteChat(room: "lounge", seq: 1, actor: alice, mayDeleteOthers: false, nowMillis: now) } == .conflict)
            #expect(code { _ = try store.editChat(room: "lounge", seq: 1, actor: alice, text: "b", mayEditOthers: false, nowMillis: now) } == .conflict)
            // The chat.deleted event is not a message either.
            #expect(code { _ = try store.deleteChat(room: "lounge", seq: 2, actor: alice, mayDeleteOthers: true, nowMillis: now) } == .notFound)
            #expect(try store.room(id: "lounge")?.lastSeq == 2)
        }
    }
}
