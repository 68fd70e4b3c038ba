// The server's model of one open document (docs/collab.md "Revisions and the server"): the
// text, its revision, its authorship, and the most recent committed operations, which are what
// lets an operation made on an older revision be transformed into the present. Pure value
// code, owned and mutated by the hub on its one thread; storage is the hub's business.

/// Why an operation was refused. Each case maps to a wire error code.
public enum CollabDocumentError: Error, Sendable, Equatable {
    /// `bad_request`: not an operation for that revision (length mismatch, negative revision,
    /// a revision beyond the latest). The message is for the client.
    case badRequest(String)
    /// `stale` with the latest revision (`"latest"` on the wire): the base revision is older
    /// than the history kept in memory; the client fetches the operations after it (`doc.ops`)
    /// and resends.
    case stale(Int64)
    /// `too_large`: the document would grow beyond `collab.max_doc_chars`.
    case tooLarge(String)
}

public struct CollabDocument: Sendable {
    /// One committed operation as it went out in the `doc.op` event (already transformed).
    public struct Committed: Sendable, Equatable {
        public var rev: Int64
        public var op: TextOperation
        public var nonce: String
        public var author: Int64

        public init(rev: Int64, op: TextOperation, nonce: String, author: Int64) {
            self.rev = rev
            self.op = op
            self.nonce = nonce
            self.author = author
        }
    }

    /// What became of an operation that was not refused.
    public enum Accepted: Sendable, Equatable {
        /// Committed (or, from `prepare`, would be) as `op` at revision `rev`.
        case accepted(op: TextOperation, rev: Int64)
        /// A resend: this author's nonce was already committed at `rev`; nothing changed.
        case duplicate(rev: Int64)
    }

    public private(set) var text: [Unicode.Scalar]
    public private(set) var rev: Int64
    public private(set) var authors: Authorship
    /// How many recent operations are kept (`collab.history_ops`).
    public let historyCapacity: Int

    /// Recent operations, oldest first, starting at `historyStart` (the slots before it are
    /// dropped lazily so trimming is amortized O(1)).
    private var history: [Committed] = []
    private var historyStart = 0
    /// The revision of each nonce in the history, per author: a nonce is the author's own
    /// choice, so one person cannot make another's operation look like a resend.
    private var nonces: [NonceKey: Int64] = [:]

    private struct NonceKey: Hashable, Sendable {
        var author: Int64
        var nonce: String
    }

    /// A document at revision `rev` (from a snapshot or new), with no history yet: until
    /// operations are loaded or committed, only operations made on `rev` itself fit. Without
    /// authorship, or with runs that do not cover the text (a damaged snapshot), every code
    /// point is credited to user 0 (unknown) rather than stopping the hub.
    public init(text: [Unicode.Scalar] = [], rev: Int64 = 0, authors: Authorship? = nil, historyCapacity: Int = 1000) {
        self.text = text
        self.rev = rev
        if let authors, authors.length == text.count {
            self.authors = authors
        } else {
            self.authors = Authorship(length: text.count, author: 0)
        }
        self.historyCapacity = max(0, historyCapacity)
    }

