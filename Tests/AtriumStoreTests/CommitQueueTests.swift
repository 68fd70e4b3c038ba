import AtriumCore
import AtriumStore
import Dispatch
import Synchronization
import Testing

@Suite struct CommitQueueTests {
    private static func chat(_ room: RoomID, _ text: String, nonce: String? = nil) -> @Sendable (StoreConnection) throws -> Int64 {
        { conn in
            switch try conn.appendChat(room: room, actor: 1, actorName: "A", text: text, nonce: nonce, nowMillis: now) {
            case .appended(let e): return e.seq
            case .duplicate(let seq): return -seq
            }
        }
    }

    @Test func concurrentSubmitsCommitWithContiguousSeqs() throws {
        try withTempDir { dir in
            _ = try openStore(dir, rooms: ["a", "b"])
            let queue = try CommitQueue(dataDir: dir, options: StoreOptions())
            let results = Collector<(RoomID, Result<Int64, StoreError>)>()
            let group = DispatchGroup()
            let perThread = 250, threads = 8
            for _ in 0..<(perThread * threads) { group.enter() }
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                for i in 0..<perThread {
                    let room = (i + t) % 2 == 0 ? "a" : "b"
                    queue.submit(Self.chat(room, "\(t)-\(i)")) { result in
                        results.append((room, result))
                        group.leave()
                    }
                }
            }
            #expect(wait(group))
            let all = results.values
            #expect(all.count == perThread * threads)
            for room in ["a", "b"] {
                let seqs = all.filter { $0.0 == room }.compactMap { try? $0.1.get() }.sorted()
                #expect(seqs == Array(1...Int64(seqs.count)))
                #expect(seqs.count == perThread * threads / 2)
            }
            let stats = queue.stats
            #expect(stats.jobs == perThread * threads)
            #expect(stats.failedJobs == 0)
            #expect(stats.commits >= 1 && stats.commits <= stats.jobs)
            #expect(stats.latencyBuckets.count == 13)
            #expect(stats.latencyBuckets.last?.le == .infinity)
            #expect(stats.latencyBuckets.last?.count == stats.commits)
            #expect(zip(stats.latencyBuckets, stats.latencyBuckets.dropFirst()).allSatisfy { $0.count <= $1.count })
            #expect(stats.latencySum > 0)
            queue.drainAndStop()

            let check = try StoreConnection(dataDir: dir)
            #expect(try check.room(id: "a")?.lastSeq == Int64(perThread * threads / 2))
            #expect(try check.events(room: "b", after: 0, limit: 10_000).count == perThread * threads / 2)
        }
    }

    @Test func failingJobInABatchAffectsOnlyItself() throws {
        try withTempDir { dir in
            _ = try openStore(dir)
            let queue = try CommitQueue(dataDir: dir, options: StoreOptions())
            // Hold the commit thread so the next three jobs land in one batch.
            let gate = DispatchSemaphore(value: 0), holding = DispatchSemaphore(value: 0)
            let group = DispatchGroup()
            group.enter()
            queue.submit({ _ in holding.signal(); gate.wait() }, completion: { _ in group.leave() })
            #expect(holding.wait(timeout: .now() + 30) == .success)
            struct Boom: Error {}
            let results = Collector<(String, Result<Int64, StoreError>)>()
            for (name, work) in [
                ("a", Self.chat("lounge", "a")),
                ("bad", { conn in _ = try Self.chat("lounge", "bad")(conn); throw StoreError(.forbidden, "no") }),
                ("notfound", Self.chat("nowhere", "x")),
                ("c", Self.chat("lounge", "c")),
            ] as [(String, @Sendable (StoreConnection) throws -> Int64)] {
                group.enter()
                queue.submit(work) { results.append((name, $0)); group.leave() }
            }
            gate.signal()
            #expect(wait(group))
            let r = results.values
            #expect(r.map(\.0) == ["a", "bad", "notfound", "c"])  // completions in submission order
            #expect(try r[0].1.get() == 1)
            #expect(r[1].1 == .failure(StoreError(.forbidden, "no")))
            if case .failure(let e) = r[2].1 { #expect(e.code == .notFound) } else { Issue.record("expected failure") }
            #expect(try r[3].1.get() == 2)  // the failed job's seq was rolled back: no gap
            let stats = queue.stats
            #expect(stats.commits == 2)
            #expect(stats.jobs == 5)
            #expect(stats.failedJobs == 2)
            queue.drainAndStop()
            let check = try StoreConnection(dataDir: dir)
            #expect(try check.events(room: "lounge", after: 0, limit: 10).map { $0.payload["text"] } == [.string("a"), .string("c")])
        }
    }

    @Test func completionsRunInSubmissionOrderOnTheCommitThread() throws {
        try withTempDir { dir in
            _ = try openStore(dir)
            let queue = try CommitQueue(dataDir: dir, options: StoreOptions(), batchMax: 7)
            let order = Collector<Int>()
            let threadNames = Collector<String>()
            let group = DispatchGroup()
            for i in 0..<200 {
                group.enter()
                queue.submit(Self.chat("lounge", "\(i)")) { result in
                    if case .success(let seq) = result { order.append(Int(seq)) }
                    threadNames.append(currentThreadName())
                    group.leave()
                }
            }
            #expect(wait(group))
            #expect(order.values == Array(1...200))
            #expect(Set(threadNames.values) == ["atrium-commit"])
            #expect(queue.stats.commits >= 200 / 7)
            queue.drainAndStop()
        }
    }

    @Test func drainAndStopFinishesQueuedWorkThenRefuses() throws {
        try withTempDir { dir in
            _ = try openStore(dir)
            let queue = try CommitQueue(dataDir: dir, options: StoreOptions())
            let done = Collector<Result<Int64, StoreError>>()
            for i in 0..<500 {
                queue.submit(Self.chat("lounge", "\(i)")) { done.append($0) }
            }
            queue.drainAndStop()
            #expect(done.values.count == 500)
            #expect(done.values.allSatisfy { (try? $0.get()) != nil })
            #expect(queue.stats.queued == 0)

            let late = Collector<Result<Int64, StoreError>>()
            queue.submit(Self.chat("lounge", "late")) { late.append($0) }
            #expect(late.values.count == 1)
            if case .failure(let e) = late.values.first { #expect(e.code == .unavailable) } else { Issue.record("late submit ran") }
            queue.drainAndStop()  // twice is fine

            let check = try StoreConnection(dataDir: dir)
            #expect(try check.room(id: "lounge")?.lastSeq == 500)
        }
    }

    @Test func nonceDedupeThroughTheQueue() throws {
        try withTempDir { dir in
            _ = try openStore(dir)
            let queue = try CommitQueue(dataDir: dir, options: StoreOptions())
            let results = Collector<Int64>()
            let group = DispatchGroup()
            for _ in 0..<3 {
                group.enter()
                queue.submit(Self.chat("lounge", "same", nonce: "n")) { if case .success(let s) = $0 { results.append(s) }; group.leave() }
            }
            #expect(wait(group))
            #expect(results.values == [1, -1, -1])  // first appended, the resends are duplicates of seq 1
            queue.drainAndStop()
        }
    }

    @Test func storeWorkerRunsJobsInOrderAndStops() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            for i in 1...5 { _ = try store.appendChat(room: "lounge", actor: 1, actorName: "A", text: "\(i)", nonce: nil, nowMillis: now) }
            let worker = try StoreWorker(name: "atrium-read", dataDir: dir, options: StoreOptions())
            let seen = Collector<Int>()
            let group = DispatchGroup()
            for i in 0..<50 {
                group.enter()
                worker.submit({ conn in try conn.events(room: "lounge", after: 0, limit: 100).count }) { result in
                    if case .success(let n) = result, n == 5 { seen.append(i) }
                    #expect(currentThreadName() == "atrium-read")
                    group.leave()
                }
            }
            #expect(wait(group))
            #expect(seen.values == Array(0..<50))
            worker.stop()
            let late = Collector<Bool>()
            worker.submit({ _ in 1 }) { late.append((try? $0.get()) == nil) }
            #expect(late.values == [true])
        }
    }
}
