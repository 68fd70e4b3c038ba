// Reading and writing board operations as JSON (docs/collab.md "Operations"): every field
// is checked against BoardSchema here, so nothing past the edge sees an invalid operation.


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
