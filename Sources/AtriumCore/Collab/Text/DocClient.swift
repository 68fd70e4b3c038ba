// The client side of document co-editing (docs/collab.md "The client state machine"), the
// same three states as ot.js and web/js/collab/text-ot.js: synchronized, awaiting one sent
// operation, or awaiting with a buffer of everything typed since. At most one operation is in
// flight, so the server only ever has to transform it past what it committed meanwhile.
// Pure value code: the caller does the sending (bench clients, tests).

public struct DocClient: Sendable {
    /// An operation to send as `doc.op` (`rev` = `baseRev`).
    public struct Outgoing: Sendable, Equatable {
        public var op: TextOperation
        public var baseRev: Int64
        public var nonce: String

        public init(op: TextOperation, baseRev: Int64, nonce: String) {
            self.op = op
            self.baseRev = baseRev
            self.nonce = nonce
        }
    }

    public enum State: Sendable, Equatable {
        /// Everything local is acknowledged.
        case synchronized
        /// `outstanding` was sent with `nonce` and is not acknowledged yet. It is kept
        /// transformed up to `rev`, so it can be resent as is on `rev` after a reconnect.
        case awaiting(outstanding: TextOperation, nonce: String)
        /// As `awaiting`, plus `buffer`: local edits since, composed into one, applying after
        /// `outstanding`.
        case awaitingWithBuffer(outstanding: TextOperation, nonce: String, buffer: TextOperation)
    }

    /// The last server revision this client has seen (acknowledged or applied).
    public private(set) var rev: Int64
    /// The client's current text: the server's revision `rev` plus all local edits.
    public private(set) var text: [Unicode.Scalar]
    public private(set) var state: State = .synchronized
    /// The remote operation `receive` last applied to `text`, as transformed for it (nil after
    /// an acknowledgement): an editor applies it and moves its cursors through it.
    public private(set) var lastApplied: TextOperation?

    /// Makes the nonce for each operation sent, given a count that grows by one per call. The
    /// default is random; tests inject a deterministic one.
    private let makeNonce: @Sendable (UInt64) -> String
    private var nonceCount: UInt64 = 0

    public init(
        text: [Unicode.Scalar] = [], rev: Int64 = 0,
        makeNonce: @escaping @Sendable (UInt64) -> String = DocClient.randomNonce
    ) {
        self.text = text
        self.rev = rev
        self.makeNonce = makeNonce
    }

    /// 22 random characters of `[A-Za-z0-9]` (about 130 bits).
    @Sendable public static func randomNonce(_: UInt64) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".unicodeScalars)
        var view = String.UnicodeScalarView()
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<22 { view.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]) }
        return String(view)
    }

    /// The text as a `String`.
    public var string: String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text)
        return String(view)
    }

    /// True when nothing local waits for the server.
    public var isSynchronized: Bool { state == .synchronized }

    // MARK: - Local edits

    /// Applies a local edit (made on `text`) and returns what to send, if nothing was in
    /// flight; otherwise the edit joins the buffer and goes out after the acknowledgement.
    public mutating func edit(_ op: TextOperation) throws(TextOperationError) -> Outgoing? {
        text = try op.apply(to: text)
        if op.isNoop { return nil }
        switch state {
        case .synchronized:
            let nonce = nextNonce()
            state = .awaiting(outstanding: op, nonce: nonce)
            return Outgoing(op: op, baseRev: rev, nonce: nonce)
        case .awaiting(let outstanding, let nonce):
            state = .awaitingWithBuffer(outstanding: outstanding, nonce: nonce, buffer: op)
        case .awaitingWithBuffer(let outstanding, let nonce, let buffer):
            state = .awaitingWithBuffer(outstanding: outstanding, nonce: nonce, buffer: try buffer.compose(op))
        }
        return nil
    }

    // MARK: - Server events

    /// Takes a committed operation (a `doc.op` event, a replayed one or one from `doc.ops`).
    /// Revisions up to `rev` were seen already and are ignored (replays overlap). Our own
    /// nonce is the acknowledgement: the buffer, if any, becomes the outstanding operation and
    /// is returned to send. Anyone else's operation is transformed past ours and applied.
    /// Throws on a gap in revisions (fetch the missing ones with `doc.ops`) or an operation
    /// that does not fit.
    public mutating func receive(op: TextOperation, rev newRev: Int64, nonce: String) throws(TextOperationError) -> Outgoing? {
        lastApplied = nil
        guard newRev > rev else { return nil }
        guard newRev == rev + 1 else {
            throw TextOperationError("Revisions \(rev + 1) to \(newRev - 1) are missing.")
        }
        switch state {
        case .awaiting(_, let ours) where ours == nonce:
            rev = newRev
            state = .synchronized
            return nil
        case .awaitingWithBuffer(_, let ours, let buffer) where ours == nonce:
            rev = newRev
            let next = nextNonce()
            state = .awaiting(outstanding: buffer, nonce: next)
            return Outgoing(op: buffer, baseRev: rev, nonce: next)
        case .synchronized:
            text = try op.apply(to: text)
            lastApplied = op
        case .awaiting(let outstanding, let ours):
            let (outstanding2, remote) = try TextOperation.transform(outstanding, op)
            text = try remote.apply(to: text)
            state = .awaiting(outstanding: outstanding2, nonce: ours)
            lastApplied = remote
        case .awaitingWithBuffer(let outstanding, let ours, let buffer):
            let (outstanding2, remote1) = try TextOperation.transform(outstanding, op)
            let (buffer2, remote2) = try TextOperation.transform(buffer, remote1)
            text = try remote2.apply(to: text)
            state = .awaitingWithBuffer(outstanding: outstanding2, nonce: ours, buffer: buffer2)
            lastApplied = remote2
        }
        rev = newRev
        return nil
    }

    /// What to send again after a reconnect (once the missed operations were received) or a
    /// `stale` answer: the outstanding operation with its original nonce, so the server can
    /// tell if it already committed it, on the current `rev`, up to which it is transformed.
    public func resendAfterReconnect() -> Outgoing? {
        switch state {
        case .synchronized: return nil
        case .awaiting(let outstanding, let nonce), .awaitingWithBuffer(let outstanding, let nonce, _):
            return Outgoing(op: outstanding, baseRev: rev, nonce: nonce)
        }
    }

    // MARK: - Cursors

    /// Moves a remote person's cursor position (in code points of `text` before the last
    /// received operation) through `lastApplied`. An insert exactly at the cursor pushes it
    /// right unless it is `ownInsert` (the cursor's own author typed it).
    public func transformCursor(_ index: Int, ownInsert: Bool = false) -> Int {
        guard let op = lastApplied else { return index }
        return op.transformIndex(index, ownInsertFirst: ownInsert)
    }

    private mutating func nextNonce() -> String {
        defer { nonceCount += 1 }
        return makeNonce(nonceCount)
    }
}
