import Foundation
import Testing
@testable import AtriumCore

// Property tests of docs/collab.md "Operations": many random sessions of 2–5 clients editing one
// board through a simulated server. Each client makes changes on its own view (positions from
// PositionKey.between on what it sees), its channel to the server and the server's channel to it
// are FIFO but delayed independently (so different clients' messages interleave in every
// possible way), and clients go offline for a while and come back. The server applies in
// arrival order, refuses what does not fit (telling only the sender) and broadcasts what it
// accepts. When everything has been delivered:
// - every replica's view == its confirmed board == the server's board (convergence);
// - every operation sent was accepted or refused exactly once, every accepted one reached every
//   client, and replaying the server's log rebuilds its board (nothing lost);
// - every field of every column and card holds the value of the last accepted operation that
//   set it (last write wins per field, not per card).
//
// Deterministic: session i runs from a seed derived from i. A failure names its seed; rerun just
// that session with BOARD_SEED=<seed> (and BOARD_SESSIONS=<n> runs more sessions).

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny PRNG whose sequence depends only on the seed.
struct BoardSplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0..<n
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}

@Suite("Board convergence (property)")
struct BoardConvergencePropertyTests {
    static var sessionCount: Int { ProcessInfo.processInfo.environment["BOARD_SESSIONS"].flatMap(Int.init) ?? 1_000 }

    static func seed(forSession i: Int) -> UInt64 {
        var g = BoardSplitMix64(seed: 0xB0A2_D5EE_D000_0000 &+ UInt64(i))
        return g.next()
    }

    @Test func randomSessionsConverge() {
        if let one = ProcessInfo.processInfo.environment["BOARD_SEED"].flatMap({ UInt64($0) }) {
            var session = BoardSession(seed: one)
            let failure = session.run()
            #expect(failure == nil, "seed \(one): \(failure ?? "")")
            return
        }
        var totals = BoardSession.Totals()
        for i in 0..<Self.sessionCount {
            let seed = Self.seed(forSession: i)
            var session = BoardSession(seed: seed)
            if let failure = session.run() {
                Issue.record("session \(i), seed \(seed) (rerun with BOARD_SEED=\(seed)): \(failure)")
                return
            }
            totals.add(session)
        }
        // The sessions must actually exercise the interesting cases, not just succeed vacuously.
        #expect(totals.accepted > 20 * Self.sessionCount)
        #expect(totals.refusedByServer > Self.sessionCount / 2, "server refusals: \(totals.refusedByServer)")
        #expect(totals.droppedByReplicas > Self.sessionCount / 10, "replica drops: \(totals.droppedByReplicas)")
        #expect(totals.kinds.count == BoardOp.kinds.count, "kinds accepted: \(totals.kinds.sorted())")
        // Valid operations only, so the server refuses for not_found and conflict, never bad_request;
        // and every kind of conflict of docs/collab.md happens (ids in use, WIP limits, archived
        // columns, deleting a column with cards, comment ids in use).
        #expect(!totals.refusalCodes.contains { $0.hasSuffix(":badRequest") }, "\(totals.refusalCodes.sorted())")
        let expected: Set = ["column.create:conflict", "column.delete:conflict", "card.create:conflict", "card.move:conflict",
                             "card.restore:conflict", "card.comment:conflict", "card.set:notFound", "card.move:notFound",
                             "card.create:notFound", "column.set:notFound"]
        #expect(expected.isSubset(of: totals.refusalCodes), "refusals seen: \(totals.refusalCodes.sorted())")
    }

    /// The rule by name: two people set different fields of one card at the same time — both stay.
    @Test func concurrentSetsOfDifferentFieldsBothSurvive() throws {
        var net = BoardNet(clients: 2)
        try net.local(0, .columnCreate(id: "c", title: "Col", pos: "V", wip: nil))
        try net.local(0, .cardCreate(id: "k", column: "c", pos: "V", title: "Card"))
        net.drain()
        // Neither has heard of the other's change when making its own.
        try net.local(0, .cardSet(id: "k", field: .title("Title by 1")))
        try net.local(1, .cardSet(id: "k", field: .due("2025-06-01")))
        try net.local(1, .cardMove(id: "k", column: "c", pos: "k"))
        try net.local(0, .cardSet(id: "k", field: .labels(["by-1"])))
        net.deliverUp(1); net.deliverUp(0); net.deliverUp(1); net.deliverUp(0)
        net.drain()
        let card = try #require(net.server.cards["k"])
        #expect(card.title == "Title by 1" && card.due == "2025-06-01" && card.pos == "k" && card.labels == ["by-1"])
        for c in net.clients {
            #expect(c.replica.view == net.server && c.replica.confirmed == net.server && c.replica.pending.isEmpty)
        }
    }

