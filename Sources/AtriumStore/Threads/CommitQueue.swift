// Group commit: the single writer of the server. Jobs come from any thread; one thread
// ("atrium-commit") with its own connection takes everything queued (up to batchMax), runs it
// in ONE transaction with each job in its own savepoint, COMMITs once, and then calls the
// completions in submission order on that thread. One fsync per batch instead of per event is
// what lets chat reach tens of thousands of events per second; only after COMMIT does anyone
// hear of a result, so nothing uncommitted is ever acked or fanned out (DESIGN.md).
//
// Thread-safety (@unchecked Sendable): the job queue is guarded by WorkThread's NSCondition;
// `statsState` by its Mutex; `connection` is touched only by the commit thread (opened in init
// before the thread starts, closed by the thread when it ends).

import AtriumCore
import Synchronization

public final class CommitQueue: @unchecked Sendable {
    private let worker: WorkThread<any StoreJob>
    private var connection: StoreConnection?  // commit thread only
    private let statsState = Mutex(CommitStats())

    public init(dataDir: String, options: StoreOptions, batchMax: Int = 1000) throws {
        connection = try StoreConnection(dataDir: dataDir, options: options)
        worker = WorkThread(maxBatch: batchMax)
        worker.start(name: "atrium-commit", handle: { [self] batch in runBatch(batch) }, finish: { [self] in finish() })
    }

    /// Queues `work`; `completion` runs on the commit thread after the batch holding it committed
    /// (or failed). After drainAndStop the completion runs at once, on the caller's thread, with
    /// `.unavailable`.
    public func submit<T: Sendable>(_ work: @escaping @Sendable (StoreConnection) throws -> T,
                                    completion: @escaping @Sendable (Result<T, StoreError>) -> Void) {
        let job = TypedStoreJob(work: work, completion: completion)
        if !worker.enqueue(job) {
            job.fail(.stopped)
            job.complete()
        }
    }

    /// Runs what is queued, commits, checkpoints the WAL and ends the thread; returns when it has
    /// ended (called from a completion, it only requests the stop).
    public func drainAndStop() { worker.stop() }

    public var stats: CommitStats {
        var s = statsState.withLock { $0 }
        s.queued = worker.queuedCount
        return s
    }

    // MARK: - Commit thread

    private func runBatch(_ jobs: [any StoreJob]) {
        guard let connection else { return }
        let started = ContinuousClock.now
        var failed = 0
        var committed = false
        do {
            try connection.begin()
            for job in jobs {
                do {
                    try connection.savepoint {
                        if !job.run(connection) { throw JobFailed() }
                    }
                } catch is JobFailed {
                    failed += 1
                } catch {
                    job.fail(StoreError.from(error))  // SAVEPOINT/RELEASE itself failed
                    failed += 1
                }
                // Some errors (disk full, I/O) make SQLite roll back the whole transaction; the
                // batch cannot commit then, and later jobs must not run in autocommit mode.
                guard connection.db.isInTransaction else {
                    throw StoreError(.internal, "The transaction was rolled back by SQLite.")
                }
            }
            try connection.commit()
            committed = true
        } catch {
            connection.rollback()
            let e = StoreError.from(error)
            for job in jobs { job.fail(e) }
            failed = jobs.count
        }
        let seconds = Self.seconds(ContinuousClock.now - started)
        statsState.withLock { s in
            if committed { s.recordCommit(seconds: seconds) }
            s.jobs += jobs.count
            s.failedJobs += failed
        }
        for job in jobs { job.complete() }
    }

    private func finish() {
        // Best effort: a reader elsewhere may keep the checkpoint from truncating; the WAL is
        // then replayed on the next open, nothing is lost.
        try? connection?.checkpoint()
        connection = nil
    }

    private struct JobFailed: Error {}

    static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
