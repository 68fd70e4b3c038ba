import Testing
@testable import AtriumCore

/// Examples for the text OT model: apply, compose, transform, the wire form and every refusal,
/// `replacing`, cursors, authorship, the server model and the client state machine.
@Suite("Text operations")
struct TextOperationTests {
    typealias Op = TextOperation

    func scalars(_ s: String) -> [Unicode.Scalar] { Array(s.unicodeScalars) }

    func op(_ json: JSON, limits: TextOperationLimits = TextOperationLimits()) throws -> Op {
        try Op(json: json, limits: limits)
    }

    /// Appends `s` to a text of `length` code points.
    func appending(_ s: String, to length: Int) -> Op {
        var o = Op()
        o.retain(length)
        o.insert(s)
        return o
    }

    /// The refusal message for a wire operation, or nil when it parses.
    func refusal(_ json: JSON, limits: TextOperationLimits = TextOperationLimits()) -> TextOperationError? {
        do {
            _ = try Op(json: json, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Builders and normal form

    @Test func buildersNormalize() {
        var o = Op()
        o.retain(2); o.retain(0); o.retain(3)
        o.delete(1); o.insert("ab"); o.delete(2); o.insert(""); o.insert("c")
        o.retain(1)
        #expect(o.components == [.retain(5), .insert(scalars("abc")), .delete(3), .retain(1)])
        #expect(o.baseLength == 9 && o.targetLength == 9)
        #expect(o.insertedCount == 3 && o.deletedCount == 3 && !o.isNoop)
        #expect(Op().isNoop && Op.identity(4).isNoop && Op.identity(4).components == [.retain(4)])
        #expect(Op.identity(0) == Op())
        #expect(Op([.delete(1), .insert(scalars("x"))]) == Op([.insert(scalars("x")), .delete(1)]))
        #expect(Op([.insert(scalars("a")), .insert(scalars("b"))]).components == [.insert(scalars("ab"))])
    }

    // MARK: - Apply

    @Test func appliesTheDocsExample() throws {
        let o = try op([7, "новый ", 3])
        #expect(try o.apply(to: "Привет мир") == "Привет новый мир")
        #expect(o.baseLength == 10 && o.targetLength == 16)
    }

    @Test func positionsCountCodePoints() throws {
        // "😀" is one code point (two UTF-16 units); "е\u{0308}" is two (one grapheme).
        let text = "a😀е\u{0308}ё"
        #expect(text.unicodeScalars.count == 5)
        #expect(try op([1, -1, 3]).apply(to: text) == "aе\u{0308}ё")
        #expect(try op([3, -1, 1]).apply(to: text) == "a😀её")  // the diaeresis alone
        #expect(try op([2, "🎉", 3]).apply(to: text) == "a😀🎉е\u{0308}ё")
        #expect(try op(["\u{0301}", 5]).baseLength == 5)
    }

    @Test func applyRefusesTheWrongLength() throws {
        let o = try op([3, "x"])
        #expect(throws: TextOperationError("The operation is for a text of 3 characters, but the text has 4.")) {
            try o.apply(to: "abcd")
        }
        #expect(try Op().apply(to: "") == "")
        #expect(throws: TextOperationError.self) { try Op().apply(to: "a") }
    }

    // MARK: - Compose

    @Test func composesInOrder() throws {
        let a = try op([2, "ПР", 3])  // "hello" → "heПРllo"
        let b = try op([1, -3, "ё😀", 3])  // → "hё😀llo"
        let ab = try a.compose(b)
        #expect(try b.apply(to: a.apply(to: "hello")) == "hё😀llo")
        #expect(try ab.apply(to: "hello") == "hё😀llo")
        #expect(ab == (try op([1, "ё😀", -1, 3])))
    }

    @Test func composeCancelsAnInsertThatIsDeleted() throws {
        let a = try op([1, "abc", 1])
        let b = try op([1, -3, 1])
        #expect(try a.compose(b) == Op.identity(2))
        #expect(throws: TextOperationError.self) { try a.compose(Op.identity(3)) }
    }

    // MARK: - Transform

    @Test func transformConverges() throws {
        let text = "Привет мир"
        let a = try op([7, "новый ", 3])
        let b = try op([-6, "Здравствуй", 4])
        let (a2, b2) = try Op.transform(a, b)
        let viaA = try b2.apply(to: a.apply(to: text))
        let viaB = try a2.apply(to: b.apply(to: text))
        #expect(viaA == viaB && viaA == "Здравствуй новый мир")
    }

    @Test func tieRuleClientInsertGoesFirst() throws {
        let client = try op([1, "X", 1])
        let server = try op([1, "Y", 1])
        let (c2, s2) = try Op.transform(client, server)
        #expect(try c2.apply(to: server.apply(to: "ab")) == "aXYb")
        #expect(try s2.apply(to: client.apply(to: "ab")) == "aXYb")
        let (s3, c3) = try Op.transform(server, client)
        #expect(try s3.apply(to: client.apply(to: "ab")) == "aYXb")
        #expect(try c3.apply(to: server.apply(to: "ab")) == "aYXb")
    }

    @Test func transformOverlappingDeletes() throws {
        let a = try op([1, -3, 2])  // deletes "bcd" of "abcdef"
        let b = try op([2, -3, "😀", 1])  // deletes "cde", inserts
        let (a2, b2) = try Op.transform(a, b)
        #expect(try b2.apply(to: a.apply(to: "abcdef")) == "a😀f")
        #expect(try a2.apply(to: b.apply(to: "abcdef")) == "a😀f")
        #expect(a2 == (try op([1, -1, 2])))
    }

    @Test func transformRefusesDifferentBases() {
        #expect(throws: TextOperationError.self) { try Op.transform(Op.identity(2), Op.identity(3)) }
    }

    @Test func transformWithCombiningMarks() throws {
        // One inserts a combining mark after "е", the other deletes the "е": the mark survives
        // alone, as code points are the unit (never split or merged by graphemes).
        let text = "се"
        let a = try op([2, "\u{0308}"])
        let b = try op([1, -1])
        let (a2, b2) = try Op.transform(a, b)
        #expect(try b2.apply(to: a.apply(to: text)) == "с\u{0308}")
        #expect(try a2.apply(to: b.apply(to: text)) == "с\u{0308}")
    }

    // MARK: - Cursors

    @Test func transformIndexMovesCursors() throws {
        let o = try op([3, "ab", -2, 2])  // on 7 code points
        #expect(o.transformIndex(0) == 0)
        #expect(o.transformIndex(2) == 2)
        #expect(o.transformIndex(3) == 5)  // an insert exactly at the cursor pushes it right
        #expect(o.transformIndex(3, ownInsertFirst: true) == 3)
        #expect(o.transformIndex(4) == 5)  // inside the deleted range: where it was
        #expect(o.transformIndex(5) == 5)
        #expect(o.transformIndex(6) == 6)
        #expect(o.transformIndex(7) == 7)
        #expect(o.transformIndex(99) == 7 && o.transformIndex(-5) == 0)  // clamped
        let atStart = try op(["😀😀", 2])
        #expect(atStart.transformIndex(0) == 2 && atStart.transformIndex(0, ownInsertFirst: true) == 0)
        let atEnd = try op([2, "xyz"])
        #expect(atEnd.transformIndex(2) == 5 && atEnd.transformIndex(1) == 1)
    }

    // MARK: - replacing

    @Test func replacingDiffsOnce() throws {
        let cases: [(String, String)] = [
            ("Привет мир", "Привет, новый мир"), ("", "abc"), ("abc", ""), ("abc", "abc"),
            ("aaaa", "aa"), ("aa", "aaaa"), ("a😀b", "a😁b"), ("е\u{0308}", "е"), ("xyz", "123"),
            ("abcabc", "abc"),
        ]
        for (old, new) in cases {
            let o = Op.replacing(scalars(old), with: scalars(new))
            #expect(try o.apply(to: old) == new, "\(old) → \(new)")
            #expect(o.components.filter { if case .retain = $0 { return false } else { return true } }.count <= 2)
        }
        #expect(Op.replacing(scalars("Привет мир"), with: scalars("Привет, мир"))
                    == (try op([6, ",", 4])))
        #expect(Op.replacing(scalars("same"), with: scalars("same")).isNoop)
        #expect(Op.replacing(scalars("aaaa"), with: scalars("aa")) == (try op([2, -2])))
    }

    // MARK: - Wire form

    @Test func jsonRoundTrips() throws {
        let samples: [JSON] = [
            [], [5], ["x"], [-3], [7, "новый ", 3], [1, "😀е\u{0308}", -2, 4], ["a\"b\\c\n", -1],
        ]
        for j in samples {
            let o = try op(j)
            #expect(o.json == j)
            let text = o.json.encodedString()
            #expect(try op(JSON.parse(text)) == o)
        }
        #expect(try op([2, "😀"]).json.encodedString() == #"[2,"😀"]"#)
    }

    @Test func jsonAcceptsNonNormalInputAndNormalizes() throws {
        #expect(try op([1, 2, "a", "b", -1, -2]).json == [3, "ab", -3])
        #expect(try op([-1, "x", 2]).json == ["x", -1, 2])
        #expect(try op([2.0, "y"]).json == [2, "y"])
    }

    @Test func jsonRefusesEverythingElse() {
        #expect(refusal("[1]") == TextOperationError("An operation must be a JSON array."))
        #expect(refusal(.object(["retain": 1])) == TextOperationError("An operation must be a JSON array."))
        #expect(refusal(.null)?.message == "An operation must be a JSON array.")
        #expect(refusal([1, 0])?.message == "Part 2 of the operation is 0; counts must not be zero.")
        #expect(refusal([1.5])?.message == "Part 1 of the operation is not a whole number.")
        #expect(refusal([1, ""])?.message == "Part 2 of the operation inserts an empty text.")
        #expect(refusal([true])?.message == "Part 1 of the operation must be a number (keep or delete) or a string (insert).")
        #expect(refusal([.null])?.message.hasSuffix("or a string (insert).") == true)
        #expect(refusal([[1]])?.message.hasSuffix("or a string (insert).") == true)
        #expect(refusal([.object([:])]) != nil)
        #expect(refusal([.int(Int64.min)])?.message == "Part 1 of the operation is longer than any document.")
        #expect(refusal([.int(Int64.max)])?.message == "Part 1 of the operation is longer than any document.")
        #expect(refusal([.int(1 << 39), .int(1 << 39), .int(1)])?.message == "The operation is longer than any document.")
        for e in [refusal([1, 0]), refusal("x"), refusal([1.5])] { #expect(e?.isTooLarge == false) }
    }

    @Test func jsonRefusesTooLargeOperations() {
        let limits = TextOperationLimits(maxComponents: 3, maxInsertChars: 4)
        #expect(TextOperationLimits() == TextOperationLimits(maxComponents: 10_000, maxInsertChars: 100_000))
        #expect(refusal([1, "a", 1], limits: limits) == nil)
        let parts = refusal([1, "a", 1, -1], limits: limits)
        #expect(parts == TextOperationError("Too many parts in the operation: it has 4, at most 3 are allowed.", isTooLarge: true))
        #expect(refusal(["😀😀", 1, "ёё"], limits: limits) == nil)  // 4 code points (8 UTF-16 units)
        let chars = refusal(["😀😀", 1, "ёёё"], limits: limits)
        #expect(chars == TextOperationError("Too many characters inserted: an operation may insert at most 4.", isTooLarge: true))
        // The component limit counts the array as sent, before merging.
        #expect(refusal([1, 1, 1, 1], limits: limits)?.isTooLarge == true)
    }

    // MARK: - Authorship

    @Test func authorshipFollowsOperations() throws {
        var a = Authorship(length: 5, author: 1)
        #expect(a.runs == [.init(user: 1, length: 5)] && a.length == 5)
        a.apply(try op([2, "ёё", 3]), author: 2)
        #expect(a.runs == [.init(user: 1, length: 2), .init(user: 2, length: 2), .init(user: 1, length: 3)])
        a.apply(try op([1, -4, "x", 2]), author: 1)  // deletes all of 2's and one of 1's; merges
        #expect(a.runs == [.init(user: 1, length: 4)])
        a.apply(try op([4, "😀"]), author: 3)
        a.apply(try op(["a", 5]), author: 3)
        #expect(a.charsByAuthor() == [1: 4, 3: 2] && a.length == 6)
        #expect(a.perCharacter() == [3, 1, 1, 1, 1, 3])
        a.apply(try op([-6]), author: 9)
        #expect(a == Authorship() && a.runs.isEmpty && a.length == 0)
        #expect(Authorship(length: 0, author: 1) == Authorship())
    }

    @Test func authorshipJSON() throws {
        let a = Authorship(runs: [.init(user: 1, length: 2), .init(user: 1, length: 1), .init(user: 7, length: 0),
                                  .init(user: 5, length: 4)])
        #expect(a.json == [[1, 3], [5, 4]])
        #expect(try Authorship(json: a.json) == a)
        #expect(try Authorship(json: [[1, 1], [1, 2], [2, 0]]) == Authorship(length: 3, author: 1))
        #expect(try Authorship(json: []) == Authorship())
        for bad: JSON in ["x", [[1]], [[1, -1]], [[1, "2"]], [[1, 2, 3]], [1, 2], [[1, 1.5]]] {
            #expect(throws: TextOperationError.self) { try Authorship(json: bad) }
        }
    }

    // MARK: - The server model

    func doc(_ text: String, capacity: Int = 10) -> CollabDocument {
        CollabDocument(text: scalars(text), rev: 0, authors: Authorship(length: text.unicodeScalars.count, author: 1),
                       historyCapacity: capacity)
    }

    @Test func documentAcceptsAndTransforms() throws {
        var d = doc("Привет мир")
        let r1 = d.accept(try op([6, ",", 4]), baseRev: 0, nonce: "n1", author: 2, maxChars: 100)
        #expect(r1 == .success(.accepted(op: try op([6, ",", 4]), rev: 1)))
        // Made on revision 0 as well: transformed past revision 1.
        let r2 = d.accept(try op([7, "новый ", 3]), baseRev: 0, nonce: "n2", author: 3, maxChars: 100)
        #expect(r2 == .success(.accepted(op: try op([8, "новый ", 3]), rev: 2)))
        #expect(d.string == "Привет, новый мир" && d.rev == 2)
        #expect(d.authors.charsByAuthor() == [1: 10, 2: 1, 3: 6] && d.authors.length == d.text.count)
        // A resend by the same author is a duplicate; the same nonce by another author is not.
        #expect(d.accept(try op([6, ",", 4]), baseRev: 0, nonce: "n1", author: 2, maxChars: 100)
                    == .success(.duplicate(rev: 1)))
        #expect(d.rev == 2)
        #expect(try d.accept(op([17, "!"]), baseRev: 2, nonce: "n1", author: 3, maxChars: 100).get()
                    == .accepted(op: try op([17, "!"]), rev: 3))
        #expect(d.opsAfter(1)?.map(\.rev) == [2, 3] && d.opsAfter(3) == [] && d.opsAfter(9) == [])
        #expect(d.opsAfter(0)?.first == CollabDocument.Committed(rev: 1, op: try op([6, ",", 4]), nonce: "n1", author: 2))
    }

