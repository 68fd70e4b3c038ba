import AtriumCore
import AtriumStore

/// Decoding and dispatch of client frames (service thread).
extension Hub {
    /// Frames queued while a hello is being checked; more than this is a flood.
    static let maxFramesDuringHello = 64

    func receiveFrame(_ c: Connection, _ bytes: [UInt8]) {
        if case .checking = c.auth {
            if c.framesDuringHello.count >= Self.maxFramesDuringHello {
                reject(c, WireError(.rateLimited, "Too many frames before the sign-in finished."))
                return
            }
            c.framesDuringHello.append(bytes)
            return
        }
        let frame: ClientFrame
        switch ClientFrameDecoder.decode(bytes, limits: limits) {
        case .failure(let error):
            if case .awaitingHello = c.auth {
                refuseSignIn(c, ref: error.ref, reason: "The first frame must be a valid hello.")
            } else {
                reject(c, error)
            }
            return
        case .success(let f):
            frame = f
        }
        let now = monotonicSeconds()
        // rtc.signal has its own bucket (rtc.signal_per_s): ICE bursts are normal.
        var isSignal = false
        if case .rtc(_, .signal) = frame.message { isSignal = true }
        if !isSignal && !c.bucket.take(now: now) {
            let wait = c.bucket.secondsUntilAvailable(now: now)
            reject(c, WireError(.rateLimited, "Too many messages: slow down (next in \(formatSeconds(wait)) s).", ref: frame.ref))
            return
        }

        switch c.auth {
        case .awaitingHello:
            guard case .hello(let token) = frame.message else {
                refuseSignIn(c, ref: frame.ref, reason: "Send hello with a session token first.")
                return
            }
            hello(c, ref: frame.ref, token: token)
            return
        case .checking:
            return  // handled above
        case .signedIn:
            break
        }
        c.errorStreak = 0
        dispatch(c, frame)
    }

    private func dispatch(_ c: Connection, _ frame: ClientFrame) {
        let ref = frame.ref
        switch frame.message {
        case .hello:
            fail(c, WireError(.conflict, "This connection is already signed in.", ref: ref))
        case .ping:
            reply(c, ref: ref, [("pong", .bool(true))])
        case .rooms:
            listRooms(c, ref: ref)
        case .join(let room, let since):
            join(c, ref: ref, roomID: room, since: since)
        case .leave(let room):
            leave(c, ref: ref, roomID: room)
        case .history(let room, let before, let limit, let chatOnly):
            history(c, ref: ref, roomID: room, before: before, limit: limit, chatOnly: chatOnly)
        case .typing(let room):
            typing(c, ref: ref, roomID: room)
        case .chatSend(let room, let text, let nonce):
            chatSend(c, ref: ref, roomID: room, text: text, nonce: nonce)
        case .chatEdit(let room, let seq, let text):
            chatEdit(c, ref: ref, roomID: room, seq: seq, text: text)
        case .chatDelete(let room, let seq):
            chatDelete(c, ref: ref, roomID: room, seq: seq)
        case .read(let room, let seq):
            markRead(c, ref: ref, roomID: room, seq: seq)
        case .roomDirect(let user):
            openDirect(c, ref: ref, with: user)
        case .auditMine:
            auditMine(c, ref: ref)
        case .roomKnock(let room, let message):
            knockOn(c, ref: ref, roomID: room, message: message)
        case .roomKnocks(let room):
            listKnocks(c, ref: ref, roomID: room)
        case .roomAdmit(let room, let user):
            decideKnock(c, ref: ref, roomID: room, user: user, admit: true, reason: nil)
        case .roomRefuse(let room, let user, let reason):
            decideKnock(c, ref: ref, roomID: room, user: user, admit: false, reason: reason)
        case .roomLobby(let room, let user, let text):
            lobbyMessage(c, ref: ref, roomID: room, user: user, text: text)
        case .roomReturnToLobby(let room, let user):
            returnToLobby(c, ref: ref, roomID: room, user: user)
        case .modDelete, .modApprove, .modRestrict, .modLift, .modRemove, .modReport, .modReports, .modDecide:
            moderate(c, ref: ref, frame.message)
        case .inviteCreate(let room, let hours, let uses):
            inviteCreate(c, ref: ref, roomID: room, hours: hours, uses: uses)
        case .inviteList(let room):
            inviteList(c, ref: ref, roomID: room)
        case .inviteRevoke(let id):
            inviteRevoke(c, ref: ref, id: id)
        case .roomSettings(let room, let name, let joinRule, let premoderated, let history):
            roomSettings(c, ref: ref, roomID: room, name: name, joinRule: joinRule, premoderated: premoderated, history: history)
        case .roomPermissions(let room, let role, let permissions):
            roomPermissions(c, ref: ref, roomID: room, role: role, permissions: permissions)
        case .roomMembers(let room):
            roomMembers(c, ref: ref, roomID: room)
        case .admin(let message):
            administer(c, ref: ref, message)
        case .roomInspect(let room, let reason):
            roomInspect(c, ref: ref, roomID: room, reason: reason)
        case .collab(let room, let message):
            collab(c, ref: ref, roomID: room, message)
        case .rtc(let room, let message):
            rtc(c, ref: ref, roomID: room, message)
        }
    }