    /// Same field at once: the one the server applied last wins, everywhere.
    @Test func concurrentSetsOfOneFieldLastWinsEverywhere() throws {
        var net = BoardNet(clients: 3)
        try net.local(0, .columnCreate(id: "c", title: "Col", pos: "V", wip: nil))
        try net.local(0, .cardCreate(id: "k", column: "c", pos: "V", title: "Card"))
        net.drain()
        try net.local(0, .cardSet(id: "k", field: .title("A")))
        try net.local(1, .cardSet(id: "k", field: .title("B")))
        try net.local(2, .cardSet(id: "k", field: .title("C")))
        net.deliverUp(2); net.deliverUp(0); net.deliverUp(1)
        // Before hearing anything, each still sees its own.
        #expect(net.clients.map { $0.replica.view.cards["k"]?.title } == ["A", "B", "C"])
        net.drain()
        #expect(net.server.cards["k"]?.title == "B")
        #expect(net.clients.allSatisfy { $0.replica.view == net.server })
    }

    /// Two people drop cards into the same gap and pick the same key: both stay, ordered by id.
    @Test func samePositionKeyFromTwoPeopleOrdersByID() throws {
        var net = BoardNet(clients: 2)
        try net.local(0, .columnCreate(id: "c", title: "Col", pos: "V", wip: nil))
        try net.local(0, .cardCreate(id: "top", column: "c", pos: "V", title: "Top"))
        try net.local(0, .cardCreate(id: "bottom", column: "c", pos: "k", title: "Bottom"))
        net.drain()
        let key = PositionKey.between("V", "k")
        try net.local(1, .cardCreate(id: "zeta", column: "c", pos: key, title: "Z"))
        try net.local(0, .cardCreate(id: "alpha", column: "c", pos: key, title: "A"))
        net.drain()
        #expect(net.server.cards(inColumn: "c").map(\.id) == ["top", "alpha", "zeta", "bottom"])
        #expect(net.clients.allSatisfy { $0.replica.view.cards(inColumn: "c").map(\.id) == ["top", "alpha", "zeta", "bottom"] })
    }

    /// An offline client's change that no longer fits is refused by the server and dropped by
    /// the client, and the others never see it.
    @Test func offlineChangeToADeletedCardIsRefused() throws {
        var net = BoardNet(clients: 2)
        try net.local(0, .columnCreate(id: "c", title: "Col", pos: "V", wip: 1))
        try net.local(0, .cardCreate(id: "k", column: "c", pos: "V", title: "Card"))
        net.drain()
        net.clients[1].online = false
        try net.local(1, .cardSet(id: "k", field: .description("written offline")))
        try net.local(0, .cardDelete(id: "k"))
        net.drain()  // client 1's messages wait while it is offline
        #expect(net.clients[1].replica.view.cards["k"]?.description == "written offline")
        net.clients[1].online = true
        net.drain()
        #expect(net.refusals == 1)
        #expect(net.server.cards.isEmpty)
        #expect(net.clients.allSatisfy { $0.replica.view == net.server && $0.replica.pending.isEmpty })
    }
}

// MARK: - The simulated network

/// One server board and `n` clients with FIFO channels both ways.
struct BoardNet {
    enum Down {
        case op(BoardOp, nonce: String, actor: Int64, at: Int64)
        case refused(nonce: String)
    }

    struct Client {
        var replica = BoardReplica()
        var actor: Int64
        var up: [(nonce: String, op: BoardOp)] = []
        var upHead = 0
        var down: [Down] = []
        var downHead = 0
        var online = true
        var made = 0
        var dropped = 0
        var received = 0

        var hasUp: Bool { upHead < up.count }
        var hasDown: Bool { downHead < down.count }
    }

    struct Entry {
        var op: BoardOp
        var nonce: String
        var actor: Int64
        var at: Int64
    }

    var server = Board()
    var clients: [Client]
    /// Every operation the server accepted, in its order.
    var log: [Entry] = []
    var refusals = 0
    var refusalCodes: Set<String> = []
    /// nonce → accepted (true) or refused (false); a second answer for one nonce is a bug.
    var outcomes: [String: Bool] = [:]
    var duplicateOutcome: String?
    var clock: Int64 = 1_700_000_000_000

    init(clients n: Int) {
        clients = (0..<n).map { Client(actor: Int64($0 + 1)) }
    }

