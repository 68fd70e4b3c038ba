// One token bucket per key (e.g. sign-in attempts per client address, or failures per login),
// with bounded memory: an attacker cycling through addresses must not grow it without limit.
//
// Memory rules: a bucket that has refilled completely says nothing a fresh bucket would not,
// so full buckets are swept away whenever the table has doubled since the last sweep. If the
// table still reaches `maxKeys`, the least recently used tenth is evicted in one go (amortised
// O(1) per insert rather than a scan per request while under attack).

public struct KeyedRateLimiter: Sendable {
    private struct Slot: Sendable {
        var bucket: TokenBucket
        var lastUsed: Double
    }

    public let ratePerSecond: Double
    public let burst: Double
    public let maxKeys: Int
    private var slots: [String: Slot] = [:]
    private var nextSweepAt = 1024

    public init(ratePerSecond: Double, burst: Double, maxKeys: Int = 100_000) {
        self.ratePerSecond = ratePerSecond
        self.burst = burst
        self.maxKeys = max(1, maxKeys)
    }

    /// Keys currently remembered (for tests and metrics).
    public var count: Int { slots.count }

    /// nil: allowed, and a token was taken. Otherwise the seconds to wait (for Retry-After).
    public mutating func take(_ key: String, now: Double) -> Double? {
        if var slot = slots[key] {
            slot.lastUsed = now
            let ok = slot.bucket.take(now: now)
            let wait = ok ? nil : slot.bucket.secondsUntilAvailable(now: now)
            slots[key] = slot
            return wait
        }
        var bucket = TokenBucket(ratePerSecond: ratePerSecond, burst: burst, now: now)
        guard bucket.take(now: now) else { return bucket.secondsUntilAvailable(now: now) }
        makeRoom(now: now)
        slots[key] = Slot(bucket: bucket, lastUsed: now)
        return nil
    }

    /// The answer `take` would give, without taking a token.
    public func wouldAllow(_ key: String, now: Double) -> Double? {
        let bucket = slots[key]?.bucket ?? TokenBucket(ratePerSecond: ratePerSecond, burst: burst, now: now)
        let wait = bucket.secondsUntilAvailable(now: now)
        return wait == 0 ? nil : wait
    }

    /// Forgets a key (e.g. the failure count of a login after a successful sign-in).
    public mutating func reset(_ key: String) {
        slots[key] = nil
    }

    /// Keeps the table bounded before a new key is inserted.
    private mutating func makeRoom(now: Double) {
        if slots.count + 1 >= nextSweepAt || slots.count + 1 > maxKeys {
            slots = slots.filter { !$0.value.bucket.isFull(now: now) }
            nextSweepAt = max(1024, slots.count * 2)
        }
        if slots.count + 1 > maxKeys {
            let evict = max(slots.count + 1 - maxKeys, maxKeys / 10)
            let oldest = slots.sorted { $0.value.lastUsed < $1.value.lastUsed }.prefix(evict)
            for (key, _) in oldest { slots[key] = nil }
        }
    }
}
