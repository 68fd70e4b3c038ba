import Foundation
import Testing
@testable import AtriumCore

/// Randomized tests of the text OT model with a seeded generator, so every failure names a seed
/// that reproduces it: `ATRIUM_OT_SEED=<seed> swift test --filter DocConvergencePropertyTests`
/// runs that one session (and `ATRIUM_OT_SESSIONS=<n>` changes how many sessions run).
///
/// The sessions play one CollabDocument server against 2–5 DocClients over simulated
/// connections: each direction of a connection is FIFO (a WebSocket), but which connection
/// moves next is random, clients go offline and keep typing, lose messages in flight and
/// replies, reconnect and resend. After everything is delivered every client must show the
/// server's text, and no character anyone typed may be lost or doubled.
@Suite("Document convergence (property)")
struct DocConvergencePropertyTests {
    typealias Op = TextOperation

    static let environment = ProcessInfo.processInfo.environment
    static let onlySeed: UInt64? = environment["ATRIUM_OT_SEED"].flatMap { UInt64($0) ?? UInt64($0.dropFirst(2), radix: 16) }
    static let sessions = environment["ATRIUM_OT_SESSIONS"].flatMap { Int($0) } ?? 2000

    // MARK: - Transform properties on random operations

    @Test func transformConvergesOnRandomOps() throws {
        var rng = DocRandom(seed: Self.onlySeed ?? 0x5EED_0001)
        for round in 0..<3000 {
            let seed = rng.state
            let text = rng.text(0...40)
            let a = rng.denseOp(on: text.count)
            let b = rng.denseOp(on: text.count)
            let (a2, b2) = try Op.transform(a, b)
            let viaA = try b2.apply(to: a.apply(to: text))
            let viaB = try a2.apply(to: b.apply(to: text))
            #expect(viaA == viaB, "TP1 fails, round \(round), seed \(seed): a=\(a.json.encodedString()) b=\(b.json.encodedString())")
            #expect(a2.baseLength == b.targetLength && b2.baseLength == a.targetLength, "seed \(seed)")
            // Inserts are kept and ordered by the tie rule: a's text before b's at one place.
            #expect(a2.insertedCount == a.insertedCount && b2.insertedCount == b.insertedCount, "seed \(seed)")
            if viaA != viaB { return }
        }
    }

    @Test func composeMatchesSequentialApply() throws {
        var rng = DocRandom(seed: Self.onlySeed ?? 0x5EED_0002)
        for round in 0..<3000 {
            let seed = rng.state
            let text = rng.text(0...40)
            let a = rng.denseOp(on: text.count)
            let b = rng.denseOp(on: a.targetLength)
            let c = rng.denseOp(on: b.targetLength)
            let ab = try a.compose(b)
            #expect(try ab.apply(to: text) == b.apply(to: a.apply(to: text)), "round \(round), seed \(seed)")
            #expect(ab.baseLength == a.baseLength && ab.targetLength == b.targetLength, "seed \(seed)")
            // Composition is associative (both sides are normalized, so equal as values).
            #expect(try ab.compose(c) == a.compose(b.compose(c)), "seed \(seed)")
            // Normal form survives the wire.
            #expect(try Op(json: ab.json, limits: TextOperationLimits(maxComponents: 1000, maxInsertChars: 1000)) == ab)
        }
    }

