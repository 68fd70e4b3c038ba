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
            runJob(c, ref: ref, on: reader, write: false, { store -> [JSON] in
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
                return list
            }, then: { _, list in [("users", .array(list))] })
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
            runJob(c, ref: ref, on: authWorker, write: true, { store -> (UserProfile, String) in
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
                return (user, password)
            }, then: { hub, added in
                hub.userRoles[added.0.id] = added.0.role
                return [("user", added.0.json), ("password", .string(added.1))]
            })
        case .linkParent(let parent, let child):
            runJob(c, ref: ref, on: authWorker, write: true, { store in
                try store.linkParent(parentID: parent, childID: child, nowMillis: wallMillis(), actor: me.id)
            }, then: { hub, _ in
                hub.parentsOf[child, default: []].insert(parent)
                hub.invalidateCircles()
                return []
            })
        case .setMinor(let user, let minor):
            runJob(c, ref: ref, on: authWorker, write: true, { store in
                try store.setMinor(userID: user, minor: minor, nowMillis: wallMillis(), actor: me.id)
            }, then: { _, _ in [] })
        case .revokeSessions(let user):
            runJob(c, ref: ref, on: authWorker, write: true, { store -> Int in
                let n = try store.revokeSessions(userID: user, nowMillis: wallMillis())
                try store.appendAudit(actor: me.id, action: AuditAction.sessionsRevoked, room: nil, subject: user,
                                      detail: [("sessions", .int(Int64(n)))], nowMillis: wallMillis())
                return n
            }, then: { hub, n in
                hub.sessionCache = hub.sessionCache.filter { $0.value.user.id != user }
                for other in hub.connections.values where other.user?.id == user {
                    hub.fail(other, WireError(.unauthenticated, "Your sessions were signed out by an administrator."))
                    hub.close(other, .unauthenticated)
                }
                return [("sessions", .int(Int64(n)))]
            })
        case .addRoom(let record):
            runJob(c, ref: ref, on: authWorker, write: true, { store in
                try store.addRoom(record, nowMillis: wallMillis())
                try store.appendAudit(actor: me.id, action: "room.add", room: record.id, subject: nil,
                                      detail: [("kind", .string(record.kind.rawValue))], nowMillis: wallMillis())
            }, then: { hub, _ in
                if hub.rooms[record.id] == nil {
                    hub.rooms[record.id] = RoomState(record: record, lastSeq: 0, graceSeconds: hub.config.presenceGraceSeconds)
                }
                return [("room", record.json(role: nil))]
            })
        case .setMember(let room, let user, let role):
            runJob(c, ref: ref, on: authWorker, write: true, { store in
                try store.setMember(room: room, userID: user, role: role, nowMillis: wallMillis(), actor: me.id)
                return try store.members(room: room)
            }, then: { hub, listed in
                hub.applyListedRoles(room, listed)
                return [("members", .object(JSONObject(listed.sorted { $0.key < $1.key }.map { (String($0.key), .string($0.value.rawValue)) })))]
            })
        }
    }
}
