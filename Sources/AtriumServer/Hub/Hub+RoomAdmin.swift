import AtriumCore
import AtriumStore

/// Room administration (service thread): an owner's settings, and an administrator's
/// accountable access to a room they are not listed in.
extension Hub {
    /// `room.settings` (change_settings): name and join rule. Everyone whose access changes is
    /// told at once; whoever can no longer read the room is taken out of it.
    func roomSettings(_ c: Connection, ref: String?, roomID: RoomID, name: String?, joinRule: JoinRule?, premoderated: Bool?,
                      history: HistoryVisibility?) {
        guard let me = c.user, let room = existingRoom(c, ref: ref, roomID) else { return }
        guard allowed(c, ref: ref, .permission(.changeSettings), in: room) else { return }
        let cid = c.id
        commits.submit({ store in
            try store.updateRoom(id: roomID, name: name, joinRule: joinRule, premoderated: premoderated, history: history,
                                 by: me.id, nowMillis: wallMillis())
        }) { [inbox] result in
            inbox.post { hub in
                switch result {
                case .success(let stored):
                    hub.applyRecord(stored.record)
                    if let c = hub.connections[cid], let room = hub.rooms[roomID] {
                        hub.reply(c, ref: ref, [("room", hub.roomJSON(room, for: me)), ("permissions", hub.permissionsJSON(room))])
                    }
                case .failure(let error):
                    if let c = hub.connections[cid] { hub.fail(c, WireError(error.code, error.message, ref: ref)) }
                }
            }
        }
    }

    /// The room's permission table as its owner sees it: role → permissions.
    func permissionsJSON(_ room: RoomState) -> JSON {
        .object(JSONObject(RoomRole.allCases.map { role in
            (role.rawValue, JSON.array(room.table.permissions(of: role).map { .string($0.rawValue) }))
        }))
    }

    /// `room.permissions` (change_settings): what a role may do in this room. Everyone in the
    /// room is re-evaluated at once, as for any settings change.
    func roomPermissions(_ c: Connection, ref: String?, roomID: RoomID, role: RoomRole, permissions: [RoomPermission]?) {
        guard let me = c.user, let room = existingRoom(c, ref: ref, roomID) else { return }
        guard allowed(c, ref: ref, .permission(.changeSettings), in: room) else { return }
        let cid = c.id
        commits.submit({ store in
            try store.setRolePermissions(room: roomID, role: role, permissions: permissions.map(Set.init), by: me.id, nowMillis: wallMillis())
        }) { [inbox] result in
            inbox.post { hub in
                switch result {
                case .success(let overrides):
                    guard let room = hub.rooms[roomID] else { return }
                    room.applyOverrides(overrides)
                    hub.applyRecord(room.record)
                    if let c = hub.connections[cid] {
                        hub.reply(c, ref: ref, [("role", .string(role.rawValue)),
                                                ("permissions", .array(room.table.permissions(of: role).map { .string($0.rawValue) }))])
                    }
                case .failure(let error):
                    if let c = hub.connections[cid] { hub.fail(c, WireError(error.code, error.message, ref: ref)) }
                }
            }
        }
    }

    /// A changed room record (settings, or the CLI): re-evaluates every signed-in person.
    func applyRecord(_ record: RoomRecord) {
        guard let room = rooms[record.id] else { return }
        var before: [UserID: RoomRole?] = [:]
        for c in connections.values { if let u = c.user, before[u.id] == nil { before[u.id] = room.role(of: u) } }
        room.record = record
        for c in connections.values {
            guard let user = c.user else { continue }
            let role = room.role(of: user)
            let lost = !room.decide(.read, for: user).isAllowed
            if lost && c.rooms.contains(record.id) { removeFromRoom(c, room) }
            guard before[user.id] != role || c.rooms.contains(record.id) else { continue }
            send(c, accessFrame(room, for: user, reason: lost ? .lost(record.name) : .settingsChanged(record.name)))
        }
        recheckCall(room)
    }

    /// `room.members` (anyone who can read the room): everyone listed in it with their room
    /// role, and administrators inspecting it — so no one reads a listed room invisibly. In an
    /// open or public room every member of the school may also read it (`open_to`).
    func roomMembers(_ c: Connection, ref: String?, roomID: RoomID) {
        guard let me = c.user, let room = existingRoom(c, ref: ref, roomID) else { return }
        guard allowed(c, ref: ref, .read, in: room) else { return }
        let ids = Set(room.listed.keys).union(room.inspectors)
        let cid = c.id
        reader.submit({ store in try ids.compactMap { try store.user(id: $0)?.profile } }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid], let room = hub.rooms[roomID] else { return }
                switch result {
                case .success(let people):
                    let list = people.sorted { $0.name < $1.name }.map { p -> JSON in
                        .object([("user", .int(p.id)), ("name", .string(hub.name(p.name, of: p.id, for: me))),
                                 ("role", .string(p.role.rawValue)),
                                 ("room_role", .string((room.listed[p.id] ?? .observer).rawValue)),
                                 ("inspecting", .bool(room.listed[p.id] == nil))])
                    }
                    let openTo: JSON = room.record.joinRule == .open ? "school" : room.record.joinRule == .public ? "everyone" : .null
                    hub.reply(c, ref: ref, [("members", .array(list)), ("open_to", openTo)])
                case .failure(let error):
                    hub.fail(c, WireError(error.code, error.message, ref: ref))
                }
            }
        }
    }

    /// `room.inspect`: an administrator reads a room they are not listed in, as an observer,
    /// after giving a written reason. They appear in the room's presence like anyone reading
    /// it (no one reads a room invisibly), and the access is in the oversight log.
    func roomInspect(_ c: Connection, ref: String?, roomID: RoomID, reason: String) {
        guard let me = c.user, let room = existingRoom(c, ref: ref, roomID) else { return }
        guard me.role == .admin else {
            fail(c, WireError(.forbidden, "Only the school's administrators may inspect a room.", ref: ref))
            return
        }
        if room.decide(.read, for: me).isAllowed && !room.inspectors.contains(me.id) {
            fail(c, WireError(.conflict, "You can already read “\(room.record.name)”.", ref: ref))
            return
        }
        let cid = c.id
        commits.submit({ store in
            try store.appendAudit(actor: me.id, action: "admin.inspect", room: roomID, subject: nil,
                                  detail: [("reason", .string(reason))], nowMillis: wallMillis())
        }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid] else { return }
                switch result {
                case .success:
                    hub.rooms[roomID]?.inspectors.insert(me.id)
                    hub.reply(c, ref: ref, [("role", "observer")])
                case .failure(let error):
                    hub.fail(c, WireError(error.code, error.message, ref: ref))
                }
            }
        }
    }
}
