import AtriumCore
import AtriumStore
import CLibWebSockets
import Logging

/// The hub: every connection, room, presence and outbound queue of the server. It lives on
/// the service thread and only there (lws callbacks and inbox commands both run on it); other
/// threads reach it only by posting to the inbox. No method here blocks: storage work goes to
/// the commit queue or a store worker and comes back as an inbox command.
final class Hub {
    let config: AtriumConfig
    let inbox: Inbox
    let logger: Logger
    let limits: ProtocolLimits
    let commits: CommitQueue
    let reader: StoreWorker
    let authWorker: StoreWorker
    let staticFiles: StaticFiles

    private(set) var context: OpaquePointer?
    private(set) var port = 0

    var connections: [ConnectionID: Connection] = [:]
    var byWSI: [OpaquePointer: Connection] = [:]
    var awaitingHello: Set<ConnectionID> = []
    /// Connections of guests, whose access ends with their invitation (checked each tick).
    var guestConnections: Set<ConnectionID> = []
    var upgrades: [OpaquePointer: (cookieToken: String?, peer: String)] = [:]
    var http: [OpaquePointer: HTTPExchange] = [:]
    /// Exchanges by id, for answers that come back from a worker after the request callback.
    var httpByID: [UInt64: OpaquePointer] = [:]
    private var lastExchangeID: UInt64 = 0
    /// Continuations waiting for a store result, by id (only the id crosses threads).
    var pendingWork: [UInt64: (Hub, Any) -> Void] = [:]
    private var lastWorkID: UInt64 = 0
    /// HTTP handlers waiting for a session lookup, by exchange id.
    var sessionWaiters: [UInt64: (Hub, HTTPExchange, UserProfile, [UInt8]) -> Void] = [:]
    private var nextConnectionID: ConnectionID = 1

    var rooms: [RoomID: RoomState] = [:]
    var dirtyRooms: Set<RoomID> = []
    /// Connections with board/document frames queued but not yet asked to write (flushCollab).
    var collabDirty: Set<ConnectionID> = []
    /// Documents whose cursors changed since the last flush.
    var cursorDirtyRooms: Set<DocKey> = []
    /// Rooms whose call changed since the last flush (flushCalls).
    var callDirtyRooms: Set<RoomID> = []
    /// Hook (Janus SFU): calls moved to Janus and the worker that talks to it (Calls/Janus/Hub+SFU.swift).
    let sfu = SFURegistry()
    var lastPresenceFlush = 0.0
    var lastCollabEviction = 0.0
    /// Joins (and other work) waiting for a room to be looked up in storage.
    var roomLoads: [RoomID: [(Hub, RoomState?) -> Void]] = [:]

    /// Validated sessions by token hash, so a reconnect storm does not hit storage. Entries are
    /// dropped on sign-out, on CLI revocation, and re-checked after `sessionCacheSeconds`.
    var sessionCache: [[UInt8]: (user: UserProfile, checkedAt: Double)] = [:]
    let sessionCacheSeconds = 60.0

    var loginByAddress: KeyedRateLimiter
    /// The public (no sign-in) view: requests per client address.
    var publicByAddress = KeyedRateLimiter(ratePerSecond: 2, burst: 60)
    var loginFailures: KeyedRateLimiter

    var lastChangeID: Int64
    var changePollInFlight = false
    var lastChangePoll = 0.0

    /// Organisation roles and parent links of everyone, for the personal-data rule (names).
    var userRoles: [UserID: OrgRole] = [:]
    var parentsOf: [UserID: Set<UserID>] = [:]
    var circleCache: [UserID: Set<UserID>] = [:]

    var metrics = HubMetrics()
    /// Writes submitted and not yet answered; shutdown waits for them.
    var inFlightWrites = 0

    enum Phase { case running, draining(since: Double), closing(deadline: Double), stopped }
    var phase: Phase = .running
    /// Read by the service loop between turns.
    var loopMayEnd = false

