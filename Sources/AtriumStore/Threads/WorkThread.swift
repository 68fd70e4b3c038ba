// A named thread with a locked job queue: the engine under CommitQueue and StoreWorker.
//
// Thread-safety: `pending` and `state` are guarded by `condition` (an NSCondition: its lock
// protects them, its signal wakes the thread). The handler runs on the thread only, outside
// the lock, so submitters never wait for SQLite.

import Foundation

final class WorkThread<Item>: @unchecked Sendable {
    enum State { case running, stopping, finished }

    private let condition = NSCondition()
    private var pending: [Item] = []   // guarded by `condition`
    private var state = State.running  // guarded by `condition`
    // Guarded by `condition`. Cleared when the thread ends: the thread's block holds the owner
    // (through `handle`) and the owner holds us, so this breaks the cycle once work is over.
    private var thread: Thread?
    private let maxBatch: Int

    init(maxBatch: Int) { self.maxBatch = max(1, maxBatch) }

    /// Starts the thread (call once, right after init). `handle` gets each batch (oldest first, at most `maxBatch`); `finish`
    /// runs once on the thread after the last batch, when stop was requested and the queue is empty.
    func start(name: String, handle: @escaping @Sendable ([Item]) -> Void, finish: @escaping @Sendable () -> Void) {
        let t = Thread { [self] in
            // Linux applies a thread name only when the thread sets it itself; until then it
            // inherits its creator's name. Named threads make stack dumps and `top -H` readable.
            // Linux keeps at most 15 bytes and refuses longer names outright, so cut them.
            Thread.current.name = String(decoding: name.utf8.prefix(15), as: UTF8.self)
            while let batch = nextBatch() { handle(batch) }
            finish()
            condition.lock()
            state = .finished
            thread = nil
            condition.broadcast()
            condition.unlock()
        }
        t.name = name
        condition.lock()
        thread = t
        condition.unlock()
        t.start()
    }

    /// Queues an item; false (not queued) once stopping has begun.
    func enqueue(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard state == .running else { return false }
        pending.append(item)
        if pending.count == 1 { condition.signal() }  // the thread waits only on an empty queue
        return true
    }

    var queuedCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return pending.count
    }

    /// Lets the thread finish what is queued, then waits for it to end. Safe to call twice.
    /// From the thread itself (a completion) it only requests the stop: waiting would deadlock.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        if state == .running { state = .stopping; condition.broadcast() }
        if let thread, Thread.current == thread { return }
        while state != .finished { condition.wait() }
    }

    /// Blocks until there is work (returns up to `maxBatch` items) or the thread should end (nil).
    private func nextBatch() -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && state == .running { condition.wait() }
        if pending.isEmpty { return nil }
        if pending.count <= maxBatch {
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        let batch = Array(pending.prefix(maxBatch))
        pending.removeFirst(maxBatch)
        return batch
    }
}
