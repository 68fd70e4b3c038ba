// Shared machinery of `collab-doc` and `collab-board` (issue 5, "many writers on one board and
// one document at once"): a small non-blocking WebSocket client that counts the frames it
// receives (TestWebSocket splits frames into lines and cannot tell how many frames arrived,
// which is the point of the server's per-tick merging), a pool of worker threads that each
// drive many clients with poll(), latency histograms, and the per-step table.
//
// Latency is measured without any state shared between clients: every operation's nonce
// carries the time it was sent (CLOCK_MONOTONIC, common to every thread of the process), so a
// receiver computes receive time − send time from the nonce alone.

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Options shared by both scenarios

struct CollabLoadOptions: ParsableArguments {
    @Option(help: "Writers per step: one number, or a comma-separated list to step up in one run (e.g. 50,100,200,300).")
    var writers = "100"
    @Option(help: "Operations (keystrokes for the document) per second per writer.") var rate = 10.0
    @Option(help: "Seconds measured per step (after the warm-up).") var seconds = 10.0
    @Option(help: "Seconds of load before each step's measurement starts.") var warmup = 2.0
    @Option(help: "Room (must exist; the bench account needs edit_boards there).") var room = "collab"
    @Option(help: "Worker threads driving the clients (each polls its share of the sockets).") var threads = 2
    @Option(help: "The server's pid: its CPU time (total and busiest thread) is read from /proc per step.")
    var serverPid: Int32?
    @Option(help: "The p95 bound in ms; stepping stops after the first step above it (unless --all-steps).")
    var p95LimitMs = 100.0
    @Flag(help: "Run every step even after the p95 bound was passed.") var allSteps = false
    @Option(help: "Seconds to wait between steps (connections of the last step closed).") var pause = 1.0

    func writerSteps() throws -> [Int] {
        let steps = writers.split(separator: ",").compactMap { Int(String($0.filter { $0 != " " })) }
        guard !steps.isEmpty, steps.allSatisfy({ $0 >= 2 }) else {
            throw ValidationError("--writers: a number ≥ 2 or a list like 50,100,200")
        }
        return steps
    }
}

// MARK: - A non-blocking WebSocket client that counts frames

struct LoadSocketError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func microsNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}

final class LoadSocket {
    private(set) var fd: Int32 = -1
    private var inbuf: [UInt8] = []
    private var inPos = 0
    private var rng: UInt64
    private var refCounter = 0
    private let refPrefix: String
    /// Set once the server closed (close frame: its code) or the connection ended.
    private(set) var ended = false
    private(set) var closeCode: UInt16?
    private(set) var closeReason = ""
    private var fragment: [UInt8]?
    /// Lines that arrived in the same frame after a setup reply (handled first by the run).
    var leftover: [[UInt8]] = []
    private var scratch = [UInt8](repeating: 0, count: 65536)

