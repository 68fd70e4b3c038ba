import Testing
@testable import AtriumCore

@Suite("Server frames and wire codes")
struct ServerFrameTests {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func okFrame() {
        #expect(text(ServerFrame.ok(ref: nil)) == #"{"type":"ok","ref":null}"#)
        #expect(text(ServerFrame.ok(ref: "a", [("seq", 5)])) == #"{"type":"ok","ref":"a","seq":5}"#)
    }

    @Test func errorFrame() {
        let e = WireError(.notFound, "No such room \"x\".\nTry again.", ref: "r")
        let bytes = ServerFrame.error(e)
        #expect(text(bytes) == #"{"type":"error","ref":"r","code":"not_found","message":"No such room \"x\".\nTry again."}"#)
        #expect(!bytes.contains(0x0A), "frames are JSON Lines: no raw newline")
        #expect(text(ServerFrame.error(WireError(.internal, "Oops."))) == #"{"type":"error","ref":null,"code":"internal","message":"Oops."}"#)
    }

    @Test func presenceAndTyping() {
        let p = ServerFrame.presence(room: "lounge", joined: [PresenceEntry(user: 1, name: "Анна", role: .teacher)], left: [2, 3])
        #expect(text(p) == #"{"type":"presence","room":"lounge","joined":[{"user":1,"name":"Анна","role":"teacher"}],"left":[2,3]}"#)
        #expect(text(ServerFrame.typing(room: "r", user: 9)) == #"{"type":"typing","room":"r","user":9}"#)
    }

    @Test func errorCodesMatchProtocol() {
        #expect(ErrorCode.allCases.map(\.rawValue) == [
            "bad_request", "unauthenticated", "forbidden", "not_found", "conflict", "too_large",
            "rate_limited", "unavailable", "internal", "stale",
        ])
    }

    @Test func closeCodesAndReasons() {
        #expect(CloseCode.unauthenticated.rawValue == 4401)
        #expect(CloseCode.helloTimeout.rawValue == 4408)
        #expect(CloseCode.flood.rawValue == 4429)
        #expect(CloseCode.slowConsumer.rawValue == 4503)
        #expect(CloseCode.tooLarge.rawValue == 1009)
        #expect(CloseCode.slowConsumer.reason == "too slow to receive; reconnect and resume with since")
        for code in CloseCode.allCases {
            // RFC 6455: the close payload is at most 125 bytes, 2 of them the code.
            #expect(!code.reason.isEmpty && code.reason.utf8.count <= 123)
        }
    }
}
