// PROTOCOL.md "Requests and replies": every error code the chat core can produce, the ref rules,
// and that a bad frame leaves the connection open.
//
// Not covered: `unavailable` (only while the server shuts down, or when storage fails) and
// `internal` (a failed storage read) cannot be provoked reliably from outside; the shutdown
// path is exercised by ProcessTests.gracefulShutdown instead.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Error codes and replies")
struct ErrorCodeTests {
    @Test func badRequestsKeepTheConnectionOpen() async throws {
        try await withRunningServer { server in
            let ws = try server.connect(as: "alice")

            try ws.sendText("this is not JSON")
            let notJSON = try ws.receive()
            #expect(notJSON.type == "error")
            #expect(notJSON.code == "bad_request")
            #expect(notJSON["ref"] == .null)
            #expect(notJSON["message"]?.stringValue?.isEmpty == false)
            try ws.assertAlive()

            try ws.sendText("[1,2,3]")
            #expect(try ws.receive().code == "bad_request")

            let frames: [JSONObject] = [
                ["ref": "no-type"],
                ["type": 7],
                ["type": "no.such.thing"],
                ["type": "board.create", "room": "lounge"],
                ["type": "doc.open"],
                ["type": "join", "room": 5],
                ["type": "join", "room": "Not A Valid Id!"],
                ["type": "join", "room": "lounge", "since": -1],
                ["type": "chat.send", "room": "lounge"],
                ["type": "chat.edit", "room": "lounge", "seq": 1.5, "text": "x"],
                ["type": "history", "room": "lounge", "limit": "ten"],
                ["type": "chat.send", "room": "lounge", "text": "   "],
            ]
            for f in frames {
                let r = try ws.request(f)
                #expect(r.type == "error", "\(JSON.object(f).encodedString()) → \(r.encodedString())")
                #expect(r.code == "bad_request", "\(JSON.object(f).encodedString()) → \(r.encodedString())")
            }
            let tooLongRef = try { () throws -> JSON in
                try ws.send(["type": "ping", "ref": .string(String(repeating: "r", count: 65))])
                return try ws.receive()
            }()
            #expect(tooLongRef.code == "bad_request")
            try ws.assertAlive()
        }
    }

    @Test func reservedNamespaceIsNamedInTheMessage() async throws {
        try await withRunningServer { server in
            let ws = try server.connect(as: "alice")
            let r = try ws.request(["type": "board.x"])
            #expect(r.code == "bad_request")
            #expect(r["message"]?.stringValue?.contains("board.") == true)
        }
    }

    @Test func forbiddenWithoutJoin() async throws {
        try await withRunningServer { server in
            let ws = try server.connect(as: "alice")
            #expect(try ws.chatSend("lounge", "hi").code == "forbidden")
            #expect(try ws.request(["type": "typing", "room": "lounge"]).code == "forbidden")
            #expect(try ws.request(["type": "history", "room": "lounge"]).code == "forbidden")
            #expect(try ws.request(["type": "chat.edit", "room": "lounge", "seq": 1, "text": "x"]).code == "forbidden")
            // After leaving, it is forbidden again.
            try ws.join("lounge")
            #expect(try ws.request(["type": "leave", "room": "lounge"]).isOK)
            #expect(try ws.chatSend("lounge", "hi").code == "forbidden")
            try ws.assertAlive()
        }
    }

    @Test func notFound() async throws {
        try await withRunningServer { server in
            let ws = try server.connect(as: "alice")
            #expect(try ws.request(["type": "join", "room": "no-such-room"]).code == "not_found")
            try ws.join("lounge")
            #expect(try ws.request(["type": "chat.edit", "room": "lounge", "seq": 999, "text": "x"]).code == "not_found")
            #expect(try ws.request(["type": "chat.delete", "room": "lounge", "seq": 999]).code == "not_found")
            try ws.assertAlive()
        }
    }

    @Test func conflict() async throws {
        try await withRunningServer { server in
            let token = try server.signIn("alice")
            let ws = try server.connect(token: token)
            let again = try ws.request(["type": "hello", "token": .string(token)])
            #expect(again.code == "conflict")
            try ws.assertAlive()

            try ws.join("lounge")
            let seq = try ws.post("lounge", "to be deleted")
            #expect(try ws.request(["type": "chat.delete", "room": "lounge", "seq": .int(seq)]).isOK)
            #expect(try ws.request(["type": "chat.delete", "room": "lounge", "seq": .int(seq)]).code == "conflict")
            #expect(try ws.request(["type": "chat.edit", "room": "lounge", "seq": .int(seq), "text": "x"]).code == "conflict")
        }
    }

    @Test func tooLargeTextCountsCodePoints() async throws {
        try await withRunningServer(configure: { $0.maxTextChars = 100 }) { server in
            let ws = try server.connect(as: "alice")
            try ws.join("lounge")
            // "ж" is 2 bytes in UTF-8 and "🙂" is 4: the limit counts code points, not bytes.
            let exactly = String(repeating: "ж", count: 50) + String(repeating: "🙂", count: 50)
            #expect(exactly.unicodeScalars.count == 100)
            let ok = try ws.chatSend("lounge", exactly)
            #expect(ok.isOK, "exactly max_text_chars: \(ok.encodedString())")
            let over = try ws.chatSend("lounge", exactly + "a")
            #expect(over.code == "too_large")
            let event = try ws.nextEvent("lounge")
            #expect(event["text"]?.stringValue == exactly)
            try ws.assertAlive()
        }
    }

    @Test func rateLimited() async throws {
        try await withRunningServer(configure: { $0.rateBurst = 3; $0.ratePerSecond = 0.2 }) { server in
            let ws = try server.connect(as: "alice")  // the hello takes one token
            var refs: [String] = []
            for _ in 0..<5 {
                let ref = ws.nextRef()
                refs.append(ref)
                try ws.send(["type": "ping", "ref": .string(ref)])
            }
            var codes: [String] = []
            for ref in refs {
                let r = try ws.receive(where: { $0["ref"]?.stringValue == ref })
                codes.append(r.isOK ? "ok" : (r.code ?? "?"))
            }
            #expect(codes == ["ok", "ok", "rate_limited", "rate_limited", "rate_limited"])
            #expect(ws.isOpen)
        }
    }

    @Test func failureWithoutRefHasNullRefAndSuccessWithoutRefIsSilent() async throws {
        try await withRunningServer { server in
            let ws = try server.connect(as: "alice")
            try ws.send(["type": "join", "room": "no-such-room"])
            let e = try ws.receive()
            #expect(e.code == "not_found")
            #expect(e["ref"] == .null)

            // Frames are handled in order: if the ref-less ping had a reply, it would come first.
            try ws.send(["type": "ping"])
            try ws.send(["type": "typing", "room": "no-such-room-either"])
            let next = try ws.receive()
            #expect(next.code == "not_found")
            let marker = try ws.request(["type": "ping"])
            #expect(marker.isOK)
            #expect(ws.queuedCount == 0)

            // A ref-less join succeeds silently; only its events would follow.
            try ws.send(["type": "join", "room": "lounge"])
            let sent = try ws.chatSend("lounge", "hello")
            #expect(sent.isOK)
            let leftover = ws.drain(for: 0.3)
            #expect(leftover.allSatisfy { $0.type == "event" || $0.type == "presence" },
                    "unexpected: \(leftover.map { $0.encodedString() })")
        }
    }
}
