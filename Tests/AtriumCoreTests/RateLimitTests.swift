import Testing
@testable import AtriumCore

@Suite("Token bucket and keyed limiter")
struct RateLimitTests {
    @Test func bucketStartsFullAndRefills() {
        var b = TokenBucket(ratePerSecond: 2, burst: 3, now: 0)
        for _ in 0..<3 { #expect(b.take(now: 0) == true) }
        #expect(b.take(now: 0) == false)
        #expect(b.secondsUntilAvailable(now: 0) == 0.5)
        #expect(b.take(now: 0.49) == false)
        #expect(b.take(now: 0.5) == true)
        #expect(b.take(now: 0.5) == false)
        // Refill never exceeds the burst.
        #expect(b.available(now: 100) == 3)
        #expect(b.secondsUntilAvailable(now: 100) == 0)
    }

    @Test func bucketCostAndEdges() {
        var b = TokenBucket(ratePerSecond: 1, burst: 5, now: 10)
        #expect(b.take(now: 10, cost: 5) == true)
        #expect(b.take(now: 10, cost: 0.5) == false)
        #expect(b.secondsUntilAvailable(now: 10, cost: 2) == 2)
        #expect(b.secondsUntilAvailable(now: 10, cost: 6) == .infinity)  // never: above the burst
        // A clock going backwards refills nothing and does not break later refills.
        #expect(b.take(now: 5) == false)
        #expect(b.take(now: 11) == true)
        let empty = TokenBucket(ratePerSecond: 0, burst: 0, now: 0)
        #expect(empty.secondsUntilAvailable(now: 0) == .infinity)
    }

    @Test func keyedLimiterTakesPerKey() {
        var l = KeyedRateLimiter(ratePerSecond: 1, burst: 2)
        #expect(l.take("a", now: 0) == nil)
        #expect(l.take("a", now: 0) == nil)
        #expect(l.take("a", now: 0) == 1)
        #expect(l.take("a", now: 0.25) == 0.75)
        #expect(l.take("b", now: 0) == nil)  // other keys are unaffected
        #expect(l.wouldAllow("a", now: 0.5) == 0.5)
        #expect(l.wouldAllow("a", now: 1) == nil)
        #expect(l.wouldAllow("new", now: 0) == nil)
        #expect(l.take("a", now: 1) == nil)  // wouldAllow took nothing
        l.reset("a")
        #expect(l.take("a", now: 1) == nil && l.take("a", now: 1) == nil)
    }

    @Test func keyedLimiterWithTinyBurstNeverStoresRefusedNewKeys() {
        var l = KeyedRateLimiter(ratePerSecond: 1, burst: 0.5)
        #expect(l.take("x", now: 0) == .infinity)  // one token can never fit
        #expect(l.count == 0)
    }

    @Test func fullBucketsAreSwept() {
        var l = KeyedRateLimiter(ratePerSecond: 1, burst: 2, maxKeys: 100_000)
        for i in 0..<1023 { _ = l.take("k\(i)", now: 0) }
        #expect(l.count == 1023)
        // Much later every bucket is full again, so the sweep at 1024 keys forgets them.
        _ = l.take("late", now: 100)
        #expect(l.count == 1)
    }

    @Test func memoryIsBoundedByEvictingTheOldest() {
        var l = KeyedRateLimiter(ratePerSecond: 0.001, burst: 1, maxKeys: 100)
        for i in 0..<1000 { #expect(l.take("k\(i)", now: Double(i)) == nil) }
        #expect(l.count <= 100)
        // The most recent key is remembered (still limited); the oldest is forgotten.
        #expect(l.wouldAllow("k999", now: 1000) != nil)
        #expect(l.wouldAllow("k0", now: 1000) == nil)
    }
}
