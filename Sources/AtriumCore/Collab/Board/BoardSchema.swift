// The board schema: every limit of docs/collab.md "Boards" in one place.

/// The limits of docs/collab.md "Boards", in one place for the operations, the stored board
/// and anyone who wants to check a value before sending it.
public enum BoardSchema {
    public static let maxIDChars = 40
    public static let maxTitleChars = 200
    public static let maxDescriptionChars = 10_000
    public static let maxAssignees = 20
    public static let maxLabels = 20
    public static let maxLabelChars = 40
    public static let maxChecklistItems = 100
    public static let maxChecklistTextChars = 500
    public static let maxLinks = 50
    public static let maxURLChars = 2_000
    public static let maxCommentChars = 4_000
    public static let wipRange = 1...999

    /// 1…40 characters of `[A-Za-z0-9_-]`: made by clients, so a card made offline has its id.
    public static func isValidID(_ s: String) -> Bool {
        let bytes = s.utf8
        guard (1...maxIDChars).contains(bytes.count) else { return false }
        return bytes.allSatisfy { b in
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    /// A real day of the (proleptic Gregorian) calendar written YYYY-MM-DD, years 0001–9999.
    public static func isValidDate(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) else { return nil }
                n = n * 10 + Int(b[i] - UInt8(ascii: "0"))
            }
            return n
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              year >= 1, (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }

    /// http:// or https:// (either case) followed by something, no whitespace or control
    /// characters, at most 2,000 code points. Anything else (javascript:, data:) could run
    /// code when clicked, so it never reaches a board.
    public static func isValidURL(_ s: String) -> Bool {
        let scalars = s.unicodeScalars
        guard scalars.count <= maxURLChars else { return false }
        let lower = String(String.UnicodeScalarView(scalars.prefix(8))).lowercased()
        let schemeLength: Int
        if lower.hasPrefix("https://") { schemeLength = 8 } else if lower.hasPrefix("http://") { schemeLength = 7 } else { return false }
        guard scalars.count > schemeLength else { return false }
        return !scalars.contains { $0.value < 0x21 || (0x7F...0x9F).contains($0.value) || $0.properties.isWhitespace }
    }

    // The checks below throw `badRequest` with `what` ("The card title", "Label 3 of the card
    // “x”") as the subject of the sentence.

    static func checkID(_ s: String, _ what: String) throws(BoardError) {
        guard isValidID(s) else {
            throw .badRequest("\(what) must be 1 to \(maxIDChars) characters of A–Z, a–z, 0–9, '_' and '-'.")
        }
    }

    static func checkTitle(_ s: String, _ what: String) throws(BoardError) {
        try checkText(s, what, max: maxTitleChars)
    }

    /// 1…max code points, not only whitespace (a title, label or comment of spaces says nothing).
    static func checkText(_ s: String, _ what: String, max: Int) throws(BoardError) {
        let n = s.unicodeScalars.count
        if n > max { throw .badRequest("\(what) has \(n) characters; the limit is \(max).") }
        if s.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            throw .badRequest("\(what) must not be empty or only spaces.")
        }
    }

    static func checkPos(_ s: String, _ what: String) throws(BoardError) {
        guard PositionKey.isValid(s) else {
            throw .badRequest("\(what) must be a position key: 1 to \(PositionKey.maxLength) characters of 0–9, A–Z "
                + "and a–z, not ending in 0.")
        }
    }

    static func checkWip(_ wip: Int?, _ what: String) throws(BoardError) {
        if let wip, !wipRange.contains(wip) {
            throw .badRequest("\(what) must be null or a whole number from \(wipRange.lowerBound) to \(wipRange.upperBound).")
        }
    }

    /// Reads a WIP limit: absent or null is none; the range is checked by `checkWip`.
    static func wip(_ value: JSON?, _ what: String) throws(BoardError) -> Int? {
        guard let value else { return nil }
        guard let n = value.intValue, let wip = Int(exactly: n), wipRange.contains(wip) else {
            throw .badRequest("\(what) must be null or a whole number from \(wipRange.lowerBound) to \(wipRange.upperBound).")
        }
        return wip
    }

    /// Echoed names are cut short so a huge bogus value cannot blow up the error reply.
    static func abbreviated(_ s: String) -> String {
        s.unicodeScalars.count <= 64 ? s : String(String.UnicodeScalarView(s.unicodeScalars.prefix(64))) + "…"
    }
}
