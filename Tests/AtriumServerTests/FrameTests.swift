// PROTOCOL.md "Transport" limits on raw frames: size (1009), UTF-8 (1007), binary frames.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Raw frames")
struct FrameTests {
    static func small(_ cfg: inout AtriumConfig) {
        cfg.maxMessageBytes = 1024
        cfg.maxTextChars = 500
    }

    /// A chat.send frame of exactly `bytes` bytes.
    static func frame(bytes: Int) -> [UInt8] {
        let head = Array(#"{"type":"chat.send","room":"lounge","text":""#.utf8)
        let tail = Array(#""}"#.utf8)
        return head + [UInt8](repeating: UInt8(ascii: "a"), count: bytes - head.count - tail.count) + tail
    }

    @Test func messageOverTheLimitIsClosedWith1009() async throws {
        try await withRunningServer(configure: Self.small) { server in
            let ws = try server.connect(as: "alice")
            try ws.sendFrame(opcode: 0x1, payload: Self.frame(bytes: 1025))
            #expect(try ws.waitForClose() == 1009)
            // A message of exactly the limit is fine (its text is too long: too_large, not a close).
            let ok = try server.connect(as: "alice")
            try ok.sendFrame(opcode: 0x1, payload: Self.frame(bytes: 1024))
            let r = try ok.receive()
            #expect(r.code == "forbidden" || r.code == "too_large", "\(r.encodedString())")
            try ok.assertAlive()
        }
    }

    @Test func fragmentedMessageOverTheLimitIsClosedWith1009() async throws {
        try await withRunningServer(configure: Self.small) { server in
            let ws = try server.connect(as: "alice")
            let whole = Self.frame(bytes: 1500)
            try ws.sendFrame(opcode: 0x1, payload: Array(whole[0..<500]), fin: false)
            try ws.sendFrame(opcode: 0x0, payload: Array(whole[500..<1000]), fin: false)
            try? ws.sendFrame(opcode: 0x0, payload: Array(whole[1000...]), fin: true)
            #expect(try ws.waitForClose() == 1009)
        }
    }

    @Test func fragmentedMessageUnderTheLimitIsReassembled() async throws {
        try await withRunningServer(configure: Self.small) { server in
            let ws = try server.connect(as: "alice")
            let bytes = Array(#"{"type":"ping","ref":"frag-1"}"#.utf8)
            try ws.sendFrame(opcode: 0x1, payload: Array(bytes[0..<10]), fin: false)
            try ws.sendFrame(opcode: 0x0, payload: Array(bytes[10..<20]), fin: false)
            try ws.sendFrame(opcode: 0x0, payload: Array(bytes[20...]), fin: true)
            let r = try ws.receive()
            #expect(r.isOK)
            #expect(r["ref"]?.stringValue == "frag-1")
        }
    }

    @Test func invalidUTF8IsClosedWith1007() async throws {
        try await withRunningServer { server in
            let ws = try server.connect(as: "alice")
            var payload = Array(#"{"type":"ping","ref":""#.utf8)
            payload += [0xC3, 0x28, 0xFF]  // not UTF-8
            payload += Array(#""}"#.utf8)
            try ws.sendFrame(opcode: 0x1, payload: payload)
            #expect(try ws.waitForClose() == 1007)
        }
    }

    @Test func binaryFrameIsBadRequestAndTheConnectionStays() async throws {
        try await withRunningServer { server in
            let ws = try server.connect(as: "alice")
            try ws.sendFrame(opcode: 0x2, payload: Array(#"{"type":"ping","ref":"b"}"#.utf8))
            let r = try ws.receive()
            #expect(r.type == "error")
            #expect(r.code == "bad_request")
            try ws.assertAlive()
        }
    }
}

@Suite("Flood protection")
struct FloodTests {
    @Test func garbageRepeatedlyIsClosedWith4429() async throws {
        try await withRunningServer(configure: { $0.floodErrorLimit = 5 }) { server in
            let ws = try server.connect(as: "alice")
            for i in 0..<8 {
                do { try ws.sendText("garbage \(i)") } catch { break }
            }
            let (messages, code) = try ws.collectUntilClose()
            #expect(code == 4429)
            let errors = messages.filter { $0.type == "error" }
            #expect(errors.count == 5, "errors before the close: \(messages.map { $0.encodedString() })")
            #expect(errors.allSatisfy { $0.code == "bad_request" })
            #expect(try server.metric("atrium_flood_closes_total") == 1)
        }
    }

    @Test func aValidFrameResetsTheStreak() async throws {
        try await withRunningServer(configure: { $0.floodErrorLimit = 3 }) { server in
            let ws = try server.connect(as: "alice")
            for _ in 0..<5 {
                try ws.sendText("oops")
                try ws.sendText("oops")
                #expect(try ws.request(["type": "ping"]).isOK)
            }
            #expect(ws.drain(for: 0.2).allSatisfy { $0.code == "bad_request" })
            #expect(ws.isOpen)
        }
    }

    @Test func exceedingTheRateRepeatedlyIsClosedWith4429() async throws {
        try await withRunningServer(configure: {
            $0.rateBurst = 2; $0.ratePerSecond = 0.1; $0.floodErrorLimit = 5
        }) { server in
            let ws = try server.connect(as: "alice")
            for _ in 0..<10 {
                do { try ws.send(["type": "ping", "ref": .string(ws.nextRef())]) } catch { break }
            }
            let (messages, code) = try ws.collectUntilClose()
            #expect(code == 4429)
            let limited = messages.filter { $0.code == "rate_limited" }
            #expect(limited.count == 5, "\(messages.map { $0.encodedString() })")
            #expect(messages.filter(\.isOK).count == 1)  // the hello used one of the two tokens
        }
    }
}