    @Test func documentRefusals() throws {
        var d = doc("abc", capacity: 2)
        #expect(d.accept(try op([3, "x"]), baseRev: -1, nonce: "a", author: 1, maxChars: 10)
                    == .failure(.badRequest("The revision must not be negative.")))
        #expect(d.accept(try op([3, "x"]), baseRev: 1, nonce: "a", author: 1, maxChars: 10)
                    == .failure(.badRequest("Revision 1 does not exist yet; the latest is 0.")))
        #expect(d.accept(try op([4, "x"]), baseRev: 0, nonce: "a", author: 1, maxChars: 10)
                    == .failure(.badRequest("The operation is for a text of 4 characters, but revision 0 has 3.")))
        #expect(d.accept(try op([3, "12345678"]), baseRev: 0, nonce: "a", author: 1, maxChars: 10)
                    == .failure(.tooLarge("The document would have 11 characters; at most 10 are allowed.")))
        #expect(d.rev == 0 && d.string == "abc")
        for i in 1...3 {
            _ = d.accept(try op([.int(Int64(d.text.count)), "x"]), baseRev: d.rev, nonce: "n\(i)", author: 1, maxChars: 10)
        }
        #expect(d.rev == 3 && d.oldestBase == 1 && d.opsAfter(0) == nil && d.opsAfter(1)?.count == 2)
        #expect(d.accept(try op([3, "y"]), baseRev: 0, nonce: "b", author: 1, maxChars: 10) == .failure(.stale(3)))
        // Revision 1 had 4 code points: an operation for 5 made on it is refused.
        #expect(d.accept(try op([5, "y"]), baseRev: 1, nonce: "b", author: 1, maxChars: 10)
                    == .failure(.badRequest("The operation is for a text of 5 characters, but revision 1 has 4.")))
        // Nonces fall out of memory with their operations.
        #expect(d.accept(try op([6]), baseRev: 3, nonce: "n1", author: 1, maxChars: 10)
                    == .success(.accepted(op: Op.identity(6), rev: 4)))
        #expect(d.accept(try op([6]), baseRev: 3, nonce: "n3", author: 1, maxChars: 10) == .success(.duplicate(rev: 3)))
    }

    @Test func documentOverTheLimitMayShrink() throws {
        var d = doc("abcdef")
        #expect(d.accept(try op([-1, 5]), baseRev: 0, nonce: "a", author: 2, maxChars: 3)
                    == .success(.accepted(op: try op([-1, 5]), rev: 1)))
        #expect(d.accept(try op([-1, 4, "z"]), baseRev: 1, nonce: "b", author: 2, maxChars: 3)
                    == .success(.accepted(op: try op([-1, 4, "z"]), rev: 2)))  // same length
        if case .failure(.tooLarge) = d.accept(try op([5, "z"]), baseRev: 2, nonce: "c", author: 2, maxChars: 3) {} else {
            Issue.record("growing past the limit must be refused")
        }
    }

    @Test func documentWithoutOrWithDamagedAuthorship() {
        let plain = CollabDocument(text: scalars("abc"), rev: 4)
        #expect(plain.authors == Authorship(length: 3, author: 0) && plain.rev == 4 && plain.historyCapacity == 1000)
        let damaged = CollabDocument(text: scalars("abc"), rev: 4, authors: Authorship(length: 2, author: 7))
        #expect(damaged.authors == Authorship(length: 3, author: 0))
        #expect(plain.opsAfter(3) == nil && plain.opsAfter(4) == [] && plain.oldestBase == 4)
    }

    @Test func documentPrepareChangesNothing() throws {
        var d = doc("ab")
        let prepared = d.prepare(try op([2, "c"]), baseRev: 0, nonce: "p", author: 4, maxChars: 9)
        #expect(prepared == .success(.accepted(op: try op([2, "c"]), rev: 1)))
        #expect(d.rev == 0 && d.string == "ab")
        #expect(try d.commit(op([2, "c"]), nonce: "p", author: 4) == 1)
        #expect(d.string == "abc" && d.authors.perCharacter() == [1, 1, 4])
        #expect(throws: TextOperationError.self) { try d.commit(Op.identity(2), nonce: "q", author: 4) }
    }

    @Test func documentLoadsFromSnapshotAndOps() throws {
        var live = doc("", capacity: 100)
        for (i, s) in ["Привет", " мир", "!"].enumerated() {
            _ = live.accept(appending(s, to: live.text.count), baseRev: live.rev, nonce: "n\(i)",
                            author: Int64(i + 1), maxChars: 100)
        }
        // A snapshot at revision 1 plus the operations after it gives the same document.
        var loaded = CollabDocument(text: scalars("Привет"), rev: 1, authors: Authorship(length: 6, author: 1),
                                    historyCapacity: 100)
        #expect(loaded.opsAfter(0) == nil && loaded.opsAfter(1) == [])
        try loaded.load(ops: live.opsAfter(1)!)
        #expect(loaded.string == live.string && loaded.rev == 3 && loaded.authors == live.authors)
        #expect(loaded.opsAfter(1) == live.opsAfter(1))
        // The reloaded history still recognizes resends and transforms old bases.
        #expect(loaded.accept(try op([10, "!"]), baseRev: 2, nonce: "n2", author: 3, maxChars: 100)
                    == .success(.duplicate(rev: 3)))
        #expect(loaded.accept(try op(["¡", 10]), baseRev: 2, nonce: "x", author: 5, maxChars: 100)
                    == .success(.accepted(op: try op(["¡", 11]), rev: 4)))
        var gap = CollabDocument(text: [], rev: 0, historyCapacity: 10)
        #expect(throws: TextOperationError("Stored operation 2 does not follow revision 0.")) {
            try gap.load(ops: Array(live.opsAfter(1)!))
        }
    }

    @Test func historyTrimsLongRuns() throws {
        var d = CollabDocument(text: [], rev: 0, historyCapacity: 3)
        for i in 0..<500 {
            let r = d.accept(appending("x", to: i), baseRev: d.rev, nonce: "n\(i)", author: 1, maxChars: 10_000)
            #expect(r == .success(.accepted(op: appending("x", to: i), rev: Int64(i + 1))))
        }
        #expect(d.oldestBase == 497 && d.opsAfter(496) == nil && d.opsAfter(497)?.map(\.rev) == [498, 499, 500])
        #expect(d.accept(Op.identity(497), baseRev: 497, nonce: "n499", author: 1, maxChars: 10_000) == .success(.duplicate(rev: 500)))
        #expect(d.accept(Op.identity(497), baseRev: 497, nonce: "n496", author: 1, maxChars: 10_000)
                    == .success(.accepted(op: Op.identity(500), rev: 501)))
        var none = CollabDocument(text: [], historyCapacity: 0)
        #expect(try none.accept(op(["a"]), baseRev: 0, nonce: "z", author: 1, maxChars: 9).get() == .accepted(op: try op(["a"]), rev: 1))
        #expect(none.accept(try op(["a"]), baseRev: 0, nonce: "z", author: 1, maxChars: 9) == .failure(.stale(1)))
    }

    // MARK: - The client state machine

    @Test func clientSendsOneAtATimeAndBuffers() throws {
        var c = DocClient(text: scalars("ab"), rev: 5, makeNonce: { "c\($0)" })
        let first = try c.edit(op([2, "c"]))
        #expect(first == DocClient.Outgoing(op: try op([2, "c"]), baseRev: 5, nonce: "c0"))
        #expect(try c.edit(op([3, "d"])) == nil)
        #expect(try c.edit(op([4, "e"])) == nil)
        #expect(try c.edit(Op.identity(5)) == nil)  // no-ops change nothing
        #expect(c.string == "abcde")
        #expect(c.state == .awaitingWithBuffer(outstanding: try op([2, "c"]), nonce: "c0", buffer: try op([3, "de"])))
        // A remote insert at the start moves both.
        #expect(try c.receive(op: op(["X", 2]), rev: 6, nonce: "other") == nil)
        #expect(try c.string == "Xabcde" && c.rev == 6 && c.lastApplied == op(["X", 5]))
        #expect(c.state == .awaitingWithBuffer(outstanding: try op([3, "c"]), nonce: "c0", buffer: try op([4, "de"])))
        // The acknowledgement: the buffer goes out with a new nonce, on the new revision.
        let next = try c.receive(op: op([3, "c"]), rev: 7, nonce: "c0")
        #expect(next == DocClient.Outgoing(op: try op([4, "de"]), baseRev: 7, nonce: "c1"))
        #expect(c.lastApplied == nil && c.string == "Xabcde")
        #expect(c.resendAfterReconnect() == next)
        #expect(try c.receive(op: op([4, "de"]), rev: 8, nonce: "c1") == nil)
        #expect(c.isSynchronized && c.resendAfterReconnect() == nil && c.rev == 8)
    }

    @Test func clientIgnoresRepliesAndRefusesGaps() throws {
        var c = DocClient(text: scalars("ab"), rev: 2, makeNonce: { "c\($0)" })
        #expect(try c.receive(op: op(["z", 2]), rev: 2, nonce: "old") == nil)  // already seen
        #expect(c.string == "ab" && c.rev == 2)
        #expect(throws: TextOperationError("Revisions 3 to 4 are missing.")) {
            try c.receive(op: op(["z", 2]), rev: 5, nonce: "x")
        }
        #expect(throws: TextOperationError.self) { try c.edit(op([3, "x"])) }
        #expect(throws: TextOperationError.self) { try c.receive(op: op([3, "x"]), rev: 3, nonce: "x") }
        #expect(c.string == "ab" && c.rev == 2 && c.isSynchronized)
    }

    @Test func clientTieRuleMatchesTheServer() throws {
        // Both insert at position 1 at revision 0; the server commits B first, then A's.
        var server = doc("ab")
        var a = DocClient(text: scalars("ab"), rev: 0, makeNonce: { "a\($0)" })
        var b = DocClient(text: scalars("ab"), rev: 0, makeNonce: { "b\($0)" })
        let sa = try a.edit(op([1, "A", 1]))!
        let sb = try b.edit(op([1, "B", 1]))!
        for (s, author) in [(sb, Int64(2)), (sa, Int64(1))] {
            guard case .success(.accepted(let o, let rev)) = server.accept(s.op, baseRev: s.baseRev, nonce: s.nonce,
                                                                           author: author, maxChars: 100)
            else { Issue.record("refused"); return }
            _ = try a.receive(op: o, rev: rev, nonce: s.nonce)
            _ = try b.receive(op: o, rev: rev, nonce: s.nonce)
        }
        #expect(server.string == "aABb" && a.string == server.string && b.string == server.string)
    }

    @Test func clientCursorHelper() throws {
        var c = DocClient(text: scalars("abcd"), rev: 0, makeNonce: { "c\($0)" })
        #expect(c.transformCursor(2) == 2)
        _ = try c.receive(op: op([2, "xy", 2]), rev: 1, nonce: "r")
        #expect(c.transformCursor(2) == 4 && c.transformCursor(2, ownInsert: true) == 2 && c.transformCursor(1) == 1)
        #expect(DocClient.randomNonce(0).count == 22 && DocClient.randomNonce(0) != DocClient.randomNonce(0))
    }
}
