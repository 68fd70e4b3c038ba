// Decoding of `doc.*`, `board.*`, `collab.contributions` and `room.follow` (docs/protocol.md
// "Boards and documents"). Operations are parsed here with the models' own validators, so the
// hub gets a `TextOperation` or a `BoardOp` and every schema error carries the frame's ref.

extension Fields {
    func collab(_ type: String) throws(WireError) -> CollabMessage {
        switch type {
        case "doc.list": return .docList
        case "doc.create":
            let id = try optionalString("id")
            if let id, !CollabMessage.isValidID(id) { throw fail("The field 'id' must be 1 to 40 characters of A-Z, a-z, 0-9, '-' and '_'.") }
            return .docCreate(title: try title(), id: id)
        case "doc.open": return .docOpen(doc: try docID())
        case "doc.close": return .docClose(doc: try docID())
        case "doc.op":
            let doc = try docID()
            let rev = try requiredInt("rev", min: 0)
            guard let raw = object["op"], !raw.isNull else { throw fail("The field 'op' is required.") }
            let op: TextOperation
            do {
                op = try TextOperation(json: raw, limits: limits.textOperation)
            } catch {
                throw fail(error.isTooLarge ? .tooLarge : .badRequest, error.message)
            }
            return .docOp(doc: doc, rev: rev, op: op, nonce: try requiredNonce())
        case "doc.ops":
            let doc = try docID()
            let after = try requiredInt("after", min: 0)
            let limit = try optionalInt("limit", min: 1).map { Int(min($0, Int64(CollabMessage.opsPageMax))) }
            return .docOps(doc: doc, after: after, limit: limit ?? CollabMessage.opsPageMax)
        case "doc.cursor":
            return .docCursor(doc: try docID(), rev: try requiredInt("rev", min: 0),
                              anchor: try requiredInt("anchor", min: 0), head: try requiredInt("head", min: 0))
        case "doc.rename": return .docRename(doc: try docID(), title: try title())
        case "doc.lock": return .docLock(doc: try docID(), locked: try requiredBool("locked"))
        case "doc.history":
            return .docHistory(doc: try docID(), before: try optionalInt("before", min: 1), limit: try historyLimit())
        case "doc.revision": return .docRevision(doc: try docID(), rev: try requiredInt("rev", min: 0))
        case "doc.restore": return .docRestore(doc: try docID(), rev: try requiredInt("rev", min: 0))
        case "board.open": return .boardOpen
        case "board.op":
            guard let raw = object["op"], !raw.isNull else { throw fail("The field 'op' is required.") }
            let op: BoardOp
            do {
                op = try BoardOp(json: raw)
            } catch {
                throw fail(error.message)
            }
            return .boardOp(op: op, nonce: try requiredNonce())
        case "board.lock": return .boardLock(locked: try requiredBool("locked"))
        case "board.history": return .boardHistory(before: try optionalInt("before", min: 1), limit: try historyLimit())
        case "board.revision": return .boardRevision(rev: try requiredInt("rev", min: 0))
        case "board.restore": return .boardRestore(rev: try requiredInt("rev", min: 0))
        case "collab.contributions": return .contributions
        case "room.follow":
            switch object["view"] {
            case nil: throw fail("The field 'view' is required: {\"kind\":\"board\"}, {\"kind\":\"doc\",\"doc\":ID} or null.")
            case .null?: return .follow(nil)
            case .object(let v)?:
                switch v["kind"]?.stringValue {
                case "board": return .follow(.board)
                case "doc":
                    guard let id = v["doc"]?.stringValue, CollabMessage.isValidID(id) else {
                        throw fail("The field 'view.doc' must be a document id.")
                    }
                    return .follow(.doc(id))
                default: throw fail("The field 'view.kind' must be \"board\" or \"doc\".")
                }
            case _?: throw fail("The field 'view' must be an object or null.")
            }
        default:
            throw fail("Unknown message type '\(Fields.abbreviated(type))'.")
        }
    }

    private func docID() throws(WireError) -> String {
        guard let id = try optionalString("doc") else { throw fail("The field 'doc' is required.") }
        guard CollabMessage.isValidID(id) else { throw fail("The field 'doc' must be a document id: 1 to 40 characters of A-Z, a-z, 0-9, '-' and '_'.") }
        return id
    }

    /// A document title: 1 to 200 code points, trimmed.
    private func title() throws(WireError) -> String {
        guard let t = try shortText("title", required: true) else { throw fail("The field 'title' is required.") }
        guard t.unicodeScalars.count <= 200 else { throw fail(.tooLarge, "The field 'title' is longer than 200 characters.") }
        return t
    }

    private func requiredBool(_ name: String) throws(WireError) -> Bool {
        guard case .bool(let b)? = object[name] else { throw fail("The field '\(name)' must be true or false.") }
        return b
    }

    private func requiredNonce() throws(WireError) -> String {
        guard let n = try nonce() else { throw fail("The field 'nonce' is required: a string made once per operation, so a resend is recognised.") }
        return n
    }

    private func historyLimit() throws(WireError) -> Int {
        Int(min(try optionalInt("limit", min: 1) ?? 50, Int64(CollabMessage.historyPageMax)))
    }
}
