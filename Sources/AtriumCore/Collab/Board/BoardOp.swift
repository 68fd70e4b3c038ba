// The operations of a board (docs/collab.md "Operations (`board.op`)"), parsed and validated
// once at the edge: the hub, the store's replay and the replicas only ever see a `BoardOp`
// that follows the schema. Each operation sets one thing (a field, a place, a flag) of one
// column or card, which is what makes "last write wins per field" the whole merge rule.
//
// Conventions shared with the rest of the protocol (ClientFrameDecoder): unknown extra keys
// are ignored, an optional field that is `null` counts as absent, integers may be written
// 5 or 5.0, and every length counts Unicode code points.

public enum BoardOp: Sendable, Equatable {
    case columnCreate(id: String, title: String, pos: String, wip: Int?)
    case columnSet(id: String, field: ColumnField)
    case columnMove(id: String, pos: String)
    case columnArchive(id: String)
    case columnRestore(id: String)
    case columnDelete(id: String)
    case cardCreate(id: String, column: String, pos: String, title: String)
    case cardSet(id: String, field: CardField)
    case cardMove(id: String, column: String, pos: String)
    case cardArchive(id: String)
    case cardRestore(id: String)
    case cardDelete(id: String)
    /// Appends a comment with the id `comment` to the card `id`; author and time are the
    /// server's (the actor and the commit time), never the client's.
    case cardComment(id: String, comment: String, text: String)

    /// What `column.set` may change.
    public enum ColumnField: Sendable, Equatable {
        case title(String)
        /// nil removes the limit.
        case wip(Int?)
    }

    /// What `card.set` may change. Each is replaced whole (a checklist with one item ticked is
    /// sent as the whole checklist), so concurrent changes to one field: the later one wins.
    public enum CardField: Sendable, Equatable {
        case title(String)
        case description(String)
        case assignees([Int64])
        case labels([String])
        case due(String?)
        case checklist([Board.ChecklistItem])
        case links([Board.Link])
    }

    /// Every `"op"` name, in the order of docs/collab.md.
    public static let kinds = [
        "column.create", "column.set", "column.move", "column.archive", "column.restore", "column.delete",
        "card.create", "card.set", "card.move", "card.archive", "card.restore", "card.delete", "card.comment",
    ]

    /// The `"op"` name, e.g. "card.move" (history, contributions, metrics).
    public var kind: String {
        switch self {
        case .columnCreate: return "column.create"
        case .columnSet: return "column.set"
        case .columnMove: return "column.move"
        case .columnArchive: return "column.archive"
        case .columnRestore: return "column.restore"
        case .columnDelete: return "column.delete"
        case .cardCreate: return "card.create"
        case .cardSet: return "card.set"
        case .cardMove: return "card.move"
        case .cardArchive: return "card.archive"
        case .cardRestore: return "card.restore"
        case .cardDelete: return "card.delete"
        case .cardComment: return "card.comment"
        }
    }

    /// The card the operation changes (the `card` of `board.history`).
    public var cardID: String? {
        switch self {
        case .cardCreate(let id, _, _, _), .cardSet(let id, _), .cardMove(let id, _, _), .cardArchive(let id),
             .cardRestore(let id), .cardDelete(let id), .cardComment(let id, _, _):
            return id
        case .columnCreate, .columnSet, .columnMove, .columnArchive, .columnRestore, .columnDelete:
            return nil
        }
    }

    /// The column the operation changes, or the column a card is created in or moved to.
    public var columnID: String? {
        switch self {
        case .columnCreate(let id, _, _, _), .columnSet(let id, _), .columnMove(let id, _), .columnArchive(let id),
             .columnRestore(let id), .columnDelete(let id):
            return id
        case .cardCreate(_, let column, _, _), .cardMove(_, let column, _):
            return column
        case .cardSet, .cardArchive, .cardRestore, .cardDelete, .cardComment:
            return nil
        }
    }
}

