// Connecting and signing in bench clients, and the paced writer the scenarios share.

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Connection options

struct ServerOptions: ParsableArguments {
    @Option(help: "Server URL, e.g. http://127.0.0.1:8080 or ws://127.0.0.1:8080 (host and port are taken from it).")
    var url: String?
    @Option(help: "Host (when --url is not given).") var host = "127.0.0.1"
    @Option(help: "Port (when --url is not given).") var port: Int?
    @Option(help: "Session token (POST /api/session); shared by every connection.") var token: String?
    @Option(help: "Sign in with this login when no --token is given.") var login: String?
    @Option(help: "Password for --login.") var password: String?

    func endpoint() throws -> (host: String, port: Int) {
        if let url {
            var rest = Substring(url)
            if let r = rest.range(of: "://") { rest = rest[r.upperBound...] }
            if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
            guard let colon = rest.lastIndex(of: ":"), let p = Int(rest[rest.index(after: colon)...]) else {
                throw ValidationError("--url needs an explicit port, e.g. http://127.0.0.1:8080")
            }
            var h = String(rest[..<colon])
            if h.hasPrefix("[") && h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
            return (h, p)
        }
        guard let port else { throw ValidationError("give --url or --port") }
        return (host, port)
    }

    func sessionToken(host: String, port: Int) throws -> String {
        if let token { return token }
        guard let login, let password else { throw ValidationError("give --token, or --login and --password") }
        let r = try TestHTTP.request(host: host, port: port, method: "POST", path: "/api/session",
                                     json: .object(JSONObject([("login", .string(login)), ("password", .string(password))])))
        guard r.status == 200, let t = r.json?["token"]?.stringValue else {
            throw ValidationError("sign-in failed: HTTP \(r.status) \(r.bodyText)")
        }
        return t
    }
}

/// Opens a WebSocket and signs in; returns it with the welcome consumed.
func openSignedIn(host: String, port: Int, token: String, timeout: Double = 10) throws -> TestWebSocket {
    let ws = try TestWebSocket(host: host, port: port, timeout: timeout)
    let w = try ws.request(JSONObject([("type", "hello"), ("token", .string(token))]), timeout: timeout)
    guard w["type"]?.stringValue == "welcome" else {
        throw TestClientError.unexpectedReply("hello answered with \(w.encodedString())")
    }
    return ws
}

/// Joins a room (with ref) and returns the ok.
func join(_ ws: TestWebSocket, room: String, since: Int64? = nil, timeout: Double = 10) throws -> JSON {
    var f = JSONObject([("type", "join"), ("room", .string(room))])
    if let since { f["since"] = .int(since) }
    let ok = try ws.request(f, timeout: timeout)
    guard ok["type"]?.stringValue == "ok" else {
        throw TestClientError.unexpectedReply("join \(room) answered with \(ok.encodedString())")
    }
    return ok
}

/// Commit statistics from /metrics (jobs and groups committed, summed commit time).
struct CommitStats {
    var batches = 0.0, jobs = 0.0, latencySum = 0.0
    static func read(host: String, port: Int) -> CommitStats? {
        guard let r = try? TestHTTP.request(host: host, port: port, method: "GET", path: "/metrics"), r.status == 200 else {
            return nil
        }
        var s = CommitStats()
        for line in r.bodyText.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let v = Double(parts[1]) else { continue }
            switch parts[0] {
            case "atrium_commit_batches_total": s.batches = v
            case "atrium_commit_jobs_total": s.jobs = v
            case "atrium_commit_latency_seconds_sum": s.latencySum = v
            default: break
            }
        }
        return s
    }
}

/// A writer that sends chat.send at a fixed rate on one connection and collects the oks
/// while it waits for the next send time (several in flight, no head-of-line wait).
struct PacedWriter {
    struct Result {
        var sent = 0, ok = 0, errors = 0, duplicates = 0
        var latencies: [Double] = []
        var lastSeq: Int64 = 0
        var errorSample: String?
    }

    static func run(_ ws: TestWebSocket, room: String, rate: Double, duration: Double, textBytes: Int,
                    tag: String, drainSeconds: Double = 10) -> Result {
        var res = Result()
        var inFlight: [String: Double] = [:]
        let interval = 1 / rate
        let start = nowSeconds()
        var next = start
        let pad = String(repeating: "x", count: max(0, textBytes))
        var n = 0
        func collect(until deadline: Double) {
            while true {
                let wait = deadline - nowSeconds()
                if wait <= 0 && inFlight.isEmpty { return }
                if wait <= 0 { return }
                let m: JSON
                do { m = try ws.receive(timeout: wait) } catch { return }
                guard let ref = m["ref"]?.stringValue, let t0 = inFlight.removeValue(forKey: ref) else { continue }
                if m["type"]?.stringValue == "ok" {
                    res.ok += 1
                    res.latencies.append(nowSeconds() - t0)
                    if m["duplicate"]?.boolValue == true { res.duplicates += 1 }
                    if let s = m["seq"]?.intValue { res.lastSeq = max(res.lastSeq, s) }
                } else {
                    res.errors += 1
                    if res.errorSample == nil { res.errorSample = m.encodedString() }
                }
            }
        }
        while nowSeconds() - start < duration {
            let ref = ws.nextRef()
            let f = JSONObject([("type", "chat.send"), ("room", .string(room)), ("ref", .string(ref)),
                                ("text", .string("\(tag) #\(n) \(pad)")), ("nonce", .string("\(tag)-\(n)"))])
            n += 1
            inFlight[ref] = nowSeconds()
            do { try ws.send(.object(f)) } catch {
                res.errors += 1
                if res.errorSample == nil { res.errorSample = "\(error)" }
                break
            }
            res.sent += 1
            next += interval
            if next < nowSeconds() - 1 { next = nowSeconds() }  // fell far behind: do not burst
            collect(until: next)
        }
        let end = nowSeconds() + drainSeconds
        while !inFlight.isEmpty && nowSeconds() < end { collect(until: min(end, nowSeconds() + 0.5)) }
        return res
    }
}
