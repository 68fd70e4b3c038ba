import AtriumCore
import AtriumStore

/// Collaborative documents (docs/collab.md): the hub orders every operation — it transforms
/// an operation past what was committed since its base revision, applies it in memory, then
/// commits it as a room event and only then tells anyone (service thread, except the closures
/// given to the store, which run on its threads).
extension Hub {
    func docList(_ c: Connection, ref: String?, _ room: RoomState) {
        let cid = c.id
        withCollab(room) { hub, collab in
            guard let c = hub.connections[cid], let viewer = c.user else { return }
            guard let collab, let objects = collab.objects else {
                hub.fail(c, WireError(.unavailable, "Documents cannot be read right now; try again.", ref: ref))
                return
            }
            let docs = objects.values.filter { $0.kind == .doc }
                .map { collab.docs[$0.id]?.record ?? $0 }
                .sorted { ($0.createdAtMillis, $0.id) < ($1.createdAtMillis, $1.id) }
            let board = collab.board?.record ?? collab.boardRecord(nowMillis: wallMillis())
            hub.reply(c, ref: ref, [("docs", .array(docs.map(\.json))),
                                    ("board", .object([("rev", .int(board.rev)), ("locked", .bool(board.locked))])),
                                    ("follow", hub.followJSON(room, for: viewer))])
        }
    }

    func docCreate(_ c: Connection, ref: String?, _ room: RoomState, title: String, id: String?) {
        guard let user = c.user, mayChange(c, ref: ref, room, locked: false, what: "") else { return }
        let docID = id ?? Self.newDocID()
        let roomID = room.record.id
        let cid = c.id
        withCollab(room) { hub, collab in
            guard let c = hub.connections[cid] else { return }
            hub.runJob(c, ref: ref, on: hub.commits, write: true, { store in
                try store.createDoc(room: roomID, id: docID, title: title, actor: user.id, nowMillis: wallMillis())
            }, then: { hub, created in
                let (record, event) = created
                collab?.set(record)
                hub.publish(event)
                return [("doc", record.json), ("seq", .int(event.seq))]
            })
        }
    }

    func docOpen(_ c: Connection, ref: String?, _ room: RoomState, _ docID: String) {
        let id = c.id
        withDoc(c, ref: ref, room, docID) { hub, live in
            guard let c = hub.connections[id], let viewer = c.user, c.rooms.contains(room.record.id) else { return }
            if live.readers[id] == nil { live.readers[id] = .some(nil) }
            c.openDocs.insert(DocKey(room: room.record.id, doc: docID))
            var doc = live.record
            doc.rev = live.model.rev
            guard case .object(var o) = doc.json else { return }
            o["text"] = .string(live.model.string)
            o["authors"] = live.model.authors.json
            let cursors: [JSON] = live.readers.compactMap { (cid, cursor) in
                guard cid != id, let cursor else { return nil }
                return hub.cursorJSON(room, docID, cursor, rev: live.model.rev, for: viewer, includeHeader: false)
            }
            hub.reply(c, ref: ref, [("doc", .object(o)), ("cursors", .array(cursors))])
        }
    }

    func closeDoc(_ c: Connection, _ room: RoomState, _ docID: String) {
        c.openDocs.remove(DocKey(room: room.record.id, doc: docID))
        guard let live = room.collab.docs[docID], live.readers[c.id] != nil else { return }
        dropReader(c.id, user: c.user?.id ?? 0, room, live)
    }

    func dropReader(_ cid: ConnectionID, user: UserID, _ room: RoomState, _ live: LiveDoc) {
        guard let cursor = live.readers.removeValue(forKey: cid) else { return }
        connections[cid]?.openDocs.remove(DocKey(room: room.record.id, doc: live.record.id))
        live.dirtyCursors.remove(cid)
        // Someone who never moved their cursor has nothing to take back.
        if cursor != nil {
            live.goneCursors.append((cid, user))
            cursorDirtyRooms.insert(DocKey(room: room.record.id, doc: live.record.id))
        }
    }

