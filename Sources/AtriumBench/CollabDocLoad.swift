// atrium-bench collab-doc: N writers type into one document at once, everyone receives
// everything (issue 5). Each writer is a real WebSocket client driving AtriumCore's DocClient,
// as the browser does: at most one operation in flight, keystrokes typed meanwhile composed
// into one buffer sent on the acknowledgement — so when the round trip grows, a writer's
// 10 keystrokes/s become fewer, larger operations (both rates are reported).

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

struct CollabDocLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collab-doc",
        abstract: "N writers typing into one document, everyone receiving everything: latency from send to every other client, per writer-count step.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var load: CollabLoadOptions
    @Option(help: "Document id in the room (created if missing).") var doc = "bench-doc"
    @Option(help: "Length in code points the typing keeps the document near (filled up before the first step).")
    var docChars = 1000

    func run() throws {
        let (host, port) = try server.endpoint()
        let token = try server.sessionToken(host: host, port: port)
        let room = load.room, docID = doc, target = docChars
        let (length, rev) = try prepareDocument(host: host, port: port, token: token, room: room, doc: docID, chars: target)
        let interval = Int64(1e6 / load.rate)
        try runCollabSteps(kind: "doc", options: load, host: host, port: port, token: token,
                           describe: "document '\(docID)' (\(length) code points at rev \(rev) before the run, kept near \(target)); DocClient, one operation in flight per writer, doc.op with ref",
                           make: { i, sched, tag in
                               DocLoadClient(index: i, tag: tag, schedule: sched, room: room, doc: docID, interval: interval, target: target)
                           })
    }
}

/// Creates the document if it does not exist and fills it up to `chars` code points.
/// Returns its length and revision.
func prepareDocument(host: String, port: Int, token: String, room: String, doc: String, chars: Int) throws -> (Int, Int64) {
    let s = try openCollabSocket(host: host, port: port, token: token, room: room)
    defer { s.close() }
    let created = try s.request(JSONObject([("type", "doc.create"), ("room", .string(room)), ("title", "Bench document"), ("id", .string(doc))]))
    if created["type"]?.stringValue != "ok" && created["code"]?.stringValue != "conflict" {
        throw LoadSocketError("doc.create answered \(created.encodedString())")
    }
    let opened = try s.request(JSONObject([("type", "doc.open"), ("room", .string(room)), ("doc", .string(doc))]))
    guard let d = opened["doc"], let text = d["text"]?.stringValue, let rev = d["rev"]?.intValue else {
        throw LoadSocketError("doc.open answered \(opened.encodedString())")
    }
    let length = text.unicodeScalars.count
    guard length < chars else { return (length, rev) }
    let words = ["проект", "school", "board", "идея", "plan", "текст", "draft", "вопрос", "notes", "ёлка"]
    var fill = ""
    var i = 0
    while fill.unicodeScalars.count < chars - length {
        fill += words[i % words.count] + (i % 12 == 11 ? "\n" : " ")
        i += 1
    }
    let scalars = Array(fill.unicodeScalars.prefix(chars - length))
    var op = TextOperation()
    op.retain(length)
    op.insert(scalars: scalars)
    let ok = try s.request(JSONObject([("type", "doc.op"), ("room", .string(room)), ("doc", .string(doc)), ("rev", .int(rev)),
                                       ("op", op.json), ("nonce", .string("fill-\(UInt32.random(in: 0...UInt32.max))"))]))
    guard ok["type"]?.stringValue == "ok", let newRev = ok["rev"]?.intValue else {
        throw LoadSocketError("filling the document: \(ok.encodedString())")
    }
    return (chars, newRev)
}

/// Read by the nonce maker inside DocClient: the time of the oldest keystroke in the
/// operation being made (one per writer, used by its worker thread only).
final class KeystrokeStamp: @unchecked Sendable {
    var firstKey: Int64 = 0
}