    // Write scratch: LWS_PRE bytes of headroom, then the frame.
    let pre = Int(atrium_lws_pre())
    var scratch: UnsafeMutablePointer<UInt8>
    var scratchCapacity: Int
    var frameBuffer: [UInt8] = []

    init(config: AtriumConfig, bootstrap: HubBootstrap, inbox: Inbox, logger: Logger) {
        self.config = config
        self.inbox = inbox
        self.logger = logger
        self.limits = config.protocolLimits
        self.commits = bootstrap.commits
        self.reader = bootstrap.reader
        self.authWorker = bootstrap.auth
        self.staticFiles = bootstrap.staticFiles
        self.lastChangeID = bootstrap.latestChangeID
        self.loginByAddress = KeyedRateLimiter(ratePerSecond: config.loginIPPerMinute / 60, burst: config.loginIPBurst)
        self.loginFailures = KeyedRateLimiter(
            ratePerSecond: config.loginFailureBurst / max(1, config.loginFailureWindowSeconds),
            burst: config.loginFailureBurst)
        for stored in bootstrap.rooms {
            rooms[stored.record.id] = RoomState(record: stored.record, lastSeq: stored.lastSeq,
                                                graceSeconds: config.presenceGraceSeconds,
                                                listed: bootstrap.members[stored.record.id] ?? [:])
            rooms[stored.record.id]!.directPeople = bootstrap.directPeople[stored.record.id] ?? []
            rooms[stored.record.id]!.restrictions = bootstrap.restrictions[stored.record.id] ?? RoomRestrictions()
            if let overrides = bootstrap.permissionOverrides[stored.record.id] { rooms[stored.record.id]!.applyOverrides(overrides) }
        }
        userRoles = bootstrap.userRoles
        for link in bootstrap.parentLinks { parentsOf[link.child, default: []].insert(link.parent) }
        scratchCapacity = 64 * 1024
        scratch = .allocate(capacity: scratchCapacity + Int(atrium_lws_pre()))
        frameBuffer.reserveCapacity(scratchCapacity)
    }

    deinit { scratch.deallocate() }

    func nextWorkID() -> UInt64 {
        lastWorkID += 1
        return lastWorkID
    }

    func nextExchangeID() -> UInt64 {
        lastExchangeID += 1
        return lastExchangeID
    }

    func attach(context: OpaquePointer, port: Int) {
        self.context = context
        self.port = port
    }

    var isTLS: Bool { config.tlsCert != nil }

    /// Runs everything other threads posted. Called from EVENT_WAIT_CANCELLED.
    func drainInbox() {
        for command in inbox.drain() { command(self) }
        driveShutdown()
    }

    /// Stops the store threads after the loop ended (service thread, last thing it does).
    func stopWorkers() {
        stopSFU()
        commits.drainAndStop()
        reader.stop()
        authWorker.stop()
    }

    // MARK: - WebSocket lifecycle (lws callbacks)

    func wsEstablished(_ wsi: OpaquePointer) {
        let info = upgrades.removeValue(forKey: wsi)
        let now = monotonicSeconds()
        let c = Connection(
            id: nextConnectionID, wsi: wsi, peer: info?.peer ?? peerAddress(wsi),
            cookieToken: info?.cookieToken, now: now,
            bucket: TokenBucket(ratePerSecond: config.ratePerSecond, burst: config.rateBurst, now: now))
        nextConnectionID += 1
        connections[c.id] = c
        byWSI[wsi] = c
        awaitingHello.insert(c.id)
        metrics.connectionsOpened += 1
        if case .running = phase {} else { close(c, .goingAway) }
    }

    func wsReceive(_ wsi: OpaquePointer, _ bytes: UnsafeRawBufferPointer, final: Bool, binary: Bool) -> Int32 {
        guard let c = byWSI[wsi] else { return -1 }
        if c.rxBuffer.count + bytes.count > config.maxMessageBytes {
            metrics.oversizeCloses += 1
            logger.info("closing connection: message too large", metadata: ["conn.id": "\(c.id)"])
            closeNow(wsi, .tooLarge)
            return -1
        }
        c.rxBuffer.append(contentsOf: bytes)
        guard final else { return 0 }
        let frame = c.rxBuffer
        c.rxBuffer.removeAll(keepingCapacity: c.rxBuffer.capacity <= 8192)
        metrics.framesIn += 1
        if binary {
            reject(c, WireError(.badRequest, "Binary frames are not accepted: send JSON text frames."))
            return 0
        }
        receiveFrame(c, frame)
        return 0
    }

