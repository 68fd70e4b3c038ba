// The real `atrium` binary: durability across kill -9, graceful shutdown on SIGTERM, and online
// backup. PROTOCOL.md: "an event is sent to anyone only after it is committed to storage".

import AtriumCore
import AtriumStore
import AtriumTestSupport
import Foundation
import Testing

@Suite("The atrium process")
struct ProcessTests {
    @Test func acknowledgedMessagesSurviveKill9() async throws {
        let dir = try seededDataDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fast = ["--set", "limits.rate_per_s=10000", "--set", "limits.rate_burst=10000"]
        var (process, server) = try startBinary(dataDir: dir, extra: fast)
        let ws = try server.connect(as: "alice")
        try ws.join("lounge")

        var textOfRef: [String: String] = [:]
        for i in 1...400 {
            let ref = ws.nextRef()
            textOfRef[ref] = "burst \(i)"
            try ws.send(["type": "chat.send", "room": "lounge", "text": .string("burst \(i)"), "ref": .string(ref)])
        }
        // Kill the server in the middle of the burst, as soon as some replies arrived.
        var acked: [Int64: String] = [:]
        while acked.count < 20 {
            let r = try ws.receive(where: { $0.isOK && $0["ref"] != nil }, timeout: 10)
            acked[try #require(r.seq)] = textOfRef[r["ref"]!.stringValue!]
        }
        process.kill(signal: SIGKILL)
        #expect(try process.waitForExit(timeout: 10) == 128 + SIGKILL)
        // Replies that were already on their way also count as acknowledged.
        while true {
            do {
                let r = try ws.receive(timeout: 2)
                if r.isOK, let ref = r["ref"]?.stringValue, let seq = r.seq { acked[seq] = textOfRef[ref] }
            } catch { break }
        }

        (process, server) = try startBinary(dataDir: dir, extra: fast)
        defer { process.kill(signal: SIGKILL) }
        let again = try server.connect(as: "bob")
        let join = try again.join("lounge", since: 0)
        let latest = try #require(join["latest"]?.intValue)
        #expect(latest >= Int64(acked.count))
        let events = try again.events("lounge", count: Int(latest), timeout: 10)
        #expect(events.map(\.seq) == Array(1...latest), "seqs are contiguous from 1")
        let stored = Dictionary(uniqueKeysWithValues: events.map { ($0.seq!, $0["text"]?.stringValue ?? "") })
        for (seq, text) in acked {
            #expect(stored[seq] == text, "acknowledged seq \(seq) ('\(text)') lost or changed")
        }
        #expect(try again.post("lounge", "after the crash") == latest + 1)
    }

    @Test func sigtermClosesClientsWith1001AndExitsCleanly() async throws {
        let dir = try seededDataDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (process, server) = try startBinary(dataDir: dir)
        let alice = try server.connect(as: "alice")
        let bob = try server.connect(as: "bob")
        try alice.join("lounge")
        let seq = try alice.post("lounge", "said just before the shutdown")

        process.kill(signal: SIGTERM)
        #expect(try alice.waitForClose(timeout: 10) == 1001)
        #expect(try bob.waitForClose(timeout: 10) == 1001)
        let status = try process.waitForExit(timeout: 15)
        #expect(status == 0, "exit status \(status); log:\n\(process.logTail())")

        let (second, server2) = try startBinary(dataDir: dir)
        defer { second.kill(signal: SIGKILL) }
        let ws = try server2.connect(as: "tina")
        let join = try ws.join("lounge", since: 0)
        #expect(join["latest"]?.intValue == seq)
        #expect(try ws.nextEvent("lounge")["text"]?.stringValue == "said just before the shutdown")
    }

    @Test func backupWhileWritingIsConsistent() async throws {
        try await withRunningServer(configure: { $0.rateBurst = 10_000; $0.ratePerSecond = 10_000 }) { server in
            let ws = try server.connect(as: "alice")
            try ws.join("lounge")
            let dir = try makeTemporaryDirectory(prefix: "atrium-backup")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var refs: [String] = []
            for i in 1...300 {
                let ref = ws.nextRef()
                refs.append(ref)
                try ws.send(["type": "chat.send", "room": "lounge", "text": .string("b\(i)"), "ref": .string(ref)])
            }
            // The server commits the burst while the backup runs.
            try cli(["backup", "--data", server.dataDir, "--to", dir + "/copy.sqlite"])
            for ref in refs { #expect(try ws.receive(where: { $0["ref"]?.stringValue == ref }, timeout: 10).isOK) }

            let restored = dir + "/restored"
            try FileManager.default.createDirectory(atPath: restored, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: dir + "/copy.sqlite", toPath: restored + "/atrium.sqlite")
            let store = try StoreConnection(dataDir: restored)
            let room = try #require(try store.room(id: "lounge"))
            let events = try store.events(room: "lounge", after: 0, limit: 10_000)
            #expect(events.map(\.seq) == Array(stride(from: 1, through: room.lastSeq, by: 1)),
                    "last_seq \(room.lastSeq) matches the events")
            for e in events { #expect(e.payload["text"]?.stringValue == "b\(e.seq)") }
            #expect(try store.user(login: "alice") != nil)
            #expect(try store.rooms().count == 3)
        }
    }
}
