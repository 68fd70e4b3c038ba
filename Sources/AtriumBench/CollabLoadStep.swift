// Running one co-editing load step: worker threads with poll(), CPU and /metrics readings.

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Running one step: worker threads with poll()

/// CPU time of a process's threads and the time each waited for a CPU while runnable
/// (/proc/PID/task/TID/schedstat: on-CPU ns, run-queue wait ns), to tell a thread that is
/// busy from one that is starved by the other work on the machine.
struct ProcCPU {
    struct Thread { var name: String; var cpu: Double; var wait: Double }
    var threads: [Int: Thread] = [:]

    static func read(pid: Int32) -> ProcCPU? {
        var out = ProcCPU()
        guard let dir = opendir("/proc/\(pid)/task") else { return nil }
        defer { closedir(dir) }
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard let tid = Int(name), let sched = readSmallFile("/proc/\(pid)/task/\(tid)/schedstat") else { continue }
            let f = sched.split(separator: " ")
            guard f.count >= 2, let run = Double(f[0]), let wait = Double(f[1]) else { continue }
            var comm = readSmallFile("/proc/\(pid)/task/\(tid)/comm") ?? "?"
            while comm.last == "\n" { comm.removeLast() }
            out.threads[tid] = Thread(name: comm, cpu: run / 1e9, wait: wait / 1e9)
        }
        return out
    }

    struct Delta {
        var total = 0.0          // CPU % of all threads (100 = one core)
        var top = "-"            // busiest thread
        var topCPU = Double.nan  // its CPU %
        var topWait = Double.nan // % of the time it was runnable but waiting for a CPU
        var waitSum = 0.0        // run-queue wait % summed over threads named `prefix`
    }

    static func delta(_ a: ProcCPU, _ b: ProcCPU, wall: Double, prefix: String? = nil) -> Delta {
        var d = Delta()
        var best = -1.0
        for (tid, t) in b.threads {
            let before = a.threads[tid] ?? Thread(name: t.name, cpu: 0, wait: 0)
            let cpu = (t.cpu - before.cpu) / wall * 100, wait = (t.wait - before.wait) / wall * 100
            d.total += cpu
            if cpu > best { best = cpu; d.top = "\(t.name)/\(tid)"; d.topCPU = cpu; d.topWait = wait }
            if let prefix, t.name.hasPrefix(prefix) { d.waitSum += wait }
        }
        return d
    }
}

/// Names the calling thread (shown by top -H and perf) through /proc, as prctl is not
/// callable from Swift.
func nameThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: 4096)
    var out: [UInt8] = []
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Busy and total CPU time of the whole machine (seconds, all CPUs), from /proc/stat.
func machineCPU() -> (busy: Double, total: Double)? {
    guard let stat = readSmallFile("/proc/stat"), let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
    let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
    guard v.count >= 5 else { return nil }
    let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
    let total = v.prefix(8).reduce(0, +) / tick
    return (total - (v[3] + v[4]) / tick, total)
}

func selfCPUSeconds() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

/// Numeric lines of /metrics without labels.
func readMetrics(host: String, port: Int) -> [String: Double] {
    guard let r = try? TestHTTP.request(host: host, port: port, method: "GET", path: "/metrics"), r.status == 200 else { return [:] }
    var out: [String: Double] = [:]
    for line in r.bodyText.split(separator: "\n") where !line.hasPrefix("#") {
        let parts = line.split(separator: " ")
        guard parts.count == 2, let v = Double(parts[1]) else { continue }
        out[String(parts[0])] = v
    }
    return out
}

struct StepResult {
    var writers: Int
    var stats: CollabStepStats
    var hist = StepHistograms()
    var seconds: Double
    var benchCPU = Double.nan
    var benchWait = Double.nan
    var server = ProcCPU.Delta()
    var machineBusy = Double.nan   // % of one core, whole machine
    var metrics: [String: Double] = [:]
    var drainSeconds = 0.0
}