    func wsWriteable(_ wsi: OpaquePointer) -> Int32 {
        guard let c = byWSI[wsi] else { return -1 }
        c.writeRequested = false
        if c.hasQueued && c.pendingClose != .slowConsumer {
            c.takeFrame(limit: config.coalesceBytes, into: &frameBuffer)
            let count = frameBuffer.count
            ensureScratch(count)
            frameBuffer.withUnsafeBufferPointer { src in
                (scratch + pre).update(from: src.baseAddress!, count: count)
            }
            let written = lws_write(wsi, scratch + pre, count, LWS_WRITE_TEXT)
            if written < count { return -1 }
            metrics.framesOut += 1
            metrics.bytesOut += count
            if c.hasQueued || c.pendingClose != nil { requestWrite(c) }
            return 0
        }
        if let code = c.pendingClose {
            writeCloseFrame(wsi, code)
            return -1
        }
        return 0
    }

    func wsClosed(_ wsi: OpaquePointer) {
        upgrades.removeValue(forKey: wsi)
        guard let c = byWSI.removeValue(forKey: wsi) else { return }
        connections.removeValue(forKey: c.id)
        awaitingHello.remove(c.id)
        guestConnections.remove(c.id)
        let now = monotonicSeconds()
        let dropped: Bool
        if case .running = phase { dropped = c.pendingClose == nil } else { dropped = false }
        collabDirty.remove(c.id)
        connectionClosedCalls(c)
        for roomID in c.rooms {
            guard let room = rooms[roomID] else { continue }
            forgetCollab(c, roomID: roomID)
            room.members.remove(c.id)
            // A dropped connection keeps its person present for the grace period; a close we
            // decided (sign-out, flood, shutdown) ends presence at the next tick.
            room.presence.remove(conn: c.id, now: now, dropped: dropped)
            dirtyRooms.insert(roomID)
        }
        c.rooms.removeAll()
    }

    // MARK: - Sending

    /// Queues one encoded message for a connection; cuts a client that cannot keep up.
    /// `replay`: part of a join's replay, exempt from the limit (see `Connection.replayBytes`).
    /// `deferred`: queued without asking lws to write; the next `flushCollab` asks (board and
    /// document traffic is merged into one frame per tick per reader).
    func send(_ c: Connection, _ message: [UInt8], replay: Bool = false, deferred: Bool = false) {
        guard c.pendingClose == nil else { return }
        c.enqueue(message, replay: replay)
        metrics.messagesOut += 1
        if c.liveQueuedBytes > config.outboundQueueBytes {
            metrics.outboundQueueDrops += 1
            metrics.slowConsumerCloses += 1
            logger.notice("closing slow consumer", metadata: ["conn.id": "\(c.id)", "queued.bytes": "\(c.queuedBytes)"])
            c.clearQueue()
            c.pendingClose = .slowConsumer
            requestWrite(c)
            // A client that stopped reading never becomes writeable again: lws hangs up after 2 s.
            lws_set_timeout(c.wsi, PENDING_TIMEOUT_USER_OK, 2)
            return
        }
        if deferred { collabDirty.insert(c.id) } else { requestWrite(c) }
    }

    func requestWrite(_ c: Connection) {
        if !c.writeRequested {
            c.writeRequested = true
            lws_callback_on_writable(c.wsi)
        }
    }

    func reply(_ c: Connection, ref: String?, _ fields: [(String, JSON)] = []) {
        guard let ref else { return }  // a frame without ref that succeeds gets no reply
        send(c, ServerFrame.ok(ref: ref, fields))
    }

