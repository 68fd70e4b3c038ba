// Roster import: a class list becomes accounts in one transaction, all or nothing, so a school
// admin can fix the file and run the import again without cleaning up half an import.

import AtriumCore

extension StoreConnection {
    /// Adds every row with its (already hashed) one-time password and `must_change` set.
    /// A login that exists — in the database or earlier in the same roster — fails the whole
    /// import with `.conflict` "line N: login 'x' already exists".
    public func importRoster(_ entries: [(row: RosterRow, passwordHash: String)], nowMillis: Int64) throws -> [UserProfile] {
        try transaction {
            var added: [UserProfile] = []
            added.reserveCapacity(entries.count)
            for (row, hash) in entries {
                let login = row.login.lowercased()
                do {
                    added.append(try addUser(login: login, name: row.name, role: row.role, group: row.group,
                                             passwordHash: hash, mustChangePassword: true, nowMillis: nowMillis))
                } catch let e as StoreError where e.code == .conflict {
                    throw StoreError(.conflict, "line \(row.line): login '\(login)' already exists")
                }
            }
            // Parents' children: in this roster or already in the school, and students.
            for (row, _) in entries where !row.children.isEmpty {
                guard let parent = added.first(where: { $0.login == row.login }) else { continue }
                for childLogin in row.children {
                    guard let child = try user(login: childLogin), child.profile.role == .student else {
                        throw StoreError(.conflict, "line \(row.line): child '\(childLogin)' is not a student of the school")
                    }
                    try linkParent(parentID: parent.id, childID: child.profile.id, nowMillis: nowMillis)
                }
            }
            return added
        }
    }
}