    /// The text as a `String`.
    public var string: String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text)
        return String(view)
    }

    /// The oldest revision an incoming operation may be based on.
    public var oldestBase: Int64 { rev - Int64(history.count - historyStart) }

    // MARK: - Accepting operations

    /// Checks, transforms, applies and records an operation made on `baseRev`. A resend of a
    /// nonce this author already committed is `.duplicate`; nothing changes then, nor on error.
    public mutating func accept(
        _ op: TextOperation, baseRev: Int64, nonce: String, author: Int64, maxChars: Int
    ) -> Result<Accepted, CollabDocumentError> {
        let prepared = prepare(op, baseRev: baseRev, nonce: nonce, author: author, maxChars: maxChars)
        guard case .success(.accepted(let transformed, _)) = prepared else { return prepared }
        do {
            return .success(.accepted(op: transformed, rev: try commit(transformed, nonce: nonce, author: author)))
        } catch {
            // prepare() applied the same operation to the same text.
            preconditionFailure("prepared operation no longer fits: \(error.message)")
        }
    }

    /// `accept` without changing anything: the operation transformed to the present and the
    /// revision it would get. Lets the hub store the operation before committing it here.
    public func prepare(
        _ op: TextOperation, baseRev: Int64, nonce: String, author: Int64, maxChars: Int
    ) -> Result<Accepted, CollabDocumentError> {
        guard baseRev >= 0 else { return .failure(.badRequest("The revision must not be negative.")) }
        guard baseRev <= rev else {
            return .failure(.badRequest("Revision \(baseRev) does not exist yet; the latest is \(rev)."))
        }
        if let committed = nonces[NonceKey(author: author, nonce: nonce)] {
            return .success(.duplicate(rev: committed))
        }
        guard baseRev >= oldestBase else { return .failure(.stale(rev)) }

        let first = historyStart + Int(baseRev - oldestBase)  // first op committed after baseRev
        let baseLength = first < history.count ? history[first].op.baseLength : text.count
        guard op.baseLength == baseLength else {
            return .failure(.badRequest(
                "The operation is for a text of \(op.baseLength) characters, "
                    + "but revision \(baseRev) has \(baseLength)."))
        }
        var transformed = op
        for committed in history[first...] {
            do {
                transformed = try TextOperation.transform(transformed, committed.op).0
            } catch {
                // Unreachable: committed operations chain, and the first length was checked.
                return .failure(.badRequest(error.message))
            }
        }
        let newLength = transformed.targetLength
        // A document already over the limit (the setting was lowered) may still shrink.
        if newLength > maxChars && newLength > text.count {
            return .failure(.tooLarge(
                "The document would have \(newLength) characters; at most \(maxChars) are allowed."))
        }
        return .success(.accepted(op: transformed, rev: rev + 1))
    }

    /// Applies an operation already transformed to the current revision and records it as
    /// `rev + 1`. Returns the new revision.
    @discardableResult
    public mutating func commit(_ op: TextOperation, nonce: String, author: Int64) throws(TextOperationError) -> Int64 {
        text = try op.apply(to: text)
        authors.apply(op, author: author)
        rev += 1
        record(Committed(rev: rev, op: op, nonce: nonce, author: author))
        return rev
    }

    /// Replays committed operations after a snapshot, in order and without transforming (they
    /// were transformed when first committed). Each must be the next revision; on an error the
    /// operations before the bad one stay applied.
    public mutating func load(ops: [Committed]) throws(TextOperationError) {
        for c in ops {
            guard c.rev == rev + 1 else {
                throw TextOperationError("Stored operation \(c.rev) does not follow revision \(rev).")
            }
            try commit(c.op, nonce: c.nonce, author: c.author)
        }
    }

    /// The committed operations after `rev`, oldest first: empty when `rev` is the latest or
    /// beyond; nil when the history no longer reaches back that far (read storage instead).
    public func opsAfter(_ rev: Int64) -> [Committed]? {
        if rev >= self.rev { return [] }
        guard rev >= oldestBase else { return nil }
        return Array(history[(historyStart + Int(rev - oldestBase))...])
    }

    private mutating func record(_ c: Committed) {
        guard historyCapacity > 0 else { return }
        history.append(c)
        nonces[NonceKey(author: c.author, nonce: c.nonce)] = c.rev
        while history.count - historyStart > historyCapacity {
            let old = history[historyStart]
            let key = NonceKey(author: old.author, nonce: old.nonce)
            if nonces[key] == old.rev { nonces[key] = nil }
            historyStart += 1
        }
        if historyStart >= max(64, historyCapacity) {
            history.removeFirst(historyStart)
            historyStart = 0
        }
    }
}
