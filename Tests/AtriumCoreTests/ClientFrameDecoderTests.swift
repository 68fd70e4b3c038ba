import Testing
@testable import AtriumCore

@Suite("Client frame decoder")
struct ClientFrameDecoderTests {
    let limits = ProtocolLimits()

    func decode(_ text: String, limits: ProtocolLimits = ProtocolLimits()) -> Result<ClientFrame, WireError> {
        ClientFrameDecoder.decode(Array(text.utf8), limits: limits)
    }

    func message(_ text: String, limits: ProtocolLimits = ProtocolLimits()) -> ClientMessage? {
        if case .success(let f) = decode(text, limits: limits) { return f.message }
        return nil
    }

    func error(_ text: String, limits: ProtocolLimits = ProtocolLimits()) -> WireError? {
        if case .failure(let e) = decode(text, limits: limits) { return e }
        return nil
    }

    /// A JSON object text for chat.send with the given text.
    func send(_ text: String) -> String {
        JSON.object([("type", "chat.send"), ("room", "lounge"), ("text", .string(text))]).encodedString()
    }

    @Test func decodesEveryType() {
        #expect(message(#"{"type":"hello","token":"abc"}"#) == .hello(token: "abc"))
        #expect(message(#"{"type":"hello"}"#) == .hello(token: nil))
        #expect(message(#"{"type":"ping"}"#) == .ping)
        #expect(message(#"{"type":"rooms"}"#) == .rooms)
        #expect(message(#"{"type":"join","room":"lounge"}"#) == .join(room: "lounge", since: nil))
        #expect(message(#"{"type":"join","room":"lounge","since":0}"#) == .join(room: "lounge", since: 0))
        #expect(message(#"{"type":"leave","room":"7b.math"}"#) == .leave(room: "7b.math"))
        #expect(message(#"{"type":"history","room":"r","before":10,"limit":20}"#) == .history(room: "r", before: 10, limit: 20))
        #expect(message(#"{"type":"typing","room":"r"}"#) == .typing(room: "r"))
        #expect(message(#"{"type":"chat.send","room":"r","text":"hi","nonce":"n1"}"#) == .chatSend(room: "r", text: "hi", nonce: "n1"))
        #expect(message(#"{"type":"chat.send","room":"r","text":"hi"}"#) == .chatSend(room: "r", text: "hi", nonce: nil))
        #expect(message(#"{"type":"chat.edit","room":"r","seq":3,"text":"x"}"#) == .chatEdit(room: "r", seq: 3, text: "x"))
        #expect(message(#"{"type":"chat.delete","room":"r","seq":1}"#) == .chatDelete(room: "r", seq: 1))
        #expect(message(#"{"type":"read","room":"r","seq":0}"#) == .read(room: "r", seq: 0))
        #expect(message(#"{"type":"room.direct","user":7}"#) == .roomDirect(user: 7))
        #expect(message(#"{"type":"room.knock","room":"m","message":"  may I?  "}"#) == .roomKnock(room: "m", message: "may I?"))
        #expect(message(#"{"type":"room.refuse","room":"m","user":3,"reason":" "}"#) == .roomRefuse(room: "m", user: 3, reason: nil))
        #expect(message(#"{"type":"room.lobby","room":"m","text":"hi"}"#) == .roomLobby(room: "m", user: nil, text: "hi"))
    }

