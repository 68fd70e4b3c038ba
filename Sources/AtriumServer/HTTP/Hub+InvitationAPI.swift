import AtriumCore
import AtriumStore

/// The invitation page's API: `GET /api/invite/TOKEN` describes the invitation and the
/// regulations; `POST /api/invite/TOKEN` `{"name":…,"accept":true}` creates the guest and signs
/// them in (session cookie). Service thread; storage on the reader and the commit queue.
extension Hub {
    func invitationInfo(_ ex: HTTPExchange, token: String) {
        ex.pending = true
        let id = ex.id
        let regulations = config.regulations
        reader.submit({ store in try store.invitation(token: token) }) { [inbox] result in
            inbox.post { hub in
                guard let ex = hub.exchange(id) else { return }
                switch result {
                case .success(let invitation?):
                    guard invitation.usable(nowMillis: wallMillis()) else {
                        hub.respond(ex, .error(410, invitation.revoked ? "This invitation was withdrawn." : "This invitation has expired or has been used up."))
                        return
                    }
                    hub.respond(ex, .json(200, .object([
                        ("room", .object([("id", .string(invitation.room)), ("name", .string(invitation.roomName))])),
                        ("sponsor", .object([("name", .string(invitation.sponsorName))])),
                        ("expires_at", .string(Timestamp.iso8601(millis: invitation.expiresAtMillis))),
                        ("regulations", .string(regulations)),
                    ]), headers: [("cache-control", "no-store")]))
                case .success(nil):
                    hub.respond(ex, .error(404, "This invitation link is not valid."))
                case .failure(let error):
                    hub.respond(ex, .error(503, error.message))
                }
            }
        }
    }

    func acceptInvitation(_ ex: HTTPExchange, token: String) {
        guard let body = try? JSON.parse(ex.body), let rawName = body["name"]?.stringValue else {
            respond(ex, .error(400, "Send a JSON object with your display name in \"name\" and \"accept\": true."))
            return
        }
        guard body["accept"]?.boolValue == true else {
            respond(ex, .error(400, "You must accept the coworking space's regulations to enter."))
            return
        }
        let name = rawName.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard (1...60).contains(name.count) else {
            respond(ex, .error(400, "Your display name must be 1–60 characters."))
            return
        }
        let now = monotonicSeconds()
        if let wait = loginByAddress.take(ex.peer, now: now) {
            let seconds = Int(wait.rounded(.up))
            respond(ex, .json(429, .object([("error", .string("Too many attempts. Try again in \(seconds) s.")),
                                            ("retry_after", .int(Int64(seconds)))]), headers: [("retry-after", String(seconds))]))
            return
        }
        ex.pending = true
        let id = ex.id
        let session = Tokens.generate()
        let hash = Tokens.hash(session)
        commits.submit({ store in
            try store.acceptInvitation(token: token, displayName: name, sessionTokenHash: hash, nowMillis: wallMillis())
        }) { [inbox] result in
            inbox.post { hub in
                switch result {
                case .success(let (guest, invitation)):
                    hub.sessionCache[hash] = (guest, monotonicSeconds())
                    hub.userRoles[guest.id] = .guest
                    hub.applyListedRoles(invitation.room, (hub.rooms[invitation.room]?.listed ?? [:]).merging([guest.id: .guest]) { $1 })
                    guard let ex = hub.exchange(id) else { return }
                    let seconds = max(60, Int((invitation.expiresAtMillis - wallMillis()) / 1000))
                    hub.respond(ex, .json(200, .object([
                        ("token", .string(session)), ("user", guest.json),
                        ("room", .object([("id", .string(invitation.room)), ("name", .string(invitation.roomName))])),
                    ]), headers: [("set-cookie", SessionCookie.set(session, maxAgeSeconds: seconds, tls: hub.isTLS)),
                                  ("cache-control", "no-store")]))
                case .failure(let error):
                    guard let ex = hub.exchange(id) else { return }
                    let status = error.code == .notFound ? 404 : error.code == .forbidden ? 410 : 503
                    hub.respond(ex, .error(status, error.message))
                }
            }
        }
    }
}
