// One client of a co-editing load step, and the hot-path reader of its event lines.

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Reading an event line without a JSON tree (the hot path)

/// Byte-level reads of one JSON line. Every helper returns nil on anything it does not
/// expect, and the caller then falls back to the full parser, so it needs to be fast, not general.
struct LineScanner {
    let b: UnsafeBufferPointer<UInt8>

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    func hasPrefix(_ p: [UInt8]) -> Bool {
        guard b.count >= p.count else { return false }
        for i in 0..<p.count where b[i] != p[i] { return false }
        return true
    }

    /// The index just after the first `p` at or after `from`.
    func after(_ p: [UInt8], from: Int) -> Int? {
        let m = p.count
        guard m > 0, b.count >= m, from <= b.count - m else { return nil }
        let first = p[0]
        var i = from
        let last = b.count - m
        outer: while i <= last {
            if b[i] != first { i += 1; continue }
            for j in 1..<m where b[i + j] != p[j] { i += 1; continue outer }
            return i + m
        }
        return nil
    }

    /// An integer starting at `i` (optionally negative) and the index after it.
    func int(at start: Int) -> (Int64, Int)? {
        var i = start
        var negative = false
        if i < b.count && b[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var v: Int64 = 0
        let digits = i
        while i < b.count, b[i] >= 48, b[i] <= 57 {
            v = v &* 10 &+ Int64(b[i] - 48)
            i += 1
        }
        guard i > digits, i - digits < 16 else { return nil }
        if i < b.count && (b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) { return nil }
        return (negative ? -v : v, i)
    }

    /// The index of the closing quote of a string whose content starts at `i`; nil if the
    /// string has an escape (the caller falls back to the parser).
    func plainStringEnd(at start: Int) -> Int? {
        var i = start
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") { return i }
            if c == UInt8(ascii: "\\") || c < 0x20 { return nil }
            i += 1
        }
        return nil
    }

    /// The index just after the object or array that starts at `i` (strings and escapes skipped).
    func containerEnd(at start: Int) -> Int? {
        var depth = 0
        var i = start
        var inString = false
        while i < b.count {
            let c = b[i]
            if inString {
                if c == UInt8(ascii: "\\") { i += 2; continue }
                if c == UInt8(ascii: "\"") { inString = false }
            } else {
                switch c {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default: break
                }
            }
            i += 1
        }
        return nil
    }

    func equals(_ r: Range<Int>, _ p: [UInt8]) -> Bool {
        guard r.count == p.count else { return false }
        for (k, i) in r.enumerated() where b[i] != p[k] { return false }
        return true
    }

    func string(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self) }
}

// MARK: - One client of a step

/// A writer (every writer also reads everything). Subclasses: the document and board clients.
/// Used by one worker thread only.
class CollabLoadClient {
    let index: Int
    let tag: String
    var socket: LoadSocket!
    var stats = CollabStepStats()
    var frames = 0
    var dead = false
    private(set) var schedule: StepSchedule
    /// The worker's latency histograms (shared by its clients).
    var hist: StepHistograms!
    let tagBytes: [UInt8]
    /// Our requests not answered yet: ref → the nonce of the operation it carried.
    var pendingRefs: [String: String] = [:]
    private var rngState: UInt64

    init(index: Int, tag: String, schedule: StepSchedule) {
        self.index = index
        self.tag = tag
        self.tagBytes = Array(tag.utf8)
        self.schedule = schedule
        var g = SystemRandomNumberGenerator()
        rngState = g.next() | 1
    }

    /// A cheap random number in 0..<n (xorshift; the system generator is a syscall).
    func random(_ n: Int) -> Int {
        rngState ^= rngState << 13; rngState ^= rngState >> 7; rngState ^= rngState << 17
        return n <= 1 ? 0 : Int(rngState % UInt64(n))
    }

    func chance(_ p: Double) -> Bool { Double(random(1_000_000)) < p * 1_000_000 }

    /// Connects, signs in, joins, opens the document or board (blocking).
    func setUp(host: String, port: Int, token: String, room: String) throws {
        socket = try openCollabSocket(host: host, port: port, token: token, room: room)
    }

    /// The step's real schedule, known once every client is set up, and the worker's
    /// histograms.
    func install(schedule s: StepSchedule, histograms h: StepHistograms) {
        schedule = s
        hist = h
        didInstall()
    }

    /// Called once the schedule is known (typing starts at `schedule.start`).
    func didInstall() {}

