import AtriumCore
@testable import AtriumStore
import Dispatch
import Foundation
import Synchronization
import Testing

@Suite struct BackupTests {
    @Test func backupWhileTheCommitQueueWritesIsConsistent() throws {
        try withTempDir { dir in
            let rooms: [RoomID] = ["a", "b", "c"]
            let source = try openStore(dir, rooms: rooms)
            let queue = try CommitQueue(dataDir: dir, options: StoreOptions())
            // A steady stream of writes, at most a few hundred in flight.
            let stop = Atomic<Bool>(false)
            let inFlight = DispatchSemaphore(value: 300)
            let writerDone = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                var i = 0
                while !stop.load(ordering: .relaxed) {
                    inFlight.wait()
                    let room = rooms[i % rooms.count], n = i
                    queue.submit({ conn in
                        _ = try conn.appendChat(room: room, actor: 1, actorName: "A", text: "m\(n)", nonce: "n\(n)", nowMillis: now)
                    }, completion: { _ in inFlight.signal() })
                    i += 1
                }
                writerDone.signal()
            }
            // Let some history build up first.
            let deadline = Date().addingTimeInterval(30)
            while (try source.room(id: "a")?.lastSeq ?? 0) < 1000 && Date() < deadline { usleep(1000) }

            for n in 0..<3 {
                let copyDir = dir + "-copy\(n)"
                try FileManager.default.createDirectory(atPath: copyDir, withIntermediateDirectories: true)
                // Tiny steps: the copy takes many steps while the queue keeps committing.
                try source.backup(to: StoreConnection.databasePath(dataDir: copyDir), pagesPerStep: n == 0 ? 1024 : 2)
                let copy = try StoreConnection(dataDir: copyDir)
                var total: Int64 = 0
                for stored in try copy.rooms() {
                    let events = try copy.events(room: stored.record.id, after: 0, limit: 1_000_000)
                    #expect(stored.lastSeq == (events.last?.seq ?? 0))
                    #expect(events.map(\.seq) == Array(stride(from: 1, through: stored.lastSeq, by: 1)))
                    total += stored.lastSeq
                }
                #expect(total >= 1000)
                #expect(try copy.rooms().count == rooms.count)
                try? FileManager.default.removeItem(atPath: copyDir)
            }
            stop.store(true, ordering: .relaxed)
            #expect(writerDone.wait(timeout: .now() + 30) == .success)
            queue.drainAndStop()
            #expect(queue.stats.failedJobs == 0)
        }
    }

    @Test func checkpointTruncatesTheWAL() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            for i in 0..<100 {
                _ = try store.appendChat(room: "lounge", actor: 1, actorName: "A", text: "\(i)", nonce: nil, nowMillis: now)
            }
            let wal = StoreConnection.databasePath(dataDir: dir) + "-wal"
            try store.checkpoint()
            let size = (try FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? -1
            #expect(size == 0)
        }
    }
}