    /// Transforming a composed operation keeps the same characters as transforming its parts
    /// one after the other, though not always in the same order: on "ч", inserting a mark
    /// after "ч" then deleting "ч" composes to an insert at 0, which then ties with another
    /// insert at 0. Convergence does not need more: the server and the client always transform
    /// the very same (composed) operation, and TP1 holds for it.
    @Test func transformOfComposedKeepsTheSameCharacters() throws {
        var rng = DocRandom(seed: Self.onlySeed ?? 0x5EED_0003)
        for round in 0..<2000 {
            let seed = rng.state
            let text = rng.text(0...30)
            let a1 = rng.denseOp(on: text.count)
            let a2 = rng.denseOp(on: a1.targetLength)
            let b = rng.denseOp(on: text.count)
            let (aPrime, bPrime) = try Op.transform(a1.compose(a2), b)
            let (a1p, b1) = try Op.transform(a1, b)
            let (a2p, b2) = try Op.transform(a2, b1)
            let afterB = try b.apply(to: text)
            let composed = try aPrime.apply(to: afterB)
            let stepwise = try a2p.apply(to: a1p.apply(to: afterB))
            #expect(composed.map(\.value).sorted() == stepwise.map(\.value).sorted(), "round \(round), seed \(seed)")
            let afterA = try a2.apply(to: a1.apply(to: text))
            #expect(try bPrime.apply(to: afterA).map(\.value).sorted() == b2.apply(to: afterA).map(\.value).sorted(),
                    "round \(round), seed \(seed)")
            #expect(try composed == bPrime.apply(to: afterA), "TP1 on the composed operation, seed \(seed)")
        }
    }

    @Test func transformIndexFollowsRetainedCharacters() throws {
        var rng = DocRandom(seed: Self.onlySeed ?? 0x5EED_0004)
        for round in 0..<3000 {
            let seed = rng.state
            let n = rng.int(0...30)
            let text = (0..<n).map { Unicode.Scalar(UInt32(0xF0000 + $0))! }  // every scalar unique
            let op = rng.denseOp(on: n)
            let after = try op.apply(to: text)
            var previous = 0
            for i in 0...n {
                let j = op.transformIndex(i)
                let own = op.transformIndex(i, ownInsertFirst: true)
                #expect(j >= previous && own <= j && (0...after.count).contains(j), "round \(round), seed \(seed)")
                previous = j
                // A retained character stays right after the cursor that was before it.
                if i < n, let k = after.firstIndex(of: text[i]) {
                    #expect(k == j, "round \(round), seed \(seed), index \(i)")
                }
            }
        }
    }

    @Test func authorshipAndReplacingOnRandomOps() throws {
        var rng = DocRandom(seed: Self.onlySeed ?? 0x5EED_0005)
        for round in 0..<300 {
            let seed = rng.state
            var text: [Unicode.Scalar] = []
            var authorship = Authorship()
            var perChar: [Int64] = []
            for _ in 0..<20 {
                let op = rng.denseOp(on: text.count)
                let user = Int64(rng.int(1...3))
                let old = text
                text = try op.apply(to: text)
                authorship.apply(op, author: user)
                perChar = applied(op, to: perChar, inserting: user)
                #expect(authorship.perCharacter() == perChar && authorship.length == text.count, "round \(round), seed \(seed)")
                #expect(try Authorship(json: authorship.json) == authorship)
                let replace = Op.replacing(old, with: text)
                #expect(try replace.apply(to: old) == text, "round \(round), seed \(seed)")
                // One replace: at most one insert and one delete, between a kept prefix and suffix.
                let changes = replace.components.filter { if case .retain = $0 { false } else { true } }
                #expect(replace.components.count <= 4 && changes.count <= 2, "seed \(seed)")
                #expect(replace.isNoop == (old == text), "seed \(seed)")
            }
        }
    }

    /// The authors after `op`, computed the obvious way (one entry per code point).
    func applied(_ op: Op, to authors: [Int64], inserting user: Int64) -> [Int64] {
        var out: [Int64] = []
        var i = 0
        for c in op.components {
            switch c {
            case .retain(let n): out += authors[i..<(i + n)]; i += n
            case .delete(let n): i += n
            case .insert(let s): out += repeatElement(user, count: s.count)
            }
        }
        return out
    }

    // MARK: - Whole sessions

    @Test func randomSessionsConverge() {
        let started = ContinuousClock.now
        var stats = DocSessionStats()
        if let seed = Self.onlySeed {
            print("Replaying session seed \(seed)")
            var sim = DocSimulation(seed: seed)
            sim.run(stats: &stats)
            return
        }
        var seeds = DocRandom(seed: 0xA7_21_0C0D)
        for _ in 0..<Self.sessions {
            var sim = DocSimulation(seed: seeds.next())
            if !sim.run(stats: &stats) { return }  // the first failure is enough (seed printed)
        }
        print("Sessions: \(Self.sessions) in \(ContinuousClock.now - started); \(stats)")
        // The sessions must actually exercise the interesting paths.
        #expect(stats.duplicates > 0 && stats.stale > 0 && stats.lostAcks > 0 && stats.transformed > 0)
        #expect(stats.offlineBuffered > 0 && stats.reconnects > 0)
    }
}

