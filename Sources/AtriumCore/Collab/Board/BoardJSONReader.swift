// Typed reads from the JSON objects of board operations and snapshots, with messages that name the field.

/// Typed reads from one JSON object with messages that name the field and the thing it
/// belongs to ("The field 'pos' of the operation must be a string.").
struct BoardJSONReader {
    let object: JSONObject
    /// "the operation", "checklist item 3 of the card “x”".
    let whatMidSentence: String

    init(_ json: JSON, _ what: String) throws(BoardError) {
        guard case .object(let object) = json else { throw .badRequest("\(what) must be a JSON object.") }
        self.object = object
        self.whatMidSentence = what.boardMidSentence
    }

    private func fail(_ key: String, _ problem: String) -> BoardError {
        .badRequest("The field '\(key)' of \(whatMidSentence) \(problem).")
    }

    /// The value, or nil when absent or null.
    func optional(_ key: String) -> JSON? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    func string(_ key: String) throws(BoardError) -> String {
        guard let v = optional(key) else { throw fail(key, "is required") }
        guard case .string(let s) = v else { throw fail(key, "must be a string") }
        return s
    }

    func int(_ key: String) throws(BoardError) -> Int64 {
        guard let v = optional(key) else { throw fail(key, "is required") }
        guard let i = v.intValue else { throw fail(key, "must be a whole number") }
        return i
    }

    func bool(_ key: String) throws(BoardError) -> Bool {
        guard let b = try optionalBool(key) else { throw fail(key, "is required") }
        return b
    }

    func optionalBool(_ key: String) throws(BoardError) -> Bool? {
        guard let v = optional(key) else { return nil }
        guard case .bool(let b) = v else { throw fail(key, "must be true or false") }
        return b
    }

    func array(_ key: String) throws(BoardError) -> [JSON] {
        guard optional(key) != nil else { throw fail(key, "is required") }
        return try optionalArray(key)
    }

    /// Absent or null is empty.
    func optionalArray(_ key: String) throws(BoardError) -> [JSON] {
        guard let v = optional(key) else { return [] }
        guard case .array(let a) = v else { throw fail(key, "must be an array") }
        return a
    }
}

extension String {
    /// "Checklist item 3" → "checklist item 3", to fit a subject into the middle of a sentence.
    var boardMidSentence: String {
        guard let first = first else { return self }
        return first.lowercased() + dropFirst()
    }
}