/// Runs one step: `writers` clients made by `make`, spread over `threads` workers.
func runCollabStep(writers: Int, options o: CollabLoadOptions, host: String, port: Int, token: String, tag: String,
                   make: @escaping @Sendable (Int, StepSchedule) -> CollabLoadClient) -> StepResult {
    let threads = max(1, min(o.threads, writers))
    let merged = Locked(CollabStepStats())
    let mergedHist = Locked(StepHistograms())
    let schedule = Locked<StepSchedule?>(nil)
    let ready = Locked(0)
    let settledThreads = Locked(0)
    let lastReceive = Locked(Int64(0))
    let sample = Locked(StepResult(writers: writers, stats: CollabStepStats(), seconds: o.seconds))
    let room = o.room, warmup = o.warmup, seconds = o.seconds, serverPid = o.serverPid

    runThreads(threads + 1, stackBytes: 1 << 20) { t in
        nameThread(t == threads ? "bench-sampler" : "bench-worker\(t)")
        if t == threads {
            // The sampler: decides the schedule once every client is set up, reads CPU and
            // /metrics at the window's edges.
            while ready.with({ $0 }) < threads { sleepSeconds(0.01) }
            let start = microsNow() + 300_000
            let ws = start + Int64(warmup * 1e6)
            let we = ws + Int64(seconds * 1e6)
            schedule.with { $0 = StepSchedule(start: start, windowStart: ws, windowEnd: we, hardEnd: we + 20_000_000) }
            sleepSeconds(Double(ws - microsNow()) / 1e6)
            let m0 = readMetrics(host: host, port: port)
            let mc0 = machineCPU()
            let c0 = selfCPUSeconds(), p0 = serverPid.flatMap { ProcCPU.read(pid: $0) }, b0 = ProcCPU.read(pid: getpid())
            let t0 = nowSeconds()
            sleepSeconds(Double(we - microsNow()) / 1e6)
            let c1 = selfCPUSeconds(), p1 = serverPid.flatMap { ProcCPU.read(pid: $0) }, b1 = ProcCPU.read(pid: getpid())
            let wall = nowSeconds() - t0
            let mc1 = machineCPU()
            let m1 = readMetrics(host: host, port: port)
            sample.with { r in
                r.benchCPU = (c1 - c0) / wall * 100
                if let b0, let b1 { r.benchWait = ProcCPU.delta(b0, b1, wall: wall, prefix: "bench-worker").waitSum }
                if let p0, let p1 { r.server = ProcCPU.delta(p0, p1, wall: wall) }
                if let mc0, let mc1 { r.machineBusy = (mc1.busy - mc0.busy) / wall * 100 }
                for (k, v) in m1 { r.metrics[k] = v - (m0[k] ?? 0) }
            }
            return
        }
        // A worker: clients t, t + threads, t + 2·threads, …
        var clients: [CollabLoadClient] = []
        var local = CollabStepStats()
        // Set up with a placeholder schedule; the real one is installed before typing.
        let placeholder = StepSchedule(start: .max, windowStart: .max, windowEnd: .max, hardEnd: .max)
        var ids: [Int] = []
        for i in stride(from: t, to: writers, by: threads) { ids.append(i) }
        var setUp: [(Int, LoadSocket, CollabLoadClient)] = []
        for i in ids {
            let c = make(i, placeholder)
            do {
                try c.setUp(host: host, port: port, token: token, room: room)
                setUp.append((i, c.socket, c))
            } catch {
                local.setupFailures += 1
                if local.setupFailureSample == nil { local.setupFailureSample = "writer \(i): \(error)" }
            }
        }
        ready.with { $0 += 1 }
        var sched: StepSchedule?
        while sched == nil { sched = schedule.with { $0 }; if sched == nil { sleepSeconds(0.002) } }
        let s = sched!
        let hist = StepHistograms()
        for (_, _, c) in setUp { c.install(schedule: s, histograms: hist) }
        clients = setUp.map { $0.2 }
        local.clients = clients.count

        var pfds = clients.map { pollfd(fd: $0.socket.fd, events: Int16(POLLIN), revents: 0) }
        var markedSettled = false
        var myLastReceive = Int64(0)
        while true {
            let now = microsNow()
            if now >= s.hardEnd { break }
            var due = Int64.max
            if now < s.windowEnd {
                for c in clients where !c.dead {
                    if c.nextDue <= now {
                        do { try c.tick(now: now) } catch {
                            c.noteClientError("send: \(error)")
                            c.markDead()
                        }
                    }
                    due = min(due, c.nextDue)
                }
            } else {
                if !markedSettled && clients.allSatisfy({ $0.dead || $0.isSettled }) {
                    markedSettled = true
                    settledThreads.with { $0 += 1 }
                }
                if markedSettled && settledThreads.with({ $0 }) == threads {
                    let last = max(myLastReceive, lastReceive.with { $0 })
                    if now - last > 500_000 { break }
                }
                due = now + 50_000
            }
            let waitMicros = max(0, min(due, s.hardEnd) - microsNow())
            let timeout = Int32(min((waitMicros + 999) / 1000, 1000))
            for i in pfds.indices { pfds[i].fd = clients[i].dead ? -1 : clients[i].socket.fd; pfds[i].revents = 0 }
            let n = poll(&pfds, nfds_t(pfds.count), timeout)
            if n <= 0 { continue }
            var got = false
            for i in pfds.indices where pfds[i].revents != 0 && !clients[i].dead {
                _ = clients[i].pump()
                got = true
            }
            if got {
                myLastReceive = microsNow()
                if myLastReceive >= s.windowEnd { lastReceive.with { $0 = max($0, myLastReceive) } }
            }
        }
        for c in clients {
            if !c.dead && !c.isSettled { c.stats.unsettled += 1 }
            c.stats.maxClientFrames = c.frames
            local.merge(c.stats)
            c.socket.close()
        }
        merged.with { $0.merge(local) }
        mergedHist.with { $0.merge(hist) }
    }
    var r = sample.with { $0 }
    r.stats = merged.with { $0 }
    r.hist = mergedHist.with { $0 }
    if let s = schedule.with({ $0 }) { r.drainSeconds = Double(microsNow() - s.windowEnd) / 1e6 }
    return r
}
