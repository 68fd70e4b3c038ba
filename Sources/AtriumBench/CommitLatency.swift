// atrium-bench commit-latency: writers in many rooms at a fixed rate; ok latency after commit.

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

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
