// A non-blocking WebSocket client for the load scenarios that counts real frames (the test
// client splits frames into lines and cannot).

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

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
