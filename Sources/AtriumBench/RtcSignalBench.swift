// atrium-bench rtc-signal: many small calls at once, every participant sending ICE candidates
// to its peers through the hub (issue 6). Measures the relay: signals relayed per second and
// the latency from a sender's send to the addressed peer's receipt (p50/p95/p99), and checks
// that every signal reached exactly its addressee (exits 1 if one went elsewhere).
//
// Needs N users (--users, the first an administrator: it creates the rooms, open lounges,
// with admin.room.add) sharing one password. One thread per connection.

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

struct RtcSignalBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rtc-signal",
        abstract: "Many small calls at once exchanging ICE candidates: relay throughput and latency.")

    @Option(help: "Host.") var host = "127.0.0.1"
    @Option(help: "Port.") var port: Int
    @Option(help: "Comma-separated logins, one per participant of a call; the first must be an admin (creates the rooms).")
    var users = "bench1,bench2,bench3,bench4"
    @Option(help: "Password of every login.") var password = "password-bench"
    @Option(help: "Number of calls (rooms rtc-0 … rtc-N-1).") var calls = 500
    @Option(help: "rtc.signal messages per second each participant sends (round robin over its peers).") var rate = 5.0
    @Option(help: "Seconds of measurement.") var seconds = 20.0
    @Option(help: "Seconds of warm-up after setup (not measured).") var warmup = 2.0

    func run() throws {
        let logins = users.split(separator: ",").map(String.init)
        guard logins.count >= 2 else { throw ValidationError("--users needs at least two logins") }
        var tokens: [String] = []
        for login in logins {
            let r = try TestHTTP.request(host: host, port: port, method: "POST", path: "/api/session",
                                         json: .object(JSONObject([("login", .string(login)), ("password", .string(password))])))
            guard r.status == 200, let t = r.json?["token"]?.stringValue else { throw ValidationError("sign-in of \(login): HTTP \(r.status)") }
            tokens.append(t)
        }
        // Rooms: open lounges, created by the administrator (an existing one is fine).
        let admin = try openSignedIn(host: host, port: port, token: tokens[0])
        for i in 0..<calls {
            let r = try admin.request(JSONObject([("type", "admin.room.add"), ("id", .string("rtc-\(i)")), ("name", .string("Call \(i)")), ("kind", "lounge")]))
            if r["type"]?.stringValue != "ok" && r["code"]?.stringValue != "conflict" {
                throw ValidationError("admin.room.add answered \(r.encodedString())")
            }
        }
        admin.close()

        let size = logins.count, total = calls * size
        let tokenList = tokens
        let host = self.host, port = self.port, rate = self.rate, seconds = self.seconds, warmup = self.warmup
        let ready = Locked(0)
        let setupFailed = Locked<[String]>([])
        let conns = Locked<[String: String]>([:])  // "call/index" → conn
        let results = Locked<(sent: Int, received: Int, misrouted: Int, latencies: [Double])>((0, 0, 0, []))
        let start = Locked<Double>(0)
        print("rtc-signal: \(calls) calls × \(size) participants = \(total) connections, \(fmt(rate, 1)) signals/s each, \(fmt(seconds, 0)) s")
        let setupStart = nowSeconds()
        runThreads(total) { n in
            let call = n / size, index = n % size, room = "rtc-\(call)"
            var ws: TestWebSocket?
            do {
                let s = try openSignedIn(host: host, port: port, token: tokenList[index], timeout: 60)
                _ = try join(s, room: room, timeout: 60)
                let ok = try s.request(JSONObject([("type", "rtc.join"), ("room", .string(room))]), timeout: 60)
                guard let me = ok["conn"]?.stringValue else { throw TestClientError.unexpectedReply("rtc.join: \(ok.encodedString())") }
                conns.with { $0["\(call)/\(index)"] = me }
                ws = s
            } catch {
                setupFailed.with { $0.append("\(room)/\(index): \(error)") }
            }
            ready.with { $0 += 1 }
            // Everyone set up: the measurement starts together.
            while ready.with({ $0 }) < total { sleepSeconds(0.01) }
            if start.with({ $0 }) == 0 { start.with { if $0 == 0 { $0 = nowSeconds() + 0.5 } } }
            guard let ws else { return }
            let me = conns.with { $0["\(call)/\(index)"]! }
            let peers = (0..<size).filter { $0 != index }.compactMap { i in conns.with { $0["\(call)/\(i)"] } }
            let t0 = start.with { $0 }
            let measureFrom = t0 + warmup, end = measureFrom + seconds
            let interval = 1 / rate
            var next = t0 + Double.random(in: 0..<interval)
            var k = 0, sent = 0, received = 0, misrouted = 0
            var lat: [Double] = []
            lat.reserveCapacity(Int(rate * seconds * Double(size)))
            let candidate = "candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 10.0.0.7 rport 46154 generation 0 ufrag EsAw network-cost 999"
            while true {
                let now = nowSeconds()
                if now >= end + 1 { break }
                if now >= next && now < end {
                    let to = peers[k % peers.count]
                    k += 1
                    let data: JSON = .object(JSONObject([("t", .double(nowSeconds())), ("to", .string(to)),
                                                         ("candidate", .string(candidate)), ("sdpMid", "0"), ("sdpMLineIndex", .int(0))]))
                    do {
                        try ws.send(.object(JSONObject([("type", "rtc.signal"), ("room", .string(room)), ("to", .string(to)), ("kind", "ice"), ("data", data)])))
                    } catch { break }
                    if now >= measureFrom { sent += 1 }
                    next += interval
                    continue
                }
                let wait = max(0.001, min(next - now, end + 1 - now))
                guard let m = try? ws.receive(timeout: wait) else { continue }
                guard m["type"]?.stringValue == "rtc.signal", let d = m["data"], let t = d["t"] else { continue }
                let sentAt: Double
                switch t { case .double(let v): sentAt = v; case .int(let v): sentAt = Double(v); default: continue }
                if d["to"]?.stringValue != me { misrouted += 1 }
                if sentAt >= measureFrom && sentAt < end {
                    received += 1
                    lat.append(nowSeconds() - sentAt)
                }
            }
            ws.close()
            results.with { r in
                r.sent += sent
                r.received += received
                r.misrouted += misrouted
                r.latencies.append(contentsOf: lat)
            }
        }
        let failures = setupFailed.with { $0 }
        print("setup (sign-in, join, rtc.join of every connection): \(fmt(start.with { $0 } - 0.5 - setupStart, 1)) s, \(failures.count) connections failed")
        for f in failures.prefix(5) { print("  \(f)") }
        let r = results.with { $0 }
        let sorted = r.latencies.sorted()
        print("sent \(r.sent), received \(r.received) (\(fmt(Double(r.received) / Double(max(1, r.sent)) * 100, 2)) %), misrouted \(r.misrouted)")
        print("relayed: \(fmt(Double(r.received) / seconds, 0)) signals/s")
        print("latency ms: p50 \(ms(quantile(sorted, 0.5))), p95 \(ms(quantile(sorted, 0.95))), p99 \(ms(quantile(sorted, 0.99))), max \(ms(sorted.last ?? .nan))")
        if r.misrouted > 0 { throw ExitCode(1) }
    }
}
