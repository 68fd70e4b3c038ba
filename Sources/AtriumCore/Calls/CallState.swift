// The state of one room's call as a value: who is in it, their media, the hand queue, who
// presents, breakout groups and the poll (docs/protocol.md "Calls (rtc.*)"). Pure: no I/O, no
// clocks (callers pass the time), no permissions (the hub checks those). Every mutating method
// says what changed, and `rev` grows with every change, so the hub knows when to push a state.

/// One participant: a connection of a person.
public struct CallParticipant: Sendable, Equatable {
    public var conn: UInt64
    public var user: UserID
    public var name: String
    public var mic: Bool
    public var camera: Bool
    public var presenting = false
    /// When the hand went up (ms since 1970), nil when down.
    public var handAtMillis: Int64?
    public var joinedAtMillis: Int64
    /// Join order within the call (the later joiner of a pair makes the offer).
    public var order: Int64

    public init(conn: UInt64, user: UserID, name: String, mic: Bool, camera: Bool, joinedAtMillis: Int64, order: Int64) {
        self.conn = conn
        self.user = user
        self.name = name
        self.mic = mic
        self.camera = camera
        self.joinedAtMillis = joinedAtMillis
        self.order = order
    }
}

/// A poll inside a call: secret votes, one per person, changeable while open.
public struct CallPoll: Sendable, Equatable {
    public var id: Int64
    public var question: String
    public var options: [String]
    public var votes: [UserID: Int] = [:]
    public var closed = false
    public var by: UserID

    public var counts: [Int] {
        var c = Array(repeating: 0, count: options.count)
        for v in votes.values where v < c.count { c[v] += 1 }
        return c
    }
}

/// What a participant may now reach after a change of breakout groups.
public struct PeerUpdate: Sendable, Equatable {
    public var conn: UInt64
    public var group: Int?
    /// Everyone this participant may signal to now.
    public var peers: [CallParticipant]
    /// The newly reachable peers this participant must send an offer to.
    public var offerTo: [UInt64]
}

public struct CallState: Sendable, Equatable {
    public private(set) var participants: [CallParticipant] = []
    /// The hand queue, in the order hands went up.
    public private(set) var hands: [UserID] = []
    /// Breakout groups (user ids), nil when everyone is together.
    public private(set) var groups: [[UserID]]?
    public private(set) var poll: CallPoll?
    /// Grows with every change (also across calls in the same room).
    public private(set) var rev: Int64 = 0
    public private(set) var startedAtMillis: Int64?
    private var nextOrder: Int64 = 1
    private var nextPollID: Int64 = 1

    public init() {}

    public var isActive: Bool { !participants.isEmpty }
    public var presenter: UserID? { participants.first(where: \.presenting)?.user }

    public func participant(conn: UInt64) -> CallParticipant? { participants.first { $0.conn == conn } }
    public func participant(user: UserID) -> CallParticipant? { participants.first { $0.user == user } }

    /// The 1-based breakout group of a person, nil in the main call.
    public func group(of user: UserID) -> Int? {
        guard let groups else { return nil }
        return groups.firstIndex { $0.contains(user) }.map { $0 + 1 }
    }

    /// Whether two participants may signal each other (the same group, or both in none).
    public func reachable(_ a: CallParticipant, _ b: CallParticipant) -> Bool {
        a.conn != b.conn && group(of: a.user) == group(of: b.user)
    }

    public func peers(of conn: UInt64) -> [CallParticipant] {
        guard let me = participant(conn: conn) else { return [] }
        return participants.filter { reachable(me, $0) }
    }

    private mutating func changed() { rev += 1 }

    // MARK: - Joining and leaving

    public enum JoinOutcome: Sendable, Equatable {
        /// In the call now; `moved`: the same person's previous connection, taken out.
        case joined(moved: CallParticipant?)
        /// This connection was already in the call: nothing changed.
        case already
        case full(max: Int)
    }

    public mutating func join(conn: UInt64, user: UserID, name: String, mic: Bool, camera: Bool,
                              nowMillis: Int64, meshMax: Int) -> JoinOutcome {
        if participant(conn: conn) != nil { return .already }
        let previous = participant(user: user)
        let others = participants.count - (previous == nil ? 0 : 1)
        if others >= meshMax { return .full(max: meshMax) }
        var moved: CallParticipant?
        var hand: Int64?
        if let previous {
            hand = previous.handAtMillis
            moved = remove(conn: previous.conn, keepHand: true)
        }
        if participants.isEmpty { startedAtMillis = nowMillis }
        var p = CallParticipant(conn: conn, user: user, name: name, mic: mic, camera: camera, joinedAtMillis: nowMillis, order: nextOrder)
        p.handAtMillis = hand
        nextOrder += 1
        participants.append(p)
        changed()
        return .joined(moved: moved)
    }