    /// When `tick` wants to run next (typing); .max when never.
    var nextDue: Int64 { .max }
    /// Types or sends what is due at `now`.
    func tick(now: Int64) throws {}
    /// Nothing of ours still waits for the server.
    var isSettled: Bool { true }
    /// One JSON line that arrived at `now`.
    func handle(_ m: JSON, now: Int64) throws {}
    /// The hot path: handles an operation event straight from its bytes, without building a
    /// JSON tree; false leaves the line to `handle` (anything else, or anything unusual).
    func handleFast(_ line: UnsafeBufferPointer<UInt8>, now: Int64) throws -> Bool { false }

    /// Records an ok or error reply. Returns the nonce of our operation it answers, if it
    /// answers one, and whether it was an error.
    func noteReply(_ m: JSON) -> (nonce: String?, isError: Bool) {
        let isError = m["type"]?.stringValue == "error"
        guard let ref = m["ref"]?.stringValue, let nonce = pendingRefs.removeValue(forKey: ref) else {
            if isError { noteError(m) }
            return (nil, isError)
        }
        if isError {
            noteError(m)
            // Refused, so never delivered: not expected from the others either.
            if let st = NonceStamp.parse(nonce, tag: tag), schedule.inWindow(st.sent) { stats.opsSent -= 1 }
        } else {
            stats.oks += 1
        }
        return (nonce, isError)
    }

    func noteError(_ m: JSON) {
        let code = m["code"]?.stringValue ?? "?"
        stats.errors[code, default: 0] += 1
        if stats.errorSample == nil { stats.errorSample = "writer \(index): \(m.encodedString())" }
    }

    func noteClientError(_ what: String) {
        stats.clientErrors += 1
        if stats.clientErrorSample == nil { stats.clientErrorSample = "writer \(index): \(what)" }
    }

    /// Reads and handles everything available. False once the connection is gone.
    func pump() -> Bool {
        let alive = socket.readAvailable()
        let now = microsNow()
        let counted = schedule.inWindow(now)
        var failure: Error?
        if !socket.leftover.isEmpty {
            for line in socket.leftover where failure == nil {
                do { try handle(try JSON.parse(line), now: now) } catch { failure = error }
            }
            socket.leftover.removeAll()
        }
        do {
            try socket.parseFrames(onFrame: {
                if counted { stats.framesInWindow += 1; frames += 1 }
            }, onLine: { line in
                guard failure == nil else { return }
                if counted { stats.linesInWindow += 1 }
                do {
                    if try line.withUnsafeBufferPointer({ try handleFast($0, now: now) }) { return }
                    try handle(try JSON.parse(Array(line)), now: now)
                } catch { failure = error }
            })
        } catch {
            failure = error
        }
        if let failure { noteClientError("\(failure)") }
        if !alive || socket.ended {
            markDead()
            return false
        }
        return true
    }

    func markDead() {
        guard !dead else { return }
        dead = true
        let key = socket.closeCode.map { "\($0)" } ?? "eof"
        stats.closes[key, default: 0] += 1
        if stats.closeSample == nil {
            stats.closeSample = "writer \(index): close \(key) \(socket.closeReason) at +\(fmt(Double(microsNow() - schedule.start) / 1e6, 2)) s"
        }
    }

    /// Records a received operation with `nonce` at `now`.
    func noteDelivery(nonce: String, now: Int64) {
        noteDelivery(NonceStamp.parse(nonce, tag: tag), now: now)
    }

    func noteDelivery(_ stamp: NonceStamp?, now: Int64) {
        guard let stamp else { return }
        if stamp.writer == index {
            if schedule.inWindow(stamp.sent) { hist.echo.add(micros: now - stamp.sent) }
            return
        }
        guard schedule.inWindow(stamp.sent) else { return }
        stats.deliveries += 1
        hist.latency.add(micros: now - stamp.sent)
        if stamp.firstKey > 0 { hist.keyLatency.add(micros: now - stamp.firstKey) }
    }

    /// The stamp of a nonce given as bytes `range` of a line (no String made).
    func stamp(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> NonceStamp? {
        var i = range.lowerBound
        for t in tagBytes {
            guard i < range.upperBound, b[i] == t else { return nil }
            i += 1
        }
        var numbers: [Int64] = []
        numbers.reserveCapacity(4)
        while i < range.upperBound && numbers.count < 4 {
            guard b[i] == UInt8(ascii: ".") else { return nil }
            i += 1
            var v: Int64 = 0
            let start = i
            while i < range.upperBound, b[i] >= 48, b[i] <= 57 { v = v * 10 + Int64(b[i] - 48); i += 1 }
            guard i > start else { return nil }
            numbers.append(v)
        }
        guard numbers.count == 4, i == range.upperBound else { return nil }
        return NonceStamp(writer: Int(numbers[0]), sent: numbers[2], firstKey: numbers[3])
    }
}
