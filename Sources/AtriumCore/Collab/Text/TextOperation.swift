// A text operation for operational transformation (docs/collab.md "Documents"): one walk over
// the whole document, left to right, made of retains, inserts and deletes. Positions and lengths
// count Unicode scalars (code points), the unit every client agrees on ("😀" is 1, "е\u{0308}" 2).
// Pure value code; the server (CollabDocument) and the Swift client (DocClient) share it, and
// web/js/collab/text-ot.js mirrors it, so the algorithms below must stay the same in both.

/// Why an operation was refused or could not be combined. The message is a human sentence that
/// goes to the client verbatim, so it names the numbers involved and never internals.
public struct TextOperationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// True when the operation is well formed but exceeds a size limit (wire code `too_large`
    /// rather than `bad_request`).
    public var isTooLarge: Bool

    public init(_ message: String, isTooLarge: Bool = false) {
        self.message = message
        self.isTooLarge = isTooLarge
    }

    public var description: String { message }
}

/// An operation in normal form: no zero components, no two adjacent components of the same
/// kind, an insert before a delete at the same place. The builders keep that form, so two
/// operations with the same effect on every text compare equal.
public struct TextOperation: Sendable, Equatable {
    public enum Component: Sendable, Equatable {
        /// Keep the next `n` code points.
        case retain(Int)
        /// Insert these code points here.
        case insert([Unicode.Scalar])
        /// Remove the next `n` code points.
        case delete(Int)
    }

    public private(set) var components: [Component] = []
    /// The length of the text this operation applies to (retained + deleted).
    public private(set) var baseLength = 0
    /// The length of the text it produces (retained + inserted).
    public private(set) var targetLength = 0

    /// The identity on the empty text (`[]` on the wire).
    public init() {}

    /// Builds from components in any form (zeros dropped, neighbours merged, inserts moved
    /// before deletes). Counts must not be negative.
    public init(_ components: [Component]) {
        for c in components { append(c) }
    }

    /// The identity on a text of `length` code points.
    public static func identity(_ length: Int) -> TextOperation {
        var op = TextOperation()
        op.retain(length)
        return op
    }

    // MARK: - Builders

    /// Keeps the next `n` code points (merged into a retain just before).
    public mutating func retain(_ n: Int) {
        precondition(n >= 0, "retain count must not be negative")
        guard n > 0 else { return }
        baseLength += n
        targetLength += n
        if case .retain(let m)? = components.last {
            components[components.count - 1] = .retain(m + n)
        } else {
            components.append(.retain(n))
        }
    }

    /// Inserts `s`, counted in Unicode scalars.
    public mutating func insert(_ s: String) {
        insert(scalars: Array(s.unicodeScalars))
    }

    /// Inserts the scalars. An insert right after a delete goes before it: "delete then insert"
    /// and "insert then delete" at one place have the same effect, and one spelling keeps `==`
    /// meaningful.
    public mutating func insert(scalars: [Unicode.Scalar]) {
        guard !scalars.isEmpty else { return }
        targetLength += scalars.count
        let n = components.count
        switch components.last {
        case .insert(let s)?:
            components[n - 1] = .insert(s + scalars)
        case .delete?:
            if n >= 2, case .insert(let s) = components[n - 2] {
                components[n - 2] = .insert(s + scalars)
            } else {
                components.insert(.insert(scalars), at: n - 1)
            }
        default:
            components.append(.insert(scalars))
        }
    }

    /// Removes the next `n` code points (merged into a delete just before).
    public mutating func delete(_ n: Int) {
        precondition(n >= 0, "delete count must not be negative")
        guard n > 0 else { return }
        baseLength += n
        if case .delete(let m)? = components.last {
            components[components.count - 1] = .delete(m + n)
        } else {
            components.append(.delete(n))
        }
    }

    /// Appends one component through the normalizing builders.
    public mutating func append(_ component: Component) {
        switch component {
        case .retain(let n): retain(n)
        case .insert(let s): insert(scalars: s)
        case .delete(let n): delete(n)
        }
    }

