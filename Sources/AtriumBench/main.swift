// atrium-bench: the project's own load scenarios, over real WebSockets, against a server you
// started (atrium serve / atrium demo). It prints figures and asserts nothing about time; it
// does check correctness where the scenario defines it (resume-storm: nothing lost or
// duplicated) and exits 1 when that check fails.
//
//   atrium-bench resume-storm   --port P --login bench1 --password password-bench --room bench
//   atrium-bench commit-latency --port P --token T --rooms 50 --room-prefix rm --rate 20
//
// The server's per-connection rate limit applies to these clients too: lift it for big runs
// (--set limits.rate_per_s=100000 --set limits.rate_burst=100000). Each client runs on its own
// thread with the blocking TestWebSocket client from AtriumTestSupport.

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Small helpers

func nowSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func sleepSeconds(_ s: Double) {
    guard s > 0 else { return }
    var req = timespec(tv_sec: Int(s), tv_nsec: Int((s - Double(Int(s))) * 1e9))
    var rem = timespec()
    while nanosleep(&req, &rem) != 0 && errno == EINTR { req = rem }
}

/// A mutex-protected box for results shared by the client threads.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private var mutex = pthread_mutex_t()
    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(&mutex, nil)
    }
    deinit { pthread_mutex_destroy(&mutex) }
    func with<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body(&value)
    }
}

/// Runs `body(i)` for i in 0..<count, each on its own POSIX thread, and waits for all.
func runThreads(_ count: Int, stackBytes: Int = 256 * 1024, _ body: @escaping @Sendable (Int) -> Void) {
    final class Job { let run: () -> Void; init(_ run: @escaping () -> Void) { self.run = run } }
    var threads: [pthread_t] = []
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    pthread_attr_setstacksize(&attr, stackBytes)
    for i in 0..<count {
        let job = Unmanaged.passRetained(Job { body(i) }).toOpaque()
        var t = pthread_t()
        let rc = pthread_create(&t, &attr, { arg in
            let job = Unmanaged<Job>.fromOpaque(arg!).takeRetainedValue()
            job.run()
            return nil
        }, job)
        if rc != 0 {
            Unmanaged<Job>.fromOpaque(job).release()
            fatalError("pthread_create failed (\(rc)) for thread \(i)")
        }
        threads.append(t)
    }
    pthread_attr_destroy(&attr)
    for t in threads { pthread_join(t, nil) }
}

/// Quantile of sorted values (nearest rank).
func quantile(_ sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

func ms(_ s: Double) -> String { s.isNaN ? "-" : fmt(s * 1000, 2) }

func fmt(_ v: Double, _ digits: Int) -> String {
    if v.isNaN || v.isInfinite { return "-" }
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let r = (v * p).rounded() / p
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
    } else if digits > 0 {
        s += "." + String(repeating: "0", count: digits)
    }
    return s
}

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

// MARK: - Commands

@main
struct AtriumBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atrium-bench",
        abstract: "Load scenarios for a running Atrium server, over real WebSockets.",
        subcommands: [ResumeStorm.self, CommitLatency.self])
}