    /// Client `i` makes a change: applied to its view and queued for the server.
    mutating func local(_ i: Int, _ op: BoardOp, at: Int64? = nil) throws(BoardError) {
        let nonce = "n\(i)-\(clients[i].made)"
        try clients[i].replica.local(op, nonce: nonce, actor: clients[i].actor, atMillis: at ?? clock)
        clients[i].made += 1
        clients[i].up.append((nonce: nonce, op: op))
    }

    /// The server takes the next message from client `i`.
    mutating func deliverUp(_ i: Int) {
        guard clients[i].hasUp else { return }
        let (nonce, op) = clients[i].up[clients[i].upHead]
        clients[i].upHead += 1
        clock += 1 + Int64(nonce.utf8.count % 7)
        let actor = clients[i].actor
        do {
            try server.apply(op, actor: actor, atMillis: clock)
            if outcomes.updateValue(true, forKey: nonce) != nil { duplicateOutcome = nonce }
            log.append(Entry(op: op, nonce: nonce, actor: actor, at: clock))
            for j in clients.indices { clients[j].down.append(.op(op, nonce: nonce, actor: actor, at: clock)) }
        } catch {
            if outcomes.updateValue(false, forKey: nonce) != nil { duplicateOutcome = nonce }
            refusals += 1
            refusalCodes.insert("\(op.kind):\(error.code)")
            clients[i].down.append(.refused(nonce: nonce))
        }
    }

    /// Client `i` takes the next message from the server.
    mutating func deliverDown(_ i: Int) {
        guard clients[i].hasDown else { return }
        let message = clients[i].down[clients[i].downHead]
        clients[i].downHead += 1
        switch message {
        case .op(let op, let nonce, let actor, let at):
            clients[i].dropped += clients[i].replica.receive(op, nonce: nonce, actor: actor, atMillis: at).count
            clients[i].received += 1
        case .refused(let nonce):
            clients[i].dropped += clients[i].replica.refused(nonce: nonce).count
        }
    }

    /// Delivers everything that can be delivered (online clients only), in a fixed order.
    mutating func drain() {
        var rng = BoardSplitMix64(seed: 7)
        drain(using: &rng)
    }

    /// Delivers everything deliverable, picking a random non-empty channel each time.
    mutating func drain(using rng: inout BoardSplitMix64) {
        while true {
            var channels: [(Int, Bool)] = []
            for (i, c) in clients.enumerated() where c.online {
                if c.hasUp { channels.append((i, true)) }
                if c.hasDown { channels.append((i, false)) }
            }
            guard !channels.isEmpty else { return }
            let (i, up) = channels[rng.below(channels.count)]
            if up { deliverUp(i) } else { deliverDown(i) }
        }
    }
}

// MARK: - One random session

struct BoardSession {
    struct Totals {
        var accepted = 0
        var refusedByServer = 0
        var droppedByReplicas = 0
        var kinds: Set<String> = []
        var refusalCodes: Set<String> = []

        mutating func add(_ s: BoardSession) {
            accepted += s.net.log.count
            refusedByServer += s.net.refusals
            droppedByReplicas += s.net.clients.reduce(0) { $0 + $1.dropped }
            kinds.formUnion(s.net.log.map(\.op.kind))
            refusalCodes.formUnion(s.net.refusalCodes)
        }
    }

    var rng: BoardSplitMix64
    var net: BoardNet
    var steps: Int

    init(seed: UInt64) {
        rng = BoardSplitMix64(seed: seed)
        net = BoardNet(clients: 2 + rng.below(4))
        steps = 30 + rng.below(170)
    }

    /// Runs the session; returns a description of the first broken property, or nil.
    mutating func run() -> String? {
        for _ in 0..<steps {
            let roll = rng.below(100)
            let i = rng.below(net.clients.count)
            switch roll {
            case 0..<45: makeChange(i)
            case 45..<70: if net.clients[i].online { net.deliverUp(i) }
            case 70..<95: if net.clients[i].online { net.deliverDown(i) }
            default: net.clients[i].online.toggle()  // going offline, or coming back
            }
        }
        for i in net.clients.indices { net.clients[i].online = true }
        net.drain(using: &rng)
        return check()
    }

    // MARK: Making random changes from a client's own view

    static let titles = ["Plan", "Essay", "Лабораторная", "Read ch. 3", "😀 party", "Quiz", "Poster"]

    mutating func makeChange(_ i: Int) {
        // A few tries: a change that does not fit the view is refused locally, as in the UI.
        for _ in 0..<3 {
            guard let op = randomOp(for: i) else { continue }
            do {
                try net.local(i, op, at: net.clock + Int64(rng.below(50)))
                return
            } catch {
                continue
            }
        }
    }

