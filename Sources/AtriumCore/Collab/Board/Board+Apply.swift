// The server's merge rule (docs/collab.md "Operations"): operations are applied in the
// server's order and each sets one field (or the place, or a flag) of one column or card, so
// the last write wins per field, not per card. An operation that does not fit the board as it
// is now is refused and changes nothing: every check below runs before the first write.
// Clients run the very same function on their replicas (BoardReplica), so "fits" means the
// same thing everywhere.

extension Board {
    /// Applies `op` by `actor` at `atMillis` (the commit time: it stamps new cards and comments).
    /// Throws `badRequest` (schema), `notFound` (unknown column or card) or `conflict` (an id in
    /// use, a WIP limit, an archived column, a column that still holds cards) and then leaves
    /// the board exactly as it was.
    public mutating func apply(_ op: BoardOp, actor: Int64, atMillis: Int64) throws(BoardError) {
        try op.validate()
        switch op {
        case .columnCreate(let id, let title, let pos, let wip):
            if let existing = columns[id] {
                throw .conflict("There is already a column with the id “\(id)” (“\(existing.title)”).")
            }
            columns[id] = Column(id: id, title: title, pos: pos, wip: wip, archived: false)

        case .columnSet(let id, let field):
            var column = try existingColumn(id)
            switch field {
            case .title(let title): column.title = title
            case .wip(let wip): column.wip = wip  // below the current count is allowed: it only stops additions
            }
            columns[id] = column

        case .columnMove(let id, let pos):
            var column = try existingColumn(id)
            column.pos = pos
            columns[id] = column

        case .columnArchive(let id), .columnRestore(let id):
            // Archiving keeps the column's cards where they are (hidden with it).
            var column = try existingColumn(id)
            if case .columnArchive = op { column.archived = true } else { column.archived = false }
            columns[id] = column

        case .columnDelete(let id):
            let column = try existingColumn(id)
            let held = cards.values.count { $0.column == id }
            if held > 0 {
                throw .conflict("The column “\(column.title)” still holds \(Board.cardsPhrase(held)) (archived ones count too); "
                    + "move or delete them first.")
            }
            columns[id] = nil

        case .cardCreate(let id, let columnID, let pos, let title):
            if let existing = cards[id] {
                throw .conflict("There is already a card with the id “\(id)” (“\(existing.title)”).")
            }
            let column = try existingColumn(columnID)
            try checkAccepts(column, addsActiveCard: true)
            cards[id] = Card(id: id, column: columnID, pos: pos, title: title, createdBy: actor, createdAt: atMillis)

        case .cardSet(let id, let field):
            var card = try existingCard(id)
            field.set(on: &card)
            cards[id] = card

        case .cardMove(let id, let columnID, let pos):
            var card = try existingCard(id)
            let column = try existingColumn(columnID)
            // An archived card moved elsewhere adds nothing to the count; a move within the
            // column changes no count at all.
            try checkAccepts(column, addsActiveCard: !card.archived && card.column != columnID)
            card.column = columnID
            card.pos = pos
            cards[id] = card

        case .cardArchive(let id):
            var card = try existingCard(id)
            card.archived = true
            cards[id] = card

        case .cardRestore(let id):
            var card = try existingCard(id)
            guard let column = columns[card.column] else {
                throw .notFound("The column of the card “\(card.title)” no longer exists.")
            }
            if column.archived {
                throw .conflict("The card “\(card.title)” is in the archived column “\(column.title)”; restore the column first.")
            }
            // A restored card counts against the limit again.
            try checkAccepts(column, addsActiveCard: card.archived)
            card.archived = false
            cards[id] = card

        case .cardDelete(let id):
            _ = try existingCard(id)
            cards[id] = nil

        case .cardComment(let id, let commentID, let text):
            var card = try existingCard(id)
            if card.comments.contains(where: { $0.id == commentID }) {
                throw .conflict("The card “\(card.title)” already has a comment with the id “\(commentID)”.")
            }
            card.comments.append(Comment(id: commentID, user: actor, at: atMillis, text: text))
            cards[id] = card
        }
    }

    private func existingColumn(_ id: String) throws(BoardError) -> Column {
        guard let column = columns[id] else {
            throw .notFound("There is no column with the id “\(id)”; it may have been deleted.")
        }
        return column
    }

    private func existingCard(_ id: String) throws(BoardError) -> Card {
        guard let card = cards[id] else {
            throw .notFound("There is no card with the id “\(id)”; it may have been deleted.")
        }
        return card
    }

    /// May a card go into `column`? Never into an archived one; and when it adds one to the
    /// column's non-archived cards, only below the WIP limit.
    private func checkAccepts(_ column: Column, addsActiveCard: Bool) throws(BoardError) {
        if column.archived {
            throw .conflict("The column “\(column.title)” is archived; restore it before putting cards in it.")
        }
        if addsActiveCard, let wip = column.wip, activeCardCount(inColumn: column.id) >= wip {
            throw .conflict("The column “\(column.title)” is at its limit of \(Board.cardsPhrase(wip)).")
        }
    }

    static func cardsPhrase(_ n: Int) -> String { n == 1 ? "1 card" : "\(n) cards" }
}