    init(host: String, port: Int, timeout: Double = 10) throws {
        var g = SystemRandomNumberGenerator()
        rng = g.next() | 1
        refPrefix = "r" + String(UInt32.random(in: 0...UInt32.max, using: &g), radix: 36) + "-"
        let deadline = nowSeconds() + timeout
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else { throw LoadSocketError("cannot resolve \(host)") }
        defer { freeaddrinfo(list) }
        let s = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard s >= 0 else { throw LoadSocketError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK)
        var r = connect(s, first.pointee.ai_addr, first.pointee.ai_addrlen)
        if r != 0 && errno == EINPROGRESS {
            var pfd = pollfd(fd: s, events: Int16(POLLOUT), revents: 0)
            repeat { r = poll(&pfd, 1, LoadSocket.millis(until: deadline)) } while r < 0 && errno == EINTR
            var err: Int32 = r == 0 ? ETIMEDOUT : 0
            if r > 0 {
                var len = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len)
            }
            r = err == 0 ? 0 : -1
            if err != 0 { errno = err }
        }
        guard r == 0 else {
            let e = String(cString: strerror(errno))
            Glibc.close(s)
            throw LoadSocketError("connect \(host):\(port): \(e)")
        }
        fd = s
        // Opening handshake (the accept key is not checked: the bench trusts its own server).
        var key: [UInt8] = []
        for _ in 0..<16 { key.append(UInt8(truncatingIfNeeded: nextRandom())) }
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let req = "GET /ws HTTP/1.1\r\nHost: \(hostHeader)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(base64(key))\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: atrium.v1\r\n\r\n"
        try sendRaw(Array(req.utf8))
        var head: [UInt8] = []
        while true {
            if let end = LoadSocket.headEnd(head) {
                let text = String(decoding: head[..<end], as: UTF8.self)
                guard text.hasPrefix("HTTP/1.1 101") else {
                    throw LoadSocketError("handshake refused: \(text.split(separator: "\r\n").first ?? "")")
                }
                inbuf = Array(head[(end + 4)...])
                return
            }
            switch readOnce(into: &head, wait: LoadSocket.millis(until: deadline)) {
            case .data: continue
            case .wouldBlock: throw LoadSocketError("no handshake answer within \(timeout) s")
            case .eof(let why): throw LoadSocketError("connection ended during the handshake: \(why)")
            }
        }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    static func millis(until deadline: Double) -> Int32 {
        let left = deadline - nowSeconds()
        return left <= 0 ? 0 : Int32(min(left * 1000 + 1, 1e9))
    }

