import Testing
@testable import AtriumCore

// The board model of docs/collab.md "Boards": position keys, every operation and every
// refusal, the schema at its edges, the JSON forms and the client replica.

@Suite("Boards")
struct BoardTests {
    // MARK: - Helpers

    /// The outcome of `body`: nil when it did not throw.
    static func refusal(_ body: () throws(BoardError) -> Void) -> BoardError? {
        do { try body(); return nil } catch { return error }
    }

    /// Applies `op` expecting a refusal with `code`; checks that the board did not change.
    @discardableResult
    static func expectRefused(_ op: BoardOp, on board: Board, _ code: BoardError.Code,
                              sourceLocation: SourceLocation = #_sourceLocation) -> String {
        var copy = board
        let error = refusal { () throws(BoardError) in try copy.apply(op, actor: 9, atMillis: 9_000) }
        #expect(error?.code == code, "expected \(code) for \(op), got \(String(describing: error))", sourceLocation: sourceLocation)
        #expect(copy == board, "a refused operation changed the board", sourceLocation: sourceLocation)
        return error?.message ?? ""
    }

    /// Parses an operation from JSON text expecting `bad_request`.
    @discardableResult
    static func expectBadRequest(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let json: JSON
        do { json = try JSON.parse(text) } catch {
            Issue.record("test JSON does not parse: \(text)", sourceLocation: sourceLocation)
            return ""
        }
        let error = refusal { () throws(BoardError) in _ = try BoardOp(json: json) }
        #expect(error?.code == .badRequest, "expected bad_request for \(text)", sourceLocation: sourceLocation)
        return error?.message ?? ""
    }

    static func parse(_ text: String) throws -> BoardOp { try BoardOp(json: try JSON.parse(text)) }

    /// A JSON string literal of `s` (escaped).
    static func q(_ s: String) -> String { JSON.string(s).encodedString() }

    /// A board with columns "todo" (no limit), "doing" (wip 2) and "done", and cards a, b in todo.
    static func sample() throws -> Board {
        var b = Board()
        for op: BoardOp in [
            .columnCreate(id: "todo", title: "To do", pos: "V", wip: nil),
            .columnCreate(id: "doing", title: "Doing", pos: "k", wip: 2),
            .columnCreate(id: "done", title: "Done", pos: "s", wip: nil),
            .cardCreate(id: "a", column: "todo", pos: "V", title: "Card A"),
            .cardCreate(id: "b", column: "todo", pos: "k", title: "Card B"),
        ] {
            try b.apply(op, actor: 1, atMillis: 1_000)
        }
        return b
    }

    static func apply(_ ops: [BoardOp], to board: Board, actor: Int64 = 2, at: Int64 = 2_000) throws -> Board {
        var b = board
        for op in ops { try b.apply(op, actor: actor, atMillis: at) }
        return b
    }

    // MARK: - Position keys

    @Suite("Position keys")
    struct PositionKeys {
        @Test func validity() {
            for ok in ["1", "V", "z", "zz", "0z", "a1", "000001", "Zz9", String(repeating: "z", count: 100)] {
                #expect(PositionKey.isValid(ok), "\(ok)")
            }
            for bad in ["", "0", "10", "V0", "a-b", "é", "V ", " V", "a_b", String(repeating: "z", count: 101)] {
                #expect(!PositionKey.isValid(bad), "\(bad)")
            }
        }

        @Test func byteOrder() {
            #expect(PositionKey.less("9", "A"))
            #expect(PositionKey.less("Z", "a"))
            #expect(PositionKey.less("V", "V1"))
            #expect(PositionKey.less("V01", "V1"))
            #expect(!PositionKey.less("a", "a"))
            let digits = Array(PositionKey.alphabet).map(String.init)
            #expect(digits == digits.sorted(by: PositionKey.less))
        }

        @Test func betweenNothing() {
            let k = PositionKey.between(nil, nil)
            #expect(PositionKey.isValid(k))
            #expect(k.count == 1)
        }

        /// Every pair of a varied set of keys: the result is valid and strictly between.
        @Test func betweenEveryPair() {
            var keys = Set(["1", "2", "0z", "01", "001", "0001", "V", "V1", "V01", "V001", "Vz", "Vzz", "W", "Wz",
                            "y", "yz", "z", "z1", "zz", "zzz", "zzzy", "zy", "11", "12", "1z", "0zz", "0V", "U", "UzzzzV"])
            keys.formUnion(PositionKey.spread(count: 70))
            let sorted = keys.sorted(by: PositionKey.less)
            #expect(sorted.allSatisfy(PositionKey.isValid))
            var checked = 0
            for (i, a) in sorted.enumerated() {
                let after = PositionKey.between(a, nil)
                let before = PositionKey.between(nil, a)
                #expect(PositionKey.isValid(after) && PositionKey.less(a, after), "after \(a): \(after)")
                #expect(PositionKey.isValid(before) && PositionKey.less(before, a), "before \(a): \(before)")
                for b in sorted[(i + 1)...] {
                    let m = PositionKey.between(a, b)
                    #expect(PositionKey.isValid(m) && PositionKey.less(a, m) && PositionKey.less(m, b), "\(a) < \(m) < \(b)")
                    // The counting scheme may spend a few more digits than the shortest key to
                    // leave room for the next insertions there; never more than twice as many.
                    #expect(m.count <= 2 * max(a.count, b.count) + 1, "\(a) … \(b) gave the long key \(m)")
                    checked += 1
                }
            }
            #expect(checked > 4_000)
        }

        /// Drives `n` insertions where `next` picks the neighbours from the keys so far; returns
        /// the longest key and checks order and validity all along.
        static func grow(_ n: Int, _ next: ([String], Int) -> (String?, String?)) -> Int {
            var keys: [String] = []
            var longest = 0
            for step in 0..<n {
                let (a, b) = next(keys, step)
                let k = PositionKey.between(a, b)
                guard PositionKey.isValid(k), a.map({ PositionKey.less($0, k) }) ?? true,
                      b.map({ PositionKey.less(k, $0) }) ?? true else {
                    Issue.record("step \(step): \(String(describing: a)) < \(k) < \(String(describing: b)) fails")
                    return .max
                }
                keys.append(k)
                longest = max(longest, k.count)
            }
            return longest
        }

        @Test func appendingStaysShort() {
            // Always at the end: 1 character for ~30 keys, 3 for ~3,800, 5 for ~230,000.
            #expect(Self.grow(30, { keys, _ in (keys.last, nil) }) == 1)
            #expect(Self.grow(3_000, { keys, _ in (keys.last, nil) }) <= 3)
            #expect(Self.grow(20_000, { keys, _ in (keys.last, nil) }) <= 5)
        }

        @Test func prependingStaysShort() {
            #expect(Self.grow(30, { keys, _ in (nil, keys.last) }) == 1)
            #expect(Self.grow(3_000, { keys, _ in (nil, keys.last) }) <= 4)
            #expect(Self.grow(20_000, { keys, _ in (nil, keys.last) }) <= 6)
        }