    func fail(_ c: Connection, _ error: WireError) {
        metrics.errorsSent += 1
        send(c, ServerFrame.error(error))
    }

    /// An error caused by the client (bad frame, rate limit): counts toward the flood limit.
    func reject(_ c: Connection, _ error: WireError) {
        fail(c, error)
        c.errorStreak += 1
        if c.errorStreak >= config.floodErrorLimit && c.pendingClose == nil {
            metrics.floodCloses += 1
            logger.notice("closing flooding connection", metadata: ["conn.id": "\(c.id)"])
            close(c, .flood)
        }
    }

    /// Closes after what is already queued has been written.
    func close(_ c: Connection, _ code: CloseCode) {
        guard c.pendingClose == nil else { return }
        c.pendingClose = code
        requestWrite(c)
        lws_set_timeout(c.wsi, PENDING_TIMEOUT_USER_OK, 5)
    }

    /// Inside a callback of `wsi` that will return -1.
    func closeNow(_ wsi: OpaquePointer, _ code: CloseCode) {
        var reason = Array(code.reason.utf8.prefix(120))
        reason.withUnsafeMutableBufferPointer { buf in
            lws_close_reason(wsi, lws_close_status(rawValue: UInt32(code.rawValue)), buf.baseAddress, buf.count)
        }
    }

    /// Inside a WRITEABLE callback of `wsi` that will return -1: writes the close frame itself.
    /// `lws_close_reason` + -1 is not enough here: with libuv, lws 4.1 (Debian's build has
    /// _DEBUG) closes the wsi a second time right after ("close_and_handled uv repeat test"),
    /// which kills the connection before the queued close frame is written, so clients saw
    /// no 4401/4408/4429/4503/1001 at all. (From RECEIVE, `closeNow` works: lws closes once.)
    func writeCloseFrame(_ wsi: OpaquePointer, _ code: CloseCode) {
        var payload = [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)]
        payload.append(contentsOf: code.reason.utf8.prefix(120))
        ensureScratch(payload.count)
        payload.withUnsafeBufferPointer { src in
            (scratch + pre).update(from: src.baseAddress!, count: src.count)
        }
        // LWS_WRITE_CLOSE (4) is only in lws' private headers; lws_write accepts it.
        _ = lws_write(wsi, scratch + pre, payload.count, lws_write_protocol(rawValue: 4))
    }

    func ensureScratch(_ count: Int) {
        if count > scratchCapacity {
            scratch.deallocate()
            scratchCapacity = count
            scratch = .allocate(capacity: count + pre)
        }
    }

    func peerAddress(_ wsi: OpaquePointer) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        _ = lws_get_peer_simple(wsi, &buf, buf.count)
        return String(cString: buf)
    }

    // MARK: - Rooms

    /// Runs `body` with the room, loading it from storage first if the hub does not know it
    /// (a room the CLI just created). Joins for a loading room wait in order.
    func withRoom(_ id: RoomID, _ body: @escaping (Hub, RoomState?) -> Void) {
        if let room = rooms[id] { body(self, room); return }
        if roomLoads[id] != nil { roomLoads[id]!.append(body); return }
        roomLoads[id] = [body]
        reader.submit({ store -> (StoredRoom, [UserID: RoomRole])? in
            guard let room = try store.room(id: id) else { return nil }
            return (room, try store.members(room: id))
        }) { [inbox] result in
            inbox.post { hub in hub.roomLoaded(id, result) }
        }
    }

    private func roomLoaded(_ id: RoomID, _ result: Result<(StoredRoom, [UserID: RoomRole])?, StoreError>) {
        let waiting = roomLoads.removeValue(forKey: id) ?? []
        var room = rooms[id]
        if room == nil, case .success(let (stored, listed)?) = result {
            let state = RoomState(record: stored.record, lastSeq: stored.lastSeq, graceSeconds: config.presenceGraceSeconds,
                                  listed: listed)
            rooms[id] = state
            room = state
        }
        for body in waiting { body(self, room) }
    }
}