// MARK: - JSON

extension BoardOp {
    /// The wire form; `BoardOp(json: op.json) == op` for every valid operation.
    public var json: JSON {
        var o = JSONObject()
        o["op"] = .string(kind)
        switch self {
        case .columnCreate(let id, let title, let pos, let wip):
            o["id"] = .string(id); o["title"] = .string(title); o["pos"] = .string(pos)
            if let wip { o["wip"] = .int(Int64(wip)) }
        case .columnSet(let id, let field):
            o["id"] = .string(id); o["field"] = .string(field.name); o["value"] = field.value
        case .columnMove(let id, let pos):
            o["id"] = .string(id); o["pos"] = .string(pos)
        case .columnArchive(let id), .columnRestore(let id), .columnDelete(let id),
             .cardArchive(let id), .cardRestore(let id), .cardDelete(let id):
            o["id"] = .string(id)
        case .cardCreate(let id, let column, let pos, let title):
            o["id"] = .string(id); o["column"] = .string(column); o["pos"] = .string(pos); o["title"] = .string(title)
        case .cardSet(let id, let field):
            o["id"] = .string(id); o["field"] = .string(field.name); o["value"] = field.value
        case .cardMove(let id, let column, let pos):
            o["id"] = .string(id); o["column"] = .string(column); o["pos"] = .string(pos)
        case .cardComment(let id, let comment, let text):
            o["id"] = .string(id); o["comment"] = .string(comment); o["text"] = .string(text)
        }
        return .object(o)
    }

    /// Parses and validates one operation (the `op` of a `board.op` request or of a stored
    /// event). Every failure is `badRequest` with a sentence naming the field.
    public init(json: JSON) throws(BoardError) {
        guard case .object = json else { throw .badRequest("A board operation must be a JSON object.") }
        let r = try BoardJSONReader(json, "The operation")
        let kind = try r.string("op")
        switch kind {
        case "column.create":
            self = .columnCreate(id: try r.string("id"), title: try r.string("title"), pos: try r.string("pos"),
                                 wip: try BoardSchema.wip(r.optional("wip"), "The WIP limit"))
        case "column.set":
            let id = try r.string("id")
            switch try r.string("field") {
            case "title": self = .columnSet(id: id, field: .title(try r.string("value")))
            case "wip": self = .columnSet(id: id, field: .wip(try BoardSchema.wip(r.optional("value"), "The WIP limit")))
            case let other:
                throw .badRequest("A column has no field '\(BoardSchema.abbreviated(other))' to set: 'field' must be \"title\" or \"wip\".")
            }
        case "column.move": self = .columnMove(id: try r.string("id"), pos: try r.string("pos"))
        case "column.archive": self = .columnArchive(id: try r.string("id"))
        case "column.restore": self = .columnRestore(id: try r.string("id"))
        case "column.delete": self = .columnDelete(id: try r.string("id"))
        case "card.create":
            self = .cardCreate(id: try r.string("id"), column: try r.string("column"), pos: try r.string("pos"),
                               title: try r.string("title"))
        case "card.set":
            let id = try r.string("id")
            let name = try r.string("field")
            guard CardField.names.contains(name) else {
                throw .badRequest("A card has no field '\(BoardSchema.abbreviated(name))' to set: 'field' must be one of "
                    + CardField.names.map { "\"\($0)\"" }.joined(separator: ", ") + ".")
            }
            self = .cardSet(id: id, field: try CardField(name: name, value: r.optional("value"), of: ""))
        case "card.move":
            self = .cardMove(id: try r.string("id"), column: try r.string("column"), pos: try r.string("pos"))
        case "card.archive": self = .cardArchive(id: try r.string("id"))
        case "card.restore": self = .cardRestore(id: try r.string("id"))
        case "card.delete": self = .cardDelete(id: try r.string("id"))
        case "card.comment":
            self = .cardComment(id: try r.string("id"), comment: try r.string("comment"), text: try r.string("text"))
        default:
            throw .badRequest("Unknown board operation '\(BoardSchema.abbreviated(kind))'.")
        }
        try validate()
    }