    private static func headEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }

    private func nextRandom() -> UInt64 {
        rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
        return rng
    }

    func nextRef() -> String {
        refCounter += 1
        return refPrefix + String(refCounter)
    }

    // MARK: Sending

    func send(_ json: JSON) throws { try sendText(json.encoded()) }

    /// One masked text frame.
    func sendText(_ payload: [UInt8], opcode: UInt8 = 0x1) throws {
        var frame: [UInt8] = []
        frame.reserveCapacity(payload.count + 14)
        frame.append(0x80 | opcode)
        let n = payload.count
        if n < 126 {
            frame.append(0x80 | UInt8(n))
        } else if n <= 0xFFFF {
            frame.append(0x80 | 126); frame.append(UInt8(n >> 8)); frame.append(UInt8(n & 0xFF))
        } else {
            frame.append(0x80 | 127)
            for i in (0..<8).reversed() { frame.append(UInt8(truncatingIfNeeded: UInt64(n) >> (UInt64(i) * 8))) }
        }
        let m = nextRandom()
        let mask = [UInt8(truncatingIfNeeded: m), UInt8(truncatingIfNeeded: m >> 8),
                    UInt8(truncatingIfNeeded: m >> 16), UInt8(truncatingIfNeeded: m >> 24)]
        frame.append(contentsOf: mask)
        for (i, b) in payload.enumerated() { frame.append(b ^ mask[i & 3]) }
        try sendRaw(frame)
    }

    private func sendRaw(_ bytes: [UInt8]) throws {
        guard fd >= 0, !ended else { throw LoadSocketError("send on a closed connection") }
        var off = 0
        let deadline = nowSeconds() + 5
        try bytes.withUnsafeBytes { raw in
            while off < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + off, raw.count - off, Int32(MSG_NOSIGNAL))
                if n > 0 { off += n; continue }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    if poll(&pfd, 1, LoadSocket.millis(until: deadline)) == 0 {
                        throw LoadSocketError("send: the server does not take data (5 s)")
                    }
                    continue
                }
                throw LoadSocketError("send: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Sends a close frame and closes the socket (no wait for the server's answer).
    func close() {
        if fd >= 0 && !ended { try? sendText([0x03, 0xE8], opcode: 0x8) }
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        ended = true
    }

    // MARK: Receiving

    enum ReadOnce { case data, wouldBlock, eof(String) }

    private func readOnce(into buffer: inout [UInt8], wait: Int32) -> ReadOnce {
        while true {
            let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.append(contentsOf: scratch[0..<n])
                return .data
            }
            if n == 0 { return .eof("connection ended without a close frame") }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK {
                if wait <= 0 { return .wouldBlock }
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let r = poll(&pfd, 1, wait)
                if r <= 0 { return .wouldBlock }
                continue
            }
            return .eof(String(cString: strerror(e)))
        }
    }

    /// Reads everything the kernel holds now (non-blocking). False once the connection ended
    /// (frames read before stay parseable).
    func readAvailable() -> Bool {
        guard fd >= 0, !ended else { return false }
        while true {
            switch readOnce(into: &inbuf, wait: 0) {
            case .data: continue
            case .wouldBlock: return true
            case .eof(let why):
                if closeReason.isEmpty { closeReason = why }
                ended = true
                return false
            }
        }
    }

    /// Parses every complete frame read so far: `onFrame` once per text message (a WebSocket
    /// frame, or a fragmented message), `onLine` for each JSON line in it. Answers pings;
    /// notes a close frame.
    func parseFrames(onFrame: () -> Void, onLine: (ArraySlice<UInt8>) -> Void, stop: () -> Bool = { false }) throws {
        defer {
            if inPos == inbuf.count { inbuf.removeAll(keepingCapacity: true); inPos = 0 }
            else if inPos > 65536 { inbuf.removeFirst(inPos); inPos = 0 }
        }
        while !stop() {
            let avail = inbuf.count - inPos
            guard avail >= 2 else { return }
            let b0 = inbuf[inPos], b1 = inbuf[inPos + 1]
            var headerLen = 2
            var length = Int(b1 & 0x7F)
            if length == 126 {
                guard avail >= 4 else { return }
                length = Int(inbuf[inPos + 2]) << 8 | Int(inbuf[inPos + 3])
                headerLen = 4
            } else if length == 127 {
                guard avail >= 10 else { return }
                length = 0
                for i in 0..<8 { length = length << 8 | Int(inbuf[inPos + 2 + i]) }
                headerLen = 10
            }
            if b1 & 0x80 != 0 { throw LoadSocketError("the server sent a masked frame") }
            guard avail >= headerLen + length else { return }
            let start = inPos + headerLen
            let end = start + length
            inPos = end
            let fin = b0 & 0x80 != 0
            switch b0 & 0x0F {
            case 0x1, 0x0:
                if !fin || fragment != nil {
                    fragment = (fragment ?? []) + inbuf[start..<end]
                    guard fin, let whole = fragment else { continue }
                    fragment = nil
                    onFrame()
                    LoadSocket.splitLines(whole[...], onLine)
                } else {
                    onFrame()
                    LoadSocket.splitLines(inbuf[start..<end], onLine)
                }
            case 0x8:
                if length >= 2 { closeCode = UInt16(inbuf[start]) << 8 | UInt16(inbuf[start + 1]) }
                closeReason = String(decoding: inbuf[min(start + 2, end)..<end], as: UTF8.self)
                if !ended { try? sendText(Array(inbuf[start..<min(start + 2, end)]), opcode: 0x8) }
                ended = true
                return
            case 0x9:
                try? sendText(Array(inbuf[start..<end]), opcode: 0xA)
            default:
                continue
            }
        }
    }

    private static func splitLines(_ payload: ArraySlice<UInt8>, _ onLine: (ArraySlice<UInt8>) -> Void) {
        var lineStart = payload.startIndex
        var i = payload.startIndex
        while i < payload.endIndex {
            if payload[i] == 0x0A {
                if i > lineStart { onLine(payload[lineStart..<i]) }
                lineStart = i + 1
            }
            i += 1
        }
        if payload.endIndex > lineStart { onLine(payload[lineStart..<payload.endIndex]) }
    }

    /// Setup only (blocking): sends `fields` with a fresh ref and returns the reply with that
    /// ref; every other message read meanwhile is dropped (presence, or operations the
    /// snapshot the reply carries already contains).
    func request(_ fields: JSONObject, timeout: Double = 15) throws -> JSON {
        var f = fields
        let ref = nextRef()
        f["ref"] = .string(ref)
        try send(.object(f))
        let deadline = nowSeconds() + timeout
        while true {
            var found: JSON?
            var parseError: Error?
            try parseFrames(onFrame: {}, onLine: { line in
                guard found == nil else {
                    leftover.append(Array(line))  // after the reply, in the same frame: kept for the run
                    return
                }
                guard parseError == nil else { return }
                do {
                    let m = try JSON.parse(Array(line))
                    if m["ref"]?.stringValue == ref { found = m; leftover.removeAll() }
                } catch { parseError = error }
            }, stop: { found != nil })
            if let found { return found }
            if let parseError { throw parseError }
            if ended { throw LoadSocketError("closed while waiting for a reply: \(closeCode.map(String.init) ?? "-") \(closeReason)") }
            let wait = LoadSocket.millis(until: deadline)
            if wait <= 0 { throw LoadSocketError("no reply to \(fields["type"]?.stringValue ?? "?") within \(timeout) s") }
            switch readOnce(into: &inbuf, wait: wait) {
            case .data, .wouldBlock: continue
            case .eof(let why): ended = true; closeReason = why
            }
        }
    }
}

