// The change log: the CLI records what it changed (a user, a room, a membership) so a server
// running on the same data folder, which polls `changes(after:)`, reloads just that subject.

extension StoreConnection {
    public func recordChange(kind: String, subject: String, nowMillis: Int64) throws {
        try db.execute("INSERT INTO changes(kind, subject, at) VALUES(?,?,?)", [.text(kind), .text(subject), .int(nowMillis)])
    }

    /// Changes with `id > after`, oldest first.
    public func changes(after: Int64) throws -> [ChangeRecord] {
        try db.query("SELECT id, kind, subject FROM changes WHERE id > ? ORDER BY id", [.int(after)]) {
            ChangeRecord(id: $0.int64(0), kind: $0.text(1), subject: $0.text(2))
        }
    }

    /// The newest change id (0 when there is none): a starting server polls from here.
    public func latestChangeID() throws -> Int64 {
        try db.queryOne("SELECT COALESCE(MAX(id), 0) FROM changes") { $0.int64(0) } ?? 0
    }
}
