import AtriumCore
import AtriumStore

/// School administration over the socket, for the admin page (organisation admins only; the
/// same operations as the CLI, and like it recorded in the oversight log with the admin as
/// actor). Changes reach open connections at once. Service thread; storage on the workers.
extension Hub {
    func administer(_ c: Connection, ref: String?, _ message: AdminMessage) {
        guard let me = c.user else { return }
        guard me.role == .admin else {
            fail(c, WireError(.forbidden, "Only the school's administrators may do this.", ref: ref))
            return
        }
        switch message {
        case .users:
            adminJob(c, ref: ref, on: reader, { store -> [(String, JSON)] in
                let users = try store.users()
                var list: [JSON] = []
                for u in users {
                    list.append(.object([
                        ("id", .int(u.profile.id)), ("login", .string(u.profile.login)), ("name", .string(u.profile.name)),
                        ("role", .string(u.profile.role.rawValue)), ("group", u.group.map { .string($0) } ?? .null),
                        ("minor", .bool(try store.isMinor(userID: u.profile.id))),
                        ("children", .array(try store.children(of: u.profile.id).map { .int($0) })),
                    ]))
                }
                return [("users", .array(list))]
            })
        case .rooms:
            let list = rooms.values.sorted { ($0.record.zone.rawValue, $0.record.name) < ($1.record.zone.rawValue, $1.record.name) }
                .map { room -> JSON in
                    guard case .object(var o) = room.record.json(role: room.role(of: me)) else { return .null }
                    o["listed"] = .int(Int64(room.listed.count))
                    return .object(o)
                }
            reply(c, ref: ref, [("rooms", .array(list))])
        case .addUser(let login, let name, let role, let group):
            let logN = config.scryptLogN
            // scrypt is slow on purpose: the auth worker hashes, never the service thread.
            adminJob(c, ref: ref, on: authWorker, { store -> [(String, JSON)] in
                let password = Passwords.generateOneTime()
                let user = try store.transaction { () throws -> UserProfile in
                    let u = try store.addUser(login: login, name: name, role: role, group: group,
                                              passwordHash: Passwords.hash(password, logN: logN), mustChangePassword: true,
                                              nowMillis: wallMillis())
                    try store.appendAudit(actor: me.id, action: "user.add", room: nil, subject: u.id,
                                          detail: [("role", .string(role.rawValue))], nowMillis: wallMillis())
                    try store.recordChange(kind: ChangeKind.user, subject: String(u.id), nowMillis: wallMillis())
                    return u
                }
                return [("user", user.json), ("password", .string(password))]
            }, then: { hub, _ in hub.lastChangePoll = 0 })
        case .linkParent(let parent, let child):
            adminJob(c, ref: ref, on: authWorker, { store in
                try store.linkParent(parentID: parent, childID: child, nowMillis: wallMillis(), actor: me.id)
                try store.recordChange(kind: ChangeKind.user, subject: String(parent), nowMillis: wallMillis())
                return []
            }, then: { hub, _ in hub.lastChangePoll = 0 })
        case .setMinor(let user, let minor):
            adminJob(c, ref: ref, on: authWorker, { store in
                try store.setMinor(userID: user, minor: minor, nowMillis: wallMillis(), actor: me.id)
                return []
            })
        case .revokeSessions(let user):
            adminJob(c, ref: ref, on: authWorker, { store in
                let n = try store.revokeSessions(userID: user, nowMillis: wallMillis())
                try store.appendAudit(actor: me.id, action: AuditAction.sessionsRevoked, room: nil, subject: user,
                                      detail: [("sessions", .int(Int64(n)))], nowMillis: wallMillis())
                return [("sessions", .int(Int64(n)))]
            }, then: { hub, _ in
                hub.sessionCache = hub.sessionCache.filter { $0.value.user.id != user }
                for other in hub.connections.values where other.user?.id == user {
                    hub.fail(other, WireError(.unauthenticated, "Your sessions were signed out by an administrator."))
                    hub.close(other, .unauthenticated)
                }
            })
        case .addRoom(let record):
            adminJob(c, ref: ref, on: authWorker, { store in
                try store.addRoom(record, nowMillis: wallMillis())
                try store.appendAudit(actor: me.id, action: "room.add", room: record.id, subject: nil,
                                      detail: [("kind", .string(record.kind.rawValue))], nowMillis: wallMillis())
                return [("room", record.json(role: nil))]
            }, then: { hub, _ in
                if hub.rooms[record.id] == nil {
                    hub.rooms[record.id] = RoomState(record: record, lastSeq: 0, graceSeconds: hub.config.presenceGraceSeconds)
                }
            })
        case .setMember(let room, let user, let role):
            adminJob(c, ref: ref, on: authWorker, { store in
                try store.setMember(room: room, userID: user, role: role, nowMillis: wallMillis(), actor: me.id)
                let listed = try store.members(room: room)
                return [("members", .object(JSONObject(listed.sorted { $0.key < $1.key }.map { (String($0.key), .string($0.value.rawValue)) })))]
            }, then: { hub, fields in
                guard case .object(let o)? = fields.first?.1 else { return }
                var listed: [UserID: RoomRole] = [:]
                for f in o.fields { if let id = Int64(f.key), let r = f.value.stringValue.flatMap(RoomRole.init(rawValue:)) { listed[id] = r } }
                hub.applyListedRoles(room, listed)
            })
        }
    }

    /// Runs an administration job on a store worker, then applies `then` and answers with the
    /// job's fields. The continuation waits here under an id (it is not Sendable).
    private func adminJob(_ c: Connection, ref: String?, on worker: StoreWorker,
                          _ work: @escaping @Sendable (StoreConnection) throws -> [(String, JSON)],
                          then: @escaping (Hub, [(String, JSON)]) -> Void = { _, _ in }) {
        let cid = c.id
        let id = nextWorkID()
        pendingWork[id] = { hub, result in
            guard let result = result as? Result<[(String, JSON)], StoreError> else { return }
            switch result {
            case .success(let fields):
                then(hub, fields)
                if let c = hub.connections[cid] { hub.reply(c, ref: ref, fields) }
            case .failure(let error):
                if let c = hub.connections[cid] { hub.fail(c, WireError(error.code, error.message, ref: ref)) }
            }
        }
        worker.submit(work) { [inbox] result in
            inbox.post { hub in hub.pendingWork.removeValue(forKey: id)?(hub, result) }
        }
    }
}