private func base64(_ bytes: [UInt8]) -> String {
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    var out = ""
    var i = 0
    while i < bytes.count {
        let b0 = Int(bytes[i]), b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0, b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
        out.append(table[b0 >> 2])
        out.append(table[((b0 & 3) << 4) | (b1 >> 4)])
        out.append(i + 1 < bytes.count ? table[((b1 & 15) << 2) | (b2 >> 6)] : "=")
        out.append(i + 2 < bytes.count ? table[b2 & 63] : "=")
        i += 3
    }
    return out
}

/// Opens, signs in and joins (without replay). Throws with the reason on any refusal.
func openCollabSocket(host: String, port: Int, token: String, room: String) throws -> LoadSocket {
    let s = try LoadSocket(host: host, port: port)
    let w = try s.request(JSONObject([("type", "hello"), ("token", .string(token))]))
    guard w["type"]?.stringValue == "welcome" else { throw LoadSocketError("hello answered with \(w.encodedString())") }
    let j = try s.request(JSONObject([("type", "join"), ("room", .string(room)), ("since", .int(Int64(1) << 50))]))
    guard j["type"]?.stringValue == "ok" else { throw LoadSocketError("join \(room) answered with \(j.encodedString())") }
    return s
}

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

// MARK: - Running one step: worker threads with poll()

/// CPU time of a process's threads and the time each waited for a CPU while runnable
/// (/proc/PID/task/TID/schedstat: on-CPU ns, run-queue wait ns), to tell a thread that is
/// busy from one that is starved by the other work on the machine.
struct ProcCPU {
    struct Thread { var name: String; var cpu: Double; var wait: Double }
    var threads: [Int: Thread] = [:]

    static func read(pid: Int32) -> ProcCPU? {
        var out = ProcCPU()
        guard let dir = opendir("/proc/\(pid)/task") else { return nil }
        defer { closedir(dir) }
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard let tid = Int(name), let sched = readSmallFile("/proc/\(pid)/task/\(tid)/schedstat") else { continue }
            let f = sched.split(separator: " ")
            guard f.count >= 2, let run = Double(f[0]), let wait = Double(f[1]) else { continue }
            var comm = readSmallFile("/proc/\(pid)/task/\(tid)/comm") ?? "?"
            while comm.last == "\n" { comm.removeLast() }
            out.threads[tid] = Thread(name: comm, cpu: run / 1e9, wait: wait / 1e9)
        }
        return out
    }

    struct Delta {
        var total = 0.0          // CPU % of all threads (100 = one core)
        var top = "-"            // busiest thread
        var topCPU = Double.nan  // its CPU %
        var topWait = Double.nan // % of the time it was runnable but waiting for a CPU
        var waitSum = 0.0        // run-queue wait % summed over threads named `prefix`
    }

    static func delta(_ a: ProcCPU, _ b: ProcCPU, wall: Double, prefix: String? = nil) -> Delta {
        var d = Delta()
        var best = -1.0
        for (tid, t) in b.threads {
            let before = a.threads[tid] ?? Thread(name: t.name, cpu: 0, wait: 0)
            let cpu = (t.cpu - before.cpu) / wall * 100, wait = (t.wait - before.wait) / wall * 100
            d.total += cpu
            if cpu > best { best = cpu; d.top = "\(t.name)/\(tid)"; d.topCPU = cpu; d.topWait = wait }
            if let prefix, t.name.hasPrefix(prefix) { d.waitSum += wait }
        }
        return d
    }
}