    /// Takes a connection out of the call; returns it if it was in. The last one out ends the call.
    @discardableResult
    public mutating func leave(conn: UInt64) -> CallParticipant? {
        remove(conn: conn, keepHand: false)
    }

    private mutating func remove(conn: UInt64, keepHand: Bool) -> CallParticipant? {
        guard let i = participants.firstIndex(where: { $0.conn == conn }) else { return nil }
        let p = participants.remove(at: i)
        if !keepHand { hands.removeAll { $0 == p.user } }
        if participants.isEmpty { reset() }
        changed()
        return p
    }

    /// Ends the call for everyone; returns who was in it.
    public mutating func end() -> [CallParticipant] {
        let was = participants
        guard !was.isEmpty else { return [] }
        participants = []
        reset()
        changed()
        return was
    }

    private mutating func reset() {
        hands = []
        groups = nil
        poll = nil
        startedAtMillis = nil
    }

    // MARK: - Media, hands, presenting

    public mutating func setMedia(conn: UInt64, mic: Bool?, camera: Bool?) -> Bool {
        guard let i = participants.firstIndex(where: { $0.conn == conn }) else { return false }
        let before = participants[i]
        if let mic { participants[i].mic = mic }
        if let camera { participants[i].camera = camera }
        guard participants[i] != before else { return false }
        changed()
        return true
    }

    /// Raising puts the person at the end of the queue (raising again keeps the place).
    public mutating func setHand(user: UserID, raised: Bool, nowMillis: Int64) -> Bool {
        guard let i = participants.firstIndex(where: { $0.user == user }) else { return false }
        if raised {
            guard participants[i].handAtMillis == nil else { return false }
            participants[i].handAtMillis = nowMillis
            hands.append(user)
        } else {
            guard participants[i].handAtMillis != nil else { return false }
            participants[i].handAtMillis = nil
            hands.removeAll { $0 == user }
        }
        changed()
        return true
    }

    public enum PresentOutcome: Sendable, Equatable {
        case changed(previous: UserID?)
        case unchanged
        /// Someone else presents and the caller may not take over.
        case busy(by: CallParticipant)
        case notInCall
    }

    /// One presenter at a time; `takeOver` (moderators) replaces the current one.
    public mutating func setPresenting(conn: UInt64, on: Bool, takeOver: Bool) -> PresentOutcome {
        guard let i = participants.firstIndex(where: { $0.conn == conn }) else { return .notInCall }
        if participants[i].presenting == on { return .unchanged }
        var previous: UserID?
        if on, let j = participants.firstIndex(where: \.presenting) {
            guard takeOver else { return .busy(by: participants[j]) }
            participants[j].presenting = false
            previous = participants[j].user
        }
        participants[i].presenting = on
        changed()
        return .changed(previous: previous)
    }

    // MARK: - Breakout groups

    /// Sets (or with nil, ends) the breakout groups; returns what each participant whose
    /// reachable peers changed must now do.
    public mutating func setGroups(_ new: [[UserID]]?) -> [PeerUpdate] {
        let before = Dictionary(uniqueKeysWithValues: participants.map { ($0.conn, Set(peers(of: $0.conn).map(\.conn))) })
        groups = new
        changed()
        var updates: [PeerUpdate] = []
        for p in participants {
            let now = peers(of: p.conn)
            let nowSet = Set(now.map(\.conn))
            let was = before[p.conn] ?? []
            guard nowSet != was else { continue }
            let offer = now.filter { !was.contains($0.conn) && $0.order < p.order }.map(\.conn)
            updates.append(PeerUpdate(conn: p.conn, group: group(of: p.user), peers: now, offerTo: offer))
        }
        return updates
    }

    // MARK: - Polls

    public enum PollOutcome: Sendable, Equatable {
        case ok
        case notFound
        case closed
        case badOption
        case busy
        case noCall
    }

    public mutating func openPoll(question: String, options: [String], by: UserID) -> (PollOutcome, Int64?) {
        guard isActive else { return (.noCall, nil) }
        if let poll, !poll.closed { return (.busy, poll.id) }
        let id = nextPollID
        nextPollID += 1
        poll = CallPoll(id: id, question: question, options: options, by: by)
        changed()
        return (.ok, id)
    }

    public mutating func vote(user: UserID, poll id: Int64, option: Int) -> PollOutcome {
        guard var p = poll, p.id == id else { return .notFound }
        guard !p.closed else { return .closed }
        guard option >= 0 && option < p.options.count else { return .badOption }
        if p.votes[user] == option { return .ok }
        p.votes[user] = option
        poll = p
        changed()
        return .ok
    }

    public mutating func closePoll(_ id: Int64) -> PollOutcome {
        guard var p = poll, p.id == id else { return .notFound }
        guard !p.closed else { return .closed }
        p.closed = true
        poll = p
        changed()
        return .ok
    }
}