// MARK: - The simulation

private struct DocSessionStats: CustomStringConvertible {
    var commits = 0, transformed = 0, duplicates = 0, stale = 0, reconnects = 0
    var lostAcks = 0, offlineBuffered = 0, longestText = 0

    var description: String {
        "commits \(commits), transformed \(transformed), duplicates \(duplicates), stale \(stale), "
            + "reconnects \(reconnects), lost acks \(lostAcks), offline buffers \(offlineBuffered), "
            + "longest text \(longestText)"
    }
}

/// A message from the server to one client, in its connection's order.
private enum DocServerMessage {
    case event(CollabDocument.Committed)
    case duplicate(rev: Int64)
    case stale(latest: Int64)
    /// Not a server message: the client's own note to resend once the replay before it is in.
    case resendNow
}

private final class DocFailureFlag {
    var failed = false
}

private struct DocSimClient {
    var user: Int64
    var doc: DocClient
    var connected = true
    var toServer: [DocClient.Outgoing] = []
    var fromServer: [DocServerMessage] = []
    /// Nonces this client sent whose event it has not seen: a lost acknowledgement when the
    /// connection drops.
    var unacknowledged: Set<String> = []
}

private struct DocSimulation {
    let seed: UInt64
    var rng: DocRandom
    var server: CollabDocument
    /// Every committed operation (what storage holds; `doc.ops` reads it).
    var log: [CollabDocument.Committed] = []
    var clients: [DocSimClient] = []
    /// A snapshot taken at a random revision, to check replaying the log after it.
    var snapshot: (text: [Unicode.Scalar], rev: Int64, authors: Authorship)?
    /// Every marker typed, with who typed it; and those someone deleted.
    var typed: [Unicode.Scalar: Int64] = [:]
    var committedNonces: Set<String> = []
    let initial: [Unicode.Scalar]
    var deleted: Set<Unicode.Scalar> = []
    var nextMarker: UInt32 = 0xF0000
    /// Set by the first failed check (a class, so checks need not mutate the simulation).
    let failure = DocFailureFlag()
    var failed: Bool { failure.failed }
    let maxChars = 100_000

    init(seed: UInt64) {
        self.seed = seed
        rng = DocRandom(seed: seed)
        let initial = Array(Array("Привет 😀 е\u{0308}".unicodeScalars).prefix(rng.int(0...11)))
        self.initial = initial
        server = CollabDocument(text: initial, rev: 0, authors: Authorship(length: initial.count, author: 99),
                                historyCapacity: [1, 2, 4, 8, 1000][rng.int(0...4)])
        for u in 0..<rng.int(2...5) {
            let user = Int64(u + 1)
            clients.append(DocSimClient(user: user, doc: DocClient(text: initial, rev: 0, makeNonce: { "u\(user)-\($0)" })))
        }
    }

    func check(_ ok: Bool, _ what: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard !ok, !failed else { return }
        failure.failed = true
        print("Session seed \(seed) (0x\(String(seed, radix: 16))) failed: \(what())")
        Issue.record("session seed \(seed): \(what())", sourceLocation: sourceLocation)
    }

    /// Plays one session; false when it failed (the seed is printed and recorded).
    @discardableResult
    mutating func run(stats: inout DocSessionStats) -> Bool {
        do {
            let steps = rng.int(20...300)
            for _ in 0..<steps where !failed { try step(stats: &stats) }
            try drain(stats: &stats)
        } catch {
            check(false, "threw \(error)")
        }
        if !failed { verify(stats: &stats) }
        return !failed
    }

