// A small blocking RFC 6455 client for integration tests and the load program: raw POSIX
// socket, every wait bounded by a timeout, no Foundation networking.
//
// Not Sendable: one thread (or one task) uses a TestWebSocket at a time.

import AtriumCore
#if canImport(Glibc)
import Glibc
#endif

public final class TestWebSocket {
    public let host: String
    public let port: Int
    /// The close code the server sent (nil until a close frame arrives, or if it had none).
    public private(set) var closeCode: UInt16?
    /// The reason text of the server's close frame, or why the connection ended.
    public private(set) var closeReason: String = ""
    /// The headers of the server's 101 answer.
    public private(set) var responseHeaders: [(String, String)] = []
    /// The subprotocol the server picked (Sec-WebSocket-Protocol), if any.
    public private(set) var acceptedProtocol: String?
    /// The `welcome` reply, when the connection was opened by `TestServer.connect`.
    public internal(set) var welcome: JSON?

    private var socket: RawSocket?
    private var inbuf: [UInt8] = []
    private var inPos = 0
    private var queue: [JSON] = []
    private var queueHead = 0
    private var fragmentOpcode: UInt8?
    private var fragmentBuffer: [UInt8] = []
    private var closeSent = false
    private var closeReceived = false
    private var ended = false
    private var refCounter = 0
    private let refPrefix: String

    /// Connects and performs the opening handshake (checks 101 and Sec-WebSocket-Accept).
    /// A non-101 answer throws `TestClientError.handshakeRejected(status:body:)`.
    /// `receiveBufferBytes` sets SO_RCVBUF before connecting (a small one makes a client that
    /// stops calling `receive` look slow to the server quickly).
    public init(host: String = "127.0.0.1", port: Int, path: String = "/ws", headers: [(String, String)] = [],
                protocols: [String] = ["atrium.v1"], timeout: Double = 5, receiveBufferBytes: Int? = nil) throws {
        self.host = host
        self.port = port
        var g = SystemRandomNumberGenerator()
        refPrefix = "t" + String(UInt32.random(in: 0...UInt32.max, using: &g), radix: 36) + "-"

        let deadline = Deadline(seconds: timeout)
        let sock = try RawSocket(host: host, port: port, timeout: timeout, receiveBufferBytes: receiveBufferBytes)
        let key = WebSocketKey.random()
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var req = "GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        req += "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        if !protocols.isEmpty { req += "Sec-WebSocket-Protocol: \(protocols.joined(separator: ", "))\r\n" }
        for (name, value) in headers { req += "\(name): \(value)\r\n" }
        req += "\r\n"
        try sock.sendAll(Array(req.utf8), deadline: deadline)

        var buffer: [UInt8] = []
        let head = try HTTPReader.readHead(sock, &buffer, deadline: deadline, what: "WebSocket handshake")
        guard head.status == 101 else {
            let body = (try? HTTPReader.readBody(sock, &buffer, head: head, method: "GET", deadline: deadline, lenient: true)) ?? buffer
            sock.close()
            throw TestClientError.handshakeRejected(status: head.status, body: String(decoding: body, as: UTF8.self))
        }
        guard head.header("Upgrade")?.lowercased() == "websocket" else {
            throw TestClientError.protocolError("101 answer without 'Upgrade: websocket'")
        }
        let expected = WebSocketKey.accept(for: key)
        guard head.header("Sec-WebSocket-Accept") == expected else {
            throw TestClientError.protocolError("Sec-WebSocket-Accept is '\(head.header("Sec-WebSocket-Accept") ?? "missing")', expected '\(expected)'")
        }
        acceptedProtocol = head.header("Sec-WebSocket-Protocol")
        if let p = acceptedProtocol, !protocols.contains(p) {
            throw TestClientError.protocolError("server chose subprotocol '\(p)', which was not offered")
        }
        responseHeaders = head.headers
        inbuf = buffer  // frames the server sent right after the 101
        socket = sock
    }