/// Names the calling thread (shown by top -H and perf) through /proc, as prctl is not
/// callable from Swift.
func nameThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: 4096)
    var out: [UInt8] = []
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Busy and total CPU time of the whole machine (seconds, all CPUs), from /proc/stat.
func machineCPU() -> (busy: Double, total: Double)? {
    guard let stat = readSmallFile("/proc/stat"), let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
    let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
    guard v.count >= 5 else { return nil }
    let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
    let total = v.prefix(8).reduce(0, +) / tick
    return (total - (v[3] + v[4]) / tick, total)
}

func selfCPUSeconds() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

/// Numeric lines of /metrics without labels.
func readMetrics(host: String, port: Int) -> [String: Double] {
    guard let r = try? TestHTTP.request(host: host, port: port, method: "GET", path: "/metrics"), r.status == 200 else { return [:] }
    var out: [String: Double] = [:]
    for line in r.bodyText.split(separator: "\n") where !line.hasPrefix("#") {
        let parts = line.split(separator: " ")
        guard parts.count == 2, let v = Double(parts[1]) else { continue }
        out[String(parts[0])] = v
    }
    return out
}

struct StepResult {
    var writers: Int
    var stats: CollabStepStats
    var hist = StepHistograms()
    var seconds: Double
    var benchCPU = Double.nan
    var benchWait = Double.nan
    var server = ProcCPU.Delta()
    var machineBusy = Double.nan   // % of one core, whole machine
    var metrics: [String: Double] = [:]
    var drainSeconds = 0.0
}