    mutating func step(stats: inout DocSessionStats) throws {
        let c = rng.int(0...(clients.count - 1))
        switch rng.int(0...99) {
        case 0..<35: try edit(c, stats: &stats)
        case 35..<60:
            // Which connection moves next is random; each one stays in order.
            if let k = pick(where: { !$0.toServer.isEmpty }) { deliverToServer(from: k, stats: &stats) }
        case 60..<90:
            if let k = pick(where: { $0.connected && !$0.fromServer.isEmpty }) { try deliverToClient(k, stats: &stats) }
        case 90..<94: if clients[c].connected { disconnect(c, stats: &stats) }
        case 94..<98: if !clients[c].connected { reconnect(c, stats: &stats) }
        default:
            // A spurious resend (e.g. a timeout): the server must not apply it twice.
            if clients[c].connected, let again = clients[c].doc.resendAfterReconnect() {
                clients[c].toServer.append(again)
            }
        }
    }

    /// A random client that satisfies `condition`, if any.
    mutating func pick(where condition: (DocSimClient) -> Bool) -> Int? {
        let candidates = clients.indices.filter { condition(clients[$0]) }
        return candidates.isEmpty ? nil : candidates[rng.int(0...(candidates.count - 1))]
    }

    /// Delivers everything, with every client back online, until nothing moves.
    mutating func drain(stats: inout DocSessionStats) throws {
        for c in clients.indices where !clients[c].connected { reconnect(c, stats: &stats) }
        var rounds = 0
        while !failed {
            let busy = clients.indices.filter { !clients[$0].toServer.isEmpty || !clients[$0].fromServer.isEmpty }
            if busy.isEmpty { break }
            rounds += 1
            guard rounds < 100_000 else { return check(false, "no quiescence") }
            let c = busy[rng.int(0...(busy.count - 1))]
            if rng.int(0...1) == 0 && !clients[c].toServer.isEmpty {
                deliverToServer(from: c, stats: &stats)
            } else if !clients[c].fromServer.isEmpty {
                try deliverToClient(c, stats: &stats)
            } else {
                deliverToServer(from: c, stats: &stats)
            }
        }
    }

    // MARK: Actions

    mutating func edit(_ c: Int, stats: inout DocSessionStats) throws {
        let text = clients[c].doc.text
        var marker = nextMarker
        let op = rng.sparseEdit(on: text.count) { rng in rng.markedText(1...6, markers: &marker) }
        nextMarker = marker
        // Remember which markers this edit deletes and which it types.
        var i = 0
        for component in op.components {
            switch component {
            case .retain(let n): i += n
            case .delete(let n):
                for s in text[i..<(i + n)] where Self.isMarker(s) { deleted.insert(s) }
                i += n
            case .insert(let s):
                for m in s where Self.isMarker(m) { typed[m] = clients[c].user }
            }
        }
        if !clients[c].connected, !clients[c].doc.isSynchronized, !op.isNoop { stats.offlineBuffered += 1 }
        if let out = try clients[c].doc.edit(op) {
            check(out.baseRev == clients[c].doc.rev, "sent on the wrong revision")
            // Offline, it waits in the client's state until the reconnect resends it.
            if clients[c].connected { send(out, from: c) }
        }
        check(clients[c].doc.text.count == text.count - op.baseLength + op.targetLength, "edit length")
    }

    mutating func send(_ out: DocClient.Outgoing, from c: Int) {
        clients[c].toServer.append(out)
        clients[c].unacknowledged.insert(out.nonce)
    }