    @Test func typeNamesAndRoomsMatchTheWire() {
        let samples: [ClientMessage] = [
            .hello(token: nil), .ping, .rooms, .join(room: "a", since: nil), .leave(room: "a"),
            .history(room: "a", before: nil, limit: 1), .typing(room: "a"), .chatSend(room: "a", text: "t", nonce: nil),
            .chatEdit(room: "a", seq: 1, text: "t"), .chatDelete(room: "a", seq: 1), .read(room: "a", seq: 0),
            .roomDirect(user: 2), .auditMine,
            .roomKnock(room: "a", message: "m"), .roomKnocks(room: "a"), .roomAdmit(room: "a", user: 1),
            .roomRefuse(room: "a", user: 1, reason: nil), .roomLobby(room: "a", user: nil, text: "t"),
            .roomReturnToLobby(room: "a", user: 1),
            .modDelete(room: "a", seq: 1, reason: nil), .modApprove(room: "a", seq: 1), .modRestrict(room: "a", user: 1, ban: false, minutes: nil, reason: nil),
            .modLift(room: "a", user: 1, ban: false), .modRestrict(room: "a", user: 1, ban: true, minutes: 5, reason: nil),
            .modLift(room: "a", user: 1, ban: true), .modRemove(room: "a", user: 1, reason: nil),
            .modReport(room: "a", seq: 1, reason: "r"), .modReports(room: "a"), .modDecide(report: 1, resolved: true, note: nil),
            .inviteCreate(room: "a", hours: 1, uses: 1), .inviteList(room: "a"), .inviteRevoke(id: 1),
            .roomSettings(room: "a", name: "n", joinRule: nil, premoderated: nil, history: nil), .roomInspect(room: "a", reason: "r"),
            .roomPermissions(room: "a", role: .member, permissions: nil), .roomMembers(room: "a"),
            .admin(.users), .admin(.rooms), .admin(.addUser(login: "l", name: "n", role: .teacher, group: nil)),
            .admin(.linkParent(parent: 1, child: 2)), .admin(.setMinor(user: 1, minor: true)),
            .admin(.revokeSessions(user: 1)), .admin(.addRoom(RoomRecord(id: "r", name: "R", kind: .lounge))),
            .admin(.setMember(room: "r", user: 1, role: nil)),
        ] + CollabMessage.typeNames.indices.map { _ in ClientMessage.collab(room: "a", .docList) }
        let callSamples: [CallMessage] = [
            .join(mic: false, camera: false), .leave, .signal(to: 1, kind: .ice, data: .object([])), .media(mic: true, camera: nil),
            .hand(raised: true), .present(on: true), .state, .ice, .mute(user: 1), .lowerHand(user: 1), .remove(user: 1), .end,
            .breakout(groups: nil), .poll(question: "q", options: ["a", "b"]), .vote(poll: 1, option: 0), .pollClose(poll: 1),
        ]
        #expect(callSamples.map(\.typeName) == CallMessage.typeNames)
        #expect(callSamples.map { ClientMessage.rtc(room: "a", $0).room } == callSamples.map { _ in "a" })
        let collabSamples: [CollabMessage] = [
            .docList, .docCreate(title: "t", id: nil), .docOpen(doc: "d"), .docClose(doc: "d"),
            .docOp(doc: "d", rev: 0, op: TextOperation(), nonce: "n"), .docOps(doc: "d", after: 0, limit: 1),
            .docCursor(doc: "d", rev: 0, anchor: 0, head: 0), .docRename(doc: "d", title: "t"), .docLock(doc: "d", locked: true),
            .docHistory(doc: "d", before: nil, limit: 1), .docRevision(doc: "d", rev: 0), .docRestore(doc: "d", rev: 0),
            .boardOpen, .boardOp(op: .cardDelete(id: "c"), nonce: "n"), .boardLock(locked: true), .boardHistory(before: nil, limit: 1),
            .boardRevision(rev: 0), .boardRestore(rev: 0), .contributions, .follow(nil),
        ]
        #expect(collabSamples.map(\.typeName) == CollabMessage.typeNames)
        #expect(samples.dropLast(CollabMessage.typeNames.count).map(\.typeName) + collabSamples.map(\.typeName)
                + callSamples.map(\.typeName) == ClientMessage.typeNames)
        #expect(samples.map(\.room) == [nil, nil, nil, "a", "a", "a", "a", "a", "a", "a", "a", nil, nil, "a", "a", "a", "a", "a", "a",
                                         "a", "a", "a", "a", "a", "a", "a", "a", "a", nil, "a", "a", nil, "a", "a", "a", "a",
                                         nil, nil, nil, nil, nil, nil, nil, nil]
                                        + Array(repeating: "a", count: CollabMessage.typeNames.count))
    }

    @Test func refIsCarried() {
        guard case .success(let f) = decode(#"{"type":"ping","ref":"r1"}"#) else { Issue.record("ping failed"); return }
        #expect(f.ref == "r1")
        #expect(error(#"{"type":"join","ref":"r2"}"#)?.ref == "r2")
        #expect(error(#"{"type":"nope","ref":"r3"}"#)?.ref == "r3")
    }

    @Test func refLimits() throws {
        let r64 = String(repeating: "я", count: 64), r65 = String(repeating: "a", count: 65)
        #expect(try decode(#"{"type":"ping","ref":"\#(r64)"}"#).get().ref == r64)
        let e = error(#"{"type":"ping","ref":"\#(r65)"}"#)
        #expect(e?.code == .badRequest && e?.ref == nil && e?.message.contains("'ref'") == true)
        let e2 = error(#"{"type":"ping","ref":5}"#)
        #expect(e2?.code == .badRequest && e2?.ref == nil && e2?.message.contains("'ref'") == true)
        // A null ref is the same as none.
        #expect(try decode(#"{"type":"ping","ref":null}"#).get().ref == nil)
    }

    @Test func notJSONOrNotObject() {
        for text in ["", "not json", "{\"type\":", "[1]", "\"ping\"", "42", "null"] {
            let e = error(text)
            #expect(e?.code == .badRequest, "\(text)")
            #expect(e?.ref == nil)
        }
        #expect(error("[1]")?.message == "The message must be a JSON object.")
        #expect(error("{")?.message.hasPrefix("The message is not valid JSON") == true)
    }

    @Test func typeRules() {
        #expect(error(#"{"ref":"a"}"#) == WireError(.badRequest, "The field 'type' is required.", ref: "a"))
        #expect(error(#"{"type":7}"#) == WireError(.badRequest, "The field 'type' must be a string."))
        #expect(error(#"{"type":"x"}"#) == WireError(.badRequest, "Unknown message type 'x'."))
        #expect(error(#"{"type":"Chat.send"}"#)?.message == "Unknown message type 'Chat.send'.")
        for ns in ["poll.", "survey.", "schedule."] {
            let e = error(#"{"type":"\#(ns)create","ref":"q"}"#)
            #expect(e?.code == .badRequest)
            #expect(e?.ref == "q")
            #expect(e?.message.contains("reserved for a later version") == true, "\(ns)")
            #expect(e?.message.contains("'\(ns)*'") == true)
        }
        // Namespaces in use answer unknown types plainly.
        for type in ["room.frobnicate", "mod.frobnicate", "invite.frobnicate", "doc.frobnicate", "board.frobnicate", "rtc.frobnicate"] {
            #expect(error(#"{"type":"\#(type)"}"#)?.message == "Unknown message type '\(type)'.")
        }
        // A huge bogus type is not echoed in full.
        let long = String(repeating: "x", count: 1000)
        #expect((error(#"{"type":"\#(long)"}"#)?.message.count ?? 0) < 120)
    }

    @Test func extraFieldsAreIgnored() {
        #expect(message(#"{"type":"join","room":"r","since":1,"future":{"a":[1]}}"#) == .join(room: "r", since: 1))
    }

    @Test func roomRules() {
        #expect(error(#"{"type":"join"}"#)?.message == "The field 'room' is required.")
        for bad in [#""""#, #""Lounge""#, #""a b""#, "5", "true", #""\#(String(repeating: "a", count: 65))""#, #""комната""#] {
            let e = error(#"{"type":"leave","room":\#(bad)}"#)
            #expect(e?.code == .badRequest, "\(bad)")
            #expect(e?.message.contains("'room'") == true)
        }
        #expect(message(#"{"type":"leave","room":"\#(String(repeating: "a", count: 64))"}"#) != nil)
    }

    @Test func integerRules() {
        #expect(message(#"{"type":"join","room":"r","since":5.0}"#) == .join(room: "r", since: 5))
        #expect(message(#"{"type":"join","room":"r","since":null}"#) == .join(room: "r", since: nil))
        #expect(error(#"{"type":"join","room":"r","since":-1}"#)?.message == "The field 'since' must be an integer of at least 0.")
        #expect(error(#"{"type":"join","room":"r","since":5.5}"#)?.code == .badRequest)
        #expect(error(#"{"type":"join","room":"r","since":"5"}"#)?.code == .badRequest)
        #expect(error(#"{"type":"chat.delete","room":"r"}"#)?.message == "The field 'seq' is required.")
        #expect(error(#"{"type":"chat.delete","room":"r","seq":0}"#)?.message == "The field 'seq' must be an integer of at least 1.")
        #expect(message(#"{"type":"chat.delete","room":"r","seq":1}"#) == .chatDelete(room: "r", seq: 1))
        #expect(error(#"{"type":"history","room":"r","before":0}"#)?.message.contains("'before'") == true)
        #expect(error(#"{"type":"history","room":"r","limit":0}"#)?.message.contains("'limit'") == true)
        #expect(error(#"{"type":"history","room":"r","limit":1.5}"#)?.code == .badRequest)
    }

    @Test func historyLimitDefaultsAndClamps() {
        #expect(message(#"{"type":"history","room":"r"}"#) == .history(room: "r", before: nil, limit: 50))
        #expect(message(#"{"type":"history","room":"r","limit":200}"#) == .history(room: "r", before: nil, limit: 200))
        #expect(message(#"{"type":"history","room":"r","only":"chat"}"#) == .history(room: "r", before: nil, limit: 50, chatOnly: true))
        #expect(error(#"{"type":"history","room":"r","only":"docs"}"#)?.code == .badRequest)
        #expect(message(#"{"type":"history","room":"r","limit":201}"#) == .history(room: "r", before: nil, limit: 200))
        #expect(message(#"{"type":"history","room":"r","limit":1000000000000000000}"#) == .history(room: "r", before: nil, limit: 200))
        let small = ProtocolLimits(maxTextChars: 10, historyMax: 20)
        #expect(small.historyDefault == 20)
        #expect(message(#"{"type":"history","room":"r","limit":99}"#, limits: small) == .history(room: "r", before: nil, limit: 20))
    }

    @Test func textLengthCountsCodePoints() {
        let max = limits.maxTextChars
        #expect(message(send(String(repeating: "a", count: max))) != nil)
        let over = error(send(String(repeating: "a", count: max + 1)))
        #expect(over?.code == .tooLarge)
        #expect(over?.message.contains("'text'") == true)
        // Cyrillic: 2 UTF-8 bytes, 1 code point each.
        #expect(message(send(String(repeating: "ж", count: max))) != nil)
        #expect(error(send(String(repeating: "ж", count: max + 1)))?.code == .tooLarge)
        // 😀 is 1 code point (2 UTF-16 units); a family emoji is 1 grapheme but 5 code points.
        #expect(message(send(String(repeating: "😀", count: max))) != nil)
        #expect(error(send(String(repeating: "😀", count: max + 1)))?.code == .tooLarge)
        let family = "👨‍👩‍👧"  // 5 code points
        let tiny = ProtocolLimits(maxTextChars: 5)
        #expect(message(send(family), limits: tiny) != nil)
        #expect(error(send(family + "a"), limits: tiny)?.code == .tooLarge)
    }

    @Test func textMustHaveContent() {
        #expect(error(#"{"type":"chat.send","room":"r"}"#)?.message == "The field 'text' is required.")
        #expect(error(#"{"type":"chat.send","room":"r","text":5}"#)?.message == "The field 'text' must be a string.")
        for blank in ["", " ", "\n\t ", "\u{00A0}\u{3000}"] {
            let e = error(send(blank))
            #expect(e?.code == .badRequest, "\(blank.unicodeScalars.map(\.value))")
            #expect(e?.message.contains("empty") == true)
        }
        #expect(error(#"{"type":"chat.edit","room":"r","seq":1,"text":"  "}"#)?.code == .badRequest)
        #expect(message(send(" x ")) == .chatSend(room: "lounge", text: " x ", nonce: nil))
    }

    @Test func nonceRules() {
        func withNonce(_ nonce: JSON) -> String {
            JSON.object([("type", "chat.send"), ("room", "r"), ("text", "t"), ("nonce", nonce)]).encodedString()
        }
        #expect(message(withNonce(.string(String(repeating: "n", count: 128)))) != nil)
        #expect(error(withNonce(.string(String(repeating: "n", count: 129))))?.message.contains("'nonce'") == true)
        #expect(error(withNonce(""))?.code == .badRequest)
        #expect(error(withNonce(7))?.message == "The field 'nonce' must be a string.")
        #expect(message(withNonce(nil)) == .chatSend(room: "r", text: "t", nonce: nil))
    }

    @Test func helloTokenMustBeAString() {
        #expect(error(#"{"type":"hello","token":1}"#)?.message == "The field 'token' must be a string.")
    }
}