/// Runs one step: `writers` clients made by `make`, spread over `threads` workers.
func runCollabStep(writers: Int, options o: CollabLoadOptions, host: String, port: Int, token: String, tag: String,
                   make: @escaping @Sendable (Int, StepSchedule) -> CollabLoadClient) -> StepResult {
    let threads = max(1, min(o.threads, writers))
    let merged = Locked(CollabStepStats())
    let mergedHist = Locked(StepHistograms())
    let schedule = Locked<StepSchedule?>(nil)
    let ready = Locked(0)
    let settledThreads = Locked(0)
    let lastReceive = Locked(Int64(0))
    let sample = Locked(StepResult(writers: writers, stats: CollabStepStats(), seconds: o.seconds))
    let room = o.room, warmup = o.warmup, seconds = o.seconds, serverPid = o.serverPid

    runThreads(threads + 1, stackBytes: 1 << 20) { t in
        nameThread(t == threads ? "bench-sampler" : "bench-worker\(t)")
        if t == threads {
            // The sampler: decides the schedule once every client is set up, reads CPU and
            // /metrics at the window's edges.
            while ready.with({ $0 }) < threads { sleepSeconds(0.01) }
            let start = microsNow() + 300_000
            let ws = start + Int64(warmup * 1e6)
            let we = ws + Int64(seconds * 1e6)
            schedule.with { $0 = StepSchedule(start: start, windowStart: ws, windowEnd: we, hardEnd: we + 20_000_000) }
            sleepSeconds(Double(ws - microsNow()) / 1e6)
            let m0 = readMetrics(host: host, port: port)
            let mc0 = machineCPU()
            let c0 = selfCPUSeconds(), p0 = serverPid.flatMap { ProcCPU.read(pid: $0) }, b0 = ProcCPU.read(pid: getpid())
            let t0 = nowSeconds()
            sleepSeconds(Double(we - microsNow()) / 1e6)
            let c1 = selfCPUSeconds(), p1 = serverPid.flatMap { ProcCPU.read(pid: $0) }, b1 = ProcCPU.read(pid: getpid())
            let wall = nowSeconds() - t0
            let mc1 = machineCPU()
            let m1 = readMetrics(host: host, port: port)
            sample.with { r in
                r.benchCPU = (c1 - c0) / wall * 100
                if let b0, let b1 { r.benchWait = ProcCPU.delta(b0, b1, wall: wall, prefix: "bench-worker").waitSum }
                if let p0, let p1 { r.server = ProcCPU.delta(p0, p1, wall: wall) }
                if let mc0, let mc1 { r.machineBusy = (mc1.busy - mc0.busy) / wall * 100 }
                for (k, v) in m1 { r.metrics[k] = v - (m0[k] ?? 0) }
            }
            return
        }
        // A worker: clients t, t + threads, t + 2·threads, …
        var clients: [CollabLoadClient] = []
        var local = CollabStepStats()
        // Set up with a placeholder schedule; the real one is installed before typing.
        let placeholder = StepSchedule(start: .max, windowStart: .max, windowEnd: .max, hardEnd: .max)
        var ids: [Int] = []
        for i in stride(from: t, to: writers, by: threads) { ids.append(i) }
        var setUp: [(Int, LoadSocket, CollabLoadClient)] = []
        for i in ids {
            let c = make(i, placeholder)
            do {
                try c.setUp(host: host, port: port, token: token, room: room)
                setUp.append((i, c.socket, c))
            } catch {
                local.setupFailures += 1
                if local.setupFailureSample == nil { local.setupFailureSample = "writer \(i): \(error)" }
            }
        }
        ready.with { $0 += 1 }
        var sched: StepSchedule?
        while sched == nil { sched = schedule.with { $0 }; if sched == nil { sleepSeconds(0.002) } }
        let s = sched!
        let hist = StepHistograms()
        for (_, _, c) in setUp { c.install(schedule: s, histograms: hist) }
        clients = setUp.map { $0.2 }
        local.clients = clients.count

        var pfds = clients.map { pollfd(fd: $0.socket.fd, events: Int16(POLLIN), revents: 0) }
        var markedSettled = false
        var myLastReceive = Int64(0)
        while true {
            let now = microsNow()
            if now >= s.hardEnd { break }
            var due = Int64.max
            if now < s.windowEnd {
                for c in clients where !c.dead {
                    if c.nextDue <= now {
                        do { try c.tick(now: now) } catch {
                            c.noteClientError("send: \(error)")
                            c.markDead()
                        }
                    }
                    due = min(due, c.nextDue)
                }
            } else {
                if !markedSettled && clients.allSatisfy({ $0.dead || $0.isSettled }) {
                    markedSettled = true
                    settledThreads.with { $0 += 1 }
                }
                if markedSettled && settledThreads.with({ $0 }) == threads {
                    let last = max(myLastReceive, lastReceive.with { $0 })
                    if now - last > 500_000 { break }
                }
                due = now + 50_000
            }
            let waitMicros = max(0, min(due, s.hardEnd) - microsNow())
            let timeout = Int32(min((waitMicros + 999) / 1000, 1000))
            for i in pfds.indices { pfds[i].fd = clients[i].dead ? -1 : clients[i].socket.fd; pfds[i].revents = 0 }
            let n = poll(&pfds, nfds_t(pfds.count), timeout)
            if n <= 0 { continue }
            var got = false
            for i in pfds.indices where pfds[i].revents != 0 && !clients[i].dead {
                _ = clients[i].pump()
                got = true
            }
            if got {
                myLastReceive = microsNow()
                if myLastReceive >= s.windowEnd { lastReceive.with { $0 = max($0, myLastReceive) } }
            }
        }
        for c in clients {
            if !c.dead && !c.isSettled { c.stats.unsettled += 1 }
            c.stats.maxClientFrames = c.frames
            local.merge(c.stats)
            c.socket.close()
        }
        merged.with { $0.merge(local) }
        mergedHist.with { $0.merge(hist) }
    }
    var r = sample.with { $0 }
    r.stats = merged.with { $0 }
    r.hist = mergedHist.with { $0 }
    if let s = schedule.with({ $0 }) { r.drainSeconds = Double(microsNow() - s.windowEnd) / 1e6 }
    return r
}


