// How a connection is tuned. `synchronous = normal` in WAL mode loses at most the last commits
// on a power cut (never corrupts); `full` syncs the WAL on every commit.

import AtriumCore

public struct StoreOptions: Sendable {
    public var synchronous: SyncMode = .normal
    /// How long a statement waits for another connection's lock before failing with `unavailable`.
    public var busyTimeoutMillis: Int = 5000

    public init(synchronous: SyncMode = .normal, busyTimeoutMillis: Int = 5000) {
        self.synchronous = synchronous
        self.busyTimeoutMillis = busyTimeoutMillis
    }
}
