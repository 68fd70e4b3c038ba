// atrium-bench resume-storm: many clients resume a room with `since` while a writer goes on.

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

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
