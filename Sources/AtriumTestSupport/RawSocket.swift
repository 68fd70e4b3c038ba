// A blocking-with-deadlines TCP client socket over POSIX calls: non-blocking fd, poll() for
// every wait, MSG_NOSIGNAL on every send (a peer that hung up gives EPIPE, never SIGPIPE).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point in monotonic time after which a wait gives up.
struct Deadline {
    let nanos: UInt64

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    init(seconds: Double) {
        let delta = seconds <= 0 ? 0 : UInt64(min(seconds, 1e7) * 1e9)
        nanos = Deadline.now() &+ delta
    }

    /// Milliseconds left, rounded up, for poll(); 0 once passed.
    var pollMillis: Int32 {
        let n = Deadline.now()
        if n >= nanos { return 0 }
        return Int32(min((nanos - n + 999_999) / 1_000_000, UInt64(Int32.max)))
    }

    var hasPassed: Bool { Deadline.now() >= nanos }
}

func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

final class RawSocket {
    private(set) var fd: Int32

    enum ReadResult {
        case data(Int)
        case eof(String?)  // nil: orderly end; otherwise the error (e.g. connection reset)
        case timeout
    }

    /// Connects to host:port (names resolved with getaddrinfo) within `timeout` seconds.
    init(host: String, port: Int, timeout: Double, receiveBufferBytes: Int? = nil, noDelay: Bool = true) throws {
        let deadline = Deadline(seconds: timeout)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw TestClientError.connectFailed("cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }

        var lastError = "no address for \(host)"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            ai = a.pointee.ai_next
            let s = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if s < 0 { lastError = "socket: \(errnoText())"; continue }
            if let size = receiveBufferBytes {
                var v = Int32(clamping: size)
                setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, socklen_t(MemoryLayout<Int32>.size))
            }
            if noDelay {
                var one: Int32 = 1
                setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            _ = fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK)
            var r = connect(s, a.pointee.ai_addr, a.pointee.ai_addrlen)
            if r != 0 && errno == EINPROGRESS {
                var pfd = pollfd(fd: s, events: Int16(POLLOUT), revents: 0)
                repeat { r = poll(&pfd, 1, deadline.pollMillis) } while r < 0 && errno == EINTR
                if r == 0 {
                    Glibc.close(s)
                    throw TestClientError.connectFailed("\(host):\(port): no connection within \(timeout) s")
                }
                var err: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len)
                r = err == 0 ? 0 : -1
                if err != 0 { errno = err }
            }
            if r == 0 {
                fd = s
                return
            }
            lastError = "\(host):\(port): \(errnoText())"
            Glibc.close(s)
        }
        throw TestClientError.connectFailed(lastError)
    }

    deinit { close() }

    var isValid: Bool { fd >= 0 }

    /// Writes every byte or throws (`.timeout` if the peer does not take them in time).
    func sendAll(_ bytes: [UInt8], deadline: Deadline) throws {
        guard fd >= 0 else { throw TestClientError.closed(code: nil, reason: "socket already closed") }
        var offset = 0
        try bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n > 0 { offset += n; continue }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    let r = poll(&pfd, 1, deadline.pollMillis)
                    if r == 0 { throw TestClientError.timeout("sending \(raw.count) bytes: peer not reading") }
                    continue
                }
                throw TestClientError.io("send: \(errnoText())")
            }
        }
    }

    private var scratch = [UInt8](repeating: 0, count: 65536)

    /// Appends what arrives to `buffer`, waiting at most until `deadline`.
    func read(into buffer: inout [UInt8], deadline: Deadline) -> ReadResult {
        guard fd >= 0 else { return .eof("socket already closed") }
        while true {
            let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.append(contentsOf: scratch[0..<n])
                return .data(n)
            }
            if n == 0 { return .eof(nil) }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                var r: Int32
                repeat { r = poll(&pfd, 1, deadline.pollMillis) } while r < 0 && errno == EINTR
                if r == 0 { return .timeout }
                continue
            }
            return .eof(errnoText(e))
        }
    }

    func shutdownBoth() {
        if fd >= 0 { _ = shutdown(fd, Int32(SHUT_RDWR)) }
    }

    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }
}

// MARK: - HTTP/1.1 response reading (shared by the handshake and TestHTTP)

struct HTTPHead {
    var status: Int
    var headers: [(String, String)]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

enum HTTPReader {
    static let maxHead = 64 * 1024