    func docOp(_ c: Connection, ref: String?, _ room: RoomState, _ docID: String, rev: Int64, op: TextOperation, nonce: String) {
        let cid = c.id
        withDoc(c, ref: ref, room, docID) { hub, live in
            guard let c = hub.connections[cid], let user = c.user,
                  hub.mayChange(c, ref: ref, room, locked: live.record.locked, what: "This document") else { return }
            switch live.model.accept(op, baseRev: rev, nonce: nonce, author: user.id, maxChars: hub.config.collabMaxDocChars) {
            case .success(.duplicate(let committed)):
                hub.reply(c, ref: ref, [("rev", .int(committed)), ("duplicate", .bool(true))])
            case .success(.accepted(let transformed, let newRev)):
                hub.moveCursors(live, through: transformed, author: cid)
                hub.commitDocOp(c, ref: ref, room, live, user: user, rev: newRev, op: transformed, nonce: nonce)
            case .failure(.stale(let latest)):
                // The one error with a field besides code and message: where to fetch from.
                hub.metrics.errorsSent += 1
                let e = CollabDocumentError.stale(latest).wireError(ref: ref)
                hub.send(c, JSON.object([("type", "error"), ("ref", ref.map(JSON.string) ?? .null), ("code", .string(e.code.rawValue)),
                                         ("message", .string(e.message)), ("latest", .int(latest))]).encoded())
            case .failure(let error):
                hub.fail(c, error.wireError(ref: ref))
            }
        }
    }

    /// Commits an operation already applied in memory; on failure the document is dropped from
    /// memory (it is read again from storage on next use) so memory never runs ahead of disk.
    func commitDocOp(_ c: Connection, ref: String?, _ room: RoomState, _ live: LiveDoc, user: UserProfile, rev: Int64,
                     op: TextOperation, nonce: String, restoredFrom: Int64? = nil) {
        let payload = CollabEvents.docOp(doc: live.record.id, rev: rev, op: op, nonce: nonce, restoredFrom: restoredFrom)
        let summary = CollabEvents.docSummary(op, restoredFrom: restoredFrom)
        let snapshot: JSON? = rev % Int64(config.collabSnapshotEvery) == 0 || restoredFrom != nil
            ? .object([("text", .string(live.model.string)), ("authors", live.model.authors.json)]) : nil
        let write = CollabOpWrite(kind: .doc, object: live.record.id, rev: rev, eventKind: "doc.op", payload: payload, nonce: nonce,
                                  summary: summary, snapshot: snapshot,
                                  contributions: CollabEvents.docContributions(op))
        let roomID = room.record.id
        let docID = live.record.id
        let cid = c.id
        let liveID = ObjectIdentifier(live)
        live.uncommitted += 1
        live.lastUsed = monotonicSeconds()
        inFlightWrites += 1
        commits.submit({ store in
            try store.appendCollabOp(room: roomID, actor: user.id, write, nowMillis: wallMillis())
        }) { [inbox] result in
            inbox.post { hub in
                hub.inFlightWrites -= 1
                let current = hub.rooms[roomID]?.collab.docs[docID]
                if let current, ObjectIdentifier(current) == liveID { current.uncommitted -= 1 }
                switch result {
                case .success(let event):
                    hub.publish(event, deferred: true)
                    if let c = hub.connections[cid] { hub.reply(c, ref: ref, [("rev", .int(rev)), ("seq", .int(event.seq))]) }
                case .failure(let error):
                    hub.logger.error("document operation not stored", metadata: ["room": "\(roomID)", "doc": "\(docID)", "error": "\(error.message)"])
                    if let current, ObjectIdentifier(current) == liveID { hub.rooms[roomID]?.collab.docs[docID] = nil }
                    if let c = hub.connections[cid] { hub.fail(c, WireError(error.code, error.message, ref: ref)) }
                }
            }
        }
    }

    func docOps(_ c: Connection, ref: String?, _ room: RoomState, _ docID: String, after: Int64, limit: Int) {
        let roomID = room.record.id
        withDoc(c, ref: ref, room, docID) { hub, live in
            guard let c = hub.connections[c.id] else { return }
            let latest = live.model.rev
            hub.runJob(c, ref: ref, on: hub.reader, write: false, { store in
                try store.collabOps(room: roomID, kind: .doc, id: docID, after: after, through: latest, limit: limit)
            }, then: { _, ops in
                [("ops", .array(ops.map { o in
                    .object([("rev", .int(o.rev)), ("op", o.payload["op"] ?? .null), ("nonce", o.payload["nonce"] ?? .null),
                             ("actor", .int(o.actor)), ("at", .string(Timestamp.iso8601(millis: o.atMillis)))])
                })), ("latest", .int(latest))]
            })
        }
    }

