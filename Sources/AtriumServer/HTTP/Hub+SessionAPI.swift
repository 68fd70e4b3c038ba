import AtriumCore
import AtriumStore

/// Sign-in, sign-out and password change over HTTP (service thread). Password hashing and
/// storage run on the auth worker; answers come back through the inbox.
extension Hub {
    private enum SignInOutcome: Sendable {
        case signedIn(token: String, user: UserProfile, mustChange: Bool)
        case refused
    }

    func signIn(_ ex: HTTPExchange) {
        guard let body = try? JSON.parse(ex.body), let login = body["login"]?.stringValue,
              let password = body["password"]?.stringValue else {
            respond(ex, .error(400, "Send a JSON object with string fields \"login\" and \"password\"."))
            return
        }
        guard !login.isEmpty, login.utf8.count <= 64, !password.isEmpty, password.utf8.count <= 256 else {
            respond(ex, .error(400, "Login and password must be 1–64 and 1–256 bytes long."))
            return
        }
        let key = login.lowercased()
        let now = monotonicSeconds()
        if let wait = loginByAddress.take(ex.peer, now: now) ?? loginFailures.wouldAllow(key, now: now) {
            metrics.loginsLimited += 1
            let seconds = Int(wait.rounded(.up))
            respond(ex, HTTPResponse.json(429, .object([
                ("error", .string("Too many sign-in attempts. Try again in \(seconds) s.")),
                ("retry_after", .int(Int64(seconds))),
            ]), headers: [("retry-after", String(seconds))]))
            return
        }
        ex.pending = true
        let id = ex.id
        let sessionMillis = Int64(config.sessionDays) * 86_400_000
        authWorker.submit({ store -> SignInOutcome in
            guard let user = try store.user(login: key) else {
                // Same work for an unknown login, so timing does not tell which logins exist.
                _ = Passwords.verify(password, encoded: Passwords.dummyHash)
                return .refused
            }
            guard Passwords.verify(password, encoded: user.passwordHash) else { return .refused }
            let token = Tokens.generate()
            let now = wallMillis()
            try store.createSession(userID: user.profile.id, tokenHash: Tokens.hash(token),
                                    nowMillis: now, expiresAtMillis: now + sessionMillis)
            return .signedIn(token: token, user: user.profile, mustChange: user.mustChangePassword)
        }) { [inbox] result in
            inbox.post { hub in hub.signInFinished(id, key: key, result) }
        }
    }

    private func signInFinished(_ id: UInt64, key: String, _ result: Result<SignInOutcome, StoreError>) {
        switch result {
        case .success(.signedIn(let token, let user, let mustChange)):
            metrics.loginsOK += 1
            sessionCache[Tokens.hash(token)] = (user, monotonicSeconds())
            guard let ex = exchange(id) else { return }
            let cookie = SessionCookie.set(token, maxAgeSeconds: config.sessionDays * 86_400, tls: isTLS)
            respond(ex, .json(200, .object([
                ("token", .string(token)), ("user", user.json), ("must_change_password", .bool(mustChange)),
            ]), headers: [("set-cookie", cookie), ("cache-control", "no-store")]))
        case .success(.refused):
            metrics.loginsFailed += 1
            _ = loginFailures.take(key, now: monotonicSeconds())
            guard let ex = exchange(id) else { return }
            respond(ex, .error(401, "Wrong login or password."))
        case .failure(let error):
            logger.error("sign-in failed in storage", metadata: ["error": "\(error.message)"])
            guard let ex = exchange(id) else { return }
            respond(ex, .error(503, "Sign-in is unavailable right now; try again."))
        }
    }

