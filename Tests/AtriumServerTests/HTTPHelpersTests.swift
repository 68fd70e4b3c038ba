@testable import AtriumServer
import Testing

/// Pure helpers of the HTTP layer: origin decisions, the session cookie, dates, file lookup.
struct HTTPHelpersTests {
    @Test func sameOriginIsAllowedForeignIsNot() {
        let policy = OriginPolicy(allowedOrigins: [])
        #expect(policy.permits(origin: "http://127.0.0.1:8080", host: "127.0.0.1:8080"))
        #expect(policy.permits(origin: "https://school.example", host: "school.example:443"))
        #expect(!policy.permits(origin: "http://evil.example", host: "127.0.0.1:8080"))
        #expect(!policy.permits(origin: "http://127.0.0.1:9999", host: "127.0.0.1:8080"))
        #expect(!policy.permits(origin: "null", host: "127.0.0.1:8080"))
        // No Origin header: not a browser page, so no ambient cookie to abuse.
        #expect(policy.permits(origin: nil, host: "127.0.0.1:8080"))
    }

    @Test func listedOriginsAreAllowed() {
        let policy = OriginPolicy(allowedOrigins: ["https://Atrium.School.example/"])
        #expect(policy.permits(origin: "https://atrium.school.example", host: "127.0.0.1:8080"))
        #expect(!policy.permits(origin: "https://other.school.example", host: "127.0.0.1:8080"))
    }

    @Test func sessionCookieIsStrict() {
        let plain = SessionCookie.set("abc", maxAgeSeconds: 60, tls: false)
        #expect(plain.contains("HttpOnly") && plain.contains("SameSite=Strict") && !plain.contains("Secure"))
        #expect(SessionCookie.set("abc", maxAgeSeconds: 60, tls: true).hasSuffix("; Secure"))
        #expect(SessionCookie.token(fromCookieHeader: "a=1; atrium_session=tok; b=2") == "tok")
        #expect(SessionCookie.token(fromCookieHeader: "atrium_session=") == nil)
        #expect(SessionCookie.token(authorization: "Bearer xyz", cookie: "atrium_session=tok") == "xyz")
        #expect(SessionCookie.token(authorization: nil, cookie: "atrium_session=tok") == "tok")
    }

    @Test func httpDatesAreIMFFixdate() {
        #expect(HTTPDate.format(secondsSince1970: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(secondsSince1970: 1_795_960_800) == "Sun, 29 Nov 2026 14:00:00 GMT")
    }

    @Test func staticLookupRefusesTraversal() {
        let files = StaticFiles.load(root: "/nonexistent-\(UInt32.random(in: 0...UInt32.max))", logger: .init(label: "test"))
        #expect(files.lookup("/../etc/passwd") == nil)
        #expect(files.lookup("/") == nil)
    }
}

import Logging