    func docCursor(_ c: Connection, ref: String?, _ room: RoomState, _ docID: String, rev: Int64, anchor: Int64, head: Int64) {
        guard let user = c.user else { return }
        guard let live = room.collab.docs[docID], live.readers[c.id] != nil else {
            fail(c, WireError(.forbidden, "Open the document first (doc.open).", ref: ref))
            return
        }
        var a = Int(clamping: anchor)
        var h = Int(clamping: head)
        // A cursor made on an older revision is moved through what was committed since.
        if rev < live.model.rev {
            guard let later = live.model.opsAfter(rev) else {
                reply(c, ref: ref)  // too old to place: dropped, the next one will do
                return
            }
            for entry in later {
                a = entry.op.transformIndex(a)
                h = entry.op.transformIndex(h)
            }
        } else if rev > live.model.rev {
            fail(c, WireError(.badRequest, "The field 'rev' is beyond the document's latest revision \(live.model.rev).", ref: ref))
            return
        }
        let length = live.model.text.count
        live.readers[c.id] = DocCursor(user: user, anchor: min(a, length), head: min(h, length))
        live.dirtyCursors.insert(c.id)
        cursorDirtyRooms.insert(DocKey(room: room.record.id, doc: docID))
        reply(c, ref: ref)
    }

    /// Moves every reader's cursor through an operation just applied (an insert exactly at a
    /// cursor pushes it right only for the author's own cursor).
    func moveCursors(_ live: LiveDoc, through op: TextOperation, author: ConnectionID) {
        for (cid, cursor) in live.readers {
            guard var cursor else { continue }
            // The typist's cursor ends after what they typed; someone else's stays before it.
            let others = cid != author
            cursor.anchor = op.transformIndex(cursor.anchor, ownInsertFirst: others)
            cursor.head = op.transformIndex(cursor.head, ownInsertFirst: others)
            live.readers[cid] = cursor
        }
    }

    func flushCursors(_ room: RoomState, _ live: LiveDoc) {
        let changed = live.dirtyCursors.compactMap { cid in live.readers[cid].flatMap { $0.map { (cid, $0) } } }
        let gone = live.goneCursors
        live.dirtyCursors.removeAll()
        live.goneCursors.removeAll()
        for (readerID, _) in live.readers {
            guard let reader = connections[readerID], let viewer = reader.user else { continue }
            for (cid, cursor) in changed where cid != readerID {
                sendDeferred(reader, cursorJSON(room, live.record.id, cursor, rev: live.model.rev, for: viewer, includeHeader: true).encoded())
            }
            for (cid, user) in gone where cid != readerID {
                sendDeferred(reader, JSON.object([("type", "doc.cursor"), ("room", .string(room.record.id)), ("doc", .string(live.record.id)),
                                                  ("user", .int(user)), ("gone", .bool(true))]).encoded())
            }
        }
    }

    func cursorJSON(_ room: RoomState, _ docID: String, _ cursor: DocCursor, rev: Int64, for viewer: UserProfile, includeHeader: Bool) -> JSON {
        var o = JSONObject()
        if includeHeader {
            o["type"] = "doc.cursor"
            o["room"] = .string(room.record.id)
            o["doc"] = .string(docID)
        }
        o["user"] = .int(cursor.user.id)
        o["name"] = .string(name(cursor.user.name, of: cursor.user.id, for: viewer))
        o["color"] = .string(Self.colour(of: cursor.user.id))
        o["rev"] = .int(rev)
        o["anchor"] = .int(Int64(cursor.anchor))
        o["head"] = .int(Int64(cursor.head))
        return .object(o)
    }

    /// A stable colour per person, well apart for consecutive ids (golden-angle hues).
    static func colour(of user: UserID) -> String {
        let hue = Int((user &* 137) % 360 + 360) % 360
        return "hsl(\(hue), 70%, 38%)"
    }

