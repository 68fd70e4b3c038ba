import Foundation

/// SIGINT and SIGTERM are blocked in every thread and received by one waiting thread with
/// sigwait, which turns them into a graceful shutdown. The mask is set explicitly at start:
/// a parent (e.g. Foundation.Process) may have left signals blocked or ignored.
enum SignalWaiter {
    static func blockTerminationSignals() {
        signal(SIGPIPE, SIG_IGN)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_SETMASK, &set, nil)
    }

    /// The first signal calls `onSignal`; a second one ends the process at once.
    static func start(_ onSignal: @escaping @Sendable (Int32) -> Void) {
        let thread = Thread {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGINT)
            sigaddset(&set, SIGTERM)
            var received: Int32 = 0
            var count = 0
            while sigwait(&set, &received) == 0 {
                count += 1
                if count > 1 { exit(130) }
                onSignal(received)
            }
        }
        thread.name = "atrium-signals"
        thread.start()
    }
}
