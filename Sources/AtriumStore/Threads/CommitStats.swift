// Counters of the commit thread, exported on /metrics. Pure value; the live copy sits behind
// CommitQueue's mutex and is handed out as a snapshot.

public struct CommitStats: Sendable {
    /// Upper bounds (seconds) of the commit-latency histogram, Prometheus style; last is +Inf.
    public static let bucketBounds: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, .infinity,
    ]

    /// Transactions committed (batches that reached a successful COMMIT).
    public var commits: Int = 0
    /// Jobs run, successful or not.
    public var jobs: Int = 0
    /// Jobs whose completion got an error (their own, or their batch's failed COMMIT).
    public var failedJobs: Int = 0
    /// Jobs waiting right now.
    public var queued: Int = 0
    /// Sum of commit latencies in seconds (BEGIN to the end of COMMIT).
    public var latencySum: Double = 0
    /// Cumulative counts: `count` commits took at most `le` seconds.
    public var latencyBuckets: [(le: Double, count: Int)] = CommitStats.bucketBounds.map { (le: $0, count: 0) }

    public init() {}

    mutating func recordCommit(seconds: Double) {
        commits += 1
        latencySum += seconds
        for i in latencyBuckets.indices where seconds <= latencyBuckets[i].le {
            latencyBuckets[i].count += 1
        }
    }
}
