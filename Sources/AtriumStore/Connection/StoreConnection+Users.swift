// Users: accounts with an organisation role, an optional group and a password hash.
// Logins are compared case-insensitively: they are stored and looked up lowercase.

import AtriumCore

extension StoreConnection {
    private static let userColumns = "id, login, name, role, grp, password_hash, must_change"

    @discardableResult
    public func addUser(login: String, name: String, role: OrgRole, group: String?, passwordHash: String,
                        mustChangePassword: Bool, nowMillis: Int64) throws -> UserProfile {
        let login = login.lowercased()
        do {
            try db.execute(
                // Students are minors unless marked otherwise (`setMinor`): the safe default.
                "INSERT INTO users(login, name, role, grp, password_hash, must_change, created_at, minor) VALUES(?,?,?,?,?,?,?,?)",
                [.text(login), .text(name), .text(role.rawValue), group.sqlite, .text(passwordHash),
                 .int(mustChangePassword ? 1 : 0), .int(nowMillis), .int(role == .student ? 1 : 0)])
        } catch let e as StoreError where e.code == .conflict {
            throw StoreError(.conflict, "The login '\(login)' already exists.")
        }
        return UserProfile(id: db.lastInsertRowID, login: login, name: name, role: role)
    }

    public func user(login: String) throws -> StoredUser? {
        try db.queryOne("SELECT \(Self.userColumns) FROM users WHERE login = ?", [.text(login.lowercased())], Self.storedUser)
    }

    public func user(id: UserID) throws -> StoredUser? {
        try db.queryOne("SELECT \(Self.userColumns) FROM users WHERE id = ?", [.int(id)], Self.storedUser)
    }

    /// Every user, by id (creation order).
    public func users() throws -> [StoredUser] {
        try db.query("SELECT \(Self.userColumns) FROM users ORDER BY id", [], Self.storedUser)
    }

    public func userCount() throws -> Int {
        try db.queryOne("SELECT count(*) FROM users") { Int($0.int64(0)) } ?? 0
    }

    /// Replaces the password hash; `.notFound` if there is no such user.
    public func setPassword(userID: UserID, passwordHash: String, mustChange: Bool) throws {
        let changed = try db.execute("UPDATE users SET password_hash = ?, must_change = ? WHERE id = ?",
                                     [.text(passwordHash), .int(mustChange ? 1 : 0), .int(userID)])
        if changed == 0 { throw StoreError(.notFound, "There is no user \(userID).") }
    }

    static func storedUser(_ s: Statement) throws -> StoredUser {
        let roleText = s.text(3)
        guard let role = OrgRole(rawValue: roleText) else {
            throw StoreError(.internal, "User \(s.int64(0)) has an unknown role '\(roleText)'.")
        }
        return StoredUser(
            profile: UserProfile(id: s.int64(0), login: s.text(1), name: s.text(2), role: role),
            passwordHash: s.text(5), mustChangePassword: s.int64(6) != 0, group: s.optionalText(4))
    }
}
