// Documents and boards across restarts and kill -9 (docs/collab.md "The event log, snapshots
// and kill -9"), the collab limits at their edges, and offline editing over real sockets.

import AtriumCore
import AtriumStore
import AtriumTestSupport
import Foundation
import Testing

@Suite("Documents: durability, limits, offline")
struct DocDurabilityTests {
    @Test func snapshotsAndOperationsAgreeAfterKill9() async throws {
        let dir = try seededDataDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let extra = ["--set", "limits.rate_per_s=10000", "--set", "limits.rate_burst=10000", "--set", "collab.snapshot_every=7"]
        var (process, server) = try startBinary(dataDir: dir, extra: extra)
        let ws = try server.connect(as: "alice")
        try ws.join("class-7a")
        let doc = try ws.createDoc("class-7a", title: "Crash", id: "crash")
        _ = try ws.openDoc("class-7a", doc)
        // A burst of appends, each on the revision the previous one will have: the server
        // transforms nothing and every acknowledged one must survive.
        for i in 0..<300 {
            let op: JSON = i == 0 ? ["ж"] : [.int(Int64(i)), "ж"]
            try ws.send(["type": "doc.op", "room": "class-7a", "doc": .string(doc), "rev": .int(Int64(i)), "op": op,
                         "nonce": .string("k\(i)"), "ref": .string("k\(i)")])
        }
        var acked = Set<Int64>()
        while acked.count < 40 {
            let r = try ws.receive(where: { $0.isOK && $0["rev"] != nil }, timeout: 10)
            acked.insert(try #require(r["rev"]?.intValue))
        }
        process.kill(signal: SIGKILL)
        #expect(try process.waitForExit(timeout: 10) == 128 + SIGKILL)
        while let r = try? ws.receive(timeout: 2) {
            if r.isOK, let rev = r["rev"]?.intValue { acked.insert(rev) }
        }

        (process, server) = try startBinary(dataDir: dir, extra: extra)
        defer { process.kill(signal: SIGKILL) }
        let again = try server.connect(as: "bob")
        try again.join("class-7a")
        let opened = try again.openDoc("class-7a", doc)
        let rev = try #require(opened["doc"]?["rev"]?.intValue)
        #expect(rev >= acked.max() ?? 0, "every acknowledged revision is stored")
        #expect(opened["doc"]?["text"]?.stringValue == String(repeating: "ж", count: Int(rev)))
        // The revision history from storage agrees with the snapshot path.
        let old = try again.request(["type": "doc.revision", "room": "class-7a", "doc": .string(doc), "rev": .int(rev - 1)])
        #expect(old["text"]?.stringValue == String(repeating: "ж", count: Int(rev - 1)))
        // And editing goes on from there.
        #expect(try again.docOp("class-7a", doc, rev: rev, [.int(rev), "!"], nonce: "after").isOK)
    }

    @Test func aDocumentLongerThanTheLimitIsRefusedAtItsEdge() async throws {
        try await withRunningServer(configure: { $0.collabMaxDocChars = 5 }) { server in
            let alice = try server.connect(as: "alice")
            try alice.join("class-7a")
            let doc = try alice.createDoc("class-7a", title: "Short")
            #expect(try alice.docOp("class-7a", doc, rev: 0, ["ёжик😀"], nonce: "e1").isOK)  // exactly 5 code points
            #expect(try alice.docOp("class-7a", doc, rev: 1, [5, "!"], nonce: "e2").code == "too_large")
            #expect(try alice.docOp("class-7a", doc, rev: 1, [-1, 4], nonce: "e3").isOK)  // shrinking is fine
        }
    }

    @Test func anOperationOnARevisionNoLongerInMemoryIsStaleWithTheLatest() async throws {
        try await withRunningServer(configure: { $0.collabHistoryOps = 10 }) { server in
            let alice = try server.connect(as: "alice")
            try alice.join("class-7a")
            let doc = try alice.createDoc("class-7a", title: "Busy")
            for i in 0..<12 {
                #expect(try alice.docOp("class-7a", doc, rev: Int64(i), i == 0 ? ["a"] : [.int(Int64(i)), "a"], nonce: "s\(i)").isOK)
            }
            #expect(try alice.docOp("class-7a", doc, rev: 2, [2, "b"], nonce: "late-ok").isOK)  // 10 back: still kept
            let stale = try alice.docOp("class-7a", doc, rev: 1, [1, "b"], nonce: "late")
            #expect(stale.code == "stale")
            #expect(stale["latest"]?.intValue == 13)
            // The client catches up with doc.ops and resends on the latest revision.
            let ops = try alice.request(["type": "doc.ops", "room": "class-7a", "doc": .string(doc), "after": 1, "limit": 5])
            #expect(ops["ops"]?.arrayValue?.map { $0["rev"]?.intValue } == [2, 3, 4, 5, 6])
        }
    }

    @Test func aDocumentReopensFromItsSnapshotAfterARestart() async throws {
        let dir = try seededDataDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var (process, server) = try startBinary(dataDir: dir, extra: ["--set", "collab.snapshot_every=3"])
        let ws = try server.connect(as: "alice")
        try ws.join("class-7a")
        let doc = try ws.createDoc("class-7a", title: "Snap")
        let session = try DocSession(ws, room: "class-7a", doc: doc)
        for word in ["раз ", "два ", "три ", "четыре ", "пять"] {
            try session.insert(word, at: session.client.text.count)
            try session.settle()
        }
        #expect(try ws.boardOp("class-7a", BoardIntegrationTests.column("c", "Колонка", pos: "V"), nonce: "bc").isOK)
        process.kill(signal: SIGTERM)
        _ = try process.waitForExit(timeout: 10)
        (process, server) = try startBinary(dataDir: dir, extra: ["--set", "collab.snapshot_every=3"])
        defer { process.kill(signal: SIGKILL) }
        let again = try server.connect(as: "bob")
        try again.join("class-7a")
        let opened = try again.openDoc("class-7a", doc)
        #expect(opened["doc"]?["text"]?.stringValue == "раз два три четыре пять")
        #expect(opened["doc"]?["rev"]?.intValue == 5)
        let board = try again.request(["type": "board.open", "room": "class-7a"])
        #expect(board["board"]?["columns"]?.arrayValue?.first?["title"]?.stringValue == "Колонка")
        // A resend of an operation committed before the restart is still a duplicate; the same
        // nonce from someone else is their own operation (here refused: the id is in use).
        let alice = try server.connect(as: "alice")
        try alice.join("class-7a")
        #expect(try alice.boardOp("class-7a", BoardIntegrationTests.column("c", "Колонка", pos: "V"), nonce: "bc")["duplicate"]?.boolValue == true)
        #expect(try again.boardOp("class-7a", BoardIntegrationTests.column("c", "Колонка", pos: "V"), nonce: "bc").code == "conflict")
    }

    @Test func anOfflineWriterMergesOnReconnect() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            var bob = try server.connect(as: "bob")
            try alice.join("class-7a")
            let joined = try bob.join("class-7a")
            _ = joined
            let doc = try alice.createDoc("class-7a", title: "Offline", id: "off")
            let a = try DocSession(alice, room: "class-7a", doc: doc)
            try a.insert("общий текст", at: 0)
            try a.settle(toRev: 1)
            var b = try DocSession(bob, room: "class-7a", doc: doc)
            let lastSeq = try bob.nextEvent("class-7a", kind: "doc.op").seq ?? 0
            // Bob drops; both go on editing.
            bob.abort()
            try a.insert("Алиса: ", at: 0)
            try a.settle(toRev: 2)
            var offline = b.client
            for (word, at) in [(" — Боб", 11), ("!", 17)] {
                var op = TextOperation()
                op.retain(at)
                op.insert(word)
                op.retain(offline.text.count - at)
                _ = try offline.edit(op)   // nothing can be sent while offline
            }
            #expect(offline.string == "общий текст — Боб!")
            // Bob reconnects: replay with since, then his outstanding edit goes out with its nonce.
            bob = try server.connect(as: "bob")
            try bob.join("class-7a", since: lastSeq)
            b = try DocSession(resuming: bob, room: "class-7a", doc: doc, client: offline)
            try b.pump(for: 0.3)
            if let out = b.client.resendAfterReconnect() { try b.send(out) }
            try b.settle()
            try a.settle()
            try a.pump(for: 0.3)
            #expect(a.text == b.text)
            #expect(a.text == "Алиса: общий текст — Боб!")
        }
    }
}
