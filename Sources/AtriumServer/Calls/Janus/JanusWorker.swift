// The thread that talks to Janus for the hub (docs/architecture.md: the service thread never
// blocks). The hub submits jobs (closures over the blocking JanusVideoRoom); each job's result
// comes back to the service thread through the Inbox. Idle: a keepalive every 25 s.

import AtriumCore
import Foundation

final class JanusWorker: @unchecked Sendable {
    typealias Job = @Sendable (JanusVideoRoom, JanusAdmin?) -> Void

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [Job] = []
    private var stopping = false
    private var finished = false
    /// Only the worker thread touches it.
    private let videoRoom: JanusVideoRoom
    /// The Admin API, when configured (rtc.janus_admin_url); only the worker thread touches it.
    private let admin: JanusAdmin?

    init(url: String, adminKey: String, adminURL: String, adminSecret: String) {
        videoRoom = JanusVideoRoom(url: url, adminKey: adminKey)
        admin = adminURL.isEmpty ? nil : JanusAdmin(url: adminURL, secret: adminSecret)
        let t = Thread { [self] in
            Thread.current.name = "atrium-janus"
            run()
        }
        t.start()
    }

    func submit(_ job: @escaping Job) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return }
        pending.append(job)
        condition.signal()
    }

    /// Finishes the queued jobs (e.g. the rooms' destroy), then ends the thread; waits at most `timeout` s.
    func stop(timeout: Double = 5) {
        condition.lock()
        stopping = true
        condition.broadcast()
        let until = Date(timeIntervalSinceNow: timeout)
        while !finished { if !condition.wait(until: until) { break } }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            if pending.isEmpty && !stopping { _ = condition.wait(until: Date(timeIntervalSinceNow: 25)) }
            let jobs = pending
            pending.removeAll()
            let done = stopping && jobs.isEmpty
            condition.unlock()
            if done { break }
            if jobs.isEmpty { videoRoom.keepalive(); continue }
            for job in jobs { job(videoRoom, admin) }
        }
        videoRoom.close()
        admin?.close()
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}
