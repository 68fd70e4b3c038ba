// Shared helpers for the store tests: a fresh temporary data folder per test, and a
// thread-safe box for collecting results that completions deliver on store threads.

import AtriumCore
import AtriumStore
import Foundation
import Synchronization

/// Runs `body` with a new empty folder path (the data folder itself is created by the store),
/// and removes everything afterwards.
func withTempDir<T>(_ body: (String) throws -> T) throws -> T {
    let base = FileManager.default.temporaryDirectory
        .appendingPathComponent("atrium-store-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: base) }
    return try body(base + "/data")
}

/// A connection on a fresh data folder with one user and the given rooms.
func openStore(_ dir: String, rooms: [RoomID] = ["lounge"]) throws -> StoreConnection {
    let store = try StoreConnection(dataDir: dir)
    for id in rooms {
        try store.addRoom(RoomRecord(id: id, name: id.capitalized, kind: .lounge), nowMillis: 1)
    }
    return store
}

final class Collector<T: Sendable>: Sendable {
    private let items = Mutex<[T]>([])
    func append(_ item: T) { items.withLock { $0.append(item) } }
    var values: [T] { items.withLock { $0 } }
}

/// Waits for `group` with a timeout; false on timeout (tests never wait forever).
func wait(_ group: DispatchGroup, seconds: Double = 30) -> Bool {
    group.wait(timeout: .now() + seconds) == .success
}

let now: Int64 = 1_790_000_000_000

/// The name of the thread running the caller (store threads are named), as the kernel knows
/// it (/proc/thread-self/comm): Foundation's `Thread.current.name` on Linux is not always the
/// name the thread gave itself.
func currentThreadName() -> String {
    guard let comm = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8) else { return Thread.current.name ?? "" }
    return comm.trimmingCharacters(in: .whitespacesAndNewlines)
}
