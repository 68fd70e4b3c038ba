// Presence of one room as a pure state machine: the hub feeds it connection joins, leaves and
// drops, and calls `tick` (about every 100 ms, only while `needsTick`) to get one merged diff.
//
// Why this shape:
// - Flicker-free: diffs compare "present now" with "what we last announced", so anything that
//   happens and undoes itself between two ticks (leave and come back, a reconnect) is never
//   sent. A reconnect wave becomes one presence frame per room per tick, not one per socket.
// - Grace: a dropped connection (network loss, laptop lid) keeps its person present for
//   `graceSeconds`, so a reconnect within grace is invisible. An explicit leave is honest at
//   once. Grace only protects someone already announced: a person nobody has seen yet has
//   nothing to flicker, so they simply vanish.
// - One entry per person, however many tabs: the person leaves with their last connection.
// Time is a plain `Double` of seconds from any monotonic clock the caller chooses.

public struct RoomPresence: Sendable {
    private struct Person: Sendable {
        var entry: PresenceEntry
        var connections: [UInt64]
    }

    public let graceSeconds: Double
    /// Present persons (with a connection or within grace), keyed by user.
    private var persons: [UserID: Person] = [:]
    /// Users in order of first arrival (since they were last absent).
    private var order: [UserID] = []
    /// Which person each connection belongs to.
    private var connectionOwner: [UInt64: UserID] = [:]
    /// Persons without connections that stay present until the deadline.
    private var graceDeadlines: [UserID: Double] = [:]
    /// What the last tick announced, in announcement order.
    private var announcedOrder: [UserID] = []
    private var announcedEntries: [UserID: PresenceEntry] = [:]
    /// Something changed since the last tick.
    private var dirty = false

    public init(graceSeconds: Double) {
        self.graceSeconds = max(0, graceSeconds)
    }

    /// A connection joined the room. A connection id already known is moved to `entry.user`.
    public mutating func add(conn: UInt64, entry: PresenceEntry, now: Double) {
        if let owner = connectionOwner[conn] {
            if owner == entry.user {
                persons[owner]?.entry = entry
                dirty = true
                return
            }
            remove(conn: conn, now: now, dropped: false)
        }
        connectionOwner[conn] = entry.user
        if var person = persons[entry.user] {
            person.entry = entry  // a renamed person is re-announced at the next tick
            person.connections.append(conn)
            persons[entry.user] = person
            graceDeadlines[entry.user] = nil
        } else {
            persons[entry.user] = Person(entry: entry, connections: [conn])
            order.append(entry.user)
        }
        dirty = true
    }

    /// A connection left (`dropped == false`) or was lost (`dropped == true`). Unknown ids are ignored.
    public mutating func remove(conn: UInt64, now: Double, dropped: Bool) {
        guard let user = connectionOwner.removeValue(forKey: conn), var person = persons[user] else { return }
        person.connections.removeAll { $0 == conn }
        dirty = true
        if !person.connections.isEmpty {
            persons[user] = person
        } else if dropped && graceSeconds > 0 && announcedEntries[user] != nil {
            persons[user] = person
            graceDeadlines[user] = now + graceSeconds
        } else {
            removePerson(user)
        }
    }

    private mutating func removePerson(_ user: UserID) {
        persons[user] = nil
        graceDeadlines[user] = nil
        order.removeAll { $0 == user }
    }

    /// One entry per person with a connection or within grace, in order of first arrival.
    public func present(now: Double) -> [PresenceEntry] {
        order.compactMap { user in
            if let deadline = graceDeadlines[user], deadline <= now { return nil }
            return persons[user]?.entry
        }
    }

    /// Expires grace periods and returns what changed since the previous tick (nil: nothing).
    /// `joined` also re-lists an announced person whose name or role changed, so clients can
    /// treat `joined` as "add or update".
    public mutating func tick(now: Double) -> (joined: [PresenceEntry], left: [UserID])? {
        for (user, deadline) in graceDeadlines where deadline <= now {
            removePerson(user)
            dirty = true
        }
        guard dirty else { return nil }
        dirty = false
        let current = present(now: now)
        var currentUsers = Set<UserID>()
        var joined: [PresenceEntry] = []
        for entry in current {
            currentUsers.insert(entry.user)
            if announcedEntries[entry.user] != entry { joined.append(entry) }
        }
        let left = announcedOrder.filter { !currentUsers.contains($0) }
        announcedOrder = current.map(\.user)
        announcedEntries = Dictionary(uniqueKeysWithValues: current.map { ($0.user, $0) })
        if joined.isEmpty && left.isEmpty { return nil }
        return (joined, left)
    }

    /// True when a tick may have something to do: a change since the last one, or a grace running.
    public var needsTick: Bool { dirty || !graceDeadlines.isEmpty }

    /// The earliest grace deadline, if any (a hub may sleep until then).
    public var nextGraceDeadline: Double? { graceDeadlines.values.min() }

    public var connectionCount: Int { connectionOwner.count }

    /// No connections, no grace running and nothing announced: the hub may drop this value.
    public var isIdle: Bool { connectionOwner.isEmpty && graceDeadlines.isEmpty && announcedOrder.isEmpty }

    /// The persons the last tick announced, in announcement order.
    public var announced: [PresenceEntry] { announcedOrder.compactMap { announcedEntries[$0] } }

    public func connections(of user: UserID) -> [UInt64] { persons[user]?.connections ?? [] }

    /// Every connection in the room, sorted (stable for tests and fan-out order).
    public func connectionIDs() -> [UInt64] { connectionOwner.keys.sorted() }
}
