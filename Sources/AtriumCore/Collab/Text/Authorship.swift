// Who wrote every code point of a document (docs/collab.md "Authorship"), kept as runs so a
// long text by a few people costs a few numbers. Stored with every snapshot, so any past
// revision shows its authors, and summed for the contribution summary ("chars_kept").

/// Runs of `(user, length)` over the text, in order. Normal form: no zero runs and no two
/// adjacent runs by the same user, so equal authorship compares equal.
public struct Authorship: Sendable, Equatable {
    public struct Run: Sendable, Equatable {
        public var user: Int64
        public var length: Int

        public init(user: Int64, length: Int) {
            self.user = user
            self.length = length
        }
    }

    public private(set) var runs: [Run] = []

    /// No text.
    public init() {}

    /// A text of `length` code points all by `author` (e.g. a document imported before
    /// authorship was kept).
    public init(length: Int, author: Int64) {
        append(user: author, length: length)
    }

    /// Runs in any form: zero runs dropped, neighbours by the same user merged.
    public init(runs: [Run]) {
        for r in runs { append(user: r.user, length: r.length) }
    }

    /// The text length the runs cover.
    public var length: Int { runs.reduce(0) { $0 + $1.length } }

    /// Applies an operation by `author`: retained code points keep their authors, deleted ones
    /// disappear, inserted ones are the author's. The operation must fit (`baseLength ==
    /// length`): callers apply it to the text first, which checks that.
    public mutating func apply(_ op: TextOperation, author: Int64) {
        precondition(op.baseLength == length, "authorship and operation lengths differ")
        var result = Authorship()
        var i = 0  // index of the current run
        var left = runs.first?.length ?? 0  // code points left in it
        // Takes `n` code points from the old runs, keeping them (retain) or not (delete).
        func take(_ n: Int, keep: Bool) {
            var n = n
            while n > 0 {
                while left == 0 { i += 1; left = runs[i].length }
                let k = min(n, left)
                if keep { result.append(user: runs[i].user, length: k) }
                left -= k
                n -= k
            }
        }
        for c in op.components {
            switch c {
            case .retain(let n): take(n, keep: true)
            case .delete(let n): take(n, keep: false)
            case .insert(let s): result.append(user: author, length: s.count)
            }
        }
        self = result
    }

    /// Code points per user, for the contribution summary.
    public func charsByAuthor() -> [Int64: Int] {
        var out: [Int64: Int] = [:]
        for r in runs { out[r.user, default: 0] += r.length }
        return out
    }

    /// The author of each code point, in order (for tests and small texts).
    public func perCharacter() -> [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(length)
        for r in runs { out.append(contentsOf: repeatElement(r.user, count: r.length)) }
        return out
    }

    private mutating func append(user: Int64, length: Int) {
        guard length > 0 else { return }
        if let last = runs.last, last.user == user {
            runs[runs.count - 1].length += length
        } else {
            runs.append(Run(user: user, length: length))
        }
    }
}

extension Authorship {
    /// `[[user, length], …]` as in snapshots and `doc.open`.
    public var json: JSON {
        .array(runs.map { .array([.int($0.user), .int(Int64($0.length))]) })
    }

    /// Parses the stored or wire form. Refuses anything but pairs of whole numbers with a
    /// length that is not negative; accepts zero runs and unmerged neighbours (normalized).
    public init(json: JSON) throws(TextOperationError) {
        guard case .array(let items) = json else {
            throw TextOperationError("Authorship must be a JSON array of [user, length] pairs.")
        }
        self.init()
        for item in items {
            guard case .array(let pair) = item, pair.count == 2,
                let user = pair[0].intValue, let length = pair[1].intValue,
                length >= 0, length <= Int64(TextOperation.maxWireLength)
            else {
                throw TextOperationError("Every authorship run must be [user, length] with a length of 0 or more.")
            }
            append(user: user, length: Int(length))
        }
    }
}
