// atrium-bench collab-board: N writers change one board at once, everyone receives everything
// (issue 5). Each writer sends `board.op` card.set (title) and card.move operations on a set of
// pre-created cards at a fixed rate, optimistically (several in flight, as the browser does:
// an operation is shown at once and sent at once), and keeps its own copy of the board from
// the events (the confirmed board of BoardReplica) to pick real neighbours for its moves.

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

struct CollabBoardLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collab-board",
        abstract: "N writers changing one board (card.set / card.move), everyone receiving everything: latency from send to every other client, per writer-count step.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var load: CollabLoadOptions
    @Option(help: "Columns on the bench board (created if missing).") var columns = 3
    @Option(help: "Cards on the bench board (created if missing).") var cards = 50

    func run() throws {
        let (host, port) = try server.endpoint()
        let token = try server.sessionToken(host: host, port: port)
        let room = load.room
        let (columnIDs, cardIDs, rev) = try prepareBoard(host: host, port: port, token: token, room: room, columns: columns, cards: cards)
        let interval = Int64(1e6 / load.rate)
        try runCollabSteps(kind: "board", options: load, host: host, port: port, token: token,
                           describe: "the board of room '\(room)' (\(columnIDs.count) columns, \(cardIDs.count) cards, rev \(rev) before the run); half card.set title, half card.move, board.op with ref, no limit on operations in flight",
                           make: { i, sched, tag in
                               BoardLoadClient(index: i, tag: tag, schedule: sched, room: room, interval: interval,
                                               columns: columnIDs, cards: cardIDs)
                           })
    }
}

/// Opens the room's board and creates the bench columns and cards that are missing.
func prepareBoard(host: String, port: Int, token: String, room: String, columns: Int, cards: Int) throws
    -> ([String], [String], Int64) {
    let s = try openCollabSocket(host: host, port: port, token: token, room: room)
    defer { s.close() }
    let opened = try s.request(JSONObject([("type", "board.open"), ("room", .string(room))]))
    guard let b = opened["board"] else { throw LoadSocketError("board.open answered \(opened.encodedString())") }
    let board = try Board(json: b)
    var rev = b["rev"]?.intValue ?? 0
    let columnIDs = (0..<columns).map { "bench-col-\($0)" }
    let cardIDs = (0..<cards).map { "bench-card-\($0)" }
    let columnKeys = PositionKey.spread(count: columns)
    let cardKeys = PositionKey.spread(count: cards)
    var ops: [BoardOp] = []
    for (i, id) in columnIDs.enumerated() where board.columns[id] == nil {
        ops.append(.columnCreate(id: id, title: "Bench \(i + 1)", pos: columnKeys[i], wip: nil))
    }
    for (i, id) in cardIDs.enumerated() where board.cards[id] == nil {
        ops.append(.cardCreate(id: id, column: columnIDs[i % columns], pos: cardKeys[i], title: "Card \(i + 1)"))
    }
    let runTag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    for (i, op) in ops.enumerated() {
        while true {
            let ok = try s.request(JSONObject([("type", "board.op"), ("room", .string(room)), ("op", op.json),
                                               ("nonce", .string("setup-\(runTag)-\(i)"))]))
            if ok["code"]?.stringValue == "rate_limited" { sleepSeconds(0.5); continue }
            guard ok["type"]?.stringValue == "ok", let r = ok["rev"]?.intValue else {
                throw LoadSocketError("setting up the board (\(op.kind)): \(ok.encodedString())")
            }
            rev = r
            break
        }
    }
    return (columnIDs, cardIDs, rev)
}

final class BoardLoadClient: CollabLoadClient {
    let room: String
    let interval: Int64
    let columns: [String]
    let cardIDs: [String]
    private var board = Board()
    private var rev: Int64 = 0
    private var pending = Set<String>()
    private var nextOp: Int64 = .max
    private var count: UInt64 = 0
    private var writes: Int = 0

    init(index: Int, tag: String, schedule: StepSchedule, room: String, interval: Int64, columns: [String], cards: [String]) {
        self.room = room
        self.interval = interval
        self.columns = columns
        self.cardIDs = cards
        super.init(index: index, tag: tag, schedule: schedule)
    }

    override func setUp(host: String, port: Int, token: String, room: String) throws {
        try super.setUp(host: host, port: port, token: token, room: room)
        let ok = try socket.request(JSONObject([("type", "board.open"), ("room", .string(room))]))
        guard let b = ok["board"], let r = b["rev"]?.intValue else { throw LoadSocketError("board.open answered \(ok.encodedString())") }
        board = try Board(json: b)
        rev = r
    }

    override func didInstall() {
        nextOp = schedule.start + Int64(random(Int(interval)))
    }

    override var nextDue: Int64 { nextOp }
    override var isSettled: Bool { pending.isEmpty }

    override func tick(now: Int64) throws {
        guard now < schedule.windowEnd else { nextOp = .max; return }
        var n = 0
        while nextOp <= now && n < 20 {
            try sendOp()
            nextOp += interval
            n += 1
        }
        if nextOp <= now { nextOp = now + interval }
    }

