import AtriumCore
import AtriumStore

/// Rebuilds a document or a board from what storage holds: the newest snapshot, then the
/// operations after it in revision order. Pure; runs on a store worker.
enum CollabReplay {
    static func document(_ load: CollabLoad, historyCapacity: Int) throws -> CollabDocument {
        var text: [Unicode.Scalar] = []
        var authors = Authorship()
        var rev: Int64 = 0
        if let (snapRev, body) = load.snapshot {
            guard let t = body["text"]?.stringValue, let a = body["authors"] else {
                throw StoreError(.internal, "A stored snapshot of document '\(load.object.id)' is malformed.")
            }
            text = Array(t.unicodeScalars)
            do { authors = try Authorship(json: a) } catch {
                throw StoreError(.internal, "The authors of a stored snapshot of document '\(load.object.id)' are malformed.")
            }
            rev = snapRev
        }
        var doc = CollabDocument(text: text, rev: rev, authors: authors, historyCapacity: historyCapacity)
        var committed: [CollabDocument.Committed] = []
        for record in load.ops {
            guard let raw = record.payload["op"],
                  let op = try? TextOperation(json: raw, limits: TextOperationLimits(maxComponents: Int.max, maxInsertChars: Int.max)) else {
                throw StoreError(.internal, "Stored operation \(record.rev) of document '\(load.object.id)' is malformed.")
            }
            committed.append(.init(rev: record.rev, op: op, nonce: record.payload["nonce"]?.stringValue ?? "", author: record.actor))
        }
        do {
            try doc.load(ops: committed)
        } catch {
            throw StoreError(.internal, "The stored operations of document '\(load.object.id)' do not apply: \(error.message)")
        }
        return doc
    }

    /// The board and the (actor, nonce) keys of the operations replayed (duplicate detection).
    static func board(_ load: CollabLoad) throws -> (Board, [String: Int64]) {
        var board = Board()
        if let (_, body) = load.snapshot {
            do { board = try Board(json: body) } catch {
                throw StoreError(.internal, "A stored snapshot of the board is malformed: \(error.message) \(body.encodedString().prefix(200))")
            }
        }
        var nonces: [String: Int64] = [:]
        for record in load.ops {
            if let whole = record.payload["board"] {
                // board.restored carries the whole board.
                do { board = try Board(json: whole) } catch {
                    throw StoreError(.internal, "Stored board revision \(record.rev) is malformed: \(error.message)")
                }
                continue
            }
            guard let raw = record.payload["op"], let op = try? BoardOp(json: raw) else {
                throw StoreError(.internal, "Stored board operation \(record.rev) is malformed.")
            }
            do {
                try board.apply(op, actor: record.actor, atMillis: record.atMillis)
            } catch {
                throw StoreError(.internal, "Stored board operation \(record.rev) does not apply: \(error.message)")
            }
            if let nonce = record.payload["nonce"]?.stringValue { nonces[LiveBoard.nonceKey(actor: record.actor, nonce: nonce)] = record.rev }
        }
        return (board, nonces)
    }
}
