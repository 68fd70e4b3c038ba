// docs/protocol.md "Boards and documents": documents over real sockets against the real server.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Documents")
struct DocTests {
    @Test func concurrentEditsOnTheSameRevisionConvergeEverywhere() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            try alice.join("class-7a")
            try bob.join("class-7a")
            let doc = try alice.createDoc("class-7a", title: "Проект", id: "plan")
            #expect(doc == "plan")
            let a = try DocSession(alice, room: "class-7a", doc: doc)
            try a.insert("Привет мир", at: 0)
            try a.settle(toRev: 1)
            let b = try DocSession(bob, room: "class-7a", doc: doc)
            #expect(b.text == "Привет мир")
            // Both edit revision 1 at once: the server orders them, everyone converges.
            try a.insert("😀 ", at: 0)
            try b.insert(", e\u{0308}ж", at: 6)
            try a.settle(toRev: 3)
            try b.settle(toRev: 3)
            #expect(a.text == b.text)
            #expect(a.text == "😀 Привет, e\u{0308}ж мир")
            let reopened = try server.connect(as: "tina")
            try reopened.join("class-7a")
            let state = try reopened.openDoc("class-7a", doc)
            #expect(state["doc"]?["text"]?.stringValue == a.text)
            #expect(state["doc"]?["rev"]?.intValue == 3)
            // Authorship: runs covering the whole text, alice's and bob's characters.
            let runs = try Authorship(json: state["doc"]?["authors"] ?? .null)
            #expect(runs.length == Array(a.text.unicodeScalars).count)
            #expect(runs.charsByAuthor()[bob.userID] == 5)
        }
    }

    @Test func manyClientsTypingAtRandomConvergeThroughTheServer() async throws {
        try await withRunningServer { server in
            let names = ["alice", "bob", "tina"]
            var sessions: [DocSession] = []
            var creator: TestWebSocket?
            for name in names {
                let s = try server.connect(as: name)
                try s.join("class-7a")
                if creator == nil { creator = s; _ = try s.createDoc("class-7a", title: "Random", id: "random") }
                sessions.append(try DocSession(s, room: "class-7a", doc: "random"))
            }
            var rng = SplitMix(seed: 0xA7_12_0F)
            let alphabet = Array("abcжщё😀 \u{0301}".unicodeScalars)
            for _ in 0..<60 {
                let s = sessions[Int(rng.next() % UInt64(sessions.count))]
                let length = s.client.text.count
                var op = TextOperation()
                if length > 3 && rng.next() % 3 == 0 {
                    let at = Int(rng.next() % UInt64(length - 2))
                    op.retain(at)
                    op.delete(2)
                    op.retain(length - at - 2)
                } else {
                    let at = Int(rng.next() % UInt64(length + 1))
                    op.retain(at)
                    op.insert(scalars: (0..<3).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
                    op.retain(length - at)
                }
                try s.edit(op)
                for other in sessions { try other.pump(for: 0.005) }
            }
            for s in sessions { try s.settle() }
            // Everyone has seen every revision once all are synchronized and pumped a little more.
            for s in sessions { try s.pump(for: 0.3) }
            let texts = Set(sessions.map(\.text))
            #expect(texts.count == 1)
            let check = try server.connect(as: "alice")
            try check.join("class-7a")
            #expect(try check.openDoc("class-7a", "random")["doc"]?["text"]?.stringValue == sessions[0].text)
        }
    }

    @Test func aResentNonceIsADuplicateAndBadOperationsAreRefused() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            try alice.join("class-7a")
            let doc = try alice.createDoc("class-7a", title: "Notes")
            let first = try alice.docOp("class-7a", doc, rev: 0, ["hi"], nonce: "n1")
            #expect(first.isOK && first["rev"]?.intValue == 1)
            let again = try alice.docOp("class-7a", doc, rev: 0, ["hi"], nonce: "n1")
            #expect(again["duplicate"]?.boolValue == true && again["rev"]?.intValue == 1)
            // Base length 5 on a 2-character revision 1.
            #expect(try alice.docOp("class-7a", doc, rev: 1, [5, "x"], nonce: "n2").code == "bad_request")
            #expect(try alice.docOp("class-7a", doc, rev: 9, [2, "x"], nonce: "n3").code == "bad_request")
            #expect(try alice.docOp("class-7a", doc, rev: 1, [0, "x"], nonce: "n4").code == "bad_request")
            #expect(try alice.docOp("class-7a", doc, rev: 1, [2, "x"], nonce: "").code == "bad_request")
            #expect(try alice.docOp("class-7a", "nope", rev: 0, ["x"], nonce: "n5").code == "not_found")
            #expect(try alice.docOp("lounge", doc, rev: 0, ["x"], nonce: "n6").code == "forbidden")  // not joined
            let ops = try alice.request(["type": "doc.ops", "room": "class-7a", "doc": .string(doc), "after": 0])
            #expect(ops["ops"]?.arrayValue?.count == 1)
            #expect(ops["latest"]?.intValue == 1)
        }
    }

    @Test func aLockedDocumentIsReadOnlyForStudentsAndOnlyTeachersLockIt() async throws {
        try await withRunningServer { server in
            let tina = try server.connect(as: "tina")
            let alice = try server.connect(as: "alice")
            try tina.join("class-7a")
            try alice.join("class-7a")
            let doc = try tina.createDoc("class-7a", title: "Test")
            let denied = try alice.request(["type": "doc.lock", "room": "class-7a", "doc": .string(doc), "locked": true])
            #expect(denied.code == "forbidden")
            let locked = try tina.request(["type": "doc.lock", "room": "class-7a", "doc": .string(doc), "locked": true])
            #expect(locked.isOK)
            let event = try alice.nextEvent("class-7a", kind: "doc.locked")
            #expect(event["locked"]?.boolValue == true)
            #expect(try alice.docOp("class-7a", doc, rev: 0, ["x"], nonce: "a1").code == "forbidden")
            #expect(try tina.docOp("class-7a", doc, rev: 0, ["teacher"], nonce: "t1").isOK)
            #expect(try tina.request(["type": "doc.lock", "room": "class-7a", "doc": .string(doc), "locked": false]).isOK)
            #expect(try alice.docOp("class-7a", doc, rev: 1, [7, "!"], nonce: "a2").isOK)
        }
    }

    @Test func historyRevisionsAndRestore() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            try alice.join("class-7a")
            let doc = try alice.createDoc("class-7a", title: "Essay")
            #expect(try alice.docOp("class-7a", doc, rev: 0, ["один"], nonce: "h1").isOK)
            #expect(try alice.docOp("class-7a", doc, rev: 1, [4, " два"], nonce: "h2").isOK)
            #expect(try alice.docOp("class-7a", doc, rev: 2, [-4, 4], nonce: "h3").isOK)
            let history = try alice.request(["type": "doc.history", "room": "class-7a", "doc": .string(doc)])
            let revs = history["revisions"]?.arrayValue ?? []
            #expect(revs.map { $0["rev"]?.intValue } == [3, 2, 1])
            #expect(revs[0]["deleted"]?.intValue == 4 && revs[2]["inserted"]?.intValue == 4)
            #expect(revs[0]["name"]?.stringValue == "Alice Smirnova")
            let old = try alice.request(["type": "doc.revision", "room": "class-7a", "doc": .string(doc), "rev": 2])
            #expect(old["text"]?.stringValue == "один два")
            #expect(try alice.request(["type": "doc.revision", "room": "class-7a", "doc": .string(doc), "rev": 9]).code == "not_found")
            let restored = try alice.request(["type": "doc.restore", "room": "class-7a", "doc": .string(doc), "rev": 2])
            #expect(restored.isOK && restored["rev"]?.intValue == 4)
            let event = try alice.receive(where: { $0["kind"]?.stringValue == "doc.op" && $0["rev"]?.intValue == 4 })
            #expect(event["restored_from"]?.intValue == 2)
            #expect(try alice.openDoc("class-7a", doc)["doc"]?["text"]?.stringValue == "один два")
        }
    }

    @Test func cursorsReachTheOthersWithTheirNamesAndMoveThroughEdits() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            try alice.join("class-7a")
            try bob.join("class-7a")
            let doc = try alice.createDoc("class-7a", title: "C")
            #expect(try alice.docOp("class-7a", doc, rev: 0, ["hello"], nonce: "c1").isOK)
            _ = try alice.openDoc("class-7a", doc)
            _ = try bob.openDoc("class-7a", doc)
            try alice.send(["type": "doc.cursor", "room": "class-7a", "doc": .string(doc), "rev": 1, "anchor": 5, "head": 5])
            let seen = try bob.receive(type: "doc.cursor")
            #expect(seen["user"]?.intValue == alice.userID)
            #expect(seen["head"]?.intValue == 5)
            #expect(seen["name"]?.stringValue != nil && seen["color"]?.stringValue != nil)
            // Bob inserts before alice's cursor: a third person opening now sees it moved.
            #expect(try bob.docOp("class-7a", doc, rev: 1, ["¡", 5], nonce: "c2").isOK)
            let tina = try server.connect(as: "tina")
            try tina.join("class-7a")
            let opened = try tina.openDoc("class-7a", doc)
            let cursor = opened["cursors"]?.arrayValue?.first { $0["user"]?.intValue == alice.userID }
            #expect(cursor?["head"]?.intValue == 6)
            // Alice leaves the document: bob hears her cursor is gone.
            #expect(try alice.request(["type": "doc.close", "room": "class-7a", "doc": .string(doc)]).isOK)
            let gone = try bob.receive(where: { $0.type == "doc.cursor" && $0["gone"]?.boolValue == true })
            #expect(gone["user"]?.intValue == alice.userID)
        }
    }

    @Test func operationsAreRoomEventsReplayedOnResume() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            let ok = try alice.join("class-7a")
            let latest = ok["latest"]?.intValue ?? 0
            let doc = try alice.createDoc("class-7a", title: "R")
            #expect(try alice.docOp("class-7a", doc, rev: 0, ["a"], nonce: "r1").isOK)
            #expect(try alice.docOp("class-7a", doc, rev: 1, [1, "b"], nonce: "r2").isOK)
            let bob = try server.connect(as: "bob")
            try bob.join("class-7a", since: latest)
            let kinds = try bob.events("class-7a", count: 3).map { $0["kind"]?.stringValue }
            #expect(kinds == ["doc.created", "doc.op", "doc.op"])
        }
    }

    @Test func contributionsShowEveryoneToTeachersAndOnlyOneselfToStudents() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            let tina = try server.connect(as: "tina")
            for s in [alice, bob, tina] { try s.join("class-7a") }
            let doc = try alice.createDoc("class-7a", title: "Shared")
            #expect(try alice.docOp("class-7a", doc, rev: 0, ["abcdef"], nonce: "k1").isOK)
            #expect(try bob.docOp("class-7a", doc, rev: 1, [3, -3, "XY"], nonce: "k2").isOK)
            let all = try tina.request(["type": "collab.contributions", "room": "class-7a"])
            let rows = all["people"]?.arrayValue ?? []
            let a = rows.first { $0["user"]?.intValue == alice.userID }
            let b = rows.first { $0["user"]?.intValue == bob.userID }
            #expect(a?["chars_inserted"]?.intValue == 6 && a?["chars_kept"]?.intValue == 3)
            #expect(b?["chars_inserted"]?.intValue == 2 && b?["chars_deleted"]?.intValue == 3 && b?["chars_kept"]?.intValue == 2)
            let own = try bob.request(["type": "collab.contributions", "room": "class-7a"])
            #expect(own["people"]?.arrayValue?.map { $0["user"]?.intValue } == [bob.userID])
        }
    }
}

/// A small deterministic generator (SplitMix64) so a failing run can be repeated.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("History of a room busy with co-editing")
struct ChatOnlyHistoryTests {
    @Test func historyCanSkipBoardAndDocumentOperations() async throws {
        try await withRunningServer(configure: { $0.ratePerSecond = 1000; $0.rateBurst = 1000 }) { server in
            let alice = try server.connect(as: "alice")
            try alice.join("class-7a")
            let first = try alice.post("class-7a", "до правок")
            let doc = try alice.createDoc("class-7a", title: "Busy")
            for i in 0..<60 {
                #expect(try alice.docOp("class-7a", doc, rev: Int64(i), i == 0 ? ["a"] : [.int(Int64(i)), "a"], nonce: "h\(i)").isOK)
            }
            let last = try alice.post("class-7a", "после правок")
            let all = try alice.request(["type": "history", "room": "class-7a", "limit": 10])
            #expect(all["events"]?.arrayValue?.count == 10)
            let chat = try alice.request(["type": "history", "room": "class-7a", "limit": 10, "only": "chat"])
            #expect(chat["events"]?.arrayValue?.map(\.seq) == [first, last])
        }
    }
}
