// Sessions: sign-in tokens. Only SHA-256(token) is stored (Tokens.hash), so a copy of the
// database does not let anyone sign in. A session is valid while not revoked and not expired.

import AtriumCore

extension StoreConnection {
    public func createSession(userID: UserID, tokenHash: [UInt8], nowMillis: Int64, expiresAtMillis: Int64) throws {
        try db.execute("INSERT INTO sessions(token_hash, user_id, created_at, expires_at) VALUES(?,?,?,?)",
                       [.blob(tokenHash), .int(userID), .int(nowMillis), .int(expiresAtMillis)])
    }

    /// The session's user; nil when the token is unknown, revoked or expired (`expires_at <= now`).
    public func session(tokenHash: [UInt8], nowMillis: Int64) throws -> UserProfile? {
        try db.queryOne(
            """
            SELECT u.id, u.login, u.name, u.role FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?
            """, [.blob(tokenHash), .int(nowMillis)]
        ) { s in
            guard let role = OrgRole(rawValue: s.text(3)) else {
                throw StoreError(.internal, "User \(s.int64(0)) has an unknown role '\(s.text(3))'.")
            }
            return UserProfile(id: s.int64(0), login: s.text(1), name: s.text(2), role: role)
        }
    }

    /// Revokes one session; `false` if it was unknown or already revoked.
    @discardableResult
    public func revokeSession(tokenHash: [UInt8], nowMillis: Int64) throws -> Bool {
        try db.execute("UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
                       [.int(nowMillis), .blob(tokenHash)]) > 0
    }

    /// Revokes every live session of a user (password change, account lock); returns how many.
    @discardableResult
    public func revokeSessions(userID: UserID, nowMillis: Int64) throws -> Int {
        try db.execute("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                       [.int(nowMillis), .int(userID)])
    }
}
