// Shared machinery of `collab-doc` and `collab-board` (issue 5, "many writers on one board and
// one document at once"): a small non-blocking WebSocket client that counts the frames it
// receives (TestWebSocket splits frames into lines and cannot tell how many frames arrived,
// which is the point of the server's per-tick merging), a pool of worker threads that each
// drive many clients with poll(), latency histograms, and the per-step table.
//
// Latency is measured without any state shared between clients: every operation's nonce
// carries the time it was sent (CLOCK_MONOTONIC, common to every thread of the process), so a
// receiver computes receive time − send time from the nonce alone.

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Options shared by both scenarios

struct CollabLoadOptions: ParsableArguments {
    @Option(help: "Writers per step: one number, or a comma-separated list to step up in one run (e.g. 50,100,200,300).")
    var writers = "100"
    @Option(help: "Operations (keystrokes for the document) per second per writer.") var rate = 10.0
    @Option(help: "Seconds measured per step (after the warm-up).") var seconds = 10.0
    @Option(help: "Seconds of load before each step's measurement starts.") var warmup = 2.0
    @Option(help: "Room (must exist; the bench account needs edit_boards there).") var room = "collab"
    @Option(help: "Worker threads driving the clients (each polls its share of the sockets).") var threads = 2
    @Option(help: "The server's pid: its CPU time (total and busiest thread) is read from /proc per step.")
    var serverPid: Int32?
    @Option(help: "The p95 bound in ms; stepping stops after the first step above it (unless --all-steps).")
    var p95LimitMs = 100.0
    @Flag(help: "Run every step even after the p95 bound was passed.") var allSteps = false
    @Option(help: "Seconds to wait between steps (connections of the last step closed).") var pause = 1.0

    func writerSteps() throws -> [Int] {
        let steps = writers.split(separator: ",").compactMap { Int(String($0.filter { $0 != " " })) }
        guard !steps.isEmpty, steps.allSatisfy({ $0 >= 2 }) else {
            throw ValidationError("--writers: a number ≥ 2 or a list like 50,100,200")
        }
        return steps
    }
}

// MARK: - Output

/// A rate or percentage rounded to a whole number ("-" when unknown).
func whole(_ v: Double) -> String { v.isNaN || v.isInfinite ? "-" : String(Int(v.rounded())) }

func printCollabHeader(kind: String) {
    let keyCols = kind == "doc" ? "| keys/s | ops/s | keys/op " : "| ops/s "
    print("| writers \(keyCols)| deliveries/s | frames/s per reader (max) | lines/frame | p50 ms | p95 ms | p99 ms | max ms "
        + (kind == "doc" ? "| key→seen p95 ms " : "") + "| own echo p50 ms | missing | errors | closes | bench CPU % (workers' CPU wait %) "
        + "| server CPU % | server busiest thread CPU % (CPU wait %) |")
    let n = kind == "doc" ? 19 : 16
    print("|" + String(repeating: "---|", count: n))
}

func printCollabRow(_ r: StepResult, kind: String) {
    let s = r.stats
    let w = r.seconds
    let readers = Double(max(1, s.clients))
    let expected = s.opsSent * max(0, s.clients - 1)
    let missing = expected - s.deliveries
    let errs = s.errors.isEmpty ? "0" : s.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    let closes = s.closes.isEmpty ? "0" : s.closes.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
    var row = "| \(r.writers) "
    if kind == "doc" {
        row += "| \(whole(Double(s.keystrokes) / w)) | \(whole(Double(s.opsSent) / w)) | \(fmt(Double(s.keystrokes) / Double(max(1, s.opsSent)), 2)) "
    } else {
        row += "| \(whole(Double(s.opsSent) / w)) "
    }
    row += "| \(whole(Double(s.deliveries) / w)) | \(fmt(Double(s.framesInWindow) / readers / w, 1)) (\(fmt(Double(s.maxClientFrames) / w, 1))) "
    row += "| \(fmt(Double(s.linesInWindow) / Double(max(1, s.framesInWindow)), 1)) "
    let h = r.hist
    row += "| \(fmt(h.latency.quantileMs(0.5), 1)) | \(fmt(h.latency.quantileMs(0.95), 1)) | \(fmt(h.latency.quantileMs(0.99), 1)) | \(fmt(h.latency.maxMs, 1)) "
    if kind == "doc" { row += "| \(fmt(h.keyLatency.quantileMs(0.95), 1)) " }
    row += "| \(fmt(h.echo.quantileMs(0.5), 1)) "
    row += "| \(missing) of \(expected) | \(errs) | \(closes) | \(whole(r.benchCPU)) (\(whole(r.benchWait))) "
    row += "| \(whole(r.server.total)) | \(whole(r.server.topCPU)) (\(whole(r.server.topWait))) |"
    print(row)
}