    func docUpdate(_ c: Connection, ref: String?, _ room: RoomState, _ docID: String, title: String?, locked: Bool?) {
        let cid = c.id
        let roomID = room.record.id
        withDoc(c, ref: ref, room, docID) { hub, live in
            guard let c = hub.connections[cid], let user = c.user else { return }
            if locked != nil {
                guard hub.allowed(c, ref: ref, .permission(.facilitate), in: room) else { return }
            } else {
                guard hub.mayChange(c, ref: ref, room, locked: live.record.locked, what: "This document") else { return }
            }
            hub.runJob(c, ref: ref, on: hub.commits, write: true, { store in
                try store.updateCollab(room: roomID, kind: .doc, id: docID, title: title, locked: locked, actor: user.id, nowMillis: wallMillis())
            }, then: { hub, event in
                if let title { live.record.title = title }
                if let locked { live.record.locked = locked }
                room.collab.set(live.record)
                hub.publish(event)
                return [("seq", .int(event.seq))]
            })
        }
    }

    func docRevision(_ c: Connection, ref: String?, _ room: RoomState, _ docID: String, rev: Int64) {
        let roomID = room.record.id
        withDoc(c, ref: ref, room, docID) { hub, live in
            guard let c = hub.connections[c.id] else { return }
            guard rev <= live.model.rev else {
                hub.fail(c, WireError(.notFound, "Document '\(docID)' has no revision \(rev) yet (latest: \(live.model.rev)).", ref: ref))
                return
            }
            hub.runJob(c, ref: ref, on: hub.reader, write: false, { store -> CollabDocument in
                guard let load = try store.loadCollab(room: roomID, kind: .doc, id: docID, upTo: rev) else {
                    throw StoreError(.notFound, "There is no document '\(docID)' in this room.")
                }
                return try CollabReplay.document(load, historyCapacity: 0)
            }, then: { _, doc in
                [("rev", .int(doc.rev)), ("text", .string(doc.string)), ("authors", doc.authors.json)]
            })
        }
    }

    func docRestore(_ c: Connection, ref: String?, _ room: RoomState, _ docID: String, rev: Int64) {
        let roomID = room.record.id
        let cid = c.id
        withDoc(c, ref: ref, room, docID) { hub, live in
            guard let c = hub.connections[cid], hub.mayChange(c, ref: ref, room, locked: live.record.locked, what: "This document") else { return }
            guard rev <= live.model.rev else {
                hub.fail(c, WireError(.notFound, "Document '\(docID)' has no revision \(rev) yet (latest: \(live.model.rev)).", ref: ref))
                return
            }
            hub.runJob(c, ref: ref, on: hub.reader, write: false, answers: false, { store -> [Unicode.Scalar] in
                guard let load = try store.loadCollab(room: roomID, kind: .doc, id: docID, upTo: rev) else {
                    throw StoreError(.notFound, "There is no document '\(docID)' in this room.")
                }
                return try CollabReplay.document(load, historyCapacity: 0).text
            }, then: { hub, old in
                // The current text may have moved on while storage was read: diff against it now.
                guard let c = hub.connections[cid], let user = c.user, let live = room.collab.docs[docID] else { return [] }
                let op = TextOperation.replacing(live.model.text, with: old)
                let nonce = "restore-\(rev)-\(wallMillis())-\(cid)"
                switch live.model.accept(op, baseRev: live.model.rev, nonce: nonce, author: user.id, maxChars: hub.config.collabMaxDocChars) {
                case .success(.accepted(let transformed, let newRev)):
                    hub.moveCursors(live, through: transformed, author: cid)
                    hub.commitDocOp(c, ref: ref, room, live, user: user, rev: newRev, op: transformed, nonce: nonce, restoredFrom: rev)
                case .success(.duplicate):
                    hub.reply(c, ref: ref, [("rev", .int(live.model.rev))])
                case .failure(let error):
                    hub.fail(c, error.wireError(ref: ref))
                }
                return []
            })
        }
    }

    /// A document id the server makes when the client gives none.
    static func newDocID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var g = SystemRandomNumberGenerator()
        return "d" + String((0..<11).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
    }
}

extension CollabDocumentError {
    func wireError(ref: String?) -> WireError {
        switch self {
        case .badRequest(let message): return WireError(.badRequest, message, ref: ref)
        case .stale(let latest):
            return WireError(.stale, "The operation was made on a revision the server no longer keeps (latest: \(latest)): fetch doc.ops and resend.", ref: ref)
        case .tooLarge(let message): return WireError(.tooLarge, message, ref: ref)
        }
    }
}