    mutating func deliverToServer(from c: Int, stats: inout DocSessionStats) {
        guard !clients[c].toServer.isEmpty else { return }
        let msg = clients[c].toServer.removeFirst()
        let before = server.rev
        switch server.accept(msg.op, baseRev: msg.baseRev, nonce: msg.nonce, author: clients[c].user, maxChars: maxChars) {
        case .success(.accepted(let op, let rev)):
            check(rev == before + 1 && rev == server.rev, "revision")
            if msg.baseRev < before { stats.transformed += 1 }
            stats.commits += 1
            let committed = CollabDocument.Committed(rev: rev, op: op, nonce: msg.nonce, author: clients[c].user)
            check(server.opsAfter(before) == [committed] || server.historyCapacity == 0, "history")
            log.append(committed)
            committedNonces.insert(msg.nonce)
            stats.longestText = max(stats.longestText, server.text.count)
            if snapshot == nil && rng.int(0...20) == 0 {
                snapshot = (server.text, server.rev, server.authors)
            }
            for k in clients.indices where clients[k].connected { clients[k].fromServer.append(.event(committed)) }
        case .success(.duplicate(let rev)):
            stats.duplicates += 1
            check(log[Int(rev) - 1].nonce == msg.nonce && log[Int(rev) - 1].author == clients[c].user, "duplicate of what?")
            clients[c].fromServer.append(.duplicate(rev: rev))
        case .failure(.stale(let latest)):
            stats.stale += 1
            clients[c].fromServer.append(.stale(latest: latest))
        case .failure(let error):
            check(false, "server refused: \(error)")
        }
        check(server.rev == before || server.rev == before + 1, "revision step")
    }

    mutating func deliverToClient(_ c: Int, stats: inout DocSessionStats) throws {
        guard clients[c].connected, !clients[c].fromServer.isEmpty else { return }
        switch clients[c].fromServer.removeFirst() {
        case .event(let e):
            clients[c].unacknowledged.remove(e.nonce)
            if let out = try clients[c].doc.receive(op: e.op, rev: e.rev, nonce: e.nonce) { send(out, from: c) }
            check(clients[c].doc.rev >= e.rev, "client behind after an event")
        case .duplicate:
            break  // the event with this nonce is (or will be) in our replay: that is the acknowledgement
        case .stale, .resendNow:
            // Everything committed before this reply is in already (same connection, in order),
            // so the outstanding operation goes again on the current revision.
            if let again = clients[c].doc.resendAfterReconnect() { send(again, from: c) }
        }
    }

    mutating func disconnect(_ c: Int, stats: inout DocSessionStats) {
        // Messages in flight: the first few still arrive, the rest are lost. Replies are lost.
        clients[c].toServer.removeLast(rng.int(0...clients[c].toServer.count))
        clients[c].fromServer.removeAll()
        clients[c].connected = false
        if !clients[c].unacknowledged.isDisjoint(with: committedNonces) { stats.lostAcks += 1 }
    }

    mutating func reconnect(_ c: Int, stats: inout DocSessionStats) {
        stats.reconnects += 1
        clients[c].connected = true
        let after = clients[c].doc.rev
        // The replay (room resume or doc.ops), from memory if it reaches back, else storage.
        let replay = server.opsAfter(after) ?? Array(log[Int(after)...])
        check(replay == Array(log[Int(after)...]), "opsAfter differs from the log")
        clients[c].fromServer = replay.map { .event($0) }
        if rng.int(0...2) == 0 {
            // Resend at once, on the old revision, before the replay is read.
            if let again = clients[c].doc.resendAfterReconnect() { send(again, from: c) }
        } else {
            clients[c].fromServer.append(.resendNow)
        }
    }

    // MARK: Verification

    static func isMarker(_ s: Unicode.Scalar) -> Bool { s.value >= 0xF0000 && s.value <= 0xFFFFD }

