// The call state machine (AtriumCore/Calls) and the rtc.* decoder, without a server.

import AtriumCore
import Testing

@Suite("CallState")
struct CallStateTests {
    static func call(_ people: [(UInt64, UserID)], meshMax: Int = 6) -> CallState {
        var s = CallState()
        for (conn, user) in people {
            _ = s.join(conn: conn, user: user, name: "U\(user)", mic: false, camera: false, nowMillis: 1000 + Int64(conn), meshMax: meshMax)
        }
        return s
    }

    @Test func joinLeaveMoveAndTheMeshLimit() {
        var s = Self.call([(1, 10), (2, 20)], meshMax: 3)
        #expect(s.isActive && s.startedAtMillis == 1001)
        do { let r = s.join(conn: 1, user: 10, name: "U10", mic: true, camera: true, nowMillis: 5, meshMax: 3); #expect(r == .already) }
        do { let r = s.join(conn: 3, user: 30, name: "U30", mic: false, camera: false, nowMillis: 5, meshMax: 3); #expect(r == .joined(moved: nil)) }
        do { let r = s.join(conn: 4, user: 40, name: "U40", mic: false, camera: false, nowMillis: 5, meshMax: 3); #expect(r == .full(max: 3)) }
        // The same person from another connection moves; they are not counted twice.
        _ = s.setHand(user: 20, raised: true, nowMillis: 7)
        guard case .joined(let moved?) = s.join(conn: 5, user: 20, name: "U20", mic: false, camera: false, nowMillis: 8, meshMax: 3) else {
            Issue.record("move failed"); return
        }
        #expect(moved.conn == 2)
        #expect(s.participants.map(\.conn) == [1, 3, 5])
        #expect(s.hands == [20] && s.participant(conn: 5)?.handAtMillis == 7)  // the hand keeps its place
        let rev = s.rev
        do { let r = s.leave(conn: 3); #expect(r?.user == 30) }
        do { let r = s.leave(conn: 3); #expect(r == nil) }
        #expect(s.rev == rev + 1)
        _ = s.leave(conn: 1)
        _ = s.leave(conn: 5)
        #expect(!s.isActive && s.hands.isEmpty && s.startedAtMillis == nil)
    }

    @Test func handQueueKeepsOrder() {
        var s = Self.call([(1, 10), (2, 20), (3, 30)])
        do { let r = s.setHand(user: 30, raised: true, nowMillis: 1); #expect(r) }
        do { let r = s.setHand(user: 10, raised: true, nowMillis: 2); #expect(r) }
        do { let r = s.setHand(user: 30, raised: true, nowMillis: 3); #expect(!r) }  // raising again keeps the place
        do { let r = s.setHand(user: 20, raised: true, nowMillis: 4); #expect(r) }
        #expect(s.hands == [30, 10, 20])
        do { let r = s.setHand(user: 10, raised: false, nowMillis: 5); #expect(r) }
        #expect(s.hands == [30, 20])
        _ = s.leave(conn: 3)
        #expect(s.hands == [20])
        do { let r = s.setHand(user: 99, raised: true, nowMillis: 6); #expect(!r) }
    }

    @Test func mediaAndPresenting() {
        var s = Self.call([(1, 10), (2, 20), (3, 30)])
        do { let r = s.setMedia(conn: 1, mic: true, camera: nil); #expect(r) }
        do { let r = s.setMedia(conn: 1, mic: true, camera: nil); #expect(!r) }
        #expect(s.participant(conn: 1)?.mic == true && s.participant(conn: 1)?.camera == false)
        do { let r = s.setPresenting(conn: 1, on: true, takeOver: false); #expect(r == .changed(previous: nil)) }
        guard case .busy(let by) = s.setPresenting(conn: 2, on: true, takeOver: false) else { Issue.record("not busy"); return }
        #expect(by.user == 10)
        do { let r = s.setPresenting(conn: 3, on: true, takeOver: true); #expect(r == .changed(previous: 10)) }
        #expect(s.presenter == 30)
        do { let r = s.setPresenting(conn: 9, on: true, takeOver: true); #expect(r == .notInCall) }
        _ = s.leave(conn: 3)
        #expect(s.presenter == nil)
    }

    @Test func breakoutGroupsDecideWhoReachesWhomAndWhoOffers() {
        var s = Self.call([(1, 10), (2, 20), (3, 30), (4, 40)])
        let split = s.setGroups([[10, 20], [30]])
        // 40 is in no group: the main call, alone. Everyone's reachable set changed.
        #expect(s.group(of: 10) == 1 && s.group(of: 30) == 2 && s.group(of: 40) == nil)
        #expect(s.peers(of: 1).map(\.conn) == [2])
        #expect(s.peers(of: 3).isEmpty && s.peers(of: 4).isEmpty)
        #expect(Set(split.map(\.conn)) == [1, 2, 3, 4])
        #expect(split.allSatisfy { $0.offerTo.isEmpty })  // nobody new to call
        let back = s.setGroups(nil)
        // Back together: of each newly reachable pair the later joiner offers.
        let byConn = Dictionary(uniqueKeysWithValues: back.map { ($0.conn, $0) })
        #expect(byConn[1]?.offerTo == [])
        #expect(byConn[2]?.offerTo == [])
        #expect(byConn[3]?.offerTo == [1, 2])
        #expect(byConn[4]?.offerTo == [1, 2, 3])
        // A person listed in a group is placed there when they join.
        _ = s.setGroups([[50], [10]])
        _ = s.join(conn: 5, user: 50, name: "U50", mic: false, camera: false, nowMillis: 9, meshMax: 6)
        #expect(s.group(of: 50) == 1 && s.peers(of: 5).isEmpty)
    }

    @Test func pollsVoteOncePerPersonChangeablyAndClose() {
        var s = CallState()
        do { let r = s.openPoll(question: "q", options: ["a", "b"], by: 10); #expect(r.0 == .noCall) }
        s = Self.call([(1, 10), (2, 20), (3, 30)])
        let (ok, id) = s.openPoll(question: "Which?", options: ["a", "b", "c"], by: 10)
        #expect(ok == .ok && id == 1)
        do { let r = s.openPoll(question: "Again?", options: ["x", "y"], by: 10); #expect(r.0 == .busy) }
        do { let r = s.vote(user: 20, poll: 1, option: 0); #expect(r == .ok) }
        do { let r = s.vote(user: 30, poll: 1, option: 0); #expect(r == .ok) }
        do { let r = s.vote(user: 20, poll: 1, option: 2); #expect(r == .ok) }  // changed
        do { let r = s.vote(user: 20, poll: 1, option: 3); #expect(r == .badOption) }
        do { let r = s.vote(user: 20, poll: 2, option: 0); #expect(r == .notFound) }
        #expect(s.poll?.counts == [1, 0, 1])
        do { let r = s.closePoll(1); #expect(r == .ok) }
        do { let r = s.closePoll(1); #expect(r == .closed) }
        do { let r = s.vote(user: 30, poll: 1, option: 1); #expect(r == .closed) }
        do { let r = s.openPoll(question: "Next", options: ["x", "y"], by: 10); #expect(r == (.ok, 2)) }
        do { let r = s.end(); #expect(r.count == 3) }
        #expect(s.poll == nil && !s.isActive)
    }

    @Test func decoderReadsAndRefusesRtcMessages() {
        func decode(_ text: String) -> Result<ClientFrame, WireError> {
            ClientFrameDecoder.decode(Array(text.utf8), limits: ProtocolLimits())
        }
        func msg(_ text: String) -> ClientMessage? { if case .success(let f) = decode(text) { return f.message }; return nil }
        func err(_ text: String) -> WireError? { if case .failure(let e) = decode(text) { return e }; return nil }
        #expect(msg(#"{"type":"rtc.join","room":"r","mic":true}"#) == .rtc(room: "r", .join(mic: true, camera: false)))
        #expect(msg(#"{"type":"rtc.signal","room":"r","to":"c17","kind":"offer","data":{"sdp":"x"}}"#)
                == .rtc(room: "r", .signal(to: 17, kind: .offer, data: .object([("sdp", "x")]))))
        #expect(err(#"{"type":"rtc.signal","room":"r","to":"17","kind":"offer","data":{}}"#)?.code == .badRequest)
        #expect(err(#"{"type":"rtc.signal","room":"r","to":"c1","kind":"bye","data":{}}"#)?.code == .badRequest)
        #expect(err(#"{"type":"rtc.signal","room":"r","to":"c1","kind":"ice"}"#)?.code == .badRequest)
        #expect(err(#"{"type":"rtc.media","room":"r"}"#)?.code == .badRequest)
        #expect(msg(#"{"type":"rtc.breakout","room":"r","groups":null}"#) == .rtc(room: "r", .breakout(groups: nil)))
        #expect(msg(#"{"type":"rtc.breakout","room":"r","groups":[[1,2],[3]]}"#) == .rtc(room: "r", .breakout(groups: [[1, 2], [3]])))
        #expect(err(#"{"type":"rtc.breakout","room":"r","groups":[[1,2],[2]]}"#)?.message == "User 2 is in more than one group.")
        #expect(err(#"{"type":"rtc.breakout","room":"r","groups":[[]]}"#)?.code == .badRequest)
        #expect(err(#"{"type":"rtc.breakout","room":"r"}"#)?.code == .badRequest)
        #expect(msg(#"{"type":"rtc.poll","room":"r","question":" Q ","options":["a","b"]}"#) == .rtc(room: "r", .poll(question: "Q", options: ["a", "b"])))
        #expect(err(#"{"type":"rtc.poll","room":"r","question":"Q","options":["a"]}"#)?.code == .badRequest)
        #expect(err(#"{"type":"rtc.poll","room":"r","question":"Q","options":["a"," "]}"#)?.code == .badRequest)
        let long = String(repeating: "o", count: 201)
        #expect(err(#"{"type":"rtc.poll","room":"r","question":"Q","options":["a","\#(long)"]}"#)?.code == .tooLarge)
        #expect(msg(#"{"type":"rtc.vote","room":"r","poll":1,"option":0}"#) == .rtc(room: "r", .vote(poll: 1, option: 0)))
        #expect(err(#"{"type":"rtc.join"}"#)?.message == "The field 'room' is required.")
    }
}

@Suite("Call config")
struct CallConfigTests {
    @Test func turnKeysParseAndValidate() throws {
        var c = AtriumConfig()
        #expect(c.rtcMeshMax == 6 && c.rtcTurnURLs.isEmpty && c.rtcTurnTTLSeconds == 86_400)
        try c.set("rtc.turn_urls", to: "turn:turn.school.example:3478?transport=udp, turns:turn.school.example:5349")
        #expect(c.rtcTurnURLs == ["turn:turn.school.example:3478?transport=udp", "turns:turn.school.example:5349"])
        #expect(throws: ConfigError.self) { try c.validate() }  // no secret
        try c.set("rtc.turn_secret", to: "s3cret")
        try c.validate()
        #expect(throws: ConfigError.self) { try c.set("rtc.turn_urls", to: "http://x") }
        #expect(throws: ConfigError.self) { try c.set("rtc.stun_urls", to: "turn:x.example") }
        #expect(throws: ConfigError.self) { try c.set("rtc.mesh_max", to: "1") }
    }
}