        @Test func typingARunAtOneSpotStaysShort() {
            // A list of two cards; each new card goes after the previous new one, before "W".
            let longest = Self.grow(20_000) { keys, _ in (keys.last ?? "V", "W") }
            #expect(longest <= 8)
        }

        @Test func insertingAgainAndAgainRightAfterOneCardStaysShort() {
            // Each new card goes right after "V", before the previous new one.
            let longest = Self.grow(20_000) { keys, _ in ("V", keys.last ?? "W") }
            #expect(longest <= 8)
        }

        @Test func randomInsertionsKeepOrderAndStayShort() {
            var rng = BoardSplitMix64(seed: 42)
            var list: [String] = []
            for _ in 0..<5_000 {
                let i = Int(rng.next() % UInt64(list.count + 1))
                let k = PositionKey.between(i > 0 ? list[i - 1] : nil, i < list.count ? list[i] : nil)
                list.insert(k, at: i)
            }
            #expect(list == list.sorted(by: PositionKey.less))
            #expect(Set(list).count == list.count)
            #expect(list.allSatisfy(PositionKey.isValid))
            #expect(list.map(\.count).max()! <= 12)
        }

        @Test func spreadIsEvenValidAndShort() {
            #expect(PositionKey.spread(count: 0) == [])
            #expect(PositionKey.spread(count: 1) == ["V"])
            for n in [2, 3, 60, 61, 62, 100, 3_843, 5_000] {
                let keys = PositionKey.spread(count: n)
                #expect(keys.count == n)
                #expect(keys.allSatisfy(PositionKey.isValid))
                #expect(zip(keys, keys.dropFirst()).allSatisfy { PositionKey.less($0, $1) }, "n = \(n)")
                #expect(keys.map(\.count).max()! <= (n < 62 ? 1 : n < 3_844 ? 2 : 3), "n = \(n)")
            }
        }

        @Test func betweenTheTightestPairGoesOneLonger() {
            let a = "V" + String(repeating: "0", count: 97) + "1"
            let b = "V" + String(repeating: "0", count: 97) + "2"
            let m = PositionKey.between(a, b)
            #expect(PositionKey.less(a, m) && PositionKey.less(m, b))
            #expect(m.count == 100)
            // Nothing of 100 characters fits between these: the result is longer and invalid.
            let c = a + "1"
            let longer = PositionKey.between(a, c)
            #expect(PositionKey.less(a, longer) && PositionKey.less(longer, c))
            #expect(!PositionKey.isValid(longer))
        }
    }

    // MARK: - Operations that fit

    @Test func columnLifecycle() throws {
        var b = Board()
        try b.apply(.columnCreate(id: "c1", title: "Ideas", pos: "V", wip: 3), actor: 5, atMillis: 10)
        #expect(b.columns["c1"] == Board.Column(id: "c1", title: "Ideas", pos: "V", wip: 3, archived: false))
        try b.apply(.columnSet(id: "c1", field: .title("Better ideas")), actor: 5, atMillis: 11)
        try b.apply(.columnSet(id: "c1", field: .wip(nil)), actor: 5, atMillis: 12)
        try b.apply(.columnMove(id: "c1", pos: "a"), actor: 5, atMillis: 13)
        #expect(b.columns["c1"] == Board.Column(id: "c1", title: "Better ideas", pos: "a", wip: nil, archived: false))
        try b.apply(.columnArchive(id: "c1"), actor: 5, atMillis: 14)
        #expect(b.columns["c1"]?.archived == true)
        try b.apply(.columnArchive(id: "c1"), actor: 5, atMillis: 14)  // again: no harm
        try b.apply(.columnRestore(id: "c1"), actor: 5, atMillis: 15)
        #expect(b.columns["c1"]?.archived == false)
        try b.apply(.columnSet(id: "c1", field: .wip(999)), actor: 5, atMillis: 16)
        #expect(b.columns["c1"]?.wip == 999)
        try b.apply(.columnDelete(id: "c1"), actor: 5, atMillis: 17)
        #expect(b == Board())
    }

