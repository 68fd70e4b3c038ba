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
