// A serial store worker: one thread with its own connection runs jobs one at a time in
// submission order — reads (history, room loads) and sign-in (scrypt is slow, so it must stay
// off the service thread). Completions run on the worker thread. Writes a job makes go through
// the connection's own transactions; the server's event writes go through CommitQueue instead.
//
// Thread-safety (@unchecked Sendable): the job queue is guarded by WorkThread's NSCondition;
// `connection` is touched only by the worker thread (opened in init before the thread starts).

import AtriumCore

public final class StoreWorker: @unchecked Sendable {
    private let worker: WorkThread<any StoreJob>
    private var connection: StoreConnection?  // worker thread only

    public init(name: String, dataDir: String, options: StoreOptions) throws {
        connection = try StoreConnection(dataDir: dataDir, options: options)
        worker = WorkThread(maxBatch: 64)
        worker.start(name: name, handle: { [self] batch in
            guard let connection else { return }
            for job in batch {
                job.run(connection)
                job.complete()
            }
        }, finish: { [self] in connection = nil })
    }

    /// Queues `work`; after stop() the completion runs at once, on the caller's thread, with
    /// `.unavailable`.
    public func submit<T: Sendable>(_ work: @escaping @Sendable (StoreConnection) throws -> T,
                                    completion: @escaping @Sendable (Result<T, StoreError>) -> Void) {
        let job = TypedStoreJob(work: work, completion: completion)
        if !worker.enqueue(job) {
            job.fail(.stopped)
            job.complete()
        }
    }

    /// Runs what is queued, closes the connection and ends the thread; returns when it has ended.
    public func stop() { worker.stop() }
}
