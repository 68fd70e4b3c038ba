import AtriumCore
import AtriumStore

/// The room's board (docs/collab.md "Boards"): the hub applies each operation to the board
/// in memory in arrival order — each sets one field, so the last write wins per field — and
/// refuses what does not fit; then it commits the operation as a room event and tells
/// everyone (service thread).
extension Hub {
    func boardOpen(_ c: Connection, ref: String?, _ room: RoomState) {
        let cid = c.id
        withBoard(c, ref: ref, room) { hub, live in
            guard let c = hub.connections[cid] else { return }
            hub.reply(c, ref: ref, [("board", hub.boardJSON(live.board, rev: live.record.rev, locked: live.record.locked))])
        }
    }

    func boardJSON(_ board: Board, rev: Int64, locked: Bool) -> JSON {
        guard case .object(var o) = board.json else { return .null }
        o["rev"] = .int(rev)
        o["locked"] = .bool(locked)
        return .object(o)
    }

    func boardOp(_ c: Connection, ref: String?, _ room: RoomState, _ op: BoardOp, nonce: String) {
        let cid = c.id
        withBoard(c, ref: ref, room) { hub, live in
            guard let c = hub.connections[cid], let user = c.user,
                  hub.mayChange(c, ref: ref, room, locked: live.record.locked, what: "This board") else { return }
            let key = LiveBoard.nonceKey(actor: user.id, nonce: nonce)
            if let rev = live.recentNonces[key] {
                hub.reply(c, ref: ref, [("rev", .int(rev)), ("duplicate", .bool(true))])
                return
            }
            let now = wallMillis()
            let before = live.board
            do throws(BoardError) {
                try live.board.apply(op, actor: user.id, atMillis: now)
            } catch {
                hub.fail(c, WireError(error.wireCode, error.message, ref: ref))
                return
            }
            let rev = live.record.rev + 1
            live.record.rev = rev
            live.remember(nonce: key, rev: rev)
            let payload = CollabEvents.boardOp(rev: rev, op: op, nonce: nonce)
            let write = CollabOpWrite(kind: .board, object: boardObjectID, rev: rev, eventKind: "board.op", payload: payload, nonce: nonce,
                                      summary: CollabEvents.boardSummary(op, before: before, after: live.board),
                                      snapshot: rev % Int64(hub.config.collabSnapshotEvery) == 0 ? Optional(live.board.json) : Optional.none,
                                      contributions: CollabEvents.boardContributions(op, before: before, after: live.board))
            hub.commitBoard(c, ref: ref, room, live, user: user, write: write, nowMillis: now)
        }
    }

    /// Commits a board change already applied in memory (at `nowMillis`, the time the event
    /// carries, so every replica stamps comments alike); on failure the board is dropped from
    /// memory and read again on next use.
    private func commitBoard(_ c: Connection, ref: String?, _ room: RoomState, _ live: LiveBoard, user: UserProfile,
                             write: CollabOpWrite, nowMillis: Int64) {
        let roomID = room.record.id
        let cid = c.id
        let liveID = ObjectIdentifier(live)
        room.collab.set(live.record)
        live.uncommitted += 1
        live.lastUsed = monotonicSeconds()
        inFlightWrites += 1
        commits.submit({ store in
            try store.appendCollabOp(room: roomID, actor: user.id, write, nowMillis: nowMillis)
        }) { [inbox] result in
            inbox.post { hub in
                hub.inFlightWrites -= 1
                let current = hub.rooms[roomID]?.collab.board
                if let current, ObjectIdentifier(current) == liveID { current.uncommitted -= 1 }
                switch result {
                case .success(let event):
                    hub.publish(event, deferred: true)
                    if let c = hub.connections[cid] { hub.reply(c, ref: ref, [("rev", .int(write.rev)), ("seq", .int(event.seq))]) }
                case .failure(let error):
                    hub.logger.error("board operation not stored", metadata: ["room": "\(roomID)", "error": "\(error.message)"])
                    if let room = hub.rooms[roomID], let current, ObjectIdentifier(current) == liveID {
                        room.collab.board = nil
                        room.collab.objects = nil  // the stored revision is read again too
                    }
                    if let c = hub.connections[cid] { hub.fail(c, WireError(error.code, error.message, ref: ref)) }
                }
            }
        }
    }

    func boardLock(_ c: Connection, ref: String?, _ room: RoomState, locked: Bool) {
        let cid = c.id
        let roomID = room.record.id
        guard allowed(c, ref: ref, .permission(.facilitate), in: room) else { return }
        withBoard(c, ref: ref, room) { hub, live in
            guard let c = hub.connections[cid], let user = c.user else { return }
            hub.runJob(c, ref: ref, on: hub.commits, write: true, { store in
                try store.updateCollab(room: roomID, kind: .board, id: boardObjectID, locked: locked, actor: user.id, nowMillis: wallMillis())
            }, then: { hub, event in
                live.record.locked = locked
                room.collab.set(live.record)
                hub.publish(event)
                return [("seq", .int(event.seq))]
            })
        }
    }

    func boardRevision(_ c: Connection, ref: String?, _ room: RoomState, rev: Int64) {
        let roomID = room.record.id
        withBoard(c, ref: ref, room) { hub, live in
            guard let c = hub.connections[c.id] else { return }
            guard rev <= live.record.rev else {
                hub.fail(c, WireError(.notFound, "The board has no revision \(rev) yet (latest: \(live.record.rev)).", ref: ref))
                return
            }
            hub.runJob(c, ref: ref, on: hub.reader, write: false, { store -> Board in
                guard let load = try store.loadCollab(room: roomID, kind: .board, id: boardObjectID, upTo: rev) else { return Board() }
                return try CollabReplay.board(load).0
            }, then: { hub, board in
                [("board", hub.boardJSON(board, rev: rev, locked: false))]
            })
        }
    }

    func boardRestore(_ c: Connection, ref: String?, _ room: RoomState, rev: Int64) {
        let roomID = room.record.id
        let cid = c.id
        withBoard(c, ref: ref, room) { hub, live in
            guard let c = hub.connections[cid], hub.mayChange(c, ref: ref, room, locked: live.record.locked, what: "This board") else { return }
            guard rev <= live.record.rev else {
                hub.fail(c, WireError(.notFound, "The board has no revision \(rev) yet (latest: \(live.record.rev)).", ref: ref))
                return
            }
            hub.runJob(c, ref: ref, on: hub.reader, write: false, answers: false, { store -> Board in
                guard let load = try store.loadCollab(room: roomID, kind: .board, id: boardObjectID, upTo: rev) else { return Board() }
                return try CollabReplay.board(load).0
            }, then: { hub, old in
                guard let c = hub.connections[cid], let user = c.user, let live = room.collab.board else { return [] }
                let newRev = live.record.rev + 1
                live.board = old
                live.record.rev = newRev
                let write = CollabOpWrite(kind: .board, object: boardObjectID, rev: newRev, eventKind: "board.restored",
                                          payload: [("rev", .int(newRev)), ("from", .int(rev)), ("board", old.json)], nonce: nil,
                                          summary: [("op", "board.restore"), ("from", .int(rev))], snapshot: old.json, contributions: [])
                hub.commitBoard(c, ref: ref, room, live, user: user, write: write, nowMillis: wallMillis())
                return []
            })
        }
    }
}
