// Fractional position keys (docs/collab.md "Positions: fractional keys"). A key is a base-62
// fraction 0.d1d2d3… written with the digits "0-9A-Za-z" (ASCII order), so plain byte-order
// string comparison is numeric order and the browser can compare keys with `<` as well.
// A key never ends in "0" (so every fraction has exactly one spelling) and is never empty,
// which is what guarantees that another key always fits between any two.
//
// Moving or inserting a card changes only that card: the new key is chosen between its new
// neighbours' keys. Keys must stay short under the common patterns (appending at the end,
// prepending at the start, typing a run of cards one after another at one spot, inserting
// again and again right after one card), so `between` does not simply take midpoints, which
// would grow a key by one character every ~6 insertions. Instead it counts: after the k leading
// "z"s (or before the k leading "0"s) a key uses a counter of k + 1 digits, so the keys of one
// pattern grow like 2·log62(n) characters (1 character for 30 appends, 3 for ~3,800, 5 for
// ~230,000). Only where the neighbours' first differing digits are two or more apart does it
// take the midpoint digit — the best choice for one-off insertions at random places.

public enum PositionKey {
    /// The longest key the server accepts. `between` stays within it except when no key of that
    /// length fits at all (hundreds of insertions into the very same gap); then the caller must
    /// respace that column's cards (the server refuses the over-long key with `bad_request`).
    public static let maxLength = 100

    /// The 62 digits in ascending (ASCII) order.
    public static let alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    private static let digitBytes: [UInt8] = Array(alphabet.utf8)
    private static let top = 61
    /// The key `between(nil, nil)` returns, and the digit used for an empty tail: the middle, so
    /// that both later appends and later prepends have room.
    private static let middle = 31

    /// A non-empty string of base-62 digits, not ending in "0", at most `maxLength` long.
    public static func isValid(_ s: String) -> Bool {
        let bytes = s.utf8
        guard !bytes.isEmpty, bytes.count <= maxLength, bytes.last != UInt8(ascii: "0") else { return false }
        return bytes.allSatisfy { digit($0) != nil }
    }

    /// The order of keys (and of ids): byte order. Spelled out rather than `String.<` so it is
    /// plainly the order JavaScript's `<` gives for these ASCII strings.
    @inlinable
    public static func less(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// A key strictly between `a` and `b`; `nil` stands for the start (`a`) or the end (`b`).
    /// Both must be well-formed keys (digits, non-empty, not ending in "0") with `a < b`.
    public static func between(_ a: String?, _ b: String?) -> String {
        let da = a.map { digits(of: $0) }
        let db = b.map { digits(of: $0) }
        if let da, let db { precondition(da.lexicographicallyPrecedes(db), "PositionKey.between needs a < b") }
        let key: [Int]
        switch (da, db) {
        case (nil, nil): key = [middle]
        case (let a?, nil): key = after(a, limit: maxLength)
        case (nil, let b?): key = before(b, limit: maxLength)
        case (let a?, let b?): key = inside(a, b)
        }
        return string(key)
    }

    /// `count` keys spread evenly over the whole range, as short as that allows: for laying out
    /// a new board or respacing a column whose keys have grown long.
    public static func spread(count: Int) -> [String] {
        precondition(count >= 0 && count < Int(Int32.max))
        guard count > 0 else { return [] }
        // The fewest digits w with 62^w ≥ count + 1: then consecutive keys differ by at least one unit.
        var width = 1
        var scale: UInt64 = 62
        while scale < UInt64(count + 1) { width += 1; scale *= 62 }
        var keys: [String] = []
        keys.reserveCapacity(count)
        for j in 1...count {
            let product = UInt64(j).multipliedFullWidth(by: scale)
            var value = UInt64(count + 1).dividingFullWidth(product).quotient
            var d = [Int](repeating: 0, count: width)
            for k in stride(from: width - 1, through: 0, by: -1) {
                d[k] = Int(value % 62)
                value /= 62
            }
            keys.append(string(stripped(d)))
        }
        return keys
    }

    // MARK: - The algorithm, on digit values 0…61

    /// A key between `a` and `b` (both present, a < b).
    private static func inside(_ a: [Int], _ b: [Int]) -> [Int] {
        var i = 0
        while i < a.count, a[i] == b[i] { i += 1 }  // b cannot end first: a < b
        let prefix = Array(b[..<i])
        if i == a.count {
            // `a` is a prefix of `b`: anything below b's rest (but above zero) fits.
            return prefix + before(Array(b[i...]), limit: maxLength - i)
        }
        let x = a[i], y = b[i]
        if y - x >= 2 { return prefix + [(x + y) / 2] }
        // Adjacent digits: `b` cut after its digit y fits if b goes on; otherwise keep a's digit
        // and count upwards in a's rest (any rest is below b there).
        if i + 1 < b.count { return prefix + [y] }
        return prefix + [x] + after(Array(a[(i + 1)...]), limit: maxLength - i - 1)
    }

    /// A key above `x` (which may be empty, meaning "above zero"): with k leading "z"s, add one
    /// unit in digit 2k+1. At most `limit` digits unless nothing that short exists.
    private static func after(_ x: [Int], limit: Int) -> [Int] {
        if x.isEmpty { return [middle] }
        let k = x.prefix { $0 == top }.count
        let width = min(2 * k + 1, max(limit, k + 1))
        var d = Array(x.prefix(width))
        while d.count < width { d.append(0) }
        var j = width - 1
        // The carry stops at digit k at the latest: it is below "z" (or a padding zero).
        while true {
            d[j] += 1
            if d[j] <= top { break }
            d[j] = 0
            j -= 1
        }
        return stripped(d)
    }

    /// A key below `x` (non-empty, not ending in zero) and above zero: with k leading "0"s, cut
    /// `x` after digit 2k+1 if it goes on beyond it, or else subtract one unit there.
    private static func before(_ x: [Int], limit: Int) -> [Int] {
        let k = x.prefix { $0 == 0 }.count
        let width = min(2 * k + 1, max(limit, k + 1))
        if x.count > width { return stripped(Array(x.prefix(width))) }  // digit k is not zero
        var d = x
        while d.count < width { d.append(0) }
        var j = width - 1
        // The borrow stops at digit k at the latest: it is not zero.
        while true {
            if d[j] > 0 { d[j] -= 1; break }
            d[j] = top
            j -= 1
        }
        let result = stripped(d)
        // Only x = "1" comes down to zero: go one level deeper, to the top of "0…".
        return result.isEmpty ? [0, top] : result
    }

    private static func stripped(_ d: [Int]) -> [Int] {
        var d = d
        while d.last == 0 { d.removeLast() }
        return d
    }

    private static func digit(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(byte - UInt8(ascii: "A")) + 10
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return Int(byte - UInt8(ascii: "a")) + 36
        default: return nil
        }
    }

    private static func digits(of key: String) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(key.utf8.count)
        for byte in key.utf8 {
            guard let v = digit(byte) else { preconditionFailure("PositionKey: '\(key)' is not a base-62 key") }
            out.append(v)
        }
        precondition(!out.isEmpty && out.last != 0, "PositionKey: '\(key)' is empty or ends in 0")
        return out
    }

    private static func string(_ d: [Int]) -> String {
        String(decoding: d.map { digitBytes[$0] }, as: UTF8.self)
    }
}
