import AtriumCore

public typealias ConnectionID = UInt64

/// One WebSocket connection's state. Owned by the hub on the service thread; never shared.
final class Connection {
    let id: ConnectionID
    let wsi: OpaquePointer
    let peer: String
    let openedAt: Double
    /// Session token offered by the upgrade request's cookie (used when hello carries none).
    let cookieToken: String?

    enum AuthState {
        case awaitingHello
        case checking(ref: String?)
        case signedIn(UserProfile, tokenHash: [UInt8])
    }
    var auth: AuthState = .awaitingHello
    /// Frames received while the hello is being checked, handled in order after welcome.
    var framesDuringHello: [[UInt8]] = []

    /// Rooms joined by this connection.
    var rooms: Set<RoomID> = []
    /// Documents this connection opened (it receives their cursors).
    var openDocs: Set<DocKey> = []
    /// Rooms whose call this connection is in, and its own bucket for rtc.signal.
    var calls: Set<RoomID> = []
    var signalBucket: TokenBucket?
    /// For a guest: when their invitation ends (ms since 1970); the tick closes them then.
    var accessEndsAtMillis: Int64?
    /// Rooms with history visibility `joined`: the seq this person reads from (exclusive).
    var historyFloor: [RoomID: Int64] = [:]
    /// Rooms whose replay is still being read from storage: live events for them wait here so
    /// that none is sent before the replay ends, and none is lost.
    var replayBuffers: [RoomID: [(seq: Int64, frame: [UInt8])]] = [:]

    // Inbound
    var rxBuffer: [UInt8] = []
    var bucket: TokenBucket
    var errorStreak = 0

    // Outbound: encoded messages waiting for WRITEABLE; several are joined with "\n" into one
    // frame when they fit (JSON Lines). Messages are shared byte arrays (copy-on-write), so a
    // fan-out encodes once.
    private var queue: [[UInt8]] = []
    private var head = 0
    private(set) var queuedBytes = 0
    /// Bytes of replay (join with `since`, or the last 50) still in the queue. They are
    /// exempt from the slow-consumer limit: the replay a client resumes with after a cut is
    /// at least as large as the queue that was dropped, so counting it would cut the client
    /// again on every resume. It is bounded by the replay cap and shrinks as it is written.
    private(set) var replayBytes = 0
    var writeRequested = false
    /// A close decided by the hub; sent after what is queued (or at once for a slow consumer).
    var pendingClose: CloseCode?

    init(id: ConnectionID, wsi: OpaquePointer, peer: String, cookieToken: String?, now: Double, bucket: TokenBucket) {
        self.id = id
        self.wsi = wsi
        self.peer = peer
        self.cookieToken = cookieToken
        self.openedAt = now
        self.bucket = bucket
    }

    var user: UserProfile? {
        if case .signedIn(let u, _) = auth { return u }
        return nil
    }

    var tokenHash: [UInt8]? {
        if case .signedIn(_, let h) = auth { return h }
        return nil
    }

    var hasQueued: Bool { head < queue.count }

    func enqueue(_ message: [UInt8], replay: Bool = false) {
        queue.append(message)
        queuedBytes += message.count
        if replay { replayBytes += message.count }
    }

    /// Queued bytes that count toward the slow-consumer limit.
    var liveQueuedBytes: Int { queuedBytes - replayBytes }

    func clearQueue() {
        queue.removeAll()
        head = 0
        queuedBytes = 0
        replayBytes = 0
    }

    /// Takes queued messages for one frame: as many as fit in `limit` bytes joined by "\n"
    /// (at least one, even if it alone is larger).
    func takeFrame(limit: Int, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        while head < queue.count {
            let next = queue[head]
            if !out.isEmpty && out.count + 1 + next.count > limit { break }
            if !out.isEmpty { out.append(0x0A) }
            out.append(contentsOf: next)
            queuedBytes -= next.count
            // Replay is queued before anything that follows it, so it is written first.
            replayBytes = max(0, replayBytes - next.count)
            queue[head] = []
            head += 1
        }
        if head == queue.count {
            queue.removeAll(keepingCapacity: queue.capacity <= 64)
            head = 0
        } else if head > 1024 {
            queue.removeFirst(head)
            head = 0
        }
    }
}