    mutating func verify(stats: inout DocSessionStats) {
        let text = server.text
        for c in clients {
            check(c.doc.isSynchronized, "client \(c.user) still has unsent edits: \(c.doc.state)")
            check(c.doc.rev == server.rev, "client \(c.user) at rev \(c.doc.rev), server at \(server.rev)")
            check(c.doc.text == text, "client \(c.user) text \(c.doc.string.debugDescription) ≠ server \(server.string.debugDescription)")
        }
        check(server.authors.length == text.count, "authorship covers \(server.authors.length) of \(text.count)")
        check(server.rev == Int64(log.count), "revisions")

        // Every marker typed and not deleted is there exactly once, by the one who typed it.
        let authors = server.authors.perCharacter()
        var seen: Set<Unicode.Scalar> = []
        for (i, s) in text.enumerated() where Self.isMarker(s) {
            check(!seen.contains(s), "marker \(s.value) appears twice")
            seen.insert(s)
            check(typed[s] != nil, "marker \(s.value) was never typed")
            check(!deleted.contains(s), "marker \(s.value) was deleted but is back")
            check(authors[i] == typed[s], "marker \(s.value) credited to \(authors[i]), typed by \(typed[s] ?? -1)")
        }
        let expected = Set(typed.keys).subtracting(deleted)
        check(seen == expected, "lost characters: \(expected.subtracting(seen).map(\.value).sorted())")

        // Storage replay: a snapshot plus the operations after it, or the whole log from the start.
        do {
            if let snap = snapshot {
                var reopened = CollabDocument(text: snap.text, rev: snap.rev, authors: snap.authors, historyCapacity: 10)
                try reopened.load(ops: Array(log[Int(snap.rev)...]))
                check(reopened.text == text && reopened.authors == server.authors && reopened.rev == server.rev,
                      "snapshot replay differs")
            }
            var replayed = CollabDocument(text: initial, rev: 0, authors: Authorship(length: initial.count, author: 99),
                                          historyCapacity: 0)
            try replayed.load(ops: log)
            check(replayed.text == text && replayed.authors == server.authors, "log replay differs")
        } catch {
            check(false, "replay threw \(error)")
        }
    }
}

// MARK: - Random generation

/// DocRandom (Steele, Lea, Flood 2014): tiny, fast, and the same sequence on every platform.
private struct DocRandom: RandomNumberGenerator {
    private(set) var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    /// A scalar of a random kind: ASCII, Cyrillic, emoji (outside the BMP) or a combining mark.
    mutating func scalar() -> Unicode.Scalar {
        let value: Int
        switch int(0...9) {
        case 0...3: value = int(0x61...0x7A)  // a–z
        case 4: value = [0x20, 0x0A, 0x2C][int(0...2)]  // space, newline, comma
        case 5...6: value = int(0x0410...0x044F)  // А–я
        case 7: value = int(0x1F600...0x1F64F)  // emoji
        default: value = int(0x0300...0x036F)  // combining marks
        }
        return Unicode.Scalar(UInt32(value))!
    }

    /// Random text, about half of it unique private-use scalars (`markers` is the next one).
    mutating func markedText(_ count: ClosedRange<Int>, markers: inout UInt32) -> [Unicode.Scalar] {
        (0..<int(count)).map { _ in
            if int(0...1) == 0 {
                defer { markers += 1 }
                return Unicode.Scalar(markers)!
            }
            return scalar()
        }
    }

    /// Random text of every kind, without markers.
    mutating func text(_ count: ClosedRange<Int>) -> [Unicode.Scalar] {
        (0..<int(count)).map { _ in scalar() }
    }

    /// Any operation on a text of `length`: many components of every kind.
    mutating func denseOp(on length: Int) -> TextOperation {
        var op = TextOperation()
        var left = length
        while left > 0 {
            switch int(0...9) {
            case 0...3: let n = int(1...min(left, 4)); op.retain(n); left -= n
            case 4...6: let n = int(1...min(left, 4)); op.delete(n); left -= n
            default: op.insert(scalars: text(1...3))
            }
        }
        if int(0...3) == 0 { op.insert(scalars: text(1...3)) }
        return op
    }

    /// A user's edit: one to three changes (insert, delete or replace) at random places, now
    /// and then the whole text deleted.
    mutating func sparseEdit(on length: Int, insert: (inout DocRandom) -> [Unicode.Scalar]) -> TextOperation {
        var op = TextOperation()
        if length > 0 && int(0...49) == 0 {
            op.delete(length)
            return op
        }
        let points = (0..<int(1...3)).map { _ in int(0...length) }.sorted()
        var pos = 0
        for p in points where p >= pos {
            op.retain(p - pos)
            pos = p
            let kind = int(0...2)  // 0 insert, 1 delete, 2 replace
            if kind != 1 { op.insert(scalars: insert(&self)) }
            if kind != 0 {
                let n = min(length - pos, int(1...6))
                op.delete(n)
                pos += n
            }
        }
        op.retain(length - pos)
        return op
    }
}