// MARK: - Output

/// A rate or percentage rounded to a whole number ("-" when unknown).
func whole(_ v: Double) -> String { v.isNaN || v.isInfinite ? "-" : String(Int(v.rounded())) }

func printCollabHeader(kind: String) {
    let keyCols = kind == "doc" ? "| keys/s | ops/s | keys/op " : "| ops/s "
    print("| writers \(keyCols)| deliveries/s | frames/s per reader (max) | lines/frame | p50 ms | p95 ms | p99 ms | max ms "
        + (kind == "doc" ? "| key→seen p95 ms " : "") + "| own echo p50 ms | missing | errors | closes | bench CPU % (workers' CPU wait %) "
        + "| server CPU % | server busiest thread CPU % (CPU wait %) |")
    let n = kind == "doc" ? 19 : 16
    print("|" + String(repeating: "---|", count: n))
}

func printCollabRow(_ r: StepResult, kind: String) {
    let s = r.stats
    let w = r.seconds
    let readers = Double(max(1, s.clients))
    let expected = s.opsSent * max(0, s.clients - 1)
    let missing = expected - s.deliveries
    let errs = s.errors.isEmpty ? "0" : s.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    let closes = s.closes.isEmpty ? "0" : s.closes.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
    var row = "| \(r.writers) "
    if kind == "doc" {
        row += "| \(whole(Double(s.keystrokes) / w)) | \(whole(Double(s.opsSent) / w)) | \(fmt(Double(s.keystrokes) / Double(max(1, s.opsSent)), 2)) "
    } else {
        row += "| \(whole(Double(s.opsSent) / w)) "
    }
    row += "| \(whole(Double(s.deliveries) / w)) | \(fmt(Double(s.framesInWindow) / readers / w, 1)) (\(fmt(Double(s.maxClientFrames) / w, 1))) "
    row += "| \(fmt(Double(s.linesInWindow) / Double(max(1, s.framesInWindow)), 1)) "
    let h = r.hist
    row += "| \(fmt(h.latency.quantileMs(0.5), 1)) | \(fmt(h.latency.quantileMs(0.95), 1)) | \(fmt(h.latency.quantileMs(0.99), 1)) | \(fmt(h.latency.maxMs, 1)) "
    if kind == "doc" { row += "| \(fmt(h.keyLatency.quantileMs(0.95), 1)) " }
    row += "| \(fmt(h.echo.quantileMs(0.5), 1)) "
    row += "| \(missing) of \(expected) | \(errs) | \(closes) | \(whole(r.benchCPU)) (\(whole(r.benchWait))) "
    row += "| \(whole(r.server.total)) | \(whole(r.server.topCPU)) (\(whole(r.server.topWait))) |"
    print(row)
}

