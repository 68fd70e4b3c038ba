// PROTOCOL.md "HTTP besides": health, metrics, the static client and its headers, 404/405.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("HTTP endpoints")
struct HTTPTests {
    @Test func healthzAnswersOK() async throws {
        try await withRunningServer { server in
            let r = try server.http("GET", "/healthz")
            #expect(r.status == 200)
            #expect(r.json == ["status": "ok"])
        }
    }

    @Test func metricsListTheCoreSeries() async throws {
        try await withRunningServer { server in
            let r = try server.http("GET", "/metrics")
            #expect(r.status == 200)
            #expect(r.header("Content-Type")?.hasPrefix("text/plain") == true)
            for name in ["atrium_connections ", "atrium_events_committed_total ", "atrium_rtc_signals_relayed_total ", "atrium_calls_active ", "atrium_commit_latency_seconds_bucket{",
                         "atrium_outbound_queue_drops_total ", "atrium_slow_consumer_closes_total "] {
                #expect(r.bodyText.contains("\n" + name), "metric \(name) missing")
            }
        }
    }

    @Test func staticFileHasValidatorsAndSecurityHeaders() async throws {
        try await withRunningServer { server in
            let r = try server.http("GET", "/")
            #expect(r.status == 200)
            #expect(r.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(r.bodyText.contains("<html"))
            let etag = try #require(r.header("ETag"))
            #expect(!etag.isEmpty)
            #expect(r.header("Last-Modified")?.hasSuffix(" GMT") == true)
            let csp = try #require(r.header("Content-Security-Policy"))
            #expect(csp.contains("default-src 'self'"))
            #expect(r.header("X-Content-Type-Options") == "nosniff")
            #expect(r.header("Referrer-Policy") != nil)

            let again = try server.http("GET", "/index.html", headers: [("If-None-Match", etag)])
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            #expect(again.header("ETag") == etag)

            let other = try server.http("GET", "/", headers: [("If-None-Match", "\"something-else\"")])
            #expect(other.status == 200)
        }
    }

    @Test func unknownAPIIs404AndWrongMethodIs405() async throws {
        try await withRunningServer { server in
            let missing = try server.http("GET", "/api/no-such-thing")
            #expect(missing.status == 404)
            #expect(missing.json?["error"]?.stringValue != nil)
            #expect(try server.http("DELETE", "/healthz").status == 405)
            #expect(try server.http("POST", "/metrics", body: []).status == 405)
            #expect(try server.http("PUT", "/api/session", body: Array("{}".utf8)).status == 405)
            #expect(try server.http("GET", "/missing-file.png").status == 404)
        }
    }
}