final class DocLoadClient: CollabLoadClient {
    let room: String
    let docID: String
    let interval: Int64
    let target: Int
    private var client = DocClient()
    private let keyStamp = KeystrokeStamp()
    /// Oldest keystroke in the buffer (0 when there is none).
    private var bufferFirstKey: Int64 = 0
    private var cursor = 0
    private var nextKey: Int64 = .max
    private var broken = false
    private static let letters: [Unicode.Scalar] = Array("etaoinshrdlu etaoin shrdlu cmfwyp   ёжик".unicodeScalars)

    init(index: Int, tag: String, schedule: StepSchedule, room: String, doc: String, interval: Int64, target: Int) {
        self.room = room
        self.docID = doc
        self.interval = interval
        self.target = target
        super.init(index: index, tag: tag, schedule: schedule)
    }

    override func setUp(host: String, port: Int, token: String, room: String) throws {
        try super.setUp(host: host, port: port, token: token, room: room)
        let ok = try socket.request(JSONObject([("type", "doc.open"), ("room", .string(room)), ("doc", .string(docID))]))
        guard let d = ok["doc"], let text = d["text"]?.stringValue, let rev = d["rev"]?.intValue else {
            throw LoadSocketError("doc.open answered \(ok.encodedString())")
        }
        let tag = self.tag, index = self.index, stamp = self.keyStamp
        client = DocClient(text: Array(text.unicodeScalars), rev: rev, makeNonce: { n in
            NonceStamp.make(tag: tag, writer: index, n: n, sent: microsNow(), firstKey: stamp.firstKey)
        })
        cursor = random(client.text.count + 1)
    }

    override func didInstall() {
        nextKey = schedule.start + Int64(random(Int(interval)))
    }

    override var nextDue: Int64 { broken ? .max : nextKey }
    override var isSettled: Bool { broken || client.isSynchronized }

    override func tick(now: Int64) throws {
        guard now < schedule.windowEnd else { nextKey = .max; return }
        var keys = 0
        while nextKey <= now && keys < 20 && !broken {
            try keystroke(now: now)
            nextKey += interval
            keys += 1
        }
        if nextKey <= now { nextKey = now + interval }  // fell far behind: do not burst
    }

    private func keystroke(now: Int64) throws {
        if schedule.inWindow(now) { stats.keystrokes += 1 }
        let length = client.text.count
        if chance(0.02) { cursor = random(length + 1) }  // a click elsewhere
        cursor = min(max(cursor, 0), length)
        let insert = cursor == 0 || (length < target ? chance(0.75) : chance(0.45))
        var op = TextOperation()
        if insert {
            op.retain(cursor)
            op.insert(scalars: [Self.letters[random(Self.letters.count)]])
            op.retain(length - cursor)
            cursor += 1
        } else {
            op.retain(cursor - 1)
            op.delete(1)
            op.retain(length - cursor)
            cursor -= 1
        }
        // This keystroke is the oldest of the operation made now, or of the buffer it starts.
        keyStamp.firstKey = now
        if case .awaiting = client.state { bufferFirstKey = now }
        do {
            if let out = try client.edit(op) { try send(out) }
        } catch let e as TextOperationError {
            broken = true
            noteClientError("local edit: \(e)")
        }
    }

    private func send(_ out: DocClient.Outgoing) throws {
        let ref = socket.nextRef()
        pendingRefs[ref] = out.nonce
        try socket.send(.object(JSONObject([
            ("type", "doc.op"), ("room", .string(room)), ("doc", .string(docID)), ("rev", .int(out.baseRev)),
            ("op", out.op.json), ("nonce", .string(out.nonce)), ("ref", .string(ref)),
        ])))
        stats.opsSentTotal += 1
        if let s = NonceStamp.parse(out.nonce, tag: tag), schedule.inWindow(s.sent) { stats.opsSent += 1 }
    }

