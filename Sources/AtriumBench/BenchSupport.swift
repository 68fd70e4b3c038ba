// Timing, threads, quantiles and number formatting shared by the scenarios.

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Small helpers

func nowSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func sleepSeconds(_ s: Double) {
    guard s > 0 else { return }
    var req = timespec(tv_sec: Int(s), tv_nsec: Int((s - Double(Int(s))) * 1e9))
    var rem = timespec()
    while nanosleep(&req, &rem) != 0 && errno == EINTR { req = rem }
}

/// A mutex-protected box for results shared by the client threads.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private var mutex = pthread_mutex_t()
    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(&mutex, nil)
    }
    deinit { pthread_mutex_destroy(&mutex) }
    func with<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body(&value)
    }
}

/// Runs `body(i)` for i in 0..<count, each on its own POSIX thread, and waits for all.
func runThreads(_ count: Int, stackBytes: Int = 256 * 1024, _ body: @escaping @Sendable (Int) -> Void) {
    final class Job { let run: () -> Void; init(_ run: @escaping () -> Void) { self.run = run } }
    var threads: [pthread_t] = []
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    pthread_attr_setstacksize(&attr, stackBytes)
    for i in 0..<count {
        let job = Unmanaged.passRetained(Job { body(i) }).toOpaque()
        var t = pthread_t()
        let rc = pthread_create(&t, &attr, { arg in
            let job = Unmanaged<Job>.fromOpaque(arg!).takeRetainedValue()
            job.run()
            return nil
        }, job)
        if rc != 0 {
            Unmanaged<Job>.fromOpaque(job).release()
            fatalError("pthread_create failed (\(rc)) for thread \(i)")
        }
        threads.append(t)
    }
    pthread_attr_destroy(&attr)
    for t in threads { pthread_join(t, nil) }
}

/// Quantile of sorted values (nearest rank).
func quantile(_ sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

func ms(_ s: Double) -> String { s.isNaN ? "-" : fmt(s * 1000, 2) }

func fmt(_ v: Double, _ digits: Int) -> String {
    if v.isNaN || v.isInfinite { return "-" }
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let r = (v * p).rounded() / p
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
    } else if digits > 0 {
        s += "." + String(repeating: "0", count: digits)
    }
    return s
}