    // MARK: - Properties

    /// True when the operation changes nothing (only retains, or empty).
    public var isNoop: Bool {
        components.allSatisfy { if case .retain = $0 { return true } else { return false } }
    }

    /// Code points inserted (for contribution counts).
    public var insertedCount: Int { targetLength - (baseLength - deletedCount) }

    /// Code points deleted (for contribution counts).
    public var deletedCount: Int {
        components.reduce(0) { if case .delete(let n) = $1 { return $0 + n } else { return $0 } }
    }

    // MARK: - Apply

    /// The text after this operation. Refuses a text whose length is not `baseLength`: the
    /// operation was made on another revision.
    public func apply(to text: [Unicode.Scalar]) throws(TextOperationError) -> [Unicode.Scalar] {
        guard text.count == baseLength else {
            throw TextOperationError(
                "The operation is for a text of \(baseLength) characters, but the text has \(text.count).")
        }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(targetLength)
        var i = 0
        for c in components {
            switch c {
            case .retain(let n):
                out.append(contentsOf: text[i..<(i + n)])
                i += n
            case .insert(let s):
                out.append(contentsOf: s)
            case .delete(let n):
                i += n
            }
        }
        return out
    }

    /// `apply(to:)` for a `String` (scalars in, scalars out).
    public func apply(to text: String) throws(TextOperationError) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: try apply(to: Array(text.unicodeScalars)))
        return String(view)
    }

    // MARK: - Compose

    /// One operation with the effect of `self` followed by `next`. Used to merge everything a
    /// client types while an operation is in flight, so an offline buffer stays the size of
    /// the edit rather than of the keystrokes.
    public func compose(_ next: TextOperation) throws(TextOperationError) -> TextOperation {
        guard targetLength == next.baseLength else {
            throw TextOperationError(
                "Cannot compose: the first operation produces \(targetLength) characters, "
                    + "but the second is for \(next.baseLength).")
        }
        var result = TextOperation()
        var a = ComponentReader(components)
        var b = ComponentReader(next.components)
        while true {
            // Deletes of the first and inserts of the second touch nothing of the other side.
            if case .delete(let n)? = a.current { result.delete(n); a.advance(); continue }
            if case .insert(let s)? = b.current { result.insert(scalars: s); b.advance(); continue }
            guard let ca = a.current, let cb = b.current else { break }
            switch (ca, cb) {
            case (.retain(let x), .retain(let y)):
                let n = min(x, y)
                result.retain(n)
                a.consume(n); b.consume(n)
            case (.insert(let s), .delete(let y)):
                let n = min(s.count, y)
                a.consume(n); b.consume(n)
            case (.insert(let s), .retain(let y)):
                let n = min(s.count, y)
                result.insert(scalars: Array(s[0..<n]))
                a.consume(n); b.consume(n)
            case (.retain(let x), .delete(let y)):
                let n = min(x, y)
                result.delete(n)
                a.consume(n); b.consume(n)
            default:
                preconditionFailure("unreachable: deletes of a and inserts of b are handled above")
            }
        }
        return result
    }

    // MARK: - Transform

    /// For two operations `a` and `b` made on the same text, returns `(a′, b′)` such that
    /// `b′` after `a` and `a′` after `b` give the same text. Tie rule: when both insert at the
    /// same position, `a`'s insert goes first. Everyone calls `transform(clientOp, serverOp)`,
    /// so an operation still travelling from a client lands before one the server committed.
    public static func transform(
        _ a: TextOperation, _ b: TextOperation
    ) throws(TextOperationError) -> (TextOperation, TextOperation) {
        guard a.baseLength == b.baseLength else {
            throw TextOperationError(
                "The operation is for a text of \(a.baseLength) characters, but the text had \(b.baseLength).")
        }
        var aPrime = TextOperation()
        var bPrime = TextOperation()
        var ra = ComponentReader(a.components)
        var rb = ComponentReader(b.components)
        while true {
            if case .insert(let s)? = ra.current {
                aPrime.insert(scalars: s)
                bPrime.retain(s.count)
                ra.advance()
                continue
            }
            if case .insert(let s)? = rb.current {
                aPrime.retain(s.count)
                bPrime.insert(scalars: s)
                rb.advance()
                continue
            }
            guard let ca = ra.current, let cb = rb.current else { break }
            switch (ca, cb) {
            case (.retain(let x), .retain(let y)):
                let n = min(x, y)
                aPrime.retain(n); bPrime.retain(n)
                ra.consume(n); rb.consume(n)
            case (.delete(let x), .delete(let y)):
                // Both removed the same code points: nothing left to do on either side.
                let n = min(x, y)
                ra.consume(n); rb.consume(n)
            case (.delete(let x), .retain(let y)):
                let n = min(x, y)
                aPrime.delete(n)
                ra.consume(n); rb.consume(n)
            case (.retain(let x), .delete(let y)):
                let n = min(x, y)
                bPrime.delete(n)
                ra.consume(n); rb.consume(n)
            default:
                preconditionFailure("unreachable: inserts are handled above")
            }
        }
        return (aPrime, bPrime)
    }

    // MARK: - Cursors

    /// Where a position (a cursor or selection end, in code points of the base text) ends up in
    /// the target text. Text inserted before it pushes it right, deleted text before it pulls it
    /// left, and a position inside a deleted range lands where the range was. An insert exactly
    /// at the position pushes it right, unless `ownInsertFirst` (the position behaves as the
    /// first of two inserts at one place, as `a` does in `transform`: it stays before the text).
    public func transformIndex(_ index: Int, ownInsertFirst: Bool = false) -> Int {
        let index = min(max(index, 0), baseLength)
        var newIndex = index
        var pos = 0
        for c in components {
            if pos > index { break }
            switch c {
            case .retain(let n):
                pos += n
            case .insert(let s):
                if pos < index || !ownInsertFirst { newIndex += s.count }
            case .delete(let n):
                if pos < index { newIndex -= min(n, index - pos) }
                pos += n
            }
        }
        return newIndex
    }

    // MARK: - Replace

    /// The operation that turns `old` into `new` with one replace of what differs (the common
    /// prefix and suffix are retained). Restoring an old revision commits this, so the
    /// authorship of the unchanged parts survives.
    public static func replacing(_ old: [Unicode.Scalar], with new: [Unicode.Scalar]) -> TextOperation {
        var prefix = 0
        let limit = min(old.count, new.count)
        while prefix < limit && old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < limit - prefix && old[old.count - 1 - suffix] == new[new.count - 1 - suffix] {
            suffix += 1
        }
        var op = TextOperation()
        op.retain(prefix)
        op.insert(scalars: Array(new[prefix..<(new.count - suffix)]))
        op.delete(old.count - prefix - suffix)
        op.retain(suffix)
        return op
    }
}

/// Walks a component list, letting the algorithms take part of the current component.
struct ComponentReader {
    private let components: [TextOperation.Component]
    private var index = 0
    /// The rest of the current component (nil at the end).
    private(set) var current: TextOperation.Component?

    init(_ components: [TextOperation.Component]) {
        self.components = components
        current = components.first
    }

    /// Moves to the next whole component.
    mutating func advance() {
        index += 1
        current = index < components.count ? components[index] : nil
    }

    /// Takes `n` code points (of the base for retain and delete, of the insert for insert)
    /// from the current component; moves on when it is used up.
    mutating func consume(_ n: Int) {
        switch current {
        case .retain(let m)?: if m > n { current = .retain(m - n) } else { advance() }
        case .delete(let m)?: if m > n { current = .delete(m - n) } else { advance() }
        case .insert(let s)?: if s.count > n { current = .insert(Array(s[n...])) } else { advance() }
        case nil: break
        }
    }
}