    @Test func cardCreateStampsAuthorAndTime() throws {
        var b = try Self.sample()
        try b.apply(.cardCreate(id: "n", column: "done", pos: "V", title: "New"), actor: 7, atMillis: 1_700_000_000_123)
        #expect(b.cards["n"] == Board.Card(id: "n", column: "done", pos: "V", title: "New", createdBy: 7,
                                           createdAt: 1_700_000_000_123))
    }

    @Test func cardSetEveryField() throws {
        var b = try Self.sample()
        let checklist = [Board.ChecklistItem(id: "i1", text: "Read", done: true), Board.ChecklistItem(id: "i2", text: "Write")]
        let links = [Board.Link(title: "Spec", url: "https://example.org/spec")]
        for field: BoardOp.CardField in [
            .title("Renamed"), .description("Long text\nwith lines"), .assignees([3, 1, 2]), .labels(["red", "урок"]),
            .due("2025-03-31"), .checklist(checklist), .links(links),
        ] {
            try b.apply(.cardSet(id: "a", field: field), actor: 3, atMillis: 3_000)
        }
        let a = try #require(b.cards["a"])
        #expect(a.title == "Renamed")
        #expect(a.description == "Long text\nwith lines")
        #expect(a.assignees == [3, 1, 2])
        #expect(a.labels == ["red", "урок"])
        #expect(a.due == "2025-03-31")
        #expect(a.checklist == checklist)
        #expect(a.links == links)
        // Creation stamps and place are untouched by sets.
        #expect(a.createdBy == 1 && a.createdAt == 1_000 && a.column == "todo" && a.pos == "V")
        try b.apply(.cardSet(id: "a", field: .due(nil)), actor: 3, atMillis: 3_001)
        try b.apply(.cardSet(id: "a", field: .description("")), actor: 3, atMillis: 3_001)
        #expect(b.cards["a"]?.due == nil && b.cards["a"]?.description == "")
    }

    @Test func lastWriteWinsPerFieldNotPerCard() throws {
        var b = try Self.sample()
        // Two people: one renames, the other sets the due date; then a later rename.
        try b.apply(.cardSet(id: "a", field: .title("From Ann")), actor: 1, atMillis: 1)
        try b.apply(.cardSet(id: "a", field: .due("2025-01-02")), actor: 2, atMillis: 2)
        #expect(b.cards["a"]?.title == "From Ann" && b.cards["a"]?.due == "2025-01-02")
        try b.apply(.cardSet(id: "a", field: .title("From Bob")), actor: 2, atMillis: 3)
        #expect(b.cards["a"]?.title == "From Bob" && b.cards["a"]?.due == "2025-01-02")
        // A move keeps every field.
        try b.apply(.cardMove(id: "a", column: "done", pos: "z"), actor: 1, atMillis: 4)
        #expect(b.cards["a"]?.title == "From Bob" && b.cards["a"]?.due == "2025-01-02")
    }

    @Test func cardMoveArchiveRestoreDelete() throws {
        var b = try Self.sample()
        try b.apply(.cardMove(id: "a", column: "doing", pos: "1"), actor: 2, atMillis: 1)
        #expect(b.cards["a"]?.column == "doing" && b.cards["a"]?.pos == "1")
        try b.apply(.cardMove(id: "a", column: "doing", pos: "2"), actor: 2, atMillis: 1)  // within the column
        #expect(b.cards["a"]?.pos == "2")
        try b.apply(.cardArchive(id: "a"), actor: 2, atMillis: 1)
        #expect(b.cards["a"]?.archived == true)
        try b.apply(.cardRestore(id: "a"), actor: 2, atMillis: 1)
        #expect(b.cards["a"]?.archived == false)
        try b.apply(.cardRestore(id: "a"), actor: 2, atMillis: 1)  // not archived: nothing to do
        try b.apply(.cardDelete(id: "a"), actor: 2, atMillis: 1)
        #expect(b.cards["a"] == nil && b.cards.count == 1)
    }

    @Test func commentsAreAppendedWithServerAuthorAndTime() throws {
        var b = try Self.sample()
        try b.apply(.cardComment(id: "a", comment: "m1", text: "First"), actor: 4, atMillis: 40)
        try b.apply(.cardComment(id: "a", comment: "m2", text: "Second"), actor: 5, atMillis: 50)
        #expect(b.cards["a"]?.comments == [Board.Comment(id: "m1", user: 4, at: 40, text: "First"),
                                           Board.Comment(id: "m2", user: 5, at: 50, text: "Second")])
        // The same comment id on another card is fine: ids are per card.
        try b.apply(.cardComment(id: "b", comment: "m1", text: "Elsewhere"), actor: 4, atMillis: 60)
        // Archived cards can still be discussed.
        try b.apply(.cardArchive(id: "b"), actor: 4, atMillis: 61)
        try b.apply(.cardComment(id: "b", comment: "m2", text: "Still"), actor: 4, atMillis: 62)
        #expect(b.cards["b"]?.comments.count == 2)
    }

    @Test func wipLimitCountsOnlyActiveCardsAndNotMovesWithin() throws {
        var b = try Self.apply([
            .cardMove(id: "a", column: "doing", pos: "V"),
            .cardMove(id: "b", column: "doing", pos: "k"),
        ], to: Self.sample())
        // doing is full (2 of 2).
        let message = Self.expectRefused(.cardCreate(id: "c", column: "doing", pos: "z", title: "C"), on: b, .conflict)
        #expect(message == "The column “Doing” is at its limit of 2 cards.")
        try b.apply(.cardCreate(id: "c", column: "todo", pos: "z", title: "C"), actor: 1, atMillis: 1)
        Self.expectRefused(.cardMove(id: "c", column: "doing", pos: "z"), on: b, .conflict)
        // Moving within the full column is always fine.
        try b.apply(.cardMove(id: "a", column: "doing", pos: "zz"), actor: 1, atMillis: 1)
        // An archived card does not count: now there is room.
        try b.apply(.cardArchive(id: "a"), actor: 1, atMillis: 1)
        try b.apply(.cardMove(id: "c", column: "doing", pos: "z"), actor: 1, atMillis: 1)
        #expect(b.activeCardCount(inColumn: "doing") == 2)
        // Restoring it would make three: refused.
        Self.expectRefused(.cardRestore(id: "a"), on: b, .conflict)
        // An archived card may be moved into a full column (it still does not count).
        try b.apply(.cardMove(id: "a", column: "todo", pos: "1"), actor: 1, atMillis: 1)
        try b.apply(.cardMove(id: "a", column: "doing", pos: "1"), actor: 1, atMillis: 1)
        // Lowering the limit below the count is allowed; it only stops additions.
        try b.apply(.columnSet(id: "doing", field: .wip(1)), actor: 1, atMillis: 1)
        try b.apply(.cardMove(id: "c", column: "doing", pos: "y"), actor: 1, atMillis: 1)
        let one = Self.expectRefused(.cardCreate(id: "d", column: "doing", pos: "z", title: "D"), on: b, .conflict)
        #expect(one == "The column “Doing” is at its limit of 1 card.")
        // Without a limit anything goes.
        try b.apply(.columnSet(id: "doing", field: .wip(nil)), actor: 1, atMillis: 1)
        try b.apply(.cardCreate(id: "d", column: "doing", pos: "z", title: "D"), actor: 1, atMillis: 1)
    }

    @Test func archivedColumnsTakeNoCards() throws {
        var b = try Self.sample()
        try b.apply(.columnArchive(id: "todo"), actor: 1, atMillis: 1)
        // Its cards stay in it.
        #expect(b.cards["a"]?.column == "todo" && b.cards["a"]?.archived == false)
        Self.expectRefused(.cardCreate(id: "c", column: "todo", pos: "z", title: "C"), on: b, .conflict)
        Self.expectRefused(.cardMove(id: "a", column: "todo", pos: "z"), on: b, .conflict)
        try b.apply(.columnArchive(id: "done"), actor: 1, atMillis: 1)
        let m = Self.expectRefused(.cardMove(id: "a", column: "done", pos: "z"), on: b, .conflict)
        #expect(m == "The column “Done” is archived; restore it before putting cards in it.")
        // A card can leave an archived column, and be archived and restored only with its column.
        try b.apply(.cardArchive(id: "b"), actor: 1, atMillis: 1)
        let r = Self.expectRefused(.cardRestore(id: "b"), on: b, .conflict)
        #expect(r == "The card “Card B” is in the archived column “To do”; restore the column first.")
        try b.apply(.cardMove(id: "a", column: "doing", pos: "z"), actor: 1, atMillis: 1)
        try b.apply(.columnRestore(id: "todo"), actor: 1, atMillis: 1)
        try b.apply(.cardRestore(id: "b"), actor: 1, atMillis: 1)
    }

    @Test func deletingAColumnNeedsItEmpty() throws {
        var b = try Self.sample()
        let m = Self.expectRefused(.columnDelete(id: "todo"), on: b, .conflict)
        #expect(m == "The column “To do” still holds 2 cards (archived ones count too); move or delete them first.")
        try b.apply(.cardDelete(id: "a"), actor: 1, atMillis: 1)
        try b.apply(.cardArchive(id: "b"), actor: 1, atMillis: 1)
        // An archived card still holds it.
        Self.expectRefused(.columnDelete(id: "todo"), on: b, .conflict)
        try b.apply(.cardDelete(id: "b"), actor: 1, atMillis: 1)
        try b.apply(.columnDelete(id: "todo"), actor: 1, atMillis: 1)
        #expect(b.columns["todo"] == nil)
        // The id is free again.
        try b.apply(.columnCreate(id: "todo", title: "Again", pos: "V", wip: nil), actor: 1, atMillis: 1)
    }

    @Test func unknownColumnsAndCardsAreNotFound() throws {
        let b = try Self.sample()
        let notFound: [BoardOp] = [
            .columnSet(id: "x", field: .title("T")), .columnSet(id: "x", field: .wip(3)), .columnMove(id: "x", pos: "V"),
            .columnArchive(id: "x"), .columnRestore(id: "x"), .columnDelete(id: "x"),
            .cardCreate(id: "new", column: "x", pos: "V", title: "T"),
            .cardSet(id: "x", field: .title("T")), .cardMove(id: "x", column: "todo", pos: "V"),
            .cardMove(id: "a", column: "x", pos: "V"), .cardArchive(id: "x"), .cardRestore(id: "x"), .cardDelete(id: "x"),
            .cardComment(id: "x", comment: "m", text: "Hi"),
        ]
        for op in notFound { Self.expectRefused(op, on: b, .notFound) }
        #expect(Self.expectRefused(.cardDelete(id: "gone"), on: b, .notFound)
                == "There is no card with the id “gone”; it may have been deleted.")
        #expect(Self.expectRefused(.columnMove(id: "gone", pos: "V"), on: b, .notFound)
                == "There is no column with the id “gone”; it may have been deleted.")
    }

    @Test func idsInUseConflict() throws {
        var b = try Self.sample()
        #expect(Self.expectRefused(.columnCreate(id: "todo", title: "Other", pos: "z", wip: nil), on: b, .conflict)
                == "There is already a column with the id “todo” (“To do”).")
        #expect(Self.expectRefused(.cardCreate(id: "a", column: "done", pos: "z", title: "Other"), on: b, .conflict)
                == "There is already a card with the id “a” (“Card A”).")
        // Columns and cards have separate ids.
        try b.apply(.cardCreate(id: "todo", column: "done", pos: "z", title: "A card named like a column"), actor: 1, atMillis: 1)
        try b.apply(.cardComment(id: "a", comment: "m1", text: "Hi"), actor: 1, atMillis: 1)
        #expect(Self.expectRefused(.cardComment(id: "a", comment: "m1", text: "Again"), on: b, .conflict)
                == "The card “Card A” already has a comment with the id “m1”.")
    }

    @Test func invalidOperationsBuiltInCodeAreRefusedByApply() throws {
        let b = try Self.sample()
        Self.expectRefused(.cardSet(id: "a", field: .title("   ")), on: b, .badRequest)
        Self.expectRefused(.cardMove(id: "a", column: "done", pos: "V0"), on: b, .badRequest)
        Self.expectRefused(.columnCreate(id: "bad id", title: "T", pos: "V", wip: nil), on: b, .badRequest)
        Self.expectRefused(.columnSet(id: "todo", field: .wip(0)), on: b, .badRequest)
    }

    @Test func orderIsPosThenID() throws {
        var b = Board()
        for (id, pos) in [("b", "V"), ("a", "V"), ("c", "1"), ("d", "z")] {
            try b.apply(.columnCreate(id: id, title: id, pos: pos, wip: nil), actor: 1, atMillis: 1)
        }
        #expect(b.orderedColumns.map(\.id) == ["c", "a", "b", "d"])
        for (id, pos) in [("y", "V"), ("x", "V"), ("w", "U"), ("Z", "V")] {
            try b.apply(.cardCreate(id: id, column: "a", pos: pos, title: id), actor: 1, atMillis: 1)
        }
        try b.apply(.cardCreate(id: "other", column: "b", pos: "0V", title: "o"), actor: 1, atMillis: 1)
        try b.apply(.cardArchive(id: "x"), actor: 1, atMillis: 1)
        #expect(b.cards(inColumn: "a").map(\.id) == ["w", "Z", "x", "y"])
        #expect(b.cards(inColumn: "a", includingArchived: false).map(\.id) == ["w", "Z", "y"])
        #expect(b.orderedCards.map(\.id) == ["other", "w", "Z", "x", "y"])
    }

    // MARK: - Operation JSON

    static let everyKind: [BoardOp] = [
        .columnCreate(id: "c1", title: "Ideas", pos: "V", wip: nil),
        .columnCreate(id: "c2", title: "Doing", pos: "k", wip: 3),
        .columnSet(id: "c1", field: .title("New title")),
        .columnSet(id: "c1", field: .wip(5)),
        .columnSet(id: "c1", field: .wip(nil)),
        .columnMove(id: "c1", pos: "a1"),
        .columnArchive(id: "c1"), .columnRestore(id: "c1"), .columnDelete(id: "c1"),
        .cardCreate(id: "k-1", column: "c1", pos: "V", title: "Привет 😀"),
        .cardSet(id: "k-1", field: .title("T")),
        .cardSet(id: "k-1", field: .description("")),
        .cardSet(id: "k-1", field: .description("Line\n\"quoted\"")),
        .cardSet(id: "k-1", field: .assignees([])),
        .cardSet(id: "k-1", field: .assignees([12, 3])),
        .cardSet(id: "k-1", field: .labels(["a", "b c"])),
        .cardSet(id: "k-1", field: .due("2024-02-29")),
        .cardSet(id: "k-1", field: .due(nil)),
        .cardSet(id: "k-1", field: .checklist([.init(id: "i", text: "Do", done: true), .init(id: "j", text: "Undo", done: false)])),
        .cardSet(id: "k-1", field: .links([.init(title: "Site", url: "http://example.org/?a=1&b=2")])),
        .cardMove(id: "k-1", column: "c2", pos: "0z"),
        .cardArchive(id: "k-1"), .cardRestore(id: "k-1"), .cardDelete(id: "k-1"),
        .cardComment(id: "k-1", comment: "m_1", text: "Nice"),
    ]

    @Test func everyOperationRoundTrips() throws {
        var kinds = Set<String>()
        for op in Self.everyKind {
            #expect(try BoardOp(json: op.json) == op)
            #expect(try BoardOp(json: JSON.parse(op.json.encodedString())) == op, "\(op.json.encodedString())")
            #expect(op.json["op"] == .string(op.kind))
            kinds.insert(op.kind)
        }
        #expect(kinds == Set(BoardOp.kinds))
    }

    @Test func wireFormsOfTheDocs() throws {
        #expect(try Self.parse(#"{"op":"column.create","id":"c","title":"To do","pos":"V"}"#)
                == .columnCreate(id: "c", title: "To do", pos: "V", wip: nil))
        #expect(try Self.parse(#"{"op":"column.create","id":"c","title":"To do","pos":"V","wip":null}"#)
                == .columnCreate(id: "c", title: "To do", pos: "V", wip: nil))
        #expect(try Self.parse(#"{"op":"column.create","id":"c","title":"To do","pos":"V","wip":4.0}"#)
                == .columnCreate(id: "c", title: "To do", pos: "V", wip: 4))
        #expect(try Self.parse(#"{"op":"column.set","id":"c","field":"wip","value":null}"#) == .columnSet(id: "c", field: .wip(nil)))
        #expect(try Self.parse(#"{"op":"column.set","id":"c","field":"wip"}"#) == .columnSet(id: "c", field: .wip(nil)))
        #expect(try Self.parse(#"{"op":"card.set","id":"k","field":"due","value":null}"#) == .cardSet(id: "k", field: .due(nil)))
        #expect(try Self.parse(#"{"op":"card.set","id":"k","field":"assignees","value":[1,2.0]}"#)
                == .cardSet(id: "k", field: .assignees([1, 2])))
        #expect(try Self.parse(#"{"op":"card.move","id":"k","column":"c","pos":"V","extra":[1]}"#)
                == .cardMove(id: "k", column: "c", pos: "V"))  // unknown keys are ignored
        #expect(try Self.parse(#"{"op":"card.comment","id":"k","comment":"m","text":"Hi"}"#)
                == .cardComment(id: "k", comment: "m", text: "Hi"))
        #expect(BoardOp.columnCreate(id: "c", title: "T", pos: "V", wip: nil).json.encodedString()
                == #"{"op":"column.create","id":"c","title":"T","pos":"V"}"#)
        #expect(BoardOp.cardSet(id: "k", field: .checklist([.init(id: "i", text: "x", done: false)])).json.encodedString()
                == #"{"op":"card.set","id":"k","field":"checklist","value":[{"id":"i","text":"x","done":false}]}"#)
    }

    @Test func kindCardAndColumn() {
        #expect(BoardOp.columnSet(id: "c", field: .wip(1)).kind == "column.set")
        #expect(BoardOp.columnSet(id: "c", field: .wip(1)).columnID == "c")
        #expect(BoardOp.columnSet(id: "c", field: .wip(1)).cardID == nil)
        #expect(BoardOp.cardMove(id: "k", column: "c", pos: "V").cardID == "k")
        #expect(BoardOp.cardMove(id: "k", column: "c", pos: "V").columnID == "c")
        #expect(BoardOp.cardCreate(id: "k", column: "c", pos: "V", title: "T").columnID == "c")
        #expect(BoardOp.cardComment(id: "k", comment: "m", text: "t").cardID == "k")
        #expect(BoardOp.cardComment(id: "k", comment: "m", text: "t").columnID == nil)
        #expect(BoardOp.cardSet(id: "k", field: .title("t")).columnID == nil)
        #expect(BoardOp.columnDelete(id: "c").cardID == nil)
        #expect(Self.everyKind.allSatisfy { ($0.cardID != nil) == $0.kind.hasPrefix("card.") })
        #expect(Self.everyKind.allSatisfy { $0.kind.hasPrefix("card.") || $0.columnID != nil })
    }

    // MARK: - Schema edges (exactly at each limit accepted, one past refused)

    @Test func shapeErrors() {
        #expect(Self.expectBadRequest(#"[1]"#) == "A board operation must be a JSON object.")
        #expect(Self.expectBadRequest(#"{}"#) == "The field 'op' of the operation is required.")
        #expect(Self.expectBadRequest(#"{"op":"card.fly","id":"k"}"#) == "Unknown board operation 'card.fly'.")
        #expect(Self.expectBadRequest(#"{"op":"card.delete"}"#) == "The field 'id' of the operation is required.")
        #expect(Self.expectBadRequest(#"{"op":"card.delete","id":5}"#) == "The field 'id' of the operation must be a string.")
        Self.expectBadRequest(#"{"op":"card.delete","id":null}"#)
        Self.expectBadRequest(#"{"op":5,"id":"k"}"#)
        Self.expectBadRequest(#"{"op":"column.set","id":"c","field":"pos","value":"V"}"#)
        Self.expectBadRequest(#"{"op":"column.set","id":"c","field":"title"}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"archived","value":true}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"column","value":"c"}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"comments","value":[]}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"title"}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"title","value":5}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"labels","value":"a"}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"labels","value":[1]}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"assignees","value":["1"]}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"assignees","value":[1.5]}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"checklist","value":[{"id":"i","text":"x"}]}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"checklist","value":[{"id":"i","text":"x","done":1}]}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"checklist","value":["x"]}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"links","value":[{"title":"x"}]}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"due","value":20250101}"#)
        Self.expectBadRequest(#"{"op":"card.comment","id":"k","text":"x"}"#)
    }

    @Test func ids() throws {
        let forty = String(repeating: "a", count: 40)
        #expect(try Self.parse(#"{"op":"card.delete","id":"\#(forty)"}"#) == .cardDelete(id: forty))
        #expect(try Self.parse(#"{"op":"card.delete","id":"Az09_-"}"#) == .cardDelete(id: "Az09_-"))
        let m = Self.expectBadRequest(#"{"op":"card.delete","id":"\#(forty)a"}"#)
        #expect(m == "The card id must be 1 to 40 characters of A–Z, a–z, 0–9, '_' and '-'.")
        for bad in ["", "a b", "a.b", "é", "a/b", "a+b"] {
            Self.expectBadRequest(#"{"op":"column.delete","id":\#(Self.q(bad))}"#)
        }
        Self.expectBadRequest(#"{"op":"card.create","id":"k","column":"bad col","pos":"V","title":"T"}"#)
        Self.expectBadRequest(#"{"op":"card.comment","id":"k","comment":"","text":"T"}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"checklist","value":[{"id":"a b","text":"x","done":false}]}"#)
    }

    @Test func titlesCountCodePoints() throws {
        // 200 emoji are 400 UTF-16 units but 200 code points: accepted.
        for title in [String(repeating: "😀", count: 200), String(repeating: "x", count: 200), "x", " x "] {
            #expect(try Self.parse(#"{"op":"card.set","id":"k","field":"title","value":\#(Self.q(title))}"#)
                    == .cardSet(id: "k", field: .title(title)))
            #expect(try Self.parse(#"{"op":"column.create","id":"c","title":\#(Self.q(title)),"pos":"V"}"#)
                    == .columnCreate(id: "c", title: title, pos: "V", wip: nil))
        }
        // "е" + combining diaeresis is 2 code points: 100 of them are 200.
        _ = try Self.parse(#"{"op":"card.set","id":"k","field":"title","value":\#(Self.q(String(repeating: "е\u{0308}", count: 100)))}"#)
        Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"title","value":\#(Self.q(String(repeating: "е\u{0308}", count: 100) + "x"))}"#)
        let m = Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"title","value":\#(Self.q(String(repeating: "😀", count: 201)))}"#)
        #expect(m == "The card title has 201 characters; the limit is 200.")
        for bad in ["", " ", "\n\t ", "\u{3000}"] {
            let e = Self.expectBadRequest(#"{"op":"card.create","id":"k","column":"c","pos":"V","title":\#(Self.q(bad))}"#)
            #expect(e == "The card title must not be empty or only spaces.")
            Self.expectBadRequest(#"{"op":"column.set","id":"c","field":"title","value":\#(Self.q(bad))}"#)
        }
        Self.expectBadRequest(#"{"op":"column.create","id":"c","title":\#(Self.q(String(repeating: "x", count: 201))),"pos":"V"}"#)
    }

    @Test func description() throws {
        let max = String(repeating: "д", count: 10_000)
        #expect(try Self.parse(#"{"op":"card.set","id":"k","field":"description","value":\#(Self.q(max))}"#)
                == .cardSet(id: "k", field: .description(max)))
        #expect(try Self.parse(#"{"op":"card.set","id":"k","field":"description","value":"   "}"#)
                == .cardSet(id: "k", field: .description("   ")))
        let m = Self.expectBadRequest(#"{"op":"card.set","id":"k","field":"description","value":\#(Self.q(max + "д"))}"#)
        #expect(m == "The description has 10001 characters; the limit is 10000.")
    }

    static func set(_ field: String, _ value: String) -> String {
        #"{"op":"card.set","id":"k","field":"\#(field)","value":\#(value)}"#
    }

    @Test func assignees() throws {
        let twenty = (1...20).map(String.init).joined(separator: ",")
        #expect(try Self.parse(Self.set("assignees", "[\(twenty)]")) == .cardSet(id: "k", field: .assignees(Array(1...20))))
        #expect(Self.expectBadRequest(Self.set("assignees", "[\(twenty),21]"))
                == "A card can have at most 20 assignees; this has 21.")
        Self.expectBadRequest(Self.set("assignees", "[0]"))
        Self.expectBadRequest(Self.set("assignees", "[-3]"))
        #expect(Self.expectBadRequest(Self.set("assignees", "[4,4]")) == "The assignee 4 is listed twice.")
        #expect(try Self.parse(Self.set("assignees", "[9007199254740993]")) == .cardSet(id: "k", field: .assignees([9_007_199_254_740_993])))
    }

    @Test func labels() throws {
        let twenty = (1...20).map { "\"l\($0)\"" }.joined(separator: ",")
        _ = try Self.parse(Self.set("labels", "[\(twenty)]"))
        Self.expectBadRequest(Self.set("labels", "[\(twenty),\"l21\"]"))
        let forty = String(repeating: "ж", count: 40)
        #expect(try Self.parse(Self.set("labels", "[\(Self.q(forty))]")) == .cardSet(id: "k", field: .labels([forty])))
        #expect(Self.expectBadRequest(Self.set("labels", "[\"ok\",\(Self.q(forty + "ж"))]")) == "Label 2 has 41 characters; the limit is 40.")
        Self.expectBadRequest(Self.set("labels", #"[""]"#))
        Self.expectBadRequest(Self.set("labels", #"[" "]"#))
        Self.expectBadRequest(Self.set("labels", #"["a","a"]"#))
        _ = try Self.parse(Self.set("labels", #"["a","A"]"#))
        _ = try Self.parse(Self.set("labels", "[]"))
    }

    @Test(arguments: ["2024-02-29", "2000-02-29", "2025-12-31", "0001-01-01", "9999-12-31", "2025-04-30", "2025-01-31"])
    func realDates(_ date: String) throws {
        #expect(try Self.parse(Self.set("due", Self.q(date))) == .cardSet(id: "k", field: .due(date)))
    }

    @Test(arguments: ["2023-02-29", "1900-02-29", "2025-04-31", "2025-13-01", "2025-00-10", "2025-01-00", "2025-01-32",
                      "0000-01-01", "2025-1-01", "2025-01-1", "25-01-01", "2025/01/01", "2025-01-01T00:00", " 2025-01-01",
                      "２０２５-01-01", "", "+025-01-01", "2025-0a-01"])
    func notDates(_ date: String) {
        let m = Self.expectBadRequest(Self.set("due", Self.q(date)))
        #expect(m == "The due date must be a real date written YYYY-MM-DD (e.g. 2025-03-31), or null.")
    }

    @Test func checklist() throws {
        func items(_ n: Int, text: String = "x") -> String {
            "[" + (0..<n).map { #"{"id":"i\#($0)","text":\#(Self.q(text)),"done":\#($0 % 2 == 0)}"# }.joined(separator: ",") + "]"
        }
        guard case .cardSet(_, .checklist(let list)) = try Self.parse(Self.set("checklist", items(100))) else {
            Issue.record("not a checklist")
            return
        }
        #expect(list.count == 100 && list[0].done && !list[1].done)
        #expect(Self.expectBadRequest(Self.set("checklist", items(101))) == "A checklist can have at most 100 items; this has 101.")
        _ = try Self.parse(Self.set("checklist", items(1, text: String(repeating: "t", count: 500))))
        #expect(Self.expectBadRequest(Self.set("checklist", items(1, text: String(repeating: "t", count: 501))))
                == "Checklist item 1 has 501 characters; the limit is 500.")
        Self.expectBadRequest(Self.set("checklist", items(1, text: "")))
        Self.expectBadRequest(Self.set("checklist", items(1, text: "  ")))
        Self.expectBadRequest(Self.set("checklist", #"[{"id":"i","text":"a","done":false},{"id":"i","text":"b","done":true}]"#))
        _ = try Self.parse(Self.set("checklist", "[]"))
    }

    @Test func links() throws {
        func links(_ n: Int, title: String = "Site", url: String = "https://example.org") -> String {
            "[" + (0..<n).map { _ in #"{"title":\#(Self.q(title)),"url":\#(Self.q(url))}"# }.joined(separator: ",") + "]"
        }
        _ = try Self.parse(Self.set("links", links(50)))
        #expect(Self.expectBadRequest(Self.set("links", links(51))) == "A card can have at most 50 links; this has 51.")
        _ = try Self.parse(Self.set("links", links(1, title: String(repeating: "t", count: 200))))
        Self.expectBadRequest(Self.set("links", links(1, title: String(repeating: "t", count: 201))))
        Self.expectBadRequest(Self.set("links", links(1, title: " ")))
        let url2000 = "https://e.org/" + String(repeating: "p", count: 2_000 - 14)
        #expect(url2000.count == 2_000)
        _ = try Self.parse(Self.set("links", links(1, url: url2000)))
        Self.expectBadRequest(Self.set("links", links(1, url: url2000 + "p")))
        for ok in ["http://x", "https://x", "HTTPS://EXAMPLE.ORG/A?b=c#d", "https://пример.рф/путь", "http://[::1]:8080/"] {
            _ = try Self.parse(Self.set("links", links(1, url: ok)))
        }
        for bad in ["https://", "http://", "ftp://example.org", "javascript:alert(1)", "data:text/html,x", "//example.org",
                    "example.org", "https://a b", "https://a\tb", "https://a\u{85}b", " https://a", "", "https:/a", "https:x"] {
            let m = Self.expectBadRequest(Self.set("links", links(1, url: bad)))
            #expect(m.hasPrefix("The address of link 1 must start with http:// or https://"), "\(bad): \(m)")
        }
    }

    @Test func commentText() throws {
        let max = String(repeating: "ё", count: 4_000)
        #expect(try Self.parse(#"{"op":"card.comment","id":"k","comment":"m","text":\#(Self.q(max))}"#)
                == .cardComment(id: "k", comment: "m", text: max))
        #expect(Self.expectBadRequest(#"{"op":"card.comment","id":"k","comment":"m","text":\#(Self.q(max + "ё"))}"#)
                == "The comment has 4001 characters; the limit is 4000.")
        Self.expectBadRequest(#"{"op":"card.comment","id":"k","comment":"m","text":""}"#)
        Self.expectBadRequest(#"{"op":"card.comment","id":"k","comment":"m","text":"  "}"#)
    }

    @Test func wip() throws {
        for (text, wip) in [("null", nil), ("1", 1), ("999", 999), ("7.0", 7)] as [(String, Int?)] {
            #expect(try Self.parse(#"{"op":"column.set","id":"c","field":"wip","value":\#(text)}"#) == .columnSet(id: "c", field: .wip(wip)))
            #expect(try Self.parse(#"{"op":"column.create","id":"c","title":"T","pos":"V","wip":\#(text)}"#)
                    == .columnCreate(id: "c", title: "T", pos: "V", wip: wip))
        }
        for bad in ["0", "1000", "-1", "2.5", "\"3\"", "true", "[]", "99999999999999999999"] {
            let m = Self.expectBadRequest(#"{"op":"column.set","id":"c","field":"wip","value":\#(bad)}"#)
            #expect(m == "The WIP limit must be null or a whole number from 1 to 999.")
            Self.expectBadRequest(#"{"op":"column.create","id":"c","title":"T","pos":"V","wip":\#(bad)}"#)
        }
    }

    @Test func positions() throws {
        let hundred = String(repeating: "z", count: 100)
        #expect(try Self.parse(#"{"op":"column.move","id":"c","pos":"\#(hundred)"}"#) == .columnMove(id: "c", pos: hundred))
        #expect(try Self.parse(#"{"op":"card.move","id":"k","column":"c","pos":"0001"}"#) == .cardMove(id: "k", column: "c", pos: "0001"))
        for bad in ["", "0", "V0", "V-1", "V 1", "é", hundred + "z"] {
            let m = Self.expectBadRequest(#"{"op":"card.move","id":"k","column":"c","pos":\#(Self.q(bad))}"#)
            #expect(m == "The position must be a position key: 1 to 100 characters of 0–9, A–Z and a–z, not ending in 0.")
            Self.expectBadRequest(#"{"op":"card.create","id":"k","column":"c","pos":\#(Self.q(bad)),"title":"T"}"#)
            Self.expectBadRequest(#"{"op":"column.create","id":"c","title":"T","pos":\#(Self.q(bad))}"#)
            Self.expectBadRequest(#"{"op":"column.move","id":"c","pos":\#(Self.q(bad))}"#)
        }
        Self.expectBadRequest(#"{"op":"card.move","id":"k","column":"c","pos":5}"#)
    }

    // MARK: - Board JSON

    static func richBoard() throws -> Board {
        try Self.apply([
            .cardSet(id: "a", field: .description("Desc")), .cardSet(id: "a", field: .assignees([5, 6])),
            .cardSet(id: "a", field: .labels(["x"])), .cardSet(id: "a", field: .due("2025-09-01")),
            .cardSet(id: "a", field: .checklist([.init(id: "i", text: "Step", done: true)])),
            .cardSet(id: "a", field: .links([.init(title: "L", url: "https://l.example")])),
            .cardComment(id: "a", comment: "m", text: "Comment \"quoted\" 😀"),
            .cardArchive(id: "b"), .columnArchive(id: "done"),
            .cardCreate(id: "c", column: "doing", pos: "V", title: "Same pos as a"),
        ], to: Self.sample(), actor: 3, at: 1_735_689_600_000)
    }

    @Test func boardRoundTrips() throws {
        let board = try Self.richBoard()
        #expect(try Board(json: board.json) == board)
        #expect(try Board(json: JSON.parse(board.json.encodedString())) == board)
        #expect(try Board(json: Board().json) == Board())
        #expect(Board().json.encodedString() == #"{"columns":[],"cards":[]}"#)
    }

    @Test func boardJSONShapeAndOrder() throws {
        let json = try Self.richBoard().json
        let columns = try #require(json["columns"]?.arrayValue)
        let cards = try #require(json["cards"]?.arrayValue)
        #expect(columns.compactMap { $0["id"]?.stringValue } == ["todo", "doing", "done"])
        // (pos, id): a and c share "V"; then b at "k".
        #expect(cards.compactMap { $0["id"]?.stringValue } == ["a", "c", "b"])
        #expect(columns[1].objectValue?.keys == ["id", "title", "pos", "wip", "archived"])
        #expect(columns[1]["wip"] == .int(2) && columns[0]["wip"] == .null && columns[2]["archived"] == .bool(true))
        #expect(cards[0].objectValue?.keys == ["id", "column", "pos", "title", "description", "assignees", "labels", "due",
                                               "checklist", "links", "comments", "archived", "created_by", "created_at"])
        #expect(cards[0]["created_by"] == .int(1) && cards[0]["created_at"] == .int(1_000))
        #expect(cards[1]["created_by"] == .int(3) && cards[1]["created_at"] == .int(1_735_689_600_000))
        #expect(cards[1]["due"] == .null)
        #expect(cards[0]["comments"] == [["id": "m", "user": 3, "at": 1_735_689_600_000, "text": "Comment \"quoted\" 😀"]])
        #expect(cards[0]["checklist"] == [["id": "i", "text": "Step", "done": true]])
        #expect(cards[0]["links"] == [["title": "L", "url": "https://l.example"]])
    }

    @Test func boardJSONIsValidated() throws {
        @discardableResult
        func refused(_ text: String) -> String {
            let error = Self.refusal { () throws(BoardError) in _ = try Board(json: try! JSON.parse(text)) }
            #expect(error?.code == .badRequest, "\(text)")
            return error?.message ?? ""
        }
        let col = #"{"id":"c","title":"C","pos":"V","wip":null,"archived":false}"#
        func card(_ id: String, _ column: String = "c", extra: String = "") -> String {
            #"{"id":"\#(id)","column":"\#(column)","pos":"V","title":"T","created_by":1,"created_at":2\#(extra)}"#
        }
        #expect(refused("[]") == "The board must be a JSON object.")
        #expect(refused(#"{"cards":[]}"#) == "The field 'columns' of the board is required.")
        #expect(refused(#"{"columns":[\#(col),\#(col)],"cards":[]}"#) == "The board has two columns with the id “c”.")
        #expect(refused(#"{"columns":[\#(col)],"cards":[\#(card("k")),\#(card("k"))]}"#) == "The board has two cards with the id “k”.")
        #expect(refused(#"{"columns":[\#(col)],"cards":[\#(card("k", "gone"))]}"#)
                == "The card “T” is in the column “gone”, which the board does not have.")
        refused(#"{"columns":[{"id":"c","title":"","pos":"V"}],"cards":[]}"#)
        refused(#"{"columns":[{"id":"c","title":"C","pos":"V0"}],"cards":[]}"#)
        refused(#"{"columns":[{"id":"c","title":"C","pos":"V","wip":0}],"cards":[]}"#)
        refused(#"{"columns":[\#(col)],"cards":[\#(card("k", extra: #","due":"2025-02-30""#))]}"#)
        refused(#"{"columns":[\#(col)],"cards":[\#(card("k", extra: #","labels":[""]"#))]}"#)
        refused(#"{"columns":[\#(col)],"cards":[\#(card("k", extra: #","comments":[{"id":"m","user":1,"at":2,"text":""}]"#))]}"#)
        let dup = #","comments":[{"id":"m","user":1,"at":2,"text":"a"},{"id":"m","user":1,"at":3,"text":"b"}]"#
        #expect(refused(#"{"columns":[\#(col)],"cards":[\#(card("k", extra: dup))]}"#) == "The card “k” has two comments with the id “m”.")
        refused(#"{"columns":[\#(col)],"cards":[{"id":"k","column":"c","pos":"V","title":"T","created_by":1}]}"#)
        // Absent optional fields take their defaults; extra keys (rev, locked) are ignored.
        let minimal = try Board(json: JSON.parse(#"{"rev":3,"locked":false,"columns":[{"id":"c","title":"C","pos":"V"}],"cards":[\#(card("k"))]}"#))
        #expect(minimal == Board(columns: [Board.Column(id: "c", title: "C", pos: "V")],
                                 cards: [Board.Card(id: "k", column: "c", pos: "V", title: "T", createdBy: 1, createdAt: 2)]))
    }

    // MARK: - The client replica

    @Test func localChangesShowAtOnceAndWaitForTheServer() throws {
        let start = try Self.sample()
        var r = BoardReplica(confirmed: start)
        try r.local(.cardSet(id: "a", field: .title("Mine")), nonce: "n1", actor: 2, atMillis: 5)
        #expect(r.view.cards["a"]?.title == "Mine")
        #expect(r.confirmed == start)
        #expect(r.pending.map(\.nonce) == ["n1"])
        // Refused locally: not kept.
        let e = Self.refusal { () throws(BoardError) in try r.local(.cardDelete(id: "zz"), nonce: "n2", actor: 2, atMillis: 6) }
        #expect(e?.code == .notFound)
        #expect(r.pending.count == 1)
        // Someone else's change arrives first; ours is replayed on top.
        let dropped = r.receive(.cardSet(id: "a", field: .due("2025-05-05")), nonce: "other", actor: 3, atMillis: 7)
        #expect(dropped.isEmpty)
        #expect(r.view.cards["a"]?.title == "Mine" && r.view.cards["a"]?.due == "2025-05-05")
        #expect(r.confirmed.cards["a"]?.title == "Card A")
        // Our own comes back: acknowledged.
        r.receive(.cardSet(id: "a", field: .title("Mine")), nonce: "n1", actor: 2, atMillis: 8)
        #expect(r.pending.isEmpty)
        #expect(r.view == r.confirmed)
        #expect(r.divergence == nil)
    }

    @Test func pendingOperationsThatNoLongerFitAreDroppedAndReported() throws {
        var r = BoardReplica(confirmed: try Self.sample())
        try r.local(.cardSet(id: "a", field: .title("Mine")), nonce: "n1", actor: 2, atMillis: 5)
        try r.local(.cardMove(id: "b", column: "doing", pos: "V"), nonce: "n2", actor: 2, atMillis: 5)
        try r.local(.cardComment(id: "b", comment: "m", text: "Moved it"), nonce: "n3", actor: 2, atMillis: 5)
        // Someone deletes card a: our title change no longer fits.
        let dropped = r.receive(.cardDelete(id: "a"), nonce: "x", actor: 3, atMillis: 6)
        #expect(dropped.map(\.nonce) == ["n1"])
        #expect(dropped.first?.error.code == .notFound)
        #expect(dropped.first?.op == .cardSet(id: "a", field: .title("Mine")))
        #expect(r.pending.map(\.nonce) == ["n2", "n3"])
        #expect(r.view.cards["b"]?.column == "doing" && r.view.cards["b"]?.comments.first?.user == 2)
        // Someone fills "doing" to its limit: our move no longer fits.
        r.receive(.cardCreate(id: "p", column: "doing", pos: "1", title: "P"), nonce: "y", actor: 3, atMillis: 7)
        let full = r.receive(.cardCreate(id: "q", column: "doing", pos: "2", title: "Q"), nonce: "z", actor: 3, atMillis: 8)
        #expect(full.map(\.nonce) == ["n2"])
        #expect(full.first?.error.code == .conflict)
        #expect(r.view.cards["b"]?.column == "todo" && r.view.cards["b"]?.comments.count == 1)
        #expect(r.divergence == nil)
    }

    @Test func aRefusalDropsTheOperationAndWhatDependedOnIt() throws {
        var r = BoardReplica(confirmed: try Self.sample())
        try r.local(.cardCreate(id: "new", column: "todo", pos: "z", title: "New"), nonce: "n1", actor: 2, atMillis: 5)
        try r.local(.cardSet(id: "new", field: .labels(["x"])), nonce: "n2", actor: 2, atMillis: 5)
        try r.local(.cardSet(id: "a", field: .labels(["y"])), nonce: "n3", actor: 2, atMillis: 5)
        let dropped = r.refused(nonce: "n1")
        #expect(dropped.map(\.nonce) == ["n2"])
        #expect(r.pending.map(\.nonce) == ["n3"])
        #expect(r.view.cards["new"] == nil && r.view.cards["a"]?.labels == ["y"])
        // The server refuses n2 too, later: nothing left to drop.
        #expect(r.refused(nonce: "n2").isEmpty)
        #expect(r.refused(nonce: "unknown").isEmpty)
    }

    @Test func aServerOperationThatDoesNotApplyMarksDivergence() throws {
        var r = BoardReplica(confirmed: try Self.sample())
        r.receive(.cardDelete(id: "nope"), nonce: "x", actor: 3, atMillis: 6)
        #expect(r.divergence?.code == .notFound)
        r.reset(to: try Self.sample())
        #expect(r.divergence == nil)
    }

    @Test func resetReplaysPendingOnTheNewBoard() throws {
        var r = BoardReplica(confirmed: try Self.sample())
        try r.local(.cardSet(id: "a", field: .title("Mine")), nonce: "n1", actor: 2, atMillis: 5)
        try r.local(.cardSet(id: "b", field: .title("Also")), nonce: "n2", actor: 2, atMillis: 5)
        var restored = try Self.sample()
        try restored.apply(.cardDelete(id: "b"), actor: 1, atMillis: 9)
        let dropped = r.reset(to: restored)
        #expect(dropped.map(\.nonce) == ["n2"])
        #expect(r.confirmed == restored && r.view.cards["a"]?.title == "Mine")
    }
}