    /// Checks every value against docs/collab.md. `init(json:)` calls it; `apply` calls it too,
    /// so an operation built in code can no more put an invalid value on a board than one
    /// from the wire.
    public func validate() throws(BoardError) {
        switch self {
        case .columnCreate(let id, let title, let pos, let wip):
            try BoardSchema.checkID(id, "The column id")
            try BoardSchema.checkTitle(title, "The column title")
            try BoardSchema.checkPos(pos, "The position")
            try BoardSchema.checkWip(wip, "The WIP limit")
        case .columnSet(let id, let field):
            try BoardSchema.checkID(id, "The column id")
            switch field {
            case .title(let title): try BoardSchema.checkTitle(title, "The column title")
            case .wip(let wip): try BoardSchema.checkWip(wip, "The WIP limit")
            }
        case .columnMove(let id, let pos):
            try BoardSchema.checkID(id, "The column id")
            try BoardSchema.checkPos(pos, "The position")
        case .columnArchive(let id), .columnRestore(let id), .columnDelete(let id):
            try BoardSchema.checkID(id, "The column id")
        case .cardCreate(let id, let column, let pos, let title):
            try BoardSchema.checkID(id, "The card id")
            try BoardSchema.checkID(column, "The column id")
            try BoardSchema.checkPos(pos, "The position")
            try BoardSchema.checkTitle(title, "The card title")
        case .cardSet(let id, let field):
            try BoardSchema.checkID(id, "The card id")
            try field.check(of: "")
        case .cardMove(let id, let column, let pos):
            try BoardSchema.checkID(id, "The card id")
            try BoardSchema.checkID(column, "The column id")
            try BoardSchema.checkPos(pos, "The position")
        case .cardArchive(let id), .cardRestore(let id), .cardDelete(let id):
            try BoardSchema.checkID(id, "The card id")
        case .cardComment(let id, let comment, let text):
            try BoardSchema.checkID(id, "The card id")
            try BoardSchema.checkID(comment, "The comment id")
            try BoardSchema.checkText(text, "The comment", max: BoardSchema.maxCommentChars)
        }
    }
}

extension BoardOp.ColumnField {
    /// The wire name of the field ("title", "wip").
    public var name: String {
        switch self {
        case .title: return "title"
        case .wip: return "wip"
        }
    }

    public var value: JSON {
        switch self {
        case .title(let t): return .string(t)
        case .wip(let w): return w.map { .int(Int64($0)) } ?? .null
        }
    }
}

extension BoardOp.CardField {
    /// The wire names, in the order of docs/collab.md.
    public static let names = ["title", "description", "assignees", "labels", "due", "checklist", "links"]

    public var name: String {
        switch self {
        case .title: return "title"
        case .description: return "description"
        case .assignees: return "assignees"
        case .labels: return "labels"
        case .due: return "due"
        case .checklist: return "checklist"
        case .links: return "links"
        }
    }

    public var value: JSON {
        switch self {
        case .title(let s), .description(let s): return .string(s)
        case .assignees(let a): return .array(a.map { .int($0) })
        case .labels(let l): return .array(l.map { .string($0) })
        case .due(let d): return d.map { .string($0) } ?? .null
        case .checklist(let c): return .array(c.map(\.json))
        case .links(let l): return .array(l.map(\.json))
        }
    }