func printCollabDetails(_ r: StepResult) {
    let s = r.stats
    var notes: [String] = []
    if s.setupFailures > 0 { notes.append("setup failures \(s.setupFailures) (\(s.setupFailureSample ?? ""))") }
    if let e = s.errorSample { notes.append("first error: \(e)") }
    if let e = s.clientErrorSample { notes.append("client-side failures \(s.clientErrors); first: \(e)") }
    if let c = s.closeSample { notes.append("first close: \(c)") }
    if s.unsettled > 0 { notes.append("\(s.unsettled) writers still had unconfirmed operations at the end") }
    let m = r.metrics
    if !m.isEmpty {
        let w = r.seconds
        var parts: [String] = []
        if let f = m["atrium_frames_out_total"] { parts.append("frames out \(whole(f / w))/s") }
        if let f = m["atrium_messages_out_total"] { parts.append("messages out \(whole(f / w))/s") }
        if let f = m["atrium_frames_in_total"] { parts.append("frames in \(whole(f / w))/s") }
        if let b = m["atrium_commit_batches_total"], let j = m["atrium_commit_jobs_total"], b > 0 {
            parts.append("commits \(whole(j / w))/s in \(whole(b / w)) groups/s, mean group \(ms((m["atrium_commit_latency_seconds_sum"] ?? 0) / b)) ms")
        }
        if let q = m["atrium_slow_consumer_closes_total"], q > 0 { parts.append("slow-consumer closes \(Int(q))") }
        if let q = m["atrium_outbound_queue_drops_total"], q > 0 { parts.append("queue drops \(Int(q))") }
        if let q = m["atrium_flood_closes_total"], q > 0 { parts.append("flood closes \(Int(q))") }
        notes.append("server /metrics over the window: " + parts.joined(separator: ", "))
    }
    let others = r.machineBusy - r.benchCPU - r.server.total
    notes.append("machine CPU busy \(whole(r.machineBusy)) % of 200 % (bench \(whole(r.benchCPU)), server \(whole(r.server.total)), everything else \(whole(others)))")
    notes.append("ops sent over the whole step \(s.opsSentTotal); drain \(fmt(r.drainSeconds, 1)) s; server busiest thread \(r.server.top); "
        + "load average at the end \(readSmallFile("/proc/loadavg")?.split(separator: " ").prefix(3).joined(separator: " ") ?? "-")")
    for n in notes { print("    \(r.writers) writers: \(n)") }
}

/// Runs every step and prints the table; returns the steps' results.
func runCollabSteps(kind: String, options o: CollabLoadOptions, host: String, port: Int, token: String,
                    describe: String, make: @escaping @Sendable (Int, StepSchedule, String) -> CollabLoadClient) throws {
    let steps = try o.writerSteps()
    print("collab-\(kind): \(describe)")
    print("  steps \(steps.map(String.init).joined(separator: ", ")) writers; \(fmt(o.rate, 1)) per writer per second; "
        + "\(fmt(o.warmup, 1)) s warm-up + \(fmt(o.seconds, 1)) s measured per step; \(o.threads) bench threads; room \(o.room)")
    print("  latency = receive time at another client − send time of the operation (stamped in its nonce), over every (operation sent in the window, other client) pair")
    var results: [StepResult] = []
    var passedAt: Int?
    for (i, n) in steps.enumerated() {
        if i > 0 { sleepSeconds(o.pause) }
        let tag = "\(kind.first!)\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        let r = runCollabStep(writers: n, options: o, host: host, port: port, token: token, tag: tag,
                              make: { idx, sched in make(idx, sched, tag) })
        results.append(r)
        print("  step \(i + 1): \(n) writers done (p95 \(fmt(r.hist.latency.quantileMs(0.95), 1)) ms)")
        if r.hist.latency.quantileMs(0.95) > o.p95LimitMs || r.hist.latency.count == 0 {
            if passedAt == nil { passedAt = n }
            if !o.allSteps { break }
        }
    }
    print("")
    printCollabHeader(kind: kind)
    for r in results { printCollabRow(r, kind: kind) }
    print("")
    for r in results { printCollabDetails(r) }
    print("")
    if let passedAt {
        print("p95 passes \(fmt(o.p95LimitMs, 0)) ms at \(passedAt) writers")
    } else {
        print("not reached up to \(steps.last!) writers (p95 ≤ \(fmt(o.p95LimitMs, 0)) ms at every step)")
    }
}