    private static let eventPrefix = LineScanner.bytes(#"{"type":"event""#)
    private static let kindKey = LineScanner.bytes(#""kind":"doc.op""#)
    private static let docKey = LineScanner.bytes(#""doc":""#)
    private static let revKey = LineScanner.bytes(#""rev":"#)
    private static let opKey = LineScanner.bytes(#""op":["#)
    private static let nonceKey = LineScanner.bytes(#""nonce":""#)
    private lazy var docBytes = LineScanner.bytes(docID)

    /// A `doc.op` event read straight from its bytes (type, room, seq, at, kind, actor, doc, rev,
    /// op, nonce — in the server's order); anything unexpected goes to the JSON parser.
    override func handleFast(_ b: UnsafeBufferPointer<UInt8>, now: Int64) throws -> Bool {
        let sc = LineScanner(b: b)
        guard sc.hasPrefix(Self.eventPrefix), let k = sc.after(Self.kindKey, from: Self.eventPrefix.count),
              let d = sc.after(Self.docKey, from: k), let dEnd = sc.plainStringEnd(at: d) else { return false }
        guard sc.equals(d..<dEnd, docBytes) else { return true }  // another document: not ours to follow
        guard let r = sc.after(Self.revKey, from: dEnd), let (rev, rEnd) = sc.int(at: r),
              var i = sc.after(Self.opKey, from: rEnd) else { return false }
        var op = TextOperation()
        while true {
            guard i < b.count else { return false }
            let c = b[i]
            if c == UInt8(ascii: "]") { i += 1; break }
            if c == UInt8(ascii: "\"") {
                guard let end = sc.plainStringEnd(at: i + 1), end > i + 1 else { return false }
                op.insert(scalars: Array(sc.string((i + 1)..<end).unicodeScalars))
                i = end + 1
            } else {
                guard let (v, end) = sc.int(at: i), v != 0 else { return false }
                if v > 0 { op.retain(Int(v)) } else { op.delete(Int(-v)) }
                i = end
            }
            guard i < b.count else { return false }
            if b[i] == UInt8(ascii: ",") { i += 1 } else if b[i] != UInt8(ascii: "]") { return false }
        }
        guard let n = sc.after(Self.nonceKey, from: i), let nEnd = sc.plainStringEnd(at: n) else { return false }
        let st = stamp(b, n..<nEnd)
        // Only our own nonce needs to be a String (DocClient compares it with the one in flight).
        let nonce = st?.writer == index ? sc.string(n..<nEnd) : ""
        apply(op, rev: rev, nonce: nonce)
        noteDelivery(st, now: now)
        return true
    }

    private func apply(_ op: TextOperation, rev: Int64, nonce: String) {
        guard !broken else { return }
        do {
            // If this is our acknowledgement, the buffer goes out now: its oldest keystroke.
            keyStamp.firstKey = bufferFirstKey
            if let out = try client.receive(op: op, rev: rev, nonce: nonce) {
                bufferFirstKey = 0
                try send(out)
            }
            cursor = client.transformCursor(cursor)
        } catch {
            broken = true
            noteClientError("event rev \(rev): \(error)")
        }
    }

    override func handle(_ m: JSON, now: Int64) throws {
        switch m["type"]?.stringValue {
        case "event":
            guard m["kind"]?.stringValue == "doc.op", m["doc"]?.stringValue == docID,
                  let rev = m["rev"]?.intValue, let opJSON = m["op"], let nonce = m["nonce"]?.stringValue else { return }
            do {
                let op = try TextOperation(json: opJSON, limits: TextOperationLimits(maxComponents: 1 << 30, maxInsertChars: 1 << 30))
                apply(op, rev: rev, nonce: nonce)
            } catch {
                broken = true
                noteClientError("event rev \(rev): \(error)")
                return
            }
            noteDelivery(nonce: nonce, now: now)
        case "ok", "error":
            let (nonce, isError) = noteReply(m)
            // An operation refused is never acknowledged: this writer cannot go on.
            if isError && nonce != nil { broken = true }
        default:
            return
        }
    }
}