    /// Reads the shape of a value (`value` of `card.set`, or the field of a stored card);
    /// `of` is "" or " of the card “…”" for the messages. `nil` is an absent or null value.
    init(name: String, value: JSON?, of: String) throws(BoardError) {
        let what = "The \(name)\(of)"
        func strings(_ v: JSON?) throws(BoardError) -> [String] {
            guard case .array(let items)? = v else { throw .badRequest("\(what) must be an array of strings.") }
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw .badRequest("\(what) must be an array of strings.") }
                out.append(s)
            }
            return out
        }
        switch name {
        case "title", "description":
            guard case .string(let s)? = value else { throw .badRequest("\(what) must be a string.") }
            self = name == "title" ? .title(s) : .description(s)
        case "assignees":
            guard case .array(let items)? = value else { throw .badRequest("\(what) must be an array of user ids.") }
            var ids: [Int64] = []
            for item in items {
                guard let id = item.intValue else { throw .badRequest("\(what) must be an array of user ids.") }
                ids.append(id)
            }
            self = .assignees(ids)
        case "labels":
            self = .labels(try strings(value))
        case "due":
            switch value {
            case nil: self = .due(nil)
            case .string(let s)?: self = .due(s)
            case _?: throw .badRequest("\(what) must be a date written YYYY-MM-DD, or null.")
            }
        case "checklist":
            guard case .array(let items)? = value else { throw .badRequest("\(what) must be an array of items.") }
            var list: [Board.ChecklistItem] = []
            for (i, item) in items.enumerated() {
                list.append(try Board.ChecklistItem(json: item, what: "Checklist item \(i + 1)\(of)"))
            }
            self = .checklist(list)
        case "links":
            guard case .array(let items)? = value else { throw .badRequest("\(what) must be an array of links.") }
            var list: [Board.Link] = []
            for (i, item) in items.enumerated() {
                list.append(try Board.Link(json: item, what: "Link \(i + 1)\(of)"))
            }
            self = .links(list)
        default:
            throw .badRequest("A card has no field '\(BoardSchema.abbreviated(name))'.")
        }
    }

    /// Validates the value against docs/collab.md.
    func check(of: String) throws(BoardError) {
        switch self {
        case .title(let t): try BoardSchema.checkTitle(t, of.isEmpty ? "The card title" : "The title\(of)")
        case .description(let d):
            let n = d.unicodeScalars.count
            if n > BoardSchema.maxDescriptionChars {
                throw .badRequest("The description\(of) has \(n) characters; the limit is \(BoardSchema.maxDescriptionChars).")
            }
        case .assignees(let ids):
            if ids.count > BoardSchema.maxAssignees {
                throw .badRequest("A card can have at most \(BoardSchema.maxAssignees) assignees; this has \(ids.count).")
            }
            var seen = Set<Int64>()
            for id in ids {
                if id < 1 { throw .badRequest("The assignees\(of) must be user ids (whole numbers from 1 up).") }
                if !seen.insert(id).inserted { throw .badRequest("The assignee \(id) is listed twice\(of).") }
            }
        case .labels(let labels):
            if labels.count > BoardSchema.maxLabels {
                throw .badRequest("A card can have at most \(BoardSchema.maxLabels) labels; this has \(labels.count).")
            }
            var seen = Set<String>()
            for (i, label) in labels.enumerated() {
                try BoardSchema.checkText(label, "Label \(i + 1)\(of)", max: BoardSchema.maxLabelChars)
                if !seen.insert(label).inserted { throw .badRequest("The label “\(label)” is listed twice\(of).") }
            }
        case .due(let due):
            if let due, !BoardSchema.isValidDate(due) {
                throw .badRequest("The due date\(of) must be a real date written YYYY-MM-DD (e.g. 2025-03-31), or null.")
            }
        case .checklist(let items):
            if items.count > BoardSchema.maxChecklistItems {
                throw .badRequest("A checklist can have at most \(BoardSchema.maxChecklistItems) items; this has \(items.count).")
            }
            var seen = Set<String>()
            for (i, item) in items.enumerated() {
                try BoardSchema.checkID(item.id, "The id of checklist item \(i + 1)\(of)")
                try BoardSchema.checkText(item.text, "Checklist item \(i + 1)\(of)", max: BoardSchema.maxChecklistTextChars)
                if !seen.insert(item.id).inserted {
                    throw .badRequest("Two checklist items\(of) have the id “\(item.id)”.")
                }
            }
        case .links(let links):
            if links.count > BoardSchema.maxLinks {
                throw .badRequest("A card can have at most \(BoardSchema.maxLinks) links; this has \(links.count).")
            }
            for (i, link) in links.enumerated() {
                try BoardSchema.checkTitle(link.title, "The title of link \(i + 1)\(of)")
                if !BoardSchema.isValidURL(link.url) {
                    throw .badRequest("The address of link \(i + 1)\(of) must start with http:// or https://, "
                        + "contain no spaces and be at most \(BoardSchema.maxURLChars) characters long.")
                }
            }
        }
    }

    /// Writes the value into a card (the last write wins).
    func set(on card: inout Board.Card) {
        switch self {
        case .title(let t): card.title = t
        case .description(let d): card.description = d
        case .assignees(let a): card.assignees = a
        case .labels(let l): card.labels = l
        case .due(let d): card.due = d
        case .checklist(let c): card.checklist = c
        case .links(let l): card.links = l
        }
    }
}

