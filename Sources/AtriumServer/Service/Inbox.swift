import CLibWebSockets
import Synchronization

/// Work handed to the service thread from other threads (the commit writer, the store workers,
/// the ticker, signal handling). Any thread may `post`; only the service thread `drain`s.
///
/// Wake-ups through `lws_cancel_service` coalesce (many posts → few callbacks), so the service
/// thread always drains the whole queue, and a post after the drain started triggers another wake.
final class Inbox: Sendable {
    typealias Command = @Sendable (Hub) -> Void

    private struct State {
        var commands: [Command] = []
        /// The lws context's address, set once it exists and cleared before it is destroyed.
        /// Kept as bits because a C pointer is not Sendable; only lws_cancel_service uses it.
        var contextBits: UInt = 0
    }

    /// Guards the queued commands and the context pointer used for waking.
    private let state = Mutex(State())

    func post(_ command: @escaping Command) {
        // The wake-up happens under the lock: `attach(context: nil)` (before the context is
        // destroyed) then waits for a wake-up in flight, so no thread ever calls
        // lws_cancel_service on a context that is being freed.
        state.withLock { s in
            s.commands.append(command)
            // lws_cancel_service is the only lws call that is safe from another thread.
            if let context = OpaquePointer(bitPattern: s.contextBits) { lws_cancel_service(context) }
        }
    }

    /// Service thread: takes everything queued so far.
    func drain() -> [Command] {
        state.withLock { s in
            let taken = s.commands
            s.commands.removeAll(keepingCapacity: true)
            return taken
        }
    }

    func attach(context: OpaquePointer?) {
        let bits = context.map { UInt(bitPattern: $0) } ?? 0
        state.withLock { $0.contextBits = bits }
    }
}
