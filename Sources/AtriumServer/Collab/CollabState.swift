import AtriumCore
import AtriumStore

/// A document open in the hub's memory: the server's OT model and who has it open with their
/// cursors (service thread only).
final class LiveDoc {
    var record: CollabObjectRecord
    var model: CollabDocument
    /// Connections that opened the document, with their newest cursor (moved through every
    /// committed operation, so it is always at `model.rev`).
    var readers: [ConnectionID: DocCursor?] = [:]
    /// Readers whose cursor changed (or went) since the last flush.
    var dirtyCursors: Set<ConnectionID> = []
    var goneCursors: [(ConnectionID, UserID)] = []
    /// Operations applied in memory whose commit has not been answered yet.
    var uncommitted = 0
    /// When it was last read or changed (monotonic seconds): idle documents leave memory.
    var lastUsed = monotonicSeconds()

    init(record: CollabObjectRecord, model: CollabDocument) {
        self.record = record
        self.model = model
    }
}

/// A cursor or selection of one person in a document, in code points.
struct DocCursor {
    var user: UserProfile
    var anchor: Int
    var head: Int
}

/// The room's board in memory, with the nonces of recent operations (resends are answered
/// `duplicate` instead of being applied twice).
final class LiveBoard {
    var record: CollabObjectRecord
    var board: Board
    private(set) var recentNonces: [String: Int64] = [:]
    var uncommitted = 0
    var lastUsed = monotonicSeconds()
    private var nonceOrder: [String] = []
    let nonceCapacity: Int

    init(record: CollabObjectRecord, board: Board, nonceCapacity: Int) {
        self.record = record
        self.board = board
        self.nonceCapacity = nonceCapacity
    }

    /// Nonces are each person's own choice: one person's nonce never matches another's.
    static func nonceKey(actor: UserID, nonce: String) -> String { "\(actor):\(nonce)" }

    func remember(nonce: String, rev: Int64) {
        recentNonces[nonce] = rev
        nonceOrder.append(nonce)
        if nonceOrder.count > nonceCapacity {
            let drop = nonceOrder.count - nonceCapacity
            for old in nonceOrder.prefix(drop) { recentNonces.removeValue(forKey: old) }
            nonceOrder.removeFirst(drop)
        }
    }
}

/// Boards and documents of one room (service thread only). The list of objects is read from
/// storage on first use and then kept current by the hub itself (it makes every change).
final class RoomCollab {
    /// Documents and the board by (kind, id); nil until loaded.
    var objects: [String: CollabObjectRecord]?
    var objectsWaiting: [(Hub, RoomCollab?) -> Void]?
    var docs: [String: LiveDoc] = [:]
    var docLoads: [String: [(Hub, LiveDoc?) -> Void]] = [:]
    var board: LiveBoard?
    var boardLoads: [(Hub, LiveBoard?) -> Void]?
    /// Who asked everyone to follow which view (not stored).
    var follow: (user: UserProfile, view: FollowView)?

    static func key(_ kind: CollabKind, _ id: String) -> String { "\(kind.rawValue):\(id)" }

    /// Drops documents and the board from memory when nobody has them open, nothing of theirs
    /// is being committed, and they were not used for `idleSeconds` (they are read again from
    /// their snapshot on next use).
    func evictIdle(now: Double, idleSeconds: Double) {
        for (id, live) in docs where live.readers.isEmpty && live.uncommitted == 0 && now - live.lastUsed > idleSeconds {
            docs[id] = nil
        }
        if let b = board, b.uncommitted == 0, now - b.lastUsed > idleSeconds { board = nil }
    }

    func object(_ kind: CollabKind, _ id: String) -> CollabObjectRecord? { objects?[Self.key(kind, id)] }

    func set(_ record: CollabObjectRecord) { objects?[Self.key(record.kind, record.id)] = record }

    /// The board's record; a board never used is empty, unlocked, at revision 0.
    func boardRecord(nowMillis: Int64) -> CollabObjectRecord {
        object(.board, boardObjectID) ?? CollabObjectRecord(kind: .board, id: boardObjectID, title: "board", rev: 0,
                                                             locked: false, createdBy: nil, createdAtMillis: nowMillis)
    }
}
