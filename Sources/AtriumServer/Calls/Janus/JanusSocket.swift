// A compact blocking WebSocket client (RFC 6455, client side, text frames only) for the Janus
// WebSocket API (subprotocol "janus-protocol"). Used only on the Janus worker thread, never on
// the service thread. Plain ws:// only: Janus is expected next to the server (loopback or a
// private network); see docs/calls.md "Large events: the SFU path".

import AtriumCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct JanusError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

final class JanusSocket {
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []

    /// Connects to `ws://host:port/path` and performs the opening handshake.
    init(url: String, subprotocol: String = "janus-protocol", timeout: Double = 5) throws {
        guard url.hasPrefix("ws://") else { throw JanusError("rtc.janus_ws_url must be a ws:// URL, got '\(url)'") }
        var rest = Substring(url.dropFirst(5))
        var path = "/"
        if let slash = rest.firstIndex(of: "/") { path = String(rest[slash...]); rest = rest[..<slash] }
        var host = String(rest)
        var port = 80
        if let colon = rest.lastIndex(of: ":"), let p = Int(rest[rest.index(after: colon)...]) {
            host = String(rest[..<colon]); port = p
        }
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw JanusError("cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        let s = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard s >= 0 else { throw JanusError("socket: \(String(cString: strerror(errno)))") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        guard connect(s, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let e = String(cString: strerror(errno)); Glibc.close(s)
            throw JanusError("connecting to \(host):\(port): \(e)")
        }
        fd = s
        var keyBytes = [UInt8](repeating: 0, count: 16)
        for i in keyBytes.indices { keyBytes[i] = UInt8.random(in: 0...255) }
        let key = Data(keyBytes).base64EncodedString()
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: \(subprotocol)\r\n\r\n"
        try write(Array(request.utf8))
        // Read the response head.
        while true {
            if let end = find([13, 10, 13, 10]) {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                guard head.hasPrefix("HTTP/1.1 101") else { close(); throw JanusError("Janus refused the WebSocket: \(head.prefix(80))") }
                return
            }
            try fill()
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    var isOpen: Bool { fd >= 0 }

    func send(_ json: JSON) throws {
        let payload = json.encoded()
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count < 65536 {
            frame.append(0x80 | 126); frame.append(UInt8(payload.count >> 8)); frame.append(UInt8(payload.count & 0xff))
        } else {
            frame.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((UInt64(payload.count) >> UInt64(shift)) & 0xff)) }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame.append(contentsOf: mask)
        for (i, b) in payload.enumerated() { frame.append(b ^ mask[i & 3]) }
        try write(frame)
    }

    /// The next text message as JSON (answers pings, skips pongs); throws on timeout or close.
    func receive() throws -> JSON {
        var message: [UInt8] = []
        while true {
            let (fin, opcode, payload) = try readFrame()
            switch opcode {
            case 0x9:  // ping → pong
                var pong: [UInt8] = [0x8A, 0x80 | UInt8(min(payload.count, 125))]
                pong.append(contentsOf: [0, 0, 0, 0]); pong.append(contentsOf: payload.prefix(125))
                try write(pong)
            case 0xA: continue
            case 0x8: close(); throw JanusError("Janus closed the WebSocket")
            default:
                message.append(contentsOf: payload)
                if fin {
                    do { return try JSON.parse(message) } catch { throw JanusError("Janus sent bad JSON: \(error)") }
                }
            }
        }
    }

    private func readFrame() throws -> (Bool, UInt8, [UInt8]) {
        while buffer.count < 2 { try fill() }
        let fin = buffer[0] & 0x80 != 0, opcode = buffer[0] & 0x0f
        let masked = buffer[1] & 0x80 != 0
        var length = Int(buffer[1] & 0x7f), header = 2
        if length == 126 {
            while buffer.count < 4 { try fill() }
            length = Int(buffer[2]) << 8 | Int(buffer[3]); header = 4
        } else if length == 127 {
            while buffer.count < 10 { try fill() }
            length = 0
            for i in 2..<10 { length = length << 8 | Int(buffer[i]) }
            header = 10
        }
        guard length <= 16 << 20 else { throw JanusError("Janus frame too large") }
        let maskLen = masked ? 4 : 0
        while buffer.count < header + maskLen + length { try fill() }
        var payload = Array(buffer[(header + maskLen)..<(header + maskLen + length)])
        if masked {
            let m = Array(buffer[header..<(header + 4)])
            for i in payload.indices { payload[i] ^= m[i & 3] }
        }
        buffer.removeFirst(header + maskLen + length)
        return (fin, opcode, payload)
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        for i in 0...(buffer.count - needle.count) where buffer[i] == needle[0] {
            if Array(buffer[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }

    private func fill() throws {
        guard fd >= 0 else { throw JanusError("not connected to Janus") }
        var chunk = [UInt8](repeating: 0, count: 16384)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 { buffer.append(contentsOf: chunk[..<n]); return }
        if n < 0 && errno == EINTR { return }
        let why = n == 0 ? "Janus closed the connection" : "reading from Janus: \(String(cString: strerror(errno)))"
        close()
        throw JanusError(why)
    }

    private func write(_ bytes: [UInt8]) throws {
        guard fd >= 0 else { throw JanusError("not connected to Janus") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EINTR { continue }
            let e = String(cString: strerror(errno)); close()
            throw JanusError("writing to Janus: \(e)")
        }
    }
}