    func signOut(_ ex: HTTPExchange) {
        guard let token = SessionCookie.token(authorization: ex.header("authorization"), cookie: ex.header("cookie")) else {
            respond(ex, .error(401, "Not signed in: no session cookie or bearer token."))
            return
        }
        let hash = Tokens.hash(token)
        ex.pending = true
        let id = ex.id
        authWorker.submit({ store in try store.revokeSession(tokenHash: hash, nowMillis: wallMillis()) }) { [inbox] result in
            inbox.post { hub in
                // The token stops working at once, and every socket opened with it closes.
                hub.sessionCache.removeValue(forKey: hash)
                for c in hub.connections.values where c.tokenHash == hash {
                    hub.fail(c, WireError(.unauthenticated, "You signed out."))
                    hub.close(c, .unauthenticated)
                }
                guard let ex = hub.exchange(id) else { return }
                if case .failure(let error) = result {
                    hub.respond(ex, .error(503, "Sign-out could not be stored: \(error.message)"))
                    return
                }
                var response = HTTPResponse(status: 204, contentType: "text/plain")
                response.headers = [("set-cookie", SessionCookie.clear(tls: hub.isTLS))]
                hub.respond(ex, response)
            }
        }
    }

    func currentSession(_ ex: HTTPExchange) {
        withSessionUser(ex) { hub, ex, user, _ in
            hub.respond(ex, .json(200, .object([("user", user.json)]), headers: [("cache-control", "no-store")]))
        }
    }

    /// `POST /api/password` `{"old":…,"new":…}`: replaces a (one-time) password.
    func changePassword(_ ex: HTTPExchange) {
        guard let body = try? JSON.parse(ex.body), let old = body["old"]?.stringValue,
              let new = body["new"]?.stringValue else {
            respond(ex, .error(400, "Send a JSON object with string fields \"old\" and \"new\"."))
            return
        }
        if let problem = Passwords.validateNew(new) {
            respond(ex, .error(400, problem))
            return
        }
        let logN = config.scryptLogN
        withSessionUser(ex) { hub, ex, user, _ in
            ex.pending = true
            let id = ex.id
            hub.authWorker.submit({ store -> Bool in
                guard let stored = try store.user(id: user.id), Passwords.verify(old, encoded: stored.passwordHash) else {
                    return false
                }
                try store.setPassword(userID: user.id, passwordHash: Passwords.hash(new, logN: logN), mustChange: false)
                return true
            }) { [inbox = hub.inbox] result in
                inbox.post { hub in
                    guard let ex = hub.exchange(id) else { return }
                    switch result {
                    case .success(true): hub.respond(ex, HTTPResponse(status: 204, contentType: "text/plain"))
                    case .success(false): hub.respond(ex, .error(403, "The current password is wrong."))
                    case .failure(let e): hub.respond(ex, .error(503, "Could not store the password: \(e.message)"))
                    }
                }
            }
        }
    }

    /// Resolves the request's session (cache first, then storage) or answers 401.
    private func withSessionUser(_ ex: HTTPExchange, _ body: @escaping (Hub, HTTPExchange, UserProfile, [UInt8]) -> Void) {
        guard let token = SessionCookie.token(authorization: ex.header("authorization"), cookie: ex.header("cookie")) else {
            respond(ex, .error(401, "Not signed in."))
            return
        }
        let hash = Tokens.hash(token)
        if let cached = sessionCache[hash], monotonicSeconds() - cached.checkedAt < sessionCacheSeconds {
            body(self, ex, cached.user, hash)
            return
        }
        ex.pending = true
        let id = ex.id
        // The continuation stays on the service thread; only the id crosses threads.
        sessionWaiters[id] = body
        reader.submit({ store in try store.session(tokenHash: hash, nowMillis: wallMillis()) }) { [inbox] result in
            inbox.post { hub in
                let body = hub.sessionWaiters.removeValue(forKey: id)
                guard let ex = hub.exchange(id) else { return }
                switch result {
                case .success(let user?):
                    hub.sessionCache[hash] = (user, monotonicSeconds())
                    body?(hub, ex, user, hash)
                case .success(nil):
                    hub.respond(ex, .error(401, "The session is unknown, expired or signed out."))
                case .failure(let e):
                    hub.respond(ex, .error(503, "Sessions are unavailable right now: \(e.message)"))
                }
            }
        }
    }
}
