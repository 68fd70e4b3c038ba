// PROTOCOL.md "Transport" and "Signing in" on the WebSocket: handshake, hello, welcome, refusals.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("WebSocket handshake and hello")
struct HelloTests {
    @Test func helloWithTokenIsWelcomed() async throws {
        try await withRunningServer(configure: { $0.heartbeatSeconds = 7 }) { server in
            let token = try server.signIn("tina")
            let ws = try TestWebSocket(port: server.port)
            #expect(ws.acceptedProtocol == "atrium.v1")
            try ws.send(["type": "hello", "token": .string(token), "ref": "h-1"])
            let w = try ws.receive()
            #expect(w.type == "welcome")
            #expect(w["ref"]?.stringValue == "h-1")
            #expect(w["conn"]?.stringValue?.isEmpty == false)
            #expect(w["user"]?["id"]?.intValue != nil)
            #expect(w["user"]?["name"]?.stringValue == "Tina Petrova")
            #expect(w["user"]?["role"]?.stringValue == "teacher")
            #expect(w["heartbeat_s"]?.intValue == 7)
            try ws.assertAlive()
        }
    }

    @Test func sessionCookieWorksInPlaceOfTheToken() async throws {
        try await withRunningServer { server in
            let token = try server.signIn("alice")
            let ws = try server.connect(token: nil, headers: [("Cookie", "theme=dark; atrium_session=\(token)")])
            #expect(ws.welcome?["user"]?["name"]?.stringValue == "Alice Smirnova")
            try ws.assertAlive()
        }
    }

    @Test func badTokenIsUnauthenticatedThen4401() async throws {
        try await withRunningServer { server in
            let ws = try TestWebSocket(port: server.port)
            let r = try ws.request(["type": "hello", "token": "not-a-real-token"])
            #expect(r.type == "error")
            #expect(r.code == "unauthenticated")
            #expect(try ws.waitForClose() == 4401)
        }
    }

    @Test func helloWithoutTokenOrCookieIsRefused() async throws {
        try await withRunningServer { server in
            let ws = try TestWebSocket(port: server.port)
            let r = try ws.request(["type": "hello"])
            #expect(r.code == "unauthenticated")
            #expect(try ws.waitForClose() == 4401)
        }
    }

    @Test func anotherFrameFirstIsUnauthenticatedThen4401() async throws {
        try await withRunningServer { server in
            let ws = try TestWebSocket(port: server.port)
            let r = try ws.request(["type": "rooms"])
            #expect(r.type == "error")
            #expect(r.code == "unauthenticated")
            #expect(try ws.waitForClose() == 4401)
        }
    }

    @Test func noHelloInTimeIsClosedWith4408() async throws {
        try await withRunningServer(configure: { $0.helloTimeoutSeconds = 1 }) { server in
            let ws = try TestWebSocket(port: server.port)
            #expect(try ws.waitForClose(timeout: 5) == 4408)
            // A client that does send its hello in time is not affected.
            let ok = try server.connect(as: "bob")
            #expect(ok.isOpen)
        }
    }

    @Test func clientOfferingNoSubprotocolIsAccepted() async throws {
        try await withRunningServer { server in
            let token = try server.signIn("bob")
            let ws = try TestWebSocket(port: server.port, protocols: [])
            #expect(ws.acceptedProtocol == nil)
            let w = try ws.request(["type": "hello", "token": .string(token)])
            #expect(w.type == "welcome")
        }
    }

    @Test func pathOtherThanWsIsRejected() async throws {
        try await withRunningServer { server in
            #expect(throws: TestClientError.self) { _ = try TestWebSocket(port: server.port, path: "/socket") }
            do {
                _ = try TestWebSocket(port: server.port, path: "/chat")
                Issue.record("upgrade on /chat was accepted")
            } catch TestClientError.handshakeRejected(let status, _) {
                #expect(status == 404)
            }
        }
    }

    @Test func foreignOriginIsRejectedSameOriginAccepted() async throws {
        try await withRunningServer { server in
            do {
                _ = try TestWebSocket(port: server.port, headers: [("Origin", "https://evil.example")])
                Issue.record("foreign origin was accepted")
            } catch TestClientError.handshakeRejected(let status, _) {
                #expect(status == 403)
            }
            // TestWebSocket sends Host: 127.0.0.1:PORT, so this Origin is the same origin.
            let same = try server.connect(token: try server.signIn("alice"),
                                          headers: [("Origin", "http://127.0.0.1:\(server.port)")])
            #expect(same.isOpen)
            // A foreign origin is also refused on the session API (cookie-bearing requests).
            let api = try server.signInResponse("alice", "password-alice", headers: [("Origin", "https://evil.example")])
            #expect(api.status == 403)
        }
    }

    @Test func listedOriginIsAccepted() async throws {
        try await withRunningServer(configure: { $0.allowedOrigins = ["https://school.example"] }) { server in
            let ws = try server.connect(token: try server.signIn("alice"), headers: [("Origin", "https://school.example")])
            #expect(ws.isOpen)
            #expect(throws: TestClientError.self) {
                _ = try TestWebSocket(port: server.port, headers: [("Origin", "https://other.example")])
            }
        }
    }
}
