// The payloads of the co-editing room events (docs/protocol.md "Boards and documents"), built
// in one place for the hub and for the demo school, which writes a board and a document
// straight into storage.

public enum CollabEvents {
    /// `doc.op`: `{"doc","rev","op","nonce"}` (+ `restored_from` for a restore).
    public static func docOp(doc: String, rev: Int64, op: TextOperation, nonce: String, restoredFrom: Int64? = nil) -> JSONObject {
        var o: JSONObject = [("doc", .string(doc)), ("rev", .int(rev)), ("op", op.json), ("nonce", .string(nonce))]
        if let restoredFrom { o["restored_from"] = .int(restoredFrom) }
        return o
    }

    /// The timeline line of a document operation.
    public static func docSummary(_ op: TextOperation, restoredFrom: Int64? = nil) -> JSONObject {
        var o: JSONObject = [("inserted", .int(Int64(op.insertedCount))), ("deleted", .int(Int64(op.deletedCount)))]
        if let restoredFrom { o["restored_from"] = .int(restoredFrom) }
        return o
    }

    /// Contribution counters of a document operation.
    public static func docContributions(_ op: TextOperation) -> [(String, Int64)] {
        [("chars_inserted", Int64(op.insertedCount)), ("chars_deleted", Int64(op.deletedCount))]
    }

    /// `board.op`: `{"rev","op","nonce"}`.
    public static func boardOp(rev: Int64, op: BoardOp, nonce: String) -> JSONObject {
        [("rev", .int(rev)), ("op", op.json), ("nonce", .string(nonce))]
    }

    /// The timeline line of a board operation (titles as they were, so the history reads well
    /// after a card is deleted).
    public static func boardSummary(_ op: BoardOp, before: Board, after: Board) -> JSONObject {
        var o: JSONObject = [("op", .string(op.kind))]
        if let card = op.cardID {
            o["card"] = .string(card)
            if let title = (after.cards[card] ?? before.cards[card])?.title { o["title"] = .string(title) }
        }
        if let column = op.columnID {
            o["column"] = .string(column)
            if let title = (after.columns[column] ?? before.columns[column])?.title { o["column_title"] = .string(title) }
        }
        if case .cardSet(_, let field) = op { o["field"] = .string(field.name) }
        return o
    }

    /// Contribution counters of a board operation.
    public static func boardContributions(_ op: BoardOp, before: Board, after: Board) -> [(String, Int64)] {
        switch op.kind {
        case "card.create": return [("cards_created", 1)]
        case "card.move": return [("cards_moved", 1)]
        case "card.comment": return [("comments", 1)]
        case "card.set":
            guard let card = op.cardID else { return [("card_fields_set", 1)] }
            let wasDone = Set((before.cards[card]?.checklist ?? []).filter(\.done).map(\.id))
            let nowDone = (after.cards[card]?.checklist ?? []).filter { $0.done && !wasDone.contains($0.id) }.count
            return [("card_fields_set", 1), ("checklist_done", Int64(nowDone))]
        case "card.archive", "card.restore", "card.delete": return [("card_fields_set", 1)]
        default: return [("columns_changed", 1)]
        }
    }
}
