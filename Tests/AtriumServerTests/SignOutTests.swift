// PROTOCOL.md "Signing in": DELETE /api/session ends the token and its sockets at once.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Sign-out")
struct SignOutTests {
    @Test func signOutClosesTheTokensSocketsWith4401() async throws {
        try await withRunningServer { server in
            let token = try server.signIn("alice")
            let otherSession = try server.signIn("alice")
            let ws1 = try server.connect(token: token)
            let ws2 = try server.connect(token: nil, headers: [("Cookie", "atrium_session=\(token)")])
            let unrelated = try server.connect(token: otherSession)
            try ws1.join("lounge")

            let r = try server.http("DELETE", "/api/session", headers: [("Authorization", "Bearer \(token)")])
            #expect(r.status == 204)
            #expect(r.header("Set-Cookie")?.contains("Max-Age=0") == true)

            for ws in [ws1, ws2] {
                let (messages, code) = try ws.collectUntilClose(timeout: 2)
                #expect(code == 4401)
                #expect(messages.contains { $0.code == "unauthenticated" })
            }
            // Another session of the same person is not signed out.
            try unrelated.assertAlive()

            // The token no longer works for hello, nor for the API.
            let again = try TestWebSocket(port: server.port)
            let reply = try again.request(["type": "hello", "token": .string(token)])
            #expect(reply.code == "unauthenticated")
            #expect(try again.waitForClose() == 4401)
            #expect(try server.http("GET", "/api/session", headers: [("Authorization", "Bearer \(token)")]).status == 401)
        }
    }

    @Test func signOutByCookie() async throws {
        try await withRunningServer { server in
            let token = try server.signIn("bob")
            let ws = try server.connect(token: token)
            let r = try server.http("DELETE", "/api/session", headers: [("Cookie", "atrium_session=\(token)")])
            #expect(r.status == 204)
            #expect(try ws.waitForClose(timeout: 2) == 4401)
            #expect(throws: TestClientError.self) { _ = try server.connect(token: token) }
        }
    }
}