struct ResumeStorm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume-storm",
        abstract: "N clients rejoin a room with since at once while a writer keeps sending; time to catch up, nothing lost or duplicated.")

    @OptionGroup var server: ServerOptions
    @Option(help: "Room (must exist and be joinable by the bench user).") var room = "bench"
    @Option(help: "Resuming clients.") var clients = 200
    @Option(help: "Events written before the storm, i.e. missed by the clients (keep below limits.replay_cap, 1000).")
    var backlog = 500
    @Option(help: "Writer rate during the storm, messages/s.") var rate = 50.0
    @Option(help: "Seconds the writer keeps sending after the clients start to resume.") var duration = 5.0
    @Option(help: "Chat text bytes per message (padding).") var bytes = 64
    @Option(help: "Seconds a client may take to receive everything.") var timeout = 60.0

    func run() throws {
        let (host, port) = try server.endpoint()
        let token = try server.sessionToken(host: host, port: port)
        let tag = "rs\(UInt32.random(in: 0...UInt32.max))"

        // 1. The writer joins and notes where the clients will resume from.
        let writer = try openSignedIn(host: host, port: port, token: token)
        let ok = try join(writer, room: room, since: Int64.max / 2)
        let since = ok["latest"]?.intValue ?? 0
        // 2. The backlog the clients missed (sent with a few in flight, as fast as the server takes it).
        let t0 = nowSeconds()
        var backlogLast = since
        var refs: [String] = []
        for i in 0..<backlog {
            let ref = writer.nextRef()
            refs.append(ref)
            try writer.send(.object(JSONObject([("type", "chat.send"), ("room", .string(room)), ("ref", .string(ref)),
                                                ("text", .string("\(tag) backlog #\(i) " + String(repeating: "x", count: bytes))),
                                                ("nonce", .string("\(tag)-b\(i)"))])))
            if i % 64 == 63 || i == backlog - 1 {  // keep at most 64 in flight
                for r in refs {
                    let reply = try writer.receive(where: { $0["ref"]?.stringValue == r }, timeout: 30)
                    guard reply["type"]?.stringValue == "ok", let s = reply["seq"]?.intValue else {
                        throw TestClientError.unexpectedReply("backlog write: \(reply.encodedString())")
                    }
                    backlogLast = max(backlogLast, s)
                }
                refs.removeAll()
            }
        }
        let backlogSeconds = nowSeconds() - t0
        _ = writer.drain(for: 0.2)

        // 3. The storm: every client connects, signs in and joins with since; the writer goes on.
        struct ClientResult {
            var joinOK = 0.0, caughtUp = Double.nan, done = Double.nan
            var received = 0, duplicates = 0, gaps = 0, outOfOrder = 0, reset = false
            var latestAtJoin: Int64 = 0
            var error: String?
        }
        let results = Locked([ClientResult](repeating: ClientResult(), count: clients))
        let finalSeq = Locked<Int64?>(nil)
        let stormStart = nowSeconds()
        let writerResult = Locked(PacedWriter.Result())
        let roomName = room, clientTimeout = timeout, stormRate = rate, stormDuration = duration, textBytes = bytes
        nonisolated(unsafe) let writerSocket = writer

        runThreads(clients + 1) { i in
            if i == clients {
                let r = PacedWriter.run(writerSocket, room: roomName, rate: stormRate, duration: stormDuration,
                                        textBytes: textBytes, tag: tag + "s")
                writerResult.with { $0 = r }
                finalSeq.with { $0 = r.lastSeq }
                return
            }
            var cr = ClientResult()
            do {
                let t = nowSeconds()
                let ws = try openSignedIn(host: host, port: port, token: token, timeout: clientTimeout)
                let ok = try join(ws, room: roomName, since: since, timeout: clientTimeout)
                cr.joinOK = nowSeconds() - t
                cr.reset = ok["reset"]?.boolValue == true
                cr.latestAtJoin = ok["latest"]?.intValue ?? 0
                var expected = since + 1
                var seen = Set<Int64>()
                let deadline = t + clientTimeout
                while true {
                    if let f = finalSeq.with({ $0 }), expected > f { break }
                    let left = deadline - nowSeconds()
                    if left <= 0 { cr.error = "timed out at seq \(expected - 1)"; break }
                    let m: JSON
                    do { m = try ws.receive(timeout: min(left, 1)) } catch TestClientError.timeout(_) { continue }
                    guard m["type"]?.stringValue == "event", m["room"]?.stringValue == roomName,
                          let s = m["seq"]?.intValue else { continue }
                    cr.received += 1
                    if !seen.insert(s).inserted { cr.duplicates += 1; continue }
                    if s < expected { cr.outOfOrder += 1; continue }
                    if s > expected { cr.gaps += Int(s - expected) }
                    expected = s + 1
                    if cr.caughtUp.isNaN && s >= cr.latestAtJoin { cr.caughtUp = nowSeconds() - t }
                }
                cr.done = nowSeconds() - t
                ws.close()
            } catch {
                cr.error = "\(error)"
            }
            results.with { $0[i] = cr }
        }
        let stormSeconds = nowSeconds() - stormStart
        writer.close()

        let rs = results.with { $0 }
        let w = writerResult.with { $0 }
        let last = w.lastSeq
        let expectedPerClient = Int(last - since)
        let joinT = rs.map(\.joinOK).sorted()
        let catchT = rs.map(\.caughtUp).filter { !$0.isNaN }.sorted()
        let doneT = rs.map(\.done).filter { !$0.isNaN }.sorted()
        let failed = rs.filter { $0.error != nil }
        let lost = rs.reduce(0) { $0 + $1.gaps } + rs.filter { $0.error != nil }.count
        let dup = rs.reduce(0) { $0 + $1.duplicates }
        let ooo = rs.reduce(0) { $0 + $1.outOfOrder }
        let resets = rs.filter(\.reset).count
        let delivered = rs.reduce(0) { $0 + $1.received }

        print("resume-storm: room \(room), \(clients) clients resume with since=\(since)")
        print("  backlog: \(backlog) events (seq \(since + 1)...\(backlogLast)) written in \(fmt(backlogSeconds, 2)) s (\(fmt(Double(backlog) / backlogSeconds, 0)) msgs/s, 64 in flight)")
        print("  writer during the storm: \(w.sent) sent at \(fmt(rate, 1)) msgs/s, \(w.ok) ok, \(w.errors) errors; last seq \(last); ok latency p50 \(ms(quantile(w.latencies.sorted(), 0.5))) ms, p99 \(ms(quantile(w.latencies.sorted(), 0.99))) ms")
        print("  join ok (connect + hello + join):   p50 \(ms(quantile(joinT, 0.5))) ms  p95 \(ms(quantile(joinT, 0.95))) ms  max \(ms(joinT.last ?? .nan)) ms")
        print("  caught up (seq >= latest at join):  p50 \(ms(quantile(catchT, 0.5))) ms  p95 \(ms(quantile(catchT, 0.95))) ms  max \(ms(catchT.last ?? .nan)) ms  (\(catchT.count)/\(clients))")
        print("  all events to seq \(last):            p50 \(ms(quantile(doneT, 0.5))) ms  max \(ms(doneT.last ?? .nan)) ms; storm wall time \(fmt(stormSeconds, 2)) s")
        print("  events per client expected \(expectedPerClient); delivered \(delivered) in total (\(fmt(Double(delivered) / stormSeconds, 0)) events/s)")
        print("  check: lost \(lost), duplicated \(dup), out of order \(ooo), reset \(resets), failed clients \(failed.count)")
        if let e = failed.first?.error { print("  first failure: \(e)") }
        if let e = w.errorSample { print("  first writer error: \(e)") }
        let pass = lost == 0 && dup == 0 && ooo == 0 && failed.isEmpty && resets == 0 && w.errors == 0
        print(pass ? "  RESULT: complete (nothing lost or duplicated)" : "  RESULT: INCOMPLETE")
        if !pass { throw ExitCode(1) }
    }
}

