// The wire form of a text operation (docs/collab.md "An operation"): a JSON array where a
// positive integer retains, a string inserts and a negative integer deletes. Parsing is where
// untrusted input meets the OT code, so every refusal lives here, with a sentence the client
// can show; what passes is a normalized operation the algorithms can trust.

/// Size limits for one incoming operation (`collab.max_op_components`, `collab.max_insert_chars`).
public struct TextOperationLimits: Sendable, Equatable {
    /// Most array elements before normalizing.
    public var maxComponents: Int
    /// Most inserted code points in total.
    public var maxInsertChars: Int

    public init(maxComponents: Int = 10_000, maxInsertChars: Int = 100_000) {
        self.maxComponents = maxComponents
        self.maxInsertChars = maxInsertChars
    }
}

extension TextOperation {
    /// The largest retain or delete, and the largest base length, an operation may claim. Far
    /// beyond any document limit; it only keeps the sums from overflowing.
    static let maxWireLength = 1 << 40

    /// The operation as a JSON array: `n` retain, `"s"` insert, `-n` delete.
    public var json: JSON {
        .array(components.map { c in
            switch c {
            case .retain(let n): return .int(Int64(n))
            case .delete(let n): return .int(-Int64(n))
            case .insert(let s):
                var view = String.UnicodeScalarView()
                view.append(contentsOf: s)
                return .string(String(view))
            }
        })
    }

    /// Parses and normalizes an operation from the wire. Accepts a non-normal spelling (e.g.
    /// `[1, 2, "a", "b"]`) and refuses what is not an operation at all: a non-array, a zero,
    /// a number with a fraction, an empty string, any other JSON type; and, as too large,
    /// more than `limits.maxComponents` elements or `limits.maxInsertChars` inserted code points.
    public init(json: JSON, limits: TextOperationLimits = TextOperationLimits()) throws(TextOperationError) {
        guard case .array(let items) = json else {
            throw TextOperationError("An operation must be a JSON array.")
        }
        guard items.count <= limits.maxComponents else {
            throw TextOperationError(
                "Too many parts in the operation: it has \(items.count), at most \(limits.maxComponents) are allowed.",
                isTooLarge: true)
        }
        self.init()
        var inserted = 0
        for (i, item) in items.enumerated() {
            let place = "Part \(i + 1) of the operation"
            switch item {
            case .string(let s):
                let scalars = Array(s.unicodeScalars)
                guard !scalars.isEmpty else { throw TextOperationError("\(place) inserts an empty text.") }
                inserted += scalars.count
                guard inserted <= limits.maxInsertChars else {
                    throw TextOperationError(
                        "Too many characters inserted: an operation may insert at most \(limits.maxInsertChars).",
                        isTooLarge: true)
                }
                insert(scalars: scalars)
            case .int, .double:
                guard let v = item.intValue else {
                    throw TextOperationError("\(place) is not a whole number.")
                }
                guard v != 0 else { throw TextOperationError("\(place) is 0; counts must not be zero.") }
                // Checked before negating: -Int64.min does not exist.
                guard v <= Int64(Self.maxWireLength) && v >= -Int64(Self.maxWireLength) else {
                    throw TextOperationError("\(place) is longer than any document.")
                }
                if v > 0 { retain(Int(v)) } else { delete(Int(-v)) }
                guard baseLength <= Self.maxWireLength else {
                    throw TextOperationError("The operation is longer than any document.")
                }
            default:
                throw TextOperationError(
                    "\(place) must be a number (keep or delete) or a string (insert).")
            }
        }
    }
}
