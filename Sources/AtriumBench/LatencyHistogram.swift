// Latency histograms and the counters a load step measures.

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Latency histogram (10 µs buckets to 1 s, then 1 ms buckets to 60 s)

/// One per worker thread (shared by its clients) and one for the merged result: fixed
/// buckets in plain memory, so adding a sample is an increment (no copy-on-write checks).
final class LatencyHistogram {
    private static let fineCount = 100_000, coarseCount = 60_000
    private let fine: UnsafeMutablePointer<UInt32>
    private let coarse: UnsafeMutablePointer<UInt32>
    private(set) var count = 0
    private(set) var maxMicros: Int64 = 0
    private(set) var sumMicros: Int64 = 0

    init() {
        fine = .allocate(capacity: Self.fineCount)
        fine.initialize(repeating: 0, count: Self.fineCount)
        coarse = .allocate(capacity: Self.coarseCount)
        coarse.initialize(repeating: 0, count: Self.coarseCount)
    }

    deinit {
        fine.deallocate()
        coarse.deallocate()
    }

    func add(micros: Int64) {
        let us = max(0, micros)
        count += 1
        sumMicros += us
        if us > maxMicros { maxMicros = us }
        if us < 1_000_000 { fine[Int(us / 10)] += 1 } else { coarse[Int(min(us / 1000, 59_999))] += 1 }
    }

    func merge(_ o: LatencyHistogram) {
        guard o.count > 0 else { return }
        for i in 0..<Self.fineCount where o.fine[i] != 0 { fine[i] += o.fine[i] }
        for i in 0..<Self.coarseCount where o.coarse[i] != 0 { coarse[i] += o.coarse[i] }
        count += o.count
        sumMicros += o.sumMicros
        maxMicros = max(maxMicros, o.maxMicros)
    }

    /// Nearest-rank quantile in milliseconds (upper edge of the bucket, capped at the max).
    func quantileMs(_ q: Double) -> Double {
        guard count > 0 else { return .nan }
        let rank = max(1, Int((q * Double(count)).rounded(.up)))
        var seen = 0
        for i in 0..<Self.fineCount where fine[i] != 0 {
            seen += Int(fine[i])
            if seen >= rank { return min(Double((i + 1) * 10), Double(maxMicros)) / 1000 }
        }
        for i in 0..<Self.coarseCount where coarse[i] != 0 {
            seen += Int(coarse[i])
            if seen >= rank { return min(Double((i + 1) * 1000), Double(maxMicros)) / 1000 }
        }
        return Double(maxMicros) / 1000
    }

    var maxMs: Double { count > 0 ? Double(maxMicros) / 1000 : .nan }
}

/// The three latency distributions of a step.
final class StepHistograms {
    let latency = LatencyHistogram()       // send → other client
    let keyLatency = LatencyHistogram()    // oldest keystroke in the op → other client (document)
    let echo = LatencyHistogram()          // send → the author's own event

    func merge(_ o: StepHistograms) {
        latency.merge(o.latency); keyLatency.merge(o.keyLatency); echo.merge(o.echo)
    }
}

// MARK: - What a step measured (counters per client, merged; histograms per worker thread)

struct CollabStepStats {
    var clients = 0, setupFailures = 0
    var setupFailureSample: String?
    var keystrokes = 0              // in the window (document)
    var opsSent = 0                 // in the window, less those the server refused
    var opsSentTotal = 0            // warm-up, window and drain
    var oks = 0, errors: [String: Int] = [:]
    var errorSample: String?
    var clientErrors = 0            // DocClient/Board replica failures, gaps
    var clientErrorSample: String?
    var deliveries = 0              // (op sent in the window, receiver ≠ author) pairs received
    var framesInWindow = 0, linesInWindow = 0
    var maxClientFrames = 0
    var closes: [String: Int] = [:]
    var closeSample: String?
    var unsettled = 0               // writers with operations still unconfirmed at the end

    /// Adds another's counters (histograms are merged separately, once per worker).
    mutating func merge(_ o: CollabStepStats) {
        clients += o.clients; setupFailures += o.setupFailures
        setupFailureSample = setupFailureSample ?? o.setupFailureSample
        keystrokes += o.keystrokes; opsSent += o.opsSent; opsSentTotal += o.opsSentTotal
        oks += o.oks
        for (k, v) in o.errors { errors[k, default: 0] += v }
        errorSample = errorSample ?? o.errorSample
        clientErrors += o.clientErrors; clientErrorSample = clientErrorSample ?? o.clientErrorSample
        deliveries += o.deliveries
        framesInWindow += o.framesInWindow; linesInWindow += o.linesInWindow
        maxClientFrames = max(maxClientFrames, o.maxClientFrames)
        for (k, v) in o.closes { closes[k, default: 0] += v }
        closeSample = closeSample ?? o.closeSample
        unsettled += o.unsettled
    }
}

/// The measurement schedule of one step (absolute CLOCK_MONOTONIC microseconds).
struct StepSchedule: Sendable {
    var start: Int64        // typing starts
    var windowStart: Int64  // measurement starts
    var windowEnd: Int64    // measurement and typing end
    var hardEnd: Int64      // drain gives up

    func inWindow(_ t: Int64) -> Bool { t >= windowStart && t < windowEnd }
}

/// The run tag and a stamp parsed from a nonce "<tag>.<writer>.<n>.<sentMicros>.<firstKeyMicros>".
struct NonceStamp {
    var writer: Int
    var sent: Int64
    var firstKey: Int64

    static func make(tag: String, writer: Int, n: UInt64, sent: Int64, firstKey: Int64) -> String {
        "\(tag).\(writer).\(n).\(sent).\(firstKey)"
    }

    /// nil for nonces of other runs or of the setup.
    static func parse(_ nonce: String, tag: String) -> NonceStamp? {
        let parts = nonce.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].elementsEqual(tag.utf8),
              let w = Int(Substring(parts[1])), let s = Int64(Substring(parts[3])), let k = Int64(Substring(parts[4])) else { return nil }
        return NonceStamp(writer: w, sent: s, firstKey: k)
    }
}