    mutating func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[rng.below(items.count)] }

    /// A key for a new place among `siblings` (sorted), leaving out `moving` itself.
    mutating func position(among siblings: [(id: String, pos: String)], moving: String? = nil) -> String? {
        let others = siblings.filter { $0.id != moving }
        let at = rng.below(others.count + 1)
        let before = at > 0 ? others[at - 1].pos : nil
        let after = at < others.count ? others[at].pos : nil
        // Neighbours with equal keys (two people chose the same) leave no gap: another place.
        if let before, let after, !PositionKey.less(before, after) { return nil }
        let key = PositionKey.between(before, after)
        return PositionKey.isValid(key) ? key : nil
    }

    mutating func newID(_ i: Int, _ kind: String, shared: Int) -> String {
        // Sometimes an id from a small shared pool, so that creates collide across clients.
        if rng.chance(shared) { return "\(kind)\(rng.below(3))" }
        return "\(kind)\(i)x\(net.clients[i].made)"
    }

    mutating func randomOp(for i: Int) -> BoardOp? {
        let view = net.clients[i].replica.view
        let columns = view.orderedColumns
        let cards = view.orderedCards
        let roll = columns.isEmpty ? 0 : rng.below(100)
        switch roll {
        case 0..<8:
            guard let pos = position(among: columns.map { ($0.id, $0.pos) }) else { return nil }
            return .columnCreate(id: newID(i, "col", shared: 20), title: pick(Self.titles)!, pos: pos,
                                 wip: rng.chance(50) ? nil : 1 + rng.below(3))
        case 8..<12:
            guard let c = pick(columns) else { return nil }
            return .columnSet(id: c.id, field: rng.chance(50) ? .title(pick(Self.titles)!) : .wip(rng.chance(40) ? nil : 1 + rng.below(4)))
        case 12..<15:
            guard let c = pick(columns), let pos = position(among: columns.map { ($0.id, $0.pos) }, moving: c.id) else { return nil }
            return .columnMove(id: c.id, pos: pos)
        case 15..<18:
            guard let c = pick(columns) else { return nil }
            return c.archived ? .columnRestore(id: c.id) : .columnArchive(id: c.id)
        case 18..<21:
            guard let c = pick(columns) else { return nil }
            return .columnDelete(id: c.id)
        case 21..<42:
            guard let c = pick(columns.filter { !$0.archived }) ?? pick(columns),
                  let pos = position(among: view.cards(inColumn: c.id).map { ($0.id, $0.pos) }) else { return nil }
            return .cardCreate(id: newID(i, "card", shared: 10), column: c.id, pos: pos, title: pick(Self.titles)!)
        case 42..<62:
            guard let card = pick(cards) else { return nil }
            return .cardSet(id: card.id, field: randomField())
        case 62..<80:
            guard let card = pick(cards), let c = pick(columns),
                  let pos = position(among: view.cards(inColumn: c.id).map { ($0.id, $0.pos) }, moving: card.id) else { return nil }
            return .cardMove(id: card.id, column: c.id, pos: pos)
        case 80..<87:
            guard let card = pick(cards) else { return nil }
            return card.archived ? .cardRestore(id: card.id) : .cardArchive(id: card.id)
        case 87..<92:
            guard let card = pick(cards) else { return nil }
            return .cardDelete(id: card.id)
        default:
            guard let card = pick(cards) else { return nil }
            let comment = rng.chance(15) ? "m\(rng.below(2))" : "m\(i)x\(net.clients[i].made)"
            return .cardComment(id: card.id, comment: comment, text: pick(Self.titles)!)
        }
    }

    mutating func randomField() -> BoardOp.CardField {
        switch rng.below(7) {
        case 0: return .title(pick(Self.titles)!)
        case 1: return .description(rng.chance(30) ? "" : "Notes \(rng.below(1_000))")
        case 2: return .assignees((1...5).filter { _ in rng.chance(30) }.map { Int64($0) })
        case 3: return .labels(["red", "green", "blue"].filter { _ in rng.chance(40) })
        case 4:
            return .due(rng.chance(25) ? nil : "2025-0\(1 + rng.below(9))-\(10 + rng.below(19))")
        case 5:
            return .checklist((0..<rng.below(4)).map { .init(id: "i\($0)", text: "Step \($0)", done: rng.chance(50)) })
        default:
            return .links((0..<rng.below(3)).map { .init(title: "Link \($0)", url: "https://example.org/\($0)") })
        }
    }

    // MARK: The properties

    func check() -> String? {
        let server = net.server
        if let nonce = net.duplicateOutcome { return "the server answered \(nonce) twice" }
        // Every operation sent was answered exactly once.
        let sent = net.clients.reduce(0) { $0 + $1.up.count }
        if net.outcomes.count != sent { return "\(sent) operations sent but \(net.outcomes.count) answered" }
        if net.log.count + net.refusals != sent { return "accepted + refused != sent" }
        for (i, c) in net.clients.enumerated() {
            if let d = c.replica.divergence { return "client \(i) could not apply a server operation: \(d.message)" }
            if !c.replica.pending.isEmpty { return "client \(i) still has \(c.replica.pending.count) pending operations" }
            if c.received != net.log.count { return "client \(i) received \(c.received) of \(net.log.count) operations" }
            if c.replica.confirmed != server { return "client \(i)'s confirmed board differs from the server's" + diff(c.replica.confirmed, server) }
            if c.replica.view != c.replica.confirmed { return "client \(i)'s view differs from its confirmed board" }
        }
        // Nothing lost: the log alone rebuilds the board.
        var replay = Board()
        for (n, e) in net.log.enumerated() {
            do { try replay.apply(e.op, actor: e.actor, atMillis: e.at) } catch {
                return "replaying accepted operation \(n) (\(e.op.kind)) failed: \(error.message)"
            }
        }
        if replay != server { return "replaying the log does not give the server's board" + diff(replay, server) }
        if let orphan = server.cards.values.first(where: { server.columns[$0.column] == nil }) {
            return "the card \(orphan.id) is in a column that does not exist"
        }
        // Round trip through the wire forms.
        do {
            if try Board(json: JSON.parse(server.json.encodedString())) != server { return "the board's JSON does not round-trip" }
            for e in net.log {
                if try BoardOp(json: JSON.parse(e.op.json.encodedString())) != e.op { return "\(e.op.kind) does not round-trip" }
            }
        } catch {
            return "JSON round trip threw \(error)"
        }
        return checkLastWriteWinsPerField()
    }

    /// Rebuilds every column and card field by field from the log: each holds what the last
    /// accepted operation that set it wrote, whatever else happened to the card meanwhile.
    func checkLastWriteWinsPerField() -> String? {
        var columns: [String: Board.Column] = [:]
        var cards: [String: Board.Card] = [:]
        for e in net.log {
            switch e.op {
            case .columnCreate(let id, let title, let pos, let wip):
                columns[id] = Board.Column(id: id, title: title, pos: pos, wip: wip)
            case .columnSet(let id, .title(let t)): columns[id]?.title = t
            case .columnSet(let id, .wip(let w)): columns[id]?.wip = w
            case .columnMove(let id, let pos): columns[id]?.pos = pos
            case .columnArchive(let id): columns[id]?.archived = true
            case .columnRestore(let id): columns[id]?.archived = false
            case .columnDelete(let id): columns[id] = nil
            case .cardCreate(let id, let column, let pos, let title):
                cards[id] = Board.Card(id: id, column: column, pos: pos, title: title, createdBy: e.actor, createdAt: e.at)
            case .cardSet(let id, let field):
                switch field {
                case .title(let v): cards[id]?.title = v
                case .description(let v): cards[id]?.description = v
                case .assignees(let v): cards[id]?.assignees = v
                case .labels(let v): cards[id]?.labels = v
                case .due(let v): cards[id]?.due = v
                case .checklist(let v): cards[id]?.checklist = v
                case .links(let v): cards[id]?.links = v
                }
            case .cardMove(let id, let column, let pos): cards[id]?.column = column; cards[id]?.pos = pos
            case .cardArchive(let id): cards[id]?.archived = true
            case .cardRestore(let id): cards[id]?.archived = false
            case .cardDelete(let id): cards[id] = nil
            case .cardComment(let id, let comment, let text):
                cards[id]?.comments.append(Board.Comment(id: comment, user: e.actor, at: e.at, text: text))
            }
        }
        let expected = Board(columns: Array(columns.values), cards: Array(cards.values))
        return expected == net.server ? nil : "a field does not hold its last write" + diff(expected, net.server)
    }

    func diff(_ a: Board, _ b: Board) -> String {
        for id in Set(a.columns.keys).union(b.columns.keys) where a.columns[id] != b.columns[id] {
            return ": column \(id): \(String(describing: a.columns[id])) vs \(String(describing: b.columns[id]))"
        }
        for id in Set(a.cards.keys).union(b.cards.keys) where a.cards[id] != b.cards[id] {
            return ": card \(id): \(String(describing: a.cards[id])) vs \(String(describing: b.cards[id]))"
        }
        return ""
    }
}
