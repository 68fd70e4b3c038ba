// PROTOCOL.md "Transport" and "Rooms, events, resume": a client that cannot keep up is cut
// (4503) instead of growing the server's memory, and resumes with `since` without loss.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Slow consumer")
struct SlowConsumerTests {
    @Test func slowClientIsClosedAndResumesWithoutLossOrDuplicates() async throws {
        try await withRunningServer(configure: {
            $0.outboundQueueBytes = 262_144  // above one batch of the sender's own events
            $0.coalesceBytes = 16384
            $0.rateBurst = 10_000
            $0.ratePerSecond = 10_000
            $0.replayCap = 100_000
        }) { server in
            let token = try server.signIn("bob")
            let slow = try TestWebSocket(port: server.port, receiveBufferBytes: 4096)
            #expect(try slow.request(["type": "hello", "token": .string(token)]).type == "welcome")
            #expect(try slow.request(["type": "join", "room": "lounge"]).isOK)

            let sender = try server.connect(as: "alice")
            try sender.join("lounge")
            let text = String(repeating: "x", count: 3000)
            var sent: Int64 = 0
            var cut = false
            // Pipelined batches; stop as soon as the server reports the cut.
            batches: for _ in 0..<200 {
                var refs: [String] = []
                for _ in 0..<20 {
                    let ref = sender.nextRef()
                    refs.append(ref)
                    try sender.send(["type": "chat.send", "room": "lounge", "text": .string(text), "ref": .string(ref)])
                }
                for ref in refs {
                    let r = try sender.receive(where: { $0["ref"]?.stringValue == ref }, timeout: 10)
                    #expect(r.isOK)
                    sent = max(sent, r.seq ?? 0)
                }
                // The sender reads its own events too, so that it never lags behind itself.
                while try sender.nextEvent("lounge", timeout: 10).seq ?? 0 < sent {}
                if (try server.metric("atrium_slow_consumer_closes_total") ?? 0) >= 1 {
                    cut = true
                    break batches
                }
            }
            #expect(cut, "the slow client was never cut after \(sent) messages")
            #expect(sender.isOpen, "the sender itself was cut: \(sender.closeReason)")
            #expect((try server.metric("atrium_outbound_queue_drops_total") ?? 0) >= 1)

            // The slow client now reads what reached it, then the close (4503, or a dropped TCP
            // connection if the close frame could not get through a full socket).
            let (messages, code) = try slow.collectUntilClose(timeout: 15)
            #expect(code == nil || code == 4503, "close code \(String(describing: code))")
            let got = messages.filter { $0.type == "event" }.compactMap(\.seq)
            #expect(got == Array(1...Int64(got.count)), "what arrived before the cut is a gap-free prefix")
            let resumeFrom = Int64(got.count)
            #expect(resumeFrom < sent)

            // The server is healthy and the room goes on.
            #expect(try server.http("GET", "/healthz").status == 200)
            let last = try sender.post("lounge", "after the cut")

            let fresh = try server.connect(token: token)
            let r = try fresh.join("lounge", since: resumeFrom)
            #expect(r["reset"] == nil)
            #expect(r["latest"]?.intValue == last)
            // The replay is at least as large as the queue that was dropped: it must not count
            // toward the limit, or a cut client could never resume.
            #expect(fresh.isOpen)
            let resumed = try fresh.events("lounge", count: Int(last - resumeFrom), timeout: 10)
            #expect(resumed.map(\.seq) == Array((resumeFrom + 1)...last))
            #expect(fresh.drain(for: 0.3).filter { $0.type == "event" }.isEmpty, "duplicates after the replay")
        }
    }
}
