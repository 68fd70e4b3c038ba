// PROTOCOL.md "Signing in" over HTTP: POST /api/session, the cookie, refusals and limits.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Sign-in over HTTP")
struct SignInTests {
    @Test func goodPasswordGivesTokenUserAndStrictCookie() async throws {
        try await withRunningServer { server in
            let r = try server.signInResponse("alice", "password-alice")
            #expect(r.status == 200)
            let token = try #require(r.json?["token"]?.stringValue)
            #expect(!token.isEmpty)
            let user = try #require(r.json?["user"])
            #expect(user["name"]?.stringValue == "Alice Smirnova")
            #expect(user["role"]?.stringValue == "student")
            #expect(user["id"]?.intValue != nil)
            let cookie = try #require(r.headers(named: "Set-Cookie").first { $0.hasPrefix("atrium_session=") })
            #expect(cookie.hasPrefix("atrium_session=\(token)"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(!cookie.contains("Secure"), "no Secure flag without TLS: \(cookie)")
        }
    }

    @Test func unknownLoginAndWrongPasswordLookTheSame() async throws {
        try await withRunningServer { server in
            let unknown = try server.signInResponse("nobody", "password-nobody")
            let wrong = try server.signInResponse("alice", "not-her-password")
            #expect(unknown.status == 401)
            #expect(wrong.status == 401)
            #expect(unknown.body == wrong.body)
            #expect(unknown.header("Set-Cookie") == nil)
        }
    }

    @Test func malformedBodyIs400() async throws {
        try await withRunningServer { server in
            let notJSON = try server.http("POST", "/api/session", headers: [("Content-Type", "application/json")],
                                          body: Array("login=alice&password=x".utf8))
            #expect(notJSON.status == 400)
            let missingField = try TestHTTP.request(port: server.port, method: "POST", path: "/api/session",
                                                    json: ["login": "alice"])
            #expect(missingField.status == 400)
            let wrongType = try TestHTTP.request(port: server.port, method: "POST", path: "/api/session",
                                                 json: ["login": "alice", "password": 5])
            #expect(wrongType.status == 400)
        }
    }

    @Test func oversizeBodyIs413() async throws {
        try await withRunningServer(configure: { $0.httpBodyBytes = 1024 }) { server in
            let big = "{\"login\":\"alice\",\"password\":\"" + String(repeating: "x", count: 2000) + "\"}"
            let r = try server.http("POST", "/api/session", headers: [("Content-Type", "application/json")],
                                    body: Array(big.utf8))
            #expect(r.status == 413)
            // The server is fine afterwards.
            #expect(try server.signInResponse("alice", "password-alice").status == 200)
        }
    }

    @Test func repeatedFailuresForOneLoginAre429WithRetryAfter() async throws {
        try await withRunningServer(configure: { $0.loginFailureBurst = 2 }) { server in
            #expect(try server.signInResponse("bob", "wrong-1").status == 401)
            #expect(try server.signInResponse("bob", "wrong-2").status == 401)
            let limited = try server.signInResponse("bob", "password-bob")
            #expect(limited.status == 429, "even the right password waits: \(limited.bodyText)")
            let retry = try #require(limited.header("Retry-After").flatMap { Int($0) })
            #expect(retry >= 1)
            // Another login from the same address is not affected by bob's failures.
            #expect(try server.signInResponse("alice", "password-alice").status == 200)
        }
    }

    @Test func tooManyAttemptsFromOneAddressAre429() async throws {
        try await withRunningServer(configure: { $0.loginIPBurst = 3; $0.loginIPPerMinute = 1 }) { server in
            #expect(try server.signInResponse("alice", "password-alice").status == 200)
            #expect(try server.signInResponse("bob", "password-bob").status == 200)
            #expect(try server.signInResponse("tina", "wrong").status == 401)
            let limited = try server.signInResponse("adam", "password-adam")
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After").flatMap { Int($0) }.map { $0 >= 1 } == true)
        }
    }
}
