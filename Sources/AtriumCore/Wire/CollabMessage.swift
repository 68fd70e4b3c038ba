// Requests about a room's board and documents (docs/protocol.md "Boards and documents").
// The room is carried by `ClientMessage.collab(room:_:)`; operations arrive already parsed
// and validated (`TextOperation`, `BoardOp`), so the hub never sees raw JSON.

/// What a person may be asked to follow: the board, or one document.
public enum FollowView: Sendable, Equatable {
    case board
    case doc(String)

    public var json: JSON {
        switch self {
        case .board: return .object([("kind", "board")])
        case .doc(let id): return .object([("kind", "doc"), ("doc", .string(id))])
        }
    }
}

public enum CollabMessage: Sendable, Equatable {
    case docList
    case docCreate(title: String, id: String?)
    case docOpen(doc: String)
    case docClose(doc: String)
    case docOp(doc: String, rev: Int64, op: TextOperation, nonce: String)
    case docOps(doc: String, after: Int64, limit: Int)
    case docCursor(doc: String, rev: Int64, anchor: Int64, head: Int64)
    case docRename(doc: String, title: String)
    case docLock(doc: String, locked: Bool)
    case docHistory(doc: String, before: Int64?, limit: Int)
    case docRevision(doc: String, rev: Int64)
    case docRestore(doc: String, rev: Int64)
    case boardOpen
    case boardOp(op: BoardOp, nonce: String)
    case boardLock(locked: Bool)
    case boardHistory(before: Int64?, limit: Int)
    case boardRevision(rev: Int64)
    case boardRestore(rev: Int64)
    case contributions
    case follow(FollowView?)

    public var typeName: String {
        switch self {
        case .docList: return "doc.list"
        case .docCreate: return "doc.create"
        case .docOpen: return "doc.open"
        case .docClose: return "doc.close"
        case .docOp: return "doc.op"
        case .docOps: return "doc.ops"
        case .docCursor: return "doc.cursor"
        case .docRename: return "doc.rename"
        case .docLock: return "doc.lock"
        case .docHistory: return "doc.history"
        case .docRevision: return "doc.revision"
        case .docRestore: return "doc.restore"
        case .boardOpen: return "board.open"
        case .boardOp: return "board.op"
        case .boardLock: return "board.lock"
        case .boardHistory: return "board.history"
        case .boardRevision: return "board.revision"
        case .boardRestore: return "board.restore"
        case .contributions: return "collab.contributions"
        case .follow: return "room.follow"
        }
    }

    public static let typeNames = [
        "doc.list", "doc.create", "doc.open", "doc.close", "doc.op", "doc.ops", "doc.cursor", "doc.rename", "doc.lock",
        "doc.history", "doc.revision", "doc.restore", "board.open", "board.op", "board.lock", "board.history",
        "board.revision", "board.restore", "collab.contributions", "room.follow",
    ]

    /// The largest `limit` of `doc.ops`, and its default.
    public static let opsPageMax = 500
    /// The largest `limit` of `doc.history` / `board.history`; the default is 50.
    public static let historyPageMax = 200

    /// Ids of documents (and of board columns, cards, …): made by clients, so offline work
    /// already has them.
    public static func isValidID(_ s: String) -> Bool {
        let u = s.utf8
        return (1...40).contains(u.count) && u.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
        }
    }
}