    /// Reads up to the blank line; the bytes after it stay in `buffer`.
    static func readHead(_ socket: RawSocket, _ buffer: inout [UInt8], deadline: Deadline, what: String) throws -> HTTPHead {
        var searchFrom = 0
        while true {
            if let end = findCRLFCRLF(buffer, from: searchFrom) {
                let text = String(decoding: buffer[0..<end], as: UTF8.self)
                buffer.removeSubrange(0..<(end + 4))
                return try parseHead(text)
            }
            searchFrom = max(0, buffer.count - 3)
            if buffer.count > maxHead { throw TestClientError.protocolError("\(what): response head over \(maxHead) bytes") }
            switch socket.read(into: &buffer, deadline: deadline) {
            case .data: continue
            case .timeout: throw TestClientError.timeout("\(what): no complete response head")
            case .eof(let err):
                throw TestClientError.protocolError("\(what): connection ended before the response head (\(err ?? "EOF"), \(buffer.count) bytes)")
            }
        }
    }

    static func findCRLFCRLF(_ b: [UInt8], from: Int) -> Int? {
        guard b.count >= 4 else { return nil }
        var i = from
        while i + 3 < b.count {
            if b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
            i += 1
        }
        return nil
    }

    static func parseHead(_ text: String) throws -> HTTPHead {
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard let statusLine = lines.first else { throw TestClientError.protocolError("empty response") }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw TestClientError.protocolError("bad status line: \(statusLine)")
        }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon]).trimmingSpaces()
            let value = String(line[line.index(after: colon)...]).trimmingSpaces()
            headers.append((name, value))
        }
        return HTTPHead(status: status, headers: headers)
    }

    /// Reads the body that follows `head`: chunked, Content-Length, or up to the end of the
    /// connection. `lenient`: a timeout while reading to the end returns what arrived.
    static func readBody(_ socket: RawSocket, _ buffer: inout [UInt8], head: HTTPHead, method: String,
                         deadline: Deadline, lenient: Bool = false) throws -> [UInt8] {
        if method.uppercased() == "HEAD" || head.status == 204 || head.status == 304 || (100..<200).contains(head.status) {
            return []
        }
        if let te = head.header("Transfer-Encoding"), te.lowercased().contains("chunked") {
            return try readChunked(socket, &buffer, deadline: deadline)
        }
        if let cl = head.header("Content-Length"), let length = Int(cl) {
            while buffer.count < length {
                switch socket.read(into: &buffer, deadline: deadline) {
                case .data: continue
                case .timeout:
                    if lenient { return buffer }
                    throw TestClientError.timeout("response body: \(buffer.count) of \(length) bytes")
                case .eof:
                    if lenient { return buffer }
                    throw TestClientError.protocolError("connection ended after \(buffer.count) of \(length) body bytes")
                }
            }
            let body = Array(buffer[0..<length])
            buffer.removeSubrange(0..<length)
            return body
        }
        while true {
            switch socket.read(into: &buffer, deadline: deadline) {
            case .data: continue
            case .eof:
                let body = buffer
                buffer = []
                return body
            case .timeout:
                if lenient { let body = buffer; buffer = []; return body }
                throw TestClientError.timeout("response body without length: connection not closed")
            }
        }
    }

    private static func readChunked(_ socket: RawSocket, _ buffer: inout [UInt8], deadline: Deadline) throws -> [UInt8] {
        var body: [UInt8] = []
        func more() throws {
            switch socket.read(into: &buffer, deadline: deadline) {
            case .data: return
            case .timeout: throw TestClientError.timeout("chunked response body")
            case .eof: throw TestClientError.protocolError("connection ended inside a chunked body")
            }
        }
        func line() throws -> String {
            while true {
                if let i = firstCRLF(buffer) {
                    let s = String(decoding: buffer[0..<i], as: UTF8.self)
                    buffer.removeSubrange(0..<(i + 2))
                    return s
                }
                try more()
            }
        }
        while true {
            let sizeLine = try line()
            let hex = sizeLine.split(separator: ";").first.map { String($0).trimmingSpaces() } ?? ""
            guard let size = Int(hex, radix: 16) else { throw TestClientError.protocolError("bad chunk size '\(sizeLine)'") }
            if size == 0 {
                while try !line().isEmpty {}  // trailers up to the blank line
                return body
            }
            while buffer.count < size + 2 { try more() }
            body.append(contentsOf: buffer[0..<size])
            buffer.removeSubrange(0..<(size + 2))
        }
    }

    private static func firstCRLF(_ b: [UInt8]) -> Int? {
        var i = 0
        while i + 1 < b.count {
            if b[i] == 13 && b[i + 1] == 10 { return i }
            i += 1
        }
        return nil
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
