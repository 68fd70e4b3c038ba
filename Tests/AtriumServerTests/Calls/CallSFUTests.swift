// docs/calls.md "Large events: the SFU path": the hub ↔ Janus room and token lifecycle against a
// real Janus (Debian package `janus`, started here by tests/janus/start-janus.sh; the test is
// skipped with a message when the janus binary is absent). A call that grows past
// rtc.sfu_after moves to a Janus VideoRoom room; each participant's token admits them; a removed
// participant's token is revoked and they are kicked; the end of the call destroys the room.

import AtriumCore
import AtriumTestSupport
import Foundation
import Testing
@testable import AtriumServer

/// A private Janus for one test; nil when janus is not installed.
final class JanusUnderTest {
    let process: Process
    let dir: String
    let url: String
    /// The Admin API (port + 1) and its secret.
    let adminURL: String
    let adminSecret = "test-janus-admin"

    init?() throws {
        guard let root = AtriumProcess.packageRoot(),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/janus") else { return nil }
        dir = try makeTemporaryDirectory(prefix: "atrium-janus")
        let port = Int.random(in: 20_000...29_999)
        url = "ws://127.0.0.1:\(port)"
        adminURL = "ws://127.0.0.1:\(port + 1)"
        process = Process()
        process.executableURL = URL(fileURLWithPath: root + "/tests/janus/start-janus.sh")
        process.arguments = [dir, String(port)]
        var env = ProcessInfo.processInfo.environment
        env["JANUS_FOREGROUND"] = "1"  // the script execs janus: terminate() stops it
        env["JANUS_ADMIN_SECRET"] = adminSecret
        process.environment = env
        try process.run()
        let until = Date(timeIntervalSinceNow: 10)
        while Date() < until {
            if (try? JanusSocket(url: url, timeout: 1)) != nil { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("janus did not start: \((try? String(contentsOfFile: dir + "/janus.out", encoding: .utf8)) ?? "")")
        stop()
        return nil
    }

    func stop() {
        // Not waitUntilExit (it can hang in swift-corelibs-foundation): SIGTERM, then poll, then SIGKILL.
        if process.isRunning { process.terminate() }
        for _ in 0..<50 where process.isRunning { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// A browser's side of Janus, reduced to what the test needs: a session with a VideoRoom handle.
final class JanusProbe {
    let socket: JanusSocket
    var session: Int64 = 0
    var handle: Int64 = 0
    private var tx = 0

    init(url: String) throws {
        socket = try JanusSocket(url: url)
        session = try call([("janus", "create")])["data"]?["id"]?.intValue ?? 0
        handle = try call([("janus", "attach"), ("session_id", .int(session)), ("plugin", "janus.plugin.videoroom")])["data"]?["id"]?.intValue ?? 0
    }

    /// The first non-ack reply to a request (for plugin messages: the plugin's event); with
    /// `acks`, the first reply of any kind (a keepalive's answer is an ack).
    func call(_ fields: [(String, JSON)], acks: Bool = false) throws -> JSON {
        tx += 1
        let t = "probe-\(tx)"
        try socket.send(.object(JSONObject(fields + [("transaction", .string(t))])))
        while true {
            let m = try socket.receive()
            if m["transaction"]?.stringValue == t && (acks || m["janus"]?.stringValue != "ack") { return m }
        }
    }

    /// Joins `room` as a publisher; returns the plugin data (`videoroom: joined` or an error).
    func joinAsPublisher(room: Int64, id: Int64, token: String) throws -> JSON {
        let reply = try call([("janus", "message"), ("session_id", .int(session)), ("handle_id", .int(handle)),
                              ("body", .object([("request", "join"), ("ptype", "publisher"), ("room", .int(room)),
                                                ("id", .int(id)), ("token", .string(token)), ("display", "probe")]))])
        return reply["plugindata"]?["data"] ?? reply
    }
}

@Suite("Calls through Janus (SFU)", .serialized)
struct CallSFUTests {
    @Test func roomAndTokenLifecycleAgainstRealJanus() async throws {
        guard let janus = try JanusUnderTest() else {
            print("skipped: /usr/bin/janus is absent (apt-get install janus) — the SFU lifecycle test needs a real Janus")
            return
        }
        defer { janus.stop() }
        try await withRunningServer(configure: { c in
            c.rtcSFU = "janus"
            c.rtcSFUAfter = 1
            c.rtcJanusWSURL = janus.url
            c.rtcJanusAdminURL = janus.adminURL
            c.rtcJanusAdminSecret = janus.adminSecret
        }, seed: CallFixtures.seed) { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            let tina = try server.connect(as: "tina")
            // One participant: a mesh call, no SFU.
            let first = try alice.enterCall("studio")
            #expect(first["sfu"] == nil)
            // The second goes past rtc.sfu_after = 1: the call moves to Janus.
            let second = try bob.enterCall("studio")
            #expect(second["sfu"]?["kind"]?.stringValue == "janus")
            #expect(second["peers"]?.arrayValue == [] && second["offer_to"]?.arrayValue == [])
            let aliceSeat = try #require(try alice.next("rtc.sfu", timeout: 10)["sfu"])
            let bobSeat = try #require(try bob.next("rtc.sfu", timeout: 10)["sfu"])
            let room = try #require(bobSeat["janus_room"]?.intValue)
            #expect(aliceSeat["janus_room"]?.intValue == room && aliceSeat["url"]?.stringValue == janus.url)
            #expect(aliceSeat["token"] != bobSeat["token"])

            // Janus admits the hub's tokens, and only them.
            let aliceJanus = try JanusProbe(url: janus.url)
            let bobJanus = try JanusProbe(url: janus.url)
            let intruder = try JanusProbe(url: janus.url)
            #expect(try aliceJanus.joinAsPublisher(room: room, id: aliceSeat["id"]!.intValue!, token: aliceSeat["token"]!.stringValue!)["videoroom"]?.stringValue == "joined")
            #expect(try bobJanus.joinAsPublisher(room: room, id: bobSeat["id"]!.intValue!, token: bobSeat["token"]!.stringValue!)["videoroom"]?.stringValue == "joined")
            let refused = try intruder.joinAsPublisher(room: room, id: 4242, token: "not-a-token")
            #expect(refused["error_code"]?.intValue == 433, "\(refused)")  // JANUS_VIDEOROOM_ERROR_UNAUTHORIZED

            // A moderator removes bob: his token is revoked and Janus kicks him.
            let admin = JanusVideoRoom(url: janus.url, adminKey: "")
            #expect(try admin.participants(room).sorted() == [aliceSeat["id"]!.intValue!, bobSeat["id"]!.intValue!].sorted())
            #expect(try tina.enterCall("studio")["sfu"]?["kind"]?.stringValue == "janus")
            _ = try tina.next("rtc.sfu", timeout: 10)
            #expect(try tina.rtc("remove", "studio", ["user": .int(bob.userID)]).isOK)
            #expect(try bob.next("rtc.removed")["reason_code"]?.stringValue == "removed")
            var remaining: [Int64] = []
            for _ in 0..<50 {
                remaining = try admin.participants(room)
                if !remaining.contains(bobSeat["id"]!.intValue!) { break }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            #expect(remaining == [aliceSeat["id"]!.intValue!])
            // Through the Admin API the hub also ended bob's whole Janus session (his subscriptions
            // with it); alice's is alive.
            let bobSession = try bobJanus.call([("janus", "keepalive"), ("session_id", .int(bobJanus.session))], acks: true)
            #expect(bobSession["janus"]?.stringValue == "error", "\(bobSession)")
            #expect(try aliceJanus.call([("janus", "keepalive"), ("session_id", .int(aliceJanus.session))], acks: true)["janus"]?.stringValue == "ack")
            let again = try JanusProbe(url: janus.url)
            #expect(try again.joinAsPublisher(room: room, id: 777, token: bobSeat["token"]!.stringValue!)["error_code"]?.intValue == 433)

            // The end of the call destroys the room.
            #expect(try tina.rtc("end", "studio").isOK)
            var gone = false
            for _ in 0..<50 {
                do { _ = try admin.participants(room) } catch let e as JanusVideoRoomError { gone = e.code == 426; break }  // NO_SUCH_ROOM
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            #expect(gone)
        }
    }
}