struct CommitLatency: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit-latency",
        abstract: "M rooms, one writer each at a fixed rate: ok latency (commit before the reply) and messages/s.")

    @OptionGroup var server: ServerOptions
    @Option(help: "Rooms (one writer connection each).") var rooms = 50
    @Option(help: "Rooms are <prefix>-0 ... <prefix>-(M-1); they must exist.") var roomPrefix = "rm"
    @Option(help: "Messages/s per writer.") var rate = 20.0
    @Option(help: "Seconds of sending.") var duration = 10.0
    @Option(help: "Chat text bytes per message (padding).") var bytes = 64
    @Option(help: "The server's store.synchronous as started (printed with the figures; the server does not report it).")
    var sync = "unknown"

    func run() throws {
        let (host, port) = try server.endpoint()
        let token = try server.sessionToken(host: host, port: port)
        let tag = "cl\(UInt32.random(in: 0...UInt32.max))"
        let before = CommitStats.read(host: host, port: port)
        let results = Locked([PacedWriter.Result]())
        let failures = Locked([String]())
        let prefix = roomPrefix, r = rate, d = duration, b = bytes
        let start = nowSeconds()
        runThreads(rooms) { i in
            do {
                let ws = try openSignedIn(host: host, port: port, token: token)
                let room = "\(prefix)-\(i)"
                _ = try join(ws, room: room, since: Int64.max / 2)
                // Stagger the writers over one interval so they do not all send at once.
                sleepSeconds(Double(i) / Double(max(1, rooms)) / r)
                let res = PacedWriter.run(ws, room: room, rate: r, duration: d, textBytes: b, tag: "\(tag)-\(i)")
                results.with { $0.append(res) }
                ws.close()
            } catch {
                failures.with { $0.append("\(prefix)-\(i): \(error)") }
            }
        }
        let wall = nowSeconds() - start
        let after = CommitStats.read(host: host, port: port)
        let rs = results.with { $0 }
        let lat = rs.flatMap(\.latencies).sorted()
        let sent = rs.reduce(0) { $0 + $1.sent }, ok = rs.reduce(0) { $0 + $1.ok }
        let errors = rs.reduce(0) { $0 + $1.errors }
        let fails = failures.with { $0 }
        print("commit-latency: \(rooms) rooms x 1 writer at \(fmt(rate, 2)) msgs/s for \(fmt(duration, 1)) s, \(bytes) B text; server store.synchronous=\(sync)")
        print("  offered \(fmt(Double(rooms) * rate, 0)) msgs/s; sent \(sent), ok \(ok), errors \(errors), writers failed \(fails.count)")
        print("  achieved \(fmt(Double(ok) / duration, 0)) ok/s over the sending time (\(fmt(wall, 1)) s wall incl. connect and drain)")
        print("  ok latency ms: p50 \(ms(quantile(lat, 0.5)))  p95 \(ms(quantile(lat, 0.95)))  p99 \(ms(quantile(lat, 0.99)))  max \(ms(lat.last ?? .nan))")
        if let b0 = before, let b1 = after, b1.batches > b0.batches {
            let batches = b1.batches - b0.batches, jobs = b1.jobs - b0.jobs
            print("  server (/metrics): \(Int(jobs)) writes in \(Int(batches)) commit groups, \(fmt(jobs / batches, 1)) writes/group, mean group commit \(ms((b1.latencySum - b0.latencySum) / batches)) ms")
        }
        if let e = rs.compactMap(\.errorSample).first { print("  first error: \(e)") }
        if let f = fails.first { print("  first failed writer: \(f)") }
    }
}
