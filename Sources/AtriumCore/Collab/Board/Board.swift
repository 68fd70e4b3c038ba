// A room's board (docs/collab.md "Boards"): columns and the cards in them, as one value.
// The server holds one per room and changes it only through `apply` (Board+Apply.swift); every
// client replica holds the same value rebuilt from the same operations, so equality of two
// boards is the convergence test. Columns and cards are kept by id (operations address them by
// id); their order on screen is always `(pos, id)`, computed when asked, so no operation ever
// has to renumber its neighbours.

public struct Board: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var id: String
        public var title: String
        /// A `PositionKey`: the column's place from left to right.
        public var pos: String
        /// The work-in-progress limit: at most this many non-archived cards; nil means none.
        public var wip: Int?
        public var archived: Bool

        public init(id: String, title: String, pos: String, wip: Int? = nil, archived: Bool = false) {
            self.id = id
            self.title = title
            self.pos = pos
            self.wip = wip
            self.archived = archived
        }
    }

    public struct ChecklistItem: Sendable, Equatable {
        public var id: String
        public var text: String
        public var done: Bool

        public init(id: String, text: String, done: Bool = false) {
            self.id = id
            self.text = text
            self.done = done
        }
    }

    public struct Link: Sendable, Equatable {
        public var title: String
        /// An http:// or https:// address (nothing else can be clicked into a script).
        public var url: String

        public init(title: String, url: String) {
            self.title = title
            self.url = url
        }
    }

    /// Comments are only ever appended (`card.comment`); author and time come from the server.
    public struct Comment: Sendable, Equatable {
        public var id: String
        public var user: Int64
        /// Milliseconds since 1970.
        public var at: Int64
        public var text: String

        public init(id: String, user: Int64, at: Int64, text: String) {
            self.id = id
            self.user = user
            self.at = at
            self.text = text
        }
    }

    public struct Card: Sendable, Equatable {
        public var id: String
        /// The id of the column the card is in.
        public var column: String
        /// A `PositionKey`: the card's place from top to bottom within its column.
        public var pos: String
        public var title: String
        public var description: String
        public var assignees: [Int64]
        public var labels: [String]
        /// A calendar date "YYYY-MM-DD" (no time zone: it is the day as people say it).
        public var due: String?
        public var checklist: [ChecklistItem]
        public var links: [Link]
        public var comments: [Comment]
        public var archived: Bool
        public var createdBy: Int64
        /// Milliseconds since 1970.
        public var createdAt: Int64

        public init(id: String, column: String, pos: String, title: String, description: String = "",
                    assignees: [Int64] = [], labels: [String] = [], due: String? = nil,
                    checklist: [ChecklistItem] = [], links: [Link] = [], comments: [Comment] = [],
                    archived: Bool = false, createdBy: Int64, createdAt: Int64) {
            self.id = id
            self.column = column
            self.pos = pos
            self.title = title
            self.description = description
            self.assignees = assignees
            self.labels = labels
            self.due = due
            self.checklist = checklist
            self.links = links
            self.comments = comments
            self.archived = archived
            self.createdBy = createdBy
            self.createdAt = createdAt
        }
    }

    public var columns: [String: Column]
    public var cards: [String: Card]

    /// An empty board (every room's board starts so).
    public init() {
        columns = [:]
        cards = [:]
    }

    public init(columns: [Column], cards: [Card]) {
        self.columns = Dictionary(columns.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        self.cards = Dictionary(cards.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Every column, archived ones included, left to right.
    public var orderedColumns: [Column] {
        columns.values.sorted { Board.precedes($0.pos, $0.id, $1.pos, $1.id) }
    }

    /// Every card of the board in `(pos, id)` order (the order of the JSON form).
    public var orderedCards: [Card] {
        cards.values.sorted { Board.precedes($0.pos, $0.id, $1.pos, $1.id) }
    }

    /// The cards of one column, top to bottom; archived ones only when asked for.
    public func cards(inColumn column: String, includingArchived: Bool = true) -> [Card] {
        cards.values
            .filter { $0.column == column && (includingArchived || !$0.archived) }
            .sorted { Board.precedes($0.pos, $0.id, $1.pos, $1.id) }
    }

    /// The cards that count against the column's WIP limit: the non-archived ones.
    public func activeCardCount(inColumn column: String) -> Int {
        var n = 0
        for card in cards.values where card.column == column && !card.archived { n += 1 }
        return n
    }

    /// `(pos, id)` order. Two people may pick the same key at once; the id then decides, the
    /// same way on every replica.
    static func precedes(_ posA: String, _ idA: String, _ posB: String, _ idB: String) -> Bool {
        if posA != posB { return PositionKey.less(posA, posB) }
        return PositionKey.less(idA, idB)
    }
}

// MARK: - JSON (snapshots, board.open, board.restored)

extension Board {
    /// `{"columns":[…],"cards":[…]}`, both in `(pos, id)` order, fields named as in docs/collab.md.
    public var json: JSON {
        .object([
            ("columns", .array(orderedColumns.map(\.json))),
            ("cards", .array(orderedCards.map(\.json))),
        ])
    }

    /// Reads a board written by `json` (a snapshot, or the `board` of `board.restored`).
    /// Everything is validated as operations are, plus: ids are unique and every card's column
    /// exists. Other keys (`rev`, `locked`) are ignored. Missing optional card fields take
    /// their defaults, so snapshots written before a field existed still load.
    public init(json: JSON) throws(BoardError) {
        let top = try BoardJSONReader(json, "The board")
        var columns: [String: Column] = [:]
        for (i, value) in try top.array("columns").enumerated() {
            let column = try Column(json: value, what: "Column \(i + 1) of the board")
            guard columns[column.id] == nil else {
                throw .badRequest("The board has two columns with the id “\(column.id)”.")
            }
            columns[column.id] = column
        }
        var cards: [String: Card] = [:]
        for (i, value) in try top.array("cards").enumerated() {
            let card = try Card(json: value, what: "Card \(i + 1) of the board")
            guard cards[card.id] == nil else { throw .badRequest("The board has two cards with the id “\(card.id)”.") }
            guard columns[card.column] != nil else {
                throw .badRequest("The card “\(card.title)” is in the column “\(card.column)”, which the board does not have.")
            }
            cards[card.id] = card
        }
        self.columns = columns
        self.cards = cards
    }
}

extension Board.Column {
    public var json: JSON {
        .object([
            ("id", .string(id)), ("title", .string(title)), ("pos", .string(pos)),
            ("wip", wip.map { .int(Int64($0)) } ?? .null), ("archived", .bool(archived)),
        ])
    }

    init(json: JSON, what: String) throws(BoardError) {
        let r = try BoardJSONReader(json, what)
        let id = try r.string("id")
        try BoardSchema.checkID(id, "The id of \(what.boardMidSentence)")
        let title = try r.string("title")
        try BoardSchema.checkTitle(title, "The title of the column “\(id)”")
        let pos = try r.string("pos")
        try BoardSchema.checkPos(pos, "The position of the column “\(id)”")
        let wip = try BoardSchema.wip(r.optional("wip"), "The WIP limit of the column “\(id)”")
        self.init(id: id, title: title, pos: pos, wip: wip, archived: try r.optionalBool("archived") ?? false)
    }
}

extension Board.ChecklistItem {
    public var json: JSON { .object([("id", .string(id)), ("text", .string(text)), ("done", .bool(done))]) }

    /// Shapes only; `BoardSchema.checkChecklist` validates the values.
    init(json: JSON, what: String) throws(BoardError) {
        let r = try BoardJSONReader(json, what)
        self.init(id: try r.string("id"), text: try r.string("text"), done: try r.bool("done"))
    }
}

extension Board.Link {
    public var json: JSON { .object([("title", .string(title)), ("url", .string(url))]) }

    /// Shapes only; `BoardSchema.checkLinks` validates the values.
    init(json: JSON, what: String) throws(BoardError) {
        let r = try BoardJSONReader(json, what)
        self.init(title: try r.string("title"), url: try r.string("url"))
    }
}

extension Board.Comment {
    public var json: JSON {
        .object([("id", .string(id)), ("user", .int(user)), ("at", .int(at)), ("text", .string(text))])
    }

    init(json: JSON, what: String) throws(BoardError) {
        let r = try BoardJSONReader(json, what)
        let id = try r.string("id")
        try BoardSchema.checkID(id, "The id of \(what.boardMidSentence)")
        let text = try r.string("text")
        try BoardSchema.checkText(text, "The text of \(what.boardMidSentence)", max: BoardSchema.maxCommentChars)
        self.init(id: id, user: try r.int("user"), at: try r.int("at"), text: text)
    }
}

extension Board.Card {
    public var json: JSON {
        .object([
            ("id", .string(id)), ("column", .string(column)), ("pos", .string(pos)), ("title", .string(title)),
            ("description", .string(description)),
            ("assignees", .array(assignees.map { .int($0) })),
            ("labels", .array(labels.map { .string($0) })),
            ("due", due.map { .string($0) } ?? .null),
            ("checklist", .array(checklist.map(\.json))),
            ("links", .array(links.map(\.json))),
            ("comments", .array(comments.map(\.json))),
            ("archived", .bool(archived)),
            ("created_by", .int(createdBy)),
            ("created_at", .int(createdAt)),
        ])
    }

    init(json: JSON, what: String) throws(BoardError) {
        let r = try BoardJSONReader(json, what)
        let id = try r.string("id")
        try BoardSchema.checkID(id, "The id of \(what.boardMidSentence)")
        let of = " of the card “\(id)”"
        let column = try r.string("column")
        try BoardSchema.checkID(column, "The column\(of)")
        let pos = try r.string("pos")
        try BoardSchema.checkPos(pos, "The position\(of)")
        let title = try r.string("title")
        try BoardSchema.checkTitle(title, "The title\(of)")
        self.init(id: id, column: column, pos: pos, title: title, createdBy: try r.int("created_by"),
                  createdAt: try r.int("created_at"))
        // The settable fields go through the very parser and checks of `card.set`.
        for name in BoardOp.CardField.names where name != "title" {
            guard let value = r.optional(name) else { continue }
            let field = try BoardOp.CardField(name: name, value: value, of: of)
            try field.check(of: of)
            field.set(on: &self)
        }
        archived = try r.optionalBool("archived") ?? false
        var comments: [Board.Comment] = []
        var commentIDs = Set<String>()
        for (i, value) in try r.optionalArray("comments").enumerated() {
            let comment = try Board.Comment(json: value, what: "Comment \(i + 1)\(of)")
            guard commentIDs.insert(comment.id).inserted else {
                throw .badRequest("The card “\(id)” has two comments with the id “\(comment.id)”.")
            }
            comments.append(comment)
        }
        self.comments = comments
    }
}