// MARK: - The schema

/// The limits of docs/collab.md "Boards", in one place for the operations, the stored board
/// and anyone who wants to check a value before sending it.
public enum BoardSchema {
    public static let maxIDChars = 40
    public static let maxTitleChars = 200
    public static let maxDescriptionChars = 10_000
    public static let maxAssignees = 20
    public static let maxLabels = 20
    public static let maxLabelChars = 40
    public static let maxChecklistItems = 100
    public static let maxChecklistTextChars = 500
    public static let maxLinks = 50
    public static let maxURLChars = 2_000
    public static let maxCommentChars = 4_000
    public static let wipRange = 1...999

    /// 1…40 characters of `[A-Za-z0-9_-]`: made by clients, so a card made offline has its id.
    public static func isValidID(_ s: String) -> Bool {
        let bytes = s.utf8
        guard (1...maxIDChars).contains(bytes.count) else { return false }
        return bytes.allSatisfy { b in
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    /// A real day of the (proleptic Gregorian) calendar written YYYY-MM-DD, years 0001–9999.
    public static func isValidDate(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) else { return nil }
                n = n * 10 + Int(b[i] - UInt8(ascii: "0"))
            }
            return n
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              year >= 1, (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }

    /// http:// or https:// (either case) followed by something, no whitespace or control
    /// characters, at most 2,000 code points. Anything else (javascript:, data:) could run
    /// code when clicked, so it never reaches a board.
    public static func isValidURL(_ s: String) -> Bool {
        let scalars = s.unicodeScalars
        guard scalars.count <= maxURLChars else { return false }
        let lower = String(String.UnicodeScalarView(scalars.prefix(8))).lowercased()
        let schemeLength: Int
        if lower.hasPrefix("https://") { schemeLength = 8 } else if lower.hasPrefix("http://") { schemeLength = 7 } else { return false }
        guard scalars.count > schemeLength else { return false }
        return !scalars.contains { $0.value < 0x21 || (0x7F...0x9F).contains($0.value) || $0.properties.isWhitespace }
    }

    // The checks below throw `badRequest` with `what` ("The card title", "Label 3 of the card
    // “x”") as the subject of the sentence.

    static func checkID(_ s: String, _ what: String) throws(BoardError) {
        guard isValidID(s) else {
            throw .badRequest("\(what) must be 1 to \(maxIDChars) characters of A–Z, a–z, 0–9, '_' and '-'.")
        }
    }

    static func checkTitle(_ s: String, _ what: String) throws(BoardError) {
        try checkText(s, what, max: maxTitleChars)
    }

    /// 1…max code points, not only whitespace (a title, label or comment of spaces says nothing).
    static func checkText(_ s: String, _ what: String, max: Int) throws(BoardError) {
        let n = s.unicodeScalars.count
        if n > max { throw .badRequest("\(what) has \(n) characters; the limit is \(max).") }
        if s.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            throw .badRequest("\(what) must not be empty or only spaces.")
        }
    }