    // MARK: - Sign-in on the socket

    func hello(_ c: Connection, ref: String?, token: String?) {
        guard let token = token ?? c.cookieToken, !token.isEmpty, token.utf8.count <= 256 else {
            refuseSignIn(c, ref: ref, reason: "No session token: sign in first.")
            return
        }
        let hash = Tokens.hash(token)
        let now = monotonicSeconds()
        if let cached = sessionCache[hash], now - cached.checkedAt < sessionCacheSeconds {
            welcome(c, ref: ref, user: cached.user, tokenHash: hash)
            return
        }
        c.auth = .checking(ref: ref)
        awaitingHello.remove(c.id)
        let cid = c.id
        reader.submit({ store in try store.session(tokenHash: hash, nowMillis: wallMillis()) }) { [inbox] result in
            inbox.post { hub in hub.helloChecked(cid, hash: hash, result) }
        }
    }

    private func helloChecked(_ cid: ConnectionID, hash: [UInt8], _ result: Result<UserProfile?, StoreError>) {
        guard let c = connections[cid], case .checking(let ref) = c.auth else { return }
        switch result {
        case .success(let user?):
            sessionCache[hash] = (user, monotonicSeconds())
            welcome(c, ref: ref, user: user, tokenHash: hash)
        case .success(nil):
            refuseSignIn(c, ref: ref, reason: "The session token is unknown, expired or signed out: sign in again.")
        case .failure(let error):
            logger.error("session lookup failed", metadata: ["error": "\(error.message)"])
            c.auth = .awaitingHello
            fail(c, WireError(.unavailable, "Sign-in is unavailable right now; try again.", ref: ref))
            close(c, .internalError)
        }
    }

    private func welcome(_ c: Connection, ref: String?, user: UserProfile, tokenHash: [UInt8]) {
        c.auth = .signedIn(user, tokenHash: tokenHash)
        awaitingHello.remove(c.id)
        var o = JSONObject([("type", "welcome")])
        o["ref"] = ref.map { .string($0) } ?? .null
        o["conn"] = .string("c\(c.id)")
        o["user"] = .object([("id", .int(user.id)), ("name", .string(user.name)), ("role", .string(user.role.rawValue))])
        o["heartbeat_s"] = .int(Int64(config.heartbeatSeconds))
        send(c, JSON.object(o).encoded())
        watchGuestExpiry(c)
        // Frames the client pipelined after its hello are handled now, in order.
        let pending = c.framesDuringHello
        c.framesDuringHello = []
        for bytes in pending where c.pendingClose == nil { receiveFrame(c, bytes) }
    }

    func refuseSignIn(_ c: Connection, ref: String?, reason: String) {
        c.auth = .awaitingHello
        fail(c, WireError(.unauthenticated, reason, ref: ref))
        close(c, .unauthenticated)
    }
}

func formatSeconds(_ s: Double) -> String {
    let tenths = (max(0, s) * 10).rounded(.up) / 10
    return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
}
