import AtriumCore
import AtriumStore

/// The timeline of a document or the board, and the per-person contribution summary
/// (service thread; the reading runs on a store worker).
extension Hub {
    func collabHistory(_ c: Connection, ref: String?, _ room: RoomState, _ kind: CollabKind, _ id: String, before: Int64?, limit: Int) {
        let roomID = room.record.id
        let cid = c.id
        let read = { (hub: Hub) in
            guard let c = hub.connections[cid], let viewer = c.user else { return }
            hub.runJob(c, ref: ref, on: hub.reader, write: false, { store in
                try store.collabHistory(room: roomID, kind: kind, id: id, before: before, limit: limit)
            }, then: { hub, ops in
                [("revisions", .array(ops.map { o in
                    var line: JSONObject = [("rev", .int(o.rev)), ("at", .string(Timestamp.iso8601(millis: o.atMillis))),
                                            ("actor", .int(o.actor)), ("name", .string(hub.name(o.actorName, of: o.actor, for: viewer)))]
                    for (k, v) in o.summary.fields { line[k] = v }
                    return .object(line)
                }))]
            })
        }
        if kind == .doc {
            withDoc(c, ref: ref, room, id) { hub, _ in read(hub) }
        } else {
            read(self)
        }
    }

    /// Counters from storage, plus the characters of each person still in the documents
    /// (from the authorship of every document, loaded into memory for it).
    func contributions(_ c: Connection, ref: String?, _ room: RoomState) {
        let cid = c.id
        let roomID = room.record.id
        withCollab(room) { hub, collab in
            guard let c = hub.connections[cid] else { return }
            guard let collab, let objects = collab.objects else {
                hub.fail(c, WireError(.unavailable, "Contributions cannot be read right now; try again.", ref: ref))
                return
            }
            let docIDs = objects.values.filter { $0.kind == .doc }.map(\.id)
            hub.loadDocs(room, collab, docIDs) { hub in
                var kept: [UserID: Int64] = [:]
                for id in docIDs {
                    guard let live = collab.docs[id] else { continue }
                    for (user, count) in live.model.authors.charsByAuthor() { kept[user, default: 0] += Int64(count) }
                }
                guard let c = hub.connections[cid], let viewer = c.user else { return }
                let everyone = room.decide(.permission(.facilitate), for: viewer).isAllowed
                let keptUsers = Array(kept.keys)
                hub.runJob(c, ref: ref, on: hub.reader, write: false, { store in
                    (try store.collabContributions(room: roomID), try store.userNames(keptUsers))
                }, then: { hub, stored in
                    let (counters, names) = stored
                    var rows: [UserID: (String, [String: Int64])] = [:]
                    for row in counters { rows[row.user] = (row.name, row.metrics) }
                    for (user, chars) in kept {
                        if rows[user] == nil { rows[user] = (names[user] ?? "", [:]) }
                        rows[user]!.1["chars_kept"] = chars
                    }
                    let shown = rows.keys.sorted().filter { everyone || $0 == viewer.id }
                    let metrics = ["chars_inserted", "chars_deleted", "chars_kept", "cards_created", "cards_moved", "card_fields_set",
                                   "comments", "checklist_done", "columns_changed"]
                    return [("people", .array(shown.map { user in
                        let (full, counts) = rows[user]!
                        var o: JSONObject = [("user", .int(user)), ("name", .string(hub.name(full, of: user, for: viewer)))]
                        for m in metrics { o[m] = .int(counts[m] ?? 0) }
                        return .object(o)
                    }))]
                })
            }
        }
    }

    /// Loads every listed document into memory, then calls `done` once.
    private func loadDocs(_ room: RoomState, _ collab: RoomCollab, _ ids: [String], _ done: @escaping (Hub) -> Void) {
        var remaining = ids.count
        if remaining == 0 { done(self); return }
        for id in ids {
            loadDoc(room, collab, id) { hub, _ in
                remaining -= 1
                if remaining == 0 { done(hub) }
            }
        }
    }
}
