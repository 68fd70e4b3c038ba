// Shared helpers for the integration tests: small wrappers over TestWebSocket / TestHTTP, the
// seeding of events straight into storage, and running the real `atrium` binary.

import AtriumCore
import AtriumStore
import AtriumTestSupport
import Foundation
import Testing

// MARK: - Reading replies

extension JSON {
    var type: String? { self["type"]?.stringValue }
    var code: String? { self["code"]?.stringValue }
    var seq: Int64? { self["seq"]?.intValue }
    var isOK: Bool { type == "ok" }
}

struct UnexpectedReply: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

extension TestWebSocket {
    /// Joins `room` (optionally resuming after `since`) and returns the ok reply.
    @discardableResult
    func join(_ room: String, since: Int64? = nil, timeout: Double = 5) throws -> JSON {
        var f: JSONObject = ["type": "join", "room": .string(room)]
        if let since { f["since"] = .int(since) }
        let r = try request(f, timeout: timeout)
        guard r.isOK else { throw UnexpectedReply("join \(room) answered \(r.encodedString())") }
        return r
    }

    /// chat.send with a ref; returns the reply (ok or error).
    func chatSend(_ room: String, _ text: String, nonce: String? = nil, timeout: Double = 5) throws -> JSON {
        var f: JSONObject = ["type": "chat.send", "room": .string(room), "text": .string(text)]
        if let nonce { f["nonce"] = .string(nonce) }
        return try request(f, timeout: timeout)
    }

    /// chat.send that must succeed; returns the new seq.
    func post(_ room: String, _ text: String, nonce: String? = nil) throws -> Int64 {
        let r = try chatSend(room, text, nonce: nonce)
        guard r.isOK, let s = r.seq else { throw UnexpectedReply("chat.send answered \(r.encodedString())") }
        return s
    }

    /// The next `event` frame of `room` (other messages stay queued).
    func nextEvent(_ room: String, timeout: Double = 5) throws -> JSON {
        try receive(where: { $0.type == "event" && $0["room"]?.stringValue == room }, timeout: timeout)
    }

    /// `n` event frames of `room`, in arrival order.
    func events(_ room: String, count n: Int, timeout: Double = 5) throws -> [JSON] {
        try (0..<n).map { _ in try nextEvent(room, timeout: timeout) }
    }

    /// The user id from the welcome reply.
    var userID: Int64 { welcome?["user"]?["id"]?.intValue ?? -1 }

    /// Proves the connection is still open and usable: a ping with a ref gets its ok.
    func assertAlive(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try request(["type": "ping"])
        #expect(r.isOK, "ping after the error: \(r.encodedString())", sourceLocation: sourceLocation)
        #expect(isOpen, sourceLocation: sourceLocation)
    }

    /// Every message until the connection ends, and the close code (nil: dropped without one).
    func collectUntilClose(timeout: Double = 10) throws -> (messages: [JSON], code: UInt16?) {
        var out: [JSON] = []
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { throw TestClientError.timeout("connection still open after \(timeout) s") }
            do {
                out.append(try receive(timeout: left))
            } catch TestClientError.closed(let code, _) {
                return (out, code)
            }
        }
    }
}

// MARK: - HTTP

extension TestServer {
    /// The value of one unlabelled metric line of /metrics.
    func metric(_ name: String) throws -> Double? {
        let r = try http("GET", "/metrics")
        for line in r.bodyText.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    func signInResponse(_ login: String, _ password: String, headers: [(String, String)] = []) throws -> TestHTTPResponse {
        try TestHTTP.request(host: host, port: port, method: "POST", path: "/api/session", headers: headers,
                             json: ["login": .string(login), "password": .string(password)])
    }
}

/// Polls `check` every 20 ms until it is true or `timeout` passes (for state that has no
/// message to wait for, e.g. a metric). Returns the last result.
func eventually(timeout: Double = 5, _ check: () throws -> Bool) rethrows -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while true {
        if try check() { return true }
        if Date() >= deadline { return false }
        usleep(20_000)
    }
}

// MARK: - Seeding

enum Seed {
    /// The default users and rooms plus `count` chat messages "m1"… by alice in `room`.
    static func withMessages(_ count: Int, room: String = "lounge") -> (StoreConnection) throws -> Void {
        { store in
            try TestFixtures.seedDefault(store)
            let alice = try #require(try store.user(login: "alice")).profile
            for i in stride(from: 1, through: count, by: 1) {
                _ = try store.appendChat(room: room, actor: alice.id, actorName: alice.name, text: "m\(i)",
                                         nonce: nil, nowMillis: TestFixtures.nowMillis)
            }
        }
    }
}

/// A fresh data folder seeded with the default users and rooms (for the real binary).
func seededDataDir() throws -> String {
    let dir = try makeTemporaryDirectory(prefix: "atrium-itest")
    let store = try StoreConnection(dataDir: dir)
    try TestFixtures.seedDefault(store)
    return dir
}

// MARK: - The real binary

/// `atrium serve` on 127.0.0.1, port 0, over `dataDir`; returns the process and its server.
func startBinary(dataDir: String, extra: [String] = []) throws -> (AtriumProcess, TestServer) {
    let args = ["serve", "--data", dataDir, "--host", "127.0.0.1", "--port", "0",
                "--set", "log.level=warning"] + extra
    let p = try AtriumProcess(executable: AtriumProcess.locateExecutable(), arguments: args)
    let port = try p.waitForListening(timeout: 30)
    return (p, TestServer(port: port, dataDir: dataDir))
}

/// Runs the CLI and requires exit status 0.
@discardableResult
func cli(_ args: [String], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let r = try AtriumProcess.runCLI(args, stdin: stdin, timeout: 60)
    try #require(r.status == 0, "atrium \(args.joined(separator: " ")) → \(r.status): \(r.stderr)",
                 sourceLocation: sourceLocation)
    return r.stdout
}
