import Foundation

/// A plain thread that posts a tick to the service thread at a fixed interval. The hub uses
/// the tick for presence diffs, hello timeouts, CLI change polling and shutdown progress.
/// Runs on its own thread ("atrium-ticker"); it touches nothing but the inbox.
final class Ticker: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let intervalMicros: UInt32

    init(intervalMillis: Int) {
        intervalMicros = UInt32(max(1, intervalMillis)) * 1000
    }

    func start(inbox: Inbox) {
        let thread = Thread { [self] in
            while !self.stopped.load(ordering: .relaxed) {
                usleep(self.intervalMicros)
                inbox.post { hub in hub.tick() }
            }
        }
        thread.name = "atrium-ticker"
        thread.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }
}

import Synchronization
