import AtriumCore
import AtriumStore

/// Boards and documents: dispatch, loading into memory, the merged flush per tick, following
/// (service thread). Documents are in Hub+Docs.swift, the board in Hub+Board.swift.
extension Hub {
    func collab(_ c: Connection, ref: String?, roomID: RoomID, _ message: CollabMessage) {
        guard let room = joinedRoom(c, ref: ref, roomID), allowed(c, ref: ref, .read, in: room) else { return }
        switch message {
        case .docList: docList(c, ref: ref, room)
        case .docCreate(let title, let id): docCreate(c, ref: ref, room, title: title, id: id)
        case .docOpen(let doc): docOpen(c, ref: ref, room, doc)
        case .docClose(let doc):
            closeDoc(c, room, doc)
            reply(c, ref: ref)
        case .docOp(let doc, let rev, let op, let nonce): docOp(c, ref: ref, room, doc, rev: rev, op: op, nonce: nonce)
        case .docOps(let doc, let after, let limit): docOps(c, ref: ref, room, doc, after: after, limit: limit)
        case .docCursor(let doc, let rev, let anchor, let head): docCursor(c, ref: ref, room, doc, rev: rev, anchor: anchor, head: head)
        case .docRename(let doc, let title): docUpdate(c, ref: ref, room, doc, title: title, locked: nil)
        case .docLock(let doc, let locked): docUpdate(c, ref: ref, room, doc, title: nil, locked: locked)
        case .docHistory(let doc, let before, let limit): collabHistory(c, ref: ref, room, .doc, doc, before: before, limit: limit)
        case .docRevision(let doc, let rev): docRevision(c, ref: ref, room, doc, rev: rev)
        case .docRestore(let doc, let rev): docRestore(c, ref: ref, room, doc, rev: rev)
        case .boardOpen: boardOpen(c, ref: ref, room)
        case .boardOp(let op, let nonce): boardOp(c, ref: ref, room, op, nonce: nonce)
        case .boardLock(let locked): boardLock(c, ref: ref, room, locked: locked)
        case .boardHistory(let before, let limit): collabHistory(c, ref: ref, room, .board, boardObjectID, before: before, limit: limit)
        case .boardRevision(let rev): boardRevision(c, ref: ref, room, rev: rev)
        case .boardRestore(let rev): boardRestore(c, ref: ref, room, rev: rev)
        case .contributions: contributions(c, ref: ref, room)
        case .follow(let view): follow(c, ref: ref, room, view)
        }
    }

    // MARK: - Permission helpers

    /// `edit_boards`, and for a locked object also `facilitate`; answers `forbidden` otherwise.
    func mayChange(_ c: Connection, ref: String?, _ room: RoomState, locked: Bool, what: String) -> Bool {
        guard let user = c.user, allowed(c, ref: ref, .permission(.editBoards), in: room) else { return false }
        if locked && !room.decide(.permission(.facilitate), for: user).isAllowed {
            fail(c, WireError(.forbidden, "\(what) is locked by a teacher: it can be read but not changed.", ref: ref))
            return false
        }
        if case .running = phase { return true }
        fail(c, WireError(.unavailable, "The server is shutting down; send again after reconnecting.", ref: ref))
        return false
    }

    // MARK: - Loading

    /// Runs `body` with the room's list of documents and board, reading it once from storage.
    func withCollab(_ room: RoomState, _ body: @escaping (Hub, RoomCollab?) -> Void) {
        let collab = room.collab
        if collab.objects != nil { body(self, collab); return }
        if collab.objectsWaiting != nil { collab.objectsWaiting!.append(body); return }
        collab.objectsWaiting = [body]
        let roomID = room.record.id
        reader.submit({ store in try store.collabObjects(room: roomID) }) { [inbox] result in
            inbox.post { hub in
                // Only ids cross threads: the room's state is looked up again here.
                guard let collab = hub.rooms[roomID]?.collab else { return }
                let waiting = collab.objectsWaiting ?? []
                collab.objectsWaiting = nil
                if case .success(let list) = result {
                    var objects: [String: CollabObjectRecord] = [:]
                    for o in list { objects[RoomCollab.key(o.kind, o.id)] = o }
                    collab.objects = objects
                }
                for w in waiting { w(hub, collab.objects == nil ? nil : collab) }
            }
        }
    }