    deinit { socket?.close() }

    /// True until a close frame was sent or received, or the connection ended.
    public var isOpen: Bool { socket != nil && !closeSent && !closeReceived && !ended }

    /// Messages received and not yet taken.
    public var queuedCount: Int { queue.count - queueHead }

    // MARK: Sending

    /// Sends one JSON message in one text frame.
    public func send(_ json: JSON) throws {
        try sendFrame(opcode: 0x1, payload: json.encoded())
    }

    public func sendText(_ text: String) throws {
        try sendFrame(opcode: 0x1, payload: Array(text.utf8))
    }

    /// Sends one raw frame, masked as a client must. For crafted-frame tests the payload and
    /// opcode are not checked: oversize, binary, invalid UTF-8, fragments (opcode 0 for
    /// continuations, `fin: false` on all but the last), control frames.
    public func sendFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true, timeout: Double = 10) throws {
        guard let sock = socket else { throw closedError() }
        var frame: [UInt8] = []
        frame.reserveCapacity(payload.count + 14)
        frame.append((fin ? 0x80 : 0) | (opcode & 0x0F))
        let n = payload.count
        if n < 126 {
            frame.append(0x80 | UInt8(n))
        } else if n <= 0xFFFF {
            frame.append(0x80 | 126)
            frame.append(UInt8(n >> 8)); frame.append(UInt8(n & 0xFF))
        } else {
            frame.append(0x80 | 127)
            for i in (0..<8).reversed() { frame.append(UInt8(truncatingIfNeeded: UInt64(n) >> (UInt64(i) * 8))) }
        }
        var g = SystemRandomNumberGenerator()
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255, using: &g) }
        frame.append(contentsOf: mask)
        for (i, b) in payload.enumerated() { frame.append(b ^ mask[i & 3]) }
        if opcode == 0x8 { closeSent = true }
        try sock.sendAll(frame, deadline: Deadline(seconds: timeout))
    }

    // MARK: Receiving

    /// The next message. A server frame may hold several JSON Lines: each is one message.
    public func receive(timeout: Double = 5) throws -> JSON {
        if let m = popFirst() { return m }
        let deadline = Deadline(seconds: timeout)
        try fill(deadline: deadline, waitingFor: "a message within \(timeout) s")
        return popFirst()!
    }

    /// The first queued or incoming message for which `predicate` holds; the others stay
    /// queued, in order, for later calls.
    public func receive(where predicate: (JSON) -> Bool, timeout: Double = 5) throws -> JSON {
        if let m = takeFirst(from: queueHead, where: predicate) { return m }
        let deadline = Deadline(seconds: timeout)
        while true {
            let start = queue.count
            try fill(deadline: deadline, waitingFor: "a matching message within \(timeout) s (\(queuedCount) others queued)")
            if let m = takeFirst(from: start, where: predicate) { return m }
        }
    }

    /// The next message whose `type` is `type`.
    public func receive(type: String, timeout: Double = 5) throws -> JSON {
        try receive(where: { $0["type"]?.stringValue == type }, timeout: timeout)
    }

    /// Adds a unique `ref`, sends, and returns the reply carrying that ref (`ok`, `error`, or
    /// `welcome` for a hello). Other messages stay queued for `receive`.
    public func request(_ fields: JSONObject, timeout: Double = 5) throws -> JSON {
        var f = fields
        let ref = nextRef()
        f["ref"] = .string(ref)
        try send(.object(f))
        return try receive(where: { $0["ref"]?.stringValue == ref }, timeout: timeout)
    }

    /// A fresh ref string, unique for this connection.
    public func nextRef() -> String {
        refCounter += 1
        return refPrefix + String(refCounter)
    }

    /// Everything queued plus everything that arrives within `seconds` (for "nothing else
    /// arrived" checks). Stops early if the connection closes.
    public func drain(for seconds: Double) -> [JSON] {
        var out = Array(queue[queueHead...])
        queue.removeAll(keepingCapacity: true)
        queueHead = 0
        let deadline = Deadline(seconds: seconds)
        while true {
            do {
                try fill(deadline: deadline, waitingFor: "drain")
                out.append(contentsOf: queue)
                queue.removeAll(keepingCapacity: true)
            } catch TestClientError.protocolError {
                continue
            } catch {
                break
            }
        }
        return out
    }

    /// Reads, discarding messages, until the server closes. Returns the close frame's code,
    /// or nil if the TCP connection just ended. Throws `.timeout` if it stays open.
    public func waitForClose(timeout: Double = 5) throws -> UInt16? {
        let deadline = Deadline(seconds: timeout)
        queue.removeAll()
        queueHead = 0
        while true {
            if closeReceived || ended { return closeCode }
            do {
                try fill(deadline: deadline, waitingFor: "the server to close within \(timeout) s")
                queue.removeAll()
            } catch TestClientError.closed {
                return closeCode
            } catch TestClientError.protocolError {
                continue
            }
        }
    }

    /// Sends a close frame with `code`, waits briefly for the server's close, then closes.
    public func close(code: UInt16 = 1000, reason: String = "") {
        guard socket != nil else { return }
        if !closeSent && !closeReceived && !ended {
            var payload = [UInt8(code >> 8), UInt8(code & 0xFF)]
            payload.append(contentsOf: reason.utf8.prefix(120))
            try? sendFrame(opcode: 0x8, payload: payload, timeout: 2)
        }
        closeSent = true
        let deadline = Deadline(seconds: 2)
        while !closeReceived && !ended && !deadline.hasPassed {
            do { try fill(deadline: deadline, waitingFor: "close") } catch TestClientError.protocolError { continue } catch { break }
        }
        finish(reason: closeReason.isEmpty ? "closed by the client" : closeReason)
    }

    /// Drops the connection without a close frame, like a lost network.
    public func abort() {
        socket?.shutdownBoth()
        finish(reason: "aborted by the client")
    }

    // MARK: Internals

    private func popFirst() -> JSON? {
        guard queueHead < queue.count else { return nil }
        let m = queue[queueHead]
        queueHead += 1
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
        } else if queueHead > 1024 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return m
    }

    private func takeFirst(from start: Int, where predicate: (JSON) -> Bool) -> JSON? {
        var i = max(start, queueHead)
        while i < queue.count {
            if predicate(queue[i]) {
                let m = queue[i]
                if i == queueHead { _ = popFirst() } else { queue.remove(at: i) }
                return m
            }
            i += 1
        }
        return nil
    }

    private func closedError() -> TestClientError {
        .closed(code: closeCode, reason: closeReason.isEmpty ? "connection closed" : closeReason)
    }

    private func finish(reason: String) {
        if closeReason.isEmpty { closeReason = reason }
        socket?.close()
        socket = nil
        ended = true
    }

    /// Reads until at least one new message is queued. Throws `.closed` once the connection
    /// is closed (after every earlier message was queued), `.timeout` at the deadline.
    private func fill(deadline: Deadline, waitingFor what: String) throws {
        let before = queue.count
        while true {
            try processBufferedFrames()
            if queue.count > before { return }
            if closeReceived || ended { throw closedError() }
            guard let sock = socket else { throw closedError() }
            switch sock.read(into: &inbuf, deadline: deadline) {
            case .data: continue
            case .timeout: throw TestClientError.timeout(what)
            case .eof(let err):
                finish(reason: err.map { "connection ended: \($0)" } ?? "connection ended without a close frame")
                try processBufferedFrames()
                if queue.count > before { return }
                throw closedError()
            }
        }
    }

    /// Parses every complete frame in `inbuf`.
    private func processBufferedFrames() throws {
        defer {
            if inPos == inbuf.count {
                inbuf.removeAll(keepingCapacity: true)
                inPos = 0
            } else if inPos > 65536 && inPos * 2 > inbuf.count {
                inbuf.removeFirst(inPos)
                inPos = 0
            }
        }
        while !closeReceived {
            let avail = inbuf.count - inPos
            guard avail >= 2 else { return }
            let b0 = inbuf[inPos], b1 = inbuf[inPos + 1]
            var headerLen = 2
            var length = UInt64(b1 & 0x7F)
            if length == 126 {
                guard avail >= 4 else { return }
                length = UInt64(inbuf[inPos + 2]) << 8 | UInt64(inbuf[inPos + 3])
                headerLen = 4
            } else if length == 127 {
                guard avail >= 10 else { return }
                length = 0
                for i in 0..<8 { length = length << 8 | UInt64(inbuf[inPos + 2 + i]) }
                headerLen = 10
            }
            let masked = b1 & 0x80 != 0
            if masked { headerLen += 4 }
            guard length < 1 << 40 else { throw TestClientError.protocolError("frame length \(length)") }
            guard avail >= headerLen + Int(length) else { return }
            let start = inPos + headerLen
            var payload = Array(inbuf[start..<(start + Int(length))])
            if masked {
                let m = inbuf[(start - 4)..<start].map { $0 }
                for i in payload.indices { payload[i] ^= m[i & 3] }
            }
            inPos = start + Int(length)
            try handleFrame(fin: b0 & 0x80 != 0, rsv: b0 & 0x70, opcode: b0 & 0x0F, payload: payload)
        }
    }

    private func handleFrame(fin: Bool, rsv: UInt8, opcode: UInt8, payload: [UInt8]) throws {
        if rsv != 0 { throw TestClientError.protocolError("frame with RSV bits \(rsv >> 4) set (no extension was negotiated)") }
        switch opcode {
        case 0x0:
            guard let op = fragmentOpcode else { throw TestClientError.protocolError("continuation frame without a started message") }
            fragmentBuffer.append(contentsOf: payload)
            if fin {
                let whole = fragmentBuffer
                fragmentOpcode = nil
                fragmentBuffer = []
                try deliver(opcode: op, payload: whole)
            }
        case 0x1, 0x2:
            if fragmentOpcode != nil { throw TestClientError.protocolError("new data frame inside a fragmented message") }
            if fin {
                try deliver(opcode: opcode, payload: payload)
            } else {
                fragmentOpcode = opcode
                fragmentBuffer = payload
            }
        case 0x8:
            closeReceived = true
            if payload.count >= 2 {
                closeCode = UInt16(payload[0]) << 8 | UInt16(payload[1])
                closeReason = String(decoding: payload[2...], as: UTF8.self)
            } else {
                closeReason = "close frame without a code"
            }
            if !closeSent {
                // Echo the code, as RFC 6455 §5.5.1 asks.
                try? sendFrame(opcode: 0x8, payload: Array(payload.prefix(2)), timeout: 1)
            }
            let reason = closeReason
            finish(reason: reason)
        case 0x9:
            if !closeSent { try? sendFrame(opcode: 0xA, payload: payload, timeout: 2) }
        case 0xA:
            break
        default:
            throw TestClientError.protocolError("frame with reserved opcode \(opcode)")
        }
    }

    private func deliver(opcode: UInt8, payload: [UInt8]) throws {
        guard opcode == 0x1 else { throw TestClientError.protocolError("binary message of \(payload.count) bytes") }
        guard String(validating: payload, as: UTF8.self) != nil else {
            throw TestClientError.protocolError("text message is not valid UTF-8")
        }
        var lineStart = 0
        for i in 0...payload.count where i == payload.count || payload[i] == 0x0A {
            if i > lineStart {
                let line = Array(payload[lineStart..<i])
                do {
                    queue.append(try JSON.parse(line))
                } catch {
                    throw TestClientError.protocolError("\(error) in '\(String(decoding: line.prefix(200), as: UTF8.self))'")
                }
            }
            lineStart = i + 1
        }
    }
}
