// A client's copy of a board (docs/collab.md "Operations", last paragraph): what the server
// has confirmed, the client's own operations it has sent but not yet seen come back, and the
// view the person sees — confirmed with the pending operations replayed on top, so their own
// changes show at once. Only the server's operations ever change `confirmed`, in the server's
// order, so every replica's `confirmed` is the server's board once it has heard everything;
// a pending operation that no longer fits after someone else's change is dropped and
// reported, never forced.
//
// Swift tests and benchmarks use this type; the browser has the same logic in JavaScript.

public struct BoardReplica: Sendable {
    /// One of our operations on its way to the server.
    public struct Pending: Sendable, Equatable {
        public var nonce: String
        public var op: BoardOp
        /// Who made it and when, so its replays stamp new cards and comments as it did locally.
        public var actor: Int64
        public var atMillis: Int64
    }

    /// A pending operation that no longer fits, with the reason to show the person.
    public struct Dropped: Sendable, Equatable {
        public var nonce: String
        public var op: BoardOp
        public var error: BoardError
    }

    /// The board as of the last server operation received.
    public private(set) var confirmed: Board
    /// What the person sees: `confirmed` with `pendingOps` replayed on top.
    public private(set) var view: Board
    /// Our operations not yet confirmed or refused, oldest first.
    public private(set) var pendingOps: [Pending] = []
    /// Set when a server operation did not apply to `confirmed`: the replica missed something
    /// and must be reopened (`reset(to:)` with a fresh `board.open`). Never set in a correct run.
    public private(set) var divergence: BoardError?

    public init(confirmed: Board = Board()) {
        self.confirmed = confirmed
        self.view = confirmed
    }

    /// The pending operations as (nonce, op) pairs, oldest first.
    public var pending: [(nonce: String, op: BoardOp)] { pendingOps.map { (nonce: $0.nonce, op: $0.op) } }

    /// Our own change: applied to the view at once and kept until the server answers. Refused
    /// here (and not kept) if it does not fit the view — the person sees why immediately.
    public mutating func local(_ op: BoardOp, nonce: String, actor: Int64, atMillis: Int64) throws(BoardError) {
        try view.apply(op, actor: actor, atMillis: atMillis)
        pendingOps.append(Pending(nonce: nonce, op: op, actor: actor, atMillis: atMillis))
    }

    /// A `board.op` event from the server (anyone's, ours included, recognised by the nonce).
    /// Returns our pending operations that no longer fit and were dropped.
    @discardableResult
    public mutating func receive(_ op: BoardOp, nonce: String, actor: Int64, atMillis: Int64) -> [Dropped] {
        do {
            try confirmed.apply(op, actor: actor, atMillis: atMillis)
        } catch {
            if divergence == nil { divergence = error }
        }
        pendingOps.removeAll { $0.nonce == nonce }
        return rebuild()
    }

    /// The server refused our operation `nonce`: forget it. Later pending operations that
    /// depended on it (a change to the card it would have created) are dropped too and returned.
    @discardableResult
    public mutating func refused(nonce: String) -> [Dropped] {
        guard pendingOps.contains(where: { $0.nonce == nonce }) else { return [] }
        pendingOps.removeAll { $0.nonce == nonce }
        return rebuild()
    }

    /// A whole new confirmed board (`board.open` after a reset, or `board.restored`); pending
    /// operations are replayed on top of it as after any server operation.
    @discardableResult
    public mutating func reset(to board: Board) -> [Dropped] {
        confirmed = board
        divergence = nil
        return rebuild()
    }

    /// view = confirmed + the pending operations that still fit, in order.
    private mutating func rebuild() -> [Dropped] {
        var board = confirmed
        var dropped: [Dropped] = []
        var kept: [Pending] = []
        kept.reserveCapacity(pendingOps.count)
        for p in pendingOps {
            do {
                try board.apply(p.op, actor: p.actor, atMillis: p.atMillis)
                kept.append(p)
            } catch {
                dropped.append(Dropped(nonce: p.nonce, op: p.op, error: error))
            }
        }
        pendingOps = kept
        view = board
        return dropped
    }
}