func printCollabDetails(_ r: StepResult) {
    let s = r.stats
    var notes: [String] = []
    if s.setupFailures > 0 { notes.append("setup failures \(s.setupFailures) (\(s.setupFailureSample ?? ""))") }
    if let e = s.errorSample { notes.append("first error: \(e)") }
    if let e = s.clientErrorSample { notes.append("client-side failures \(s.clientErrors); first: \(e)") }
    if let c = s.closeSample { notes.append("first close: \(c)") }
    if s.unsettled > 0 { notes.append("\(s.unsettled) writers still had unconfirmed operations at the end") }
    let m = r.metrics
    if !m.isEmpty {
        let w = r.seconds
        var parts: [String] = []
        if let f = m["atrium_frames_out_total"] { parts.append("frames out \(whole(f / w))/s") }
        if let f = m["atrium_messages_out_total"] { parts.append("messages out \(whole(f / w))/s") }
        if let f = m["atrium_frames_in_total"] { parts.append("frames in \(whole(f / w))/s") }
        if let b = m["atrium_commit_batches_total"], let j = m["atrium_commit_jobs_total"], b > 0 {
            parts.append("commits \(whole(j / w))/s in \(whole(b / w)) groups/s, mean group \(ms((m["atrium_commit_latency_seconds_sum"] ?? 0) / b)) ms")
        }
        if let q = m["atrium_slow_consumer_closes_total"], q > 0 { parts.append("slow-consumer closes \(Int(q))") }
        if let q = m["atrium_outbound_queue_drops_total"], q > 0 { parts.append("queue drops \(Int(q))") }
        if let q = m["atrium_flood_closes_total"], q > 0 { parts.append("flood closes \(Int(q))") }
        notes.append("server /metrics over the window: " + parts.joined(separator: ", "))
    }
    let others = r.machineBusy - r.benchCPU - r.server.total
    notes.append("machine CPU busy \(whole(r.machineBusy)) % of 200 % (bench \(whole(r.benchCPU)), server \(whole(r.server.total)), everything else \(whole(others)))")
    notes.append("ops sent over the whole step \(s.opsSentTotal); drain \(fmt(r.drainSeconds, 1)) s; server busiest thread \(r.server.top); "
        + "load average at the end \(readSmallFile("/proc/loadavg")?.split(separator: " ").prefix(3).joined(separator: " ") ?? "-")")
    for n in notes { print("    \(r.writers) writers: \(n)") }
}

/// Runs every step and prints the table; returns the steps' results.
func runCollabSteps(kind: String, options o: CollabLoadOptions, host: String, port: Int, token: String,
                    describe: String, make: @escaping @Sendable (Int, StepSchedule, String) -> CollabLoadClient) throws {
    let steps = try o.writerSteps()
    print("collab-\(kind): \(describe)")
    print("  steps \(steps.map(String.init).joined(separator: ", ")) writers; \(fmt(o.rate, 1)) per writer per second; "
        + "\(fmt(o.warmup, 1)) s warm-up + \(fmt(o.seconds, 1)) s measured per step; \(o.threads) bench threads; room \(o.room)")
    print("  latency = receive time at another client − send time of the operation (stamped in its nonce), over every (operation sent in the window, other client) pair")
    var results: [StepResult] = []
    var passedAt: Int?
    for (i, n) in steps.enumerated() {
        if i > 0 { sleepSeconds(o.pause) }
        let tag = "\(kind.first!)\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        let r = runCollabStep(writers: n, options: o, host: host, port: port, token: token, tag: tag,
                              make: { idx, sched in make(idx, sched, tag) })
        results.append(r)
        print("  step \(i + 1): \(n) writers done (p95 \(fmt(r.hist.latency.quantileMs(0.95), 1)) ms)")
        if r.hist.latency.quantileMs(0.95) > o.p95LimitMs || r.hist.latency.count == 0 {
            if passedAt == nil { passedAt = n }
            if !o.allSteps { break }
        }
    }
    print("")
    printCollabHeader(kind: kind)
    for r in results { printCollabRow(r, kind: kind) }
    print("")
    for r in results { printCollabDetails(r) }
    print("")
    if let passedAt {
        print("p95 passes \(fmt(o.p95LimitMs, 0)) ms at \(passedAt) writers")
    } else {
        print("not reached up to \(steps.last!) writers (p95 ≤ \(fmt(o.p95LimitMs, 0)) ms at every step)")
    }
}