    private func randomKey() -> String {
        let digits = Array(PositionKey.alphabet)
        var s = ""
        for _ in 0..<3 { s.append(digits[random(62)]) }
        s.append(digits[1 + random(61)])
        return s
    }

    private func sendOp() throws {
        let card = cardIDs[random(cardIDs.count)]
        let op: BoardOp
        if chance(0.5) {
            writes += 1
            op = .cardSet(id: card, field: .title("Card \(card.split(separator: "-").last ?? "") · w\(index) #\(writes)"))
        } else {
            let column = columns[random(columns.count)]
            let others = board.cards(inColumn: column).filter { $0.id != card }
            let at = random(others.count + 1)
            let before = at > 0 ? others[at - 1].pos : nil
            var after = at < others.count ? others[at].pos : nil
            if let b = before, let a = after, !PositionKey.less(b, a) { after = nil }  // two cards at one key
            var pos = PositionKey.between(before, after)
            if pos.utf8.count > 16 { pos = randomKey() }  // stands in for respacing a crowded column
            op = .cardMove(id: card, column: column, pos: pos)
        }
        count += 1
        let nonce = NonceStamp.make(tag: tag, writer: index, n: count, sent: microsNow(), firstKey: 0)
        let ref = socket.nextRef()
        pendingRefs[ref] = nonce
        pending.insert(nonce)
        try socket.send(.object(JSONObject([("type", "board.op"), ("room", .string(room)), ("op", op.json),
                                            ("nonce", .string(nonce)), ("ref", .string(ref))])))
        stats.opsSentTotal += 1
        if let s = NonceStamp.parse(nonce, tag: tag), schedule.inWindow(s.sent) { stats.opsSent += 1 }
    }

    private static let eventPrefix = LineScanner.bytes(#"{"type":"event""#)
    private static let kindKey = LineScanner.bytes(#""kind":"board.op""#)
    private static let actorKey = LineScanner.bytes(#""actor":"#)
    private static let revKey = LineScanner.bytes(#""rev":"#)
    private static let opKey = LineScanner.bytes(#""op":"#)
    private static let nonceKey = LineScanner.bytes(#""nonce":""#)

    /// A `board.op` event with only its operation parsed as JSON (type, room, seq, at, kind,
    /// actor, rev, op, nonce — in the server's order); anything unexpected goes to the parser.
    override func handleFast(_ b: UnsafeBufferPointer<UInt8>, now: Int64) throws -> Bool {
        let sc = LineScanner(b: b)
        guard sc.hasPrefix(Self.eventPrefix), let k = sc.after(Self.kindKey, from: Self.eventPrefix.count),
              let a = sc.after(Self.actorKey, from: k), let (actor, aEnd) = sc.int(at: a),
              let r = sc.after(Self.revKey, from: aEnd), let (newRev, rEnd) = sc.int(at: r),
              let o = sc.after(Self.opKey, from: rEnd), o < b.count, b[o] == UInt8(ascii: "{"),
              let oEnd = sc.containerEnd(at: o),
              let n = sc.after(Self.nonceKey, from: oEnd), let nEnd = sc.plainStringEnd(at: n) else { return false }
        let st = stamp(b, n..<nEnd)
        let own = st?.writer == index
        apply(opBytes: Array(UnsafeBufferPointer(rebasing: b[o..<oEnd])), opJSON: nil, actor: actor, rev: newRev,
              ownNonce: own ? sc.string(n..<nEnd) : nil)
        noteDelivery(st, now: now)
        return true
    }

    private func apply(opBytes: [UInt8]?, opJSON: JSON?, actor: Int64, rev r: Int64, ownNonce: String?) {
        if let ownNonce { pending.remove(ownNonce) }
        guard r > rev else { return }  // already in the board.open snapshot
        if r != rev + 1 { noteClientError("board revisions \(rev + 1)…\(r - 1) missing") }
        rev = r
        do {
            let json = try opJSON ?? JSON.parse(opBytes ?? [])
            try board.apply(try BoardOp(json: json), actor: actor, atMillis: 0)
        } catch {
            noteClientError("board.op rev \(r) does not apply to the replica: \(error)")
        }
    }

    override func handle(_ m: JSON, now: Int64) throws {
        switch m["type"]?.stringValue {
        case "event":
            guard m["kind"]?.stringValue == "board.op", let r = m["rev"]?.intValue, let opJSON = m["op"],
                  let nonce = m["nonce"]?.stringValue else { return }
            apply(opBytes: nil, opJSON: opJSON, actor: m["actor"]?.intValue ?? 0, rev: r,
                  ownNonce: pending.contains(nonce) ? nonce : nil)
            noteDelivery(nonce: nonce, now: now)
        case "ok", "error":
            let (nonce, isError) = noteReply(m)
            if isError, let nonce { pending.remove(nonce) }  // refused: no event will come
        default:
            return
        }
    }
}
