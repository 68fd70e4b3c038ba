import AtriumCore
import AtriumStore

/// What the hub keeps in memory for one room (service thread only).
final class RoomState {
    var record: RoomRecord
    /// The newest committed seq the hub has seen (events up to it are in storage).
    var lastSeq: Int64
    /// People listed in the room with their role (owner, moderator, member, observer, guest);
    /// everyone else gets the role the join rule gives (Policy.effectiveRole).
    var listed: [UserID: RoomRole] = [:]
    /// The two people of a direct conversation (empty for other kinds): each sees the other's
    /// name as the room's name.
    var directPeople: [UserProfile] = []
    /// What each role may do here: the kind's defaults with the owner's overrides.
    var table: PermissionTable
    /// Administrators reading this room after giving a reason (room.inspect): observers.
    var inspectors: Set<UserID> = []
    /// Active mutes and bans (moderation).
    var restrictions = RoomRestrictions()
    /// Connections that joined this room.
    var members: Set<ConnectionID> = []
    var presence: RoomPresence
    /// The room's board and documents (loaded on first use).
    let collab = RoomCollab()
    /// The room's call (in memory only; see Calls/).
    var call = CallState()
    /// The newest events, encoded, for cheap joins and short resumes without a storage read.
    private(set) var recent: [(event: RoomEvent, frame: [UInt8])] = []
    static let recentCapacity = 64

    init(record: RoomRecord, lastSeq: Int64, graceSeconds: Double, listed: [UserID: RoomRole] = [:]) {
        self.record = record
        self.listed = listed
        self.table = PermissionTable.defaults(for: record.kind)
        self.lastSeq = lastSeq
        self.presence = RoomPresence(graceSeconds: graceSeconds)
    }

    /// What `user` may do here: the one policy, with this room's listed role.
    func decide(_ action: RoomAction, for user: UserProfile) -> Decision {
        let now = wallMillis()
        return Policy.decide(action, user: user, room: record, roomRole: listedRole(of: user), table: table,
                             muted: restrictions.isMuted(user.id, nowMillis: now),
                             banned: restrictions.isBanned(user.id, nowMillis: now))
    }

    func role(of user: UserProfile) -> RoomRole? {
        Policy.effectiveRole(user: user, room: record, listedRole: listedRole(of: user))
    }

    /// What `user` may do here now (a mute removes writing, a ban everything).
    func permissions(of user: UserProfile) -> [RoomPermission] {
        let now = wallMillis()
        if restrictions.isBanned(user.id, nowMillis: now) { return [] }
        var all = Policy.permissions(user: user, room: record, roomRole: listedRole(of: user), table: table)
        if restrictions.isMuted(user.id, nowMillis: now) { all.removeAll { $0 == .post || $0 == .editOwn } }
        return all
    }

    /// Applies the owner's overrides on top of the kind's defaults.
    func applyOverrides(_ overrides: [RoomRole: Set<RoomPermission>]) {
        var t = PermissionTable.defaults(for: record.kind)
        for (role, set) in overrides where role != .owner { t.grants[role] = set }
        table = t
    }

    /// The listed role, or observer for an inspecting administrator who is not listed.
    private func listedRole(of user: UserProfile) -> RoomRole? {
        listed[user.id] ?? (inspectors.contains(user.id) ? .observer : nil)
    }

    /// The room object of the wire protocol as `user` sees it: their role, and for a direct
    /// conversation the other person as `peer` (and as the name).
    /// `peerName`: the peer's name as this user may see it (the personal-data rule).
    func json(for user: UserProfile, peerName: (UserProfile) -> String = { $0.name }) -> JSON {
        guard case .object(var o) = record.json(role: role(of: user)) else { return .null }
        if record.kind == .direct, let peer = directPeople.first(where: { $0.id != user.id }) {
            let shown = peerName(peer)
            o["name"] = .string(shown)
            o["peer"] = .object([("id", .int(peer.id)), ("name", .string(shown)), ("role", .string(peer.role.rawValue))])
        }
        return .object(o)
    }

    func remember(_ event: RoomEvent, frame: [UInt8]) {
        // Only contiguous runs are useful for replay; a gap (e.g. after a restart) starts anew.
        if let last = recent.last, last.event.seq + 1 != event.seq { recent.removeAll() }
        recent.append((event, frame))
        if recent.count > Self.recentCapacity { recent.removeFirst(recent.count - Self.recentCapacity) }
    }

    /// Events (with their full encoding) for seq in (after, upTo] if the cache holds all of them.
    func cachedEvents(after: Int64, upTo: Int64) -> [(event: RoomEvent, frame: [UInt8])]? {
        if upTo <= after { return [] }
        guard let first = recent.first, first.event.seq <= after + 1, let last = recent.last, last.event.seq >= upTo else {
            return nil
        }
        let start = Int(after + 1 - first.event.seq)
        let end = Int(upTo - first.event.seq)
        return Array(recent[start...end])
    }

    /// An event was edited or deleted in storage: cached frames may show the old text.
    func invalidateRecent() {
        recent.removeAll()
    }
}