    /// Runs `body` with the document in memory (loaded from its newest snapshot and the
    /// operations after it), or answers `not_found` / `unavailable` and does not call it.
    func withDoc(_ c: Connection, ref: String?, _ room: RoomState, _ docID: String, _ body: @escaping (Hub, LiveDoc) -> Void) {
        let cid = c.id
        withCollab(room) { hub, collab in
            guard let collab else {
                if let c = hub.connections[cid] { hub.fail(c, WireError(.unavailable, "Documents cannot be read right now; try again.", ref: ref)) }
                return
            }
            hub.loadDoc(room, collab, docID) { hub, live in
                guard let live else {
                    if let c = hub.connections[cid] { hub.fail(c, WireError(.notFound, "There is no document '\(docID)' in this room.", ref: ref)) }
                    return
                }
                body(hub, live)
            }
        }
    }

    func loadDoc(_ room: RoomState, _ collab: RoomCollab, _ docID: String, _ body: @escaping (Hub, LiveDoc?) -> Void) {
        if let live = collab.docs[docID] {
            live.lastUsed = monotonicSeconds()
            body(self, live)
            return
        }
        guard collab.object(.doc, docID) != nil else { body(self, nil); return }
        if collab.docLoads[docID] != nil { collab.docLoads[docID]!.append(body); return }
        collab.docLoads[docID] = [body]
        let roomID = room.record.id
        let capacity = config.collabHistoryOps
        reader.submit({ store -> LiveDocParts? in
            guard let load = try store.loadCollab(room: roomID, kind: .doc, id: docID) else { return nil }
            return LiveDocParts(record: load.object, model: try CollabReplay.document(load, historyCapacity: capacity))
        }) { [inbox] result in
            inbox.post { hub in
                guard let collab = hub.rooms[roomID]?.collab else { return }
                let waiting = collab.docLoads.removeValue(forKey: docID) ?? []
                if collab.docs[docID] == nil, case .success(let parts?) = result {
                    collab.docs[docID] = LiveDoc(record: parts.record, model: parts.model)
                } else if case .failure(let error) = result {
                    hub.logger.error("document load failed", metadata: ["room": "\(roomID)", "doc": "\(docID)", "error": "\(error.message)"])
                }
                for w in waiting { w(hub, collab.docs[docID]) }
            }
        }
    }

    /// Runs `body` with the room's board in memory (empty at revision 0 if never used).
    func withBoard(_ c: Connection, ref: String?, _ room: RoomState, _ body: @escaping (Hub, LiveBoard) -> Void) {
        let cid = c.id
        let collab = room.collab
        if let live = collab.board {
            live.lastUsed = monotonicSeconds()
            body(self, live)
            return
        }
        if collab.boardLoads != nil {
            collab.boardLoads!.append { hub, live in
                if let live { body(hub, live) } else if let c = hub.connections[cid] { hub.boardUnavailable(c, ref: ref) }
            }
            return
        }
        collab.boardLoads = [{ hub, live in
            if let live { body(hub, live) } else if let c = hub.connections[cid] { hub.boardUnavailable(c, ref: ref) }
        }]
        let roomID = room.record.id
        let capacity = config.collabHistoryOps
        reader.submit({ store -> (CollabObjectRecord?, Board, [String: Int64]) in
            guard let load = try store.loadCollab(room: roomID, kind: .board, id: boardObjectID) else { return (nil, Board(), [:]) }
            let (board, nonces) = try CollabReplay.board(load)
            return (load.object, board, nonces)
        }) { [inbox] result in
            inbox.post { hub in
                guard let collab = hub.rooms[roomID]?.collab else { return }
                let waiting = collab.boardLoads ?? []
                collab.boardLoads = nil
                if collab.board == nil, case .success(let (record, board, nonces)) = result {
                    let live = LiveBoard(record: record ?? collab.boardRecord(nowMillis: wallMillis()), board: board, nonceCapacity: capacity)
                    for (nonce, rev) in nonces.sorted(by: { $0.value < $1.value }) { live.remember(nonce: nonce, rev: rev) }
                    collab.board = live
                } else if case .failure(let error) = result {
                    hub.logger.error("board load failed", metadata: ["room": "\(roomID)", "error": "\(error.message)"])
                }
                for w in waiting { w(hub, collab.board) }
            }
        }
    }

