// A token bucket: `burst` tokens at most, refilled at `ratePerSecond`. Used for per-connection
// message rates and (through KeyedRateLimiter) sign-in attempts. Time is passed in as seconds
// from a monotonic clock, so the bucket is a pure value and tests need no sleeping.

public struct TokenBucket: Sendable {
    public let ratePerSecond: Double
    public let burst: Double
    public private(set) var tokens: Double
    private var last: Double

    /// Starts full: a new client may send a burst at once.
    public init(ratePerSecond: Double, burst: Double, now: Double) {
        self.ratePerSecond = max(0, ratePerSecond)
        self.burst = max(0, burst)
        self.tokens = self.burst
        self.last = now
    }

    /// Tokens available at `now`. A clock that goes backwards adds nothing.
    public func available(now: Double) -> Double {
        let elapsed = max(0, now - last)
        return min(burst, tokens + elapsed * ratePerSecond)
    }

    /// Takes `cost` tokens if there are enough, and says whether it did.
    public mutating func take(now: Double, cost: Double = 1) -> Bool {
        tokens = available(now: now)
        last = max(last, now)
        guard tokens >= cost else { return false }
        tokens -= cost
        return true
    }

    /// Seconds until `take(cost:)` would succeed: 0 when it would now; infinity when it never
    /// can (cost above the burst, or no refill).
    public func secondsUntilAvailable(now: Double, cost: Double = 1) -> Double {
        let have = available(now: now)
        if have >= cost { return 0 }
        if cost > burst || ratePerSecond <= 0 { return .infinity }
        return (cost - have) / ratePerSecond
    }

    /// Full again: the bucket then carries no information and may be forgotten.
    public func isFull(now: Double) -> Bool { available(now: now) >= burst }
}