    static func checkPos(_ s: String, _ what: String) throws(BoardError) {
        guard PositionKey.isValid(s) else {
            throw .badRequest("\(what) must be a position key: 1 to \(PositionKey.maxLength) characters of 0–9, A–Z "
                + "and a–z, not ending in 0.")
        }
    }

    static func checkWip(_ wip: Int?, _ what: String) throws(BoardError) {
        if let wip, !wipRange.contains(wip) {
            throw .badRequest("\(what) must be null or a whole number from \(wipRange.lowerBound) to \(wipRange.upperBound).")
        }
    }

    /// Reads a WIP limit: absent or null is none; the range is checked by `checkWip`.
    static func wip(_ value: JSON?, _ what: String) throws(BoardError) -> Int? {
        guard let value else { return nil }
        guard let n = value.intValue, let wip = Int(exactly: n), wipRange.contains(wip) else {
            throw .badRequest("\(what) must be null or a whole number from \(wipRange.lowerBound) to \(wipRange.upperBound).")
        }
        return wip
    }

    /// Echoed names are cut short so a huge bogus value cannot blow up the error reply.
    static func abbreviated(_ s: String) -> String {
        s.unicodeScalars.count <= 64 ? s : String(String.UnicodeScalarView(s.unicodeScalars.prefix(64))) + "…"
    }
}

// MARK: - Reading JSON objects

/// Typed reads from one JSON object with messages that name the field and the thing it
/// belongs to ("The field 'pos' of the operation must be a string.").
struct BoardJSONReader {
    let object: JSONObject
    /// "the operation", "checklist item 3 of the card “x”".
    let whatMidSentence: String

    init(_ json: JSON, _ what: String) throws(BoardError) {
        guard case .object(let object) = json else { throw .badRequest("\(what) must be a JSON object.") }
        self.object = object
        self.whatMidSentence = what.boardMidSentence
    }

    private func fail(_ key: String, _ problem: String) -> BoardError {
        .badRequest("The field '\(key)' of \(whatMidSentence) \(problem).")
    }

    /// The value, or nil when absent or null.
    func optional(_ key: String) -> JSON? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    func string(_ key: String) throws(BoardError) -> String {
        guard let v = optional(key) else { throw fail(key, "is required") }
        guard case .string(let s) = v else { throw fail(key, "must be a string") }
        return s
    }

    func int(_ key: String) throws(BoardError) -> Int64 {
        guard let v = optional(key) else { throw fail(key, "is required") }
        guard let i = v.intValue else { throw fail(key, "must be a whole number") }
        return i
    }

    func bool(_ key: String) throws(BoardError) -> Bool {
        guard let b = try optionalBool(key) else { throw fail(key, "is required") }
        return b
    }

    func optionalBool(_ key: String) throws(BoardError) -> Bool? {
        guard let v = optional(key) else { return nil }
        guard case .bool(let b) = v else { throw fail(key, "must be true or false") }
        return b
    }

    func array(_ key: String) throws(BoardError) -> [JSON] {
        guard optional(key) != nil else { throw fail(key, "is required") }
        return try optionalArray(key)
    }

    /// Absent or null is empty.
    func optionalArray(_ key: String) throws(BoardError) -> [JSON] {
        guard let v = optional(key) else { return [] }
        guard case .array(let a) = v else { throw fail(key, "must be an array") }
        return a
    }
}

extension String {
    /// "Checklist item 3" → "checklist item 3", to fit a subject into the middle of a sentence.
    var boardMidSentence: String {
        guard let first = first else { return self }
        return first.lowercased() + dropFirst()
    }
}