    private func boardUnavailable(_ c: Connection, ref: String?) {
        fail(c, WireError(.unavailable, "The board cannot be read right now; try again.", ref: ref))
    }

    // MARK: - Sending, merged per tick

    /// Queues a frame for a connection without waking its writer: `flushCollab` does, once per
    /// `collab.flush_ms`, so the operations of a busy document reach each reader as one frame.
    func sendDeferred(_ c: Connection, _ bytes: [UInt8]) {
        send(c, bytes, deferred: true)
    }

    /// Called by the tick: cursors first become frames, then every connection with deferred
    /// frames is asked to write.
    func flushCollab() {
        for cid in cursorDirtyRooms {
            guard let room = rooms[cid.room], let live = room.collab.docs[cid.doc] else { continue }
            flushCursors(room, live)
        }
        cursorDirtyRooms.removeAll()
        for cid in collabDirty {
            if let c = connections[cid] { requestWrite(c) }
        }
        collabDirty.removeAll()
    }

    /// Once a minute: idle documents and boards leave memory (`RoomCollab.evictIdle`).
    func evictIdleCollab(now: Double) {
        guard now - lastCollabEviction >= 60 else { return }
        lastCollabEviction = now
        for room in rooms.values where !room.collab.docs.isEmpty || room.collab.board != nil {
            room.collab.evictIdle(now: now, idleSeconds: 600)
        }
    }

    // MARK: - Leaving

    /// A connection left the room or closed: its open documents lose it (and its cursor).
    func forgetCollab(_ c: Connection, roomID: RoomID) {
        guard let room = rooms[roomID] else { return }
        for live in room.collab.docs.values where live.readers[c.id] != nil {
            dropReader(c.id, user: c.user?.id ?? 0, room, live)
        }
    }

    // MARK: - Following

    private func follow(_ c: Connection, ref: String?, _ room: RoomState, _ view: FollowView?) {
        guard let user = c.user, allowed(c, ref: ref, .permission(.facilitate), in: room) else { return }
        room.collab.follow = view.map { (user, $0) }
        for cid in room.members {
            guard let other = connections[cid], let viewer = other.user else { continue }
            send(other, followFrame(room, for: viewer, leader: user, view: view))
        }
        reply(c, ref: ref)
    }

    func followFrame(_ room: RoomState, for viewer: UserProfile, leader: UserProfile, view: FollowView?) -> [UInt8] {
        JSON.object([("type", "follow"), ("room", .string(room.record.id)), ("user", .int(leader.id)),
                     ("name", .string(name(leader.name, of: leader.id, for: viewer))), ("view", view?.json ?? .null)]).encoded()
    }

    func followJSON(_ room: RoomState, for viewer: UserProfile) -> JSON {
        guard let f = room.collab.follow else { return .null }
        return .object([("user", .int(f.user.id)), ("name", .string(name(f.user.name, of: f.user.id, for: viewer))), ("view", f.view.json)])
    }
}

/// A loaded document, made on a store worker and handed to the service thread.
struct LiveDocParts: Sendable {
    var record: CollabObjectRecord
    var model: CollabDocument
}

/// A (room, document) pair whose cursors changed since the last flush.
struct DocKey: Hashable {
    var room: RoomID
    var doc: String
}
