// Online backup with sqlite3_backup_*: a consistent copy of the database while other
// connections keep writing. Runs on the thread that owns this connection (CLI or a worker).
//
// Why the explicit read transaction: a backup is restarted from page 1 whenever another
// connection writes between two steps, so under steady chat traffic a stepped backup might
// never finish. Holding one read transaction on the source for the whole copy pins a WAL
// snapshot; writers carry on (WAL readers never block them) and the copy is that snapshot.

import CSQLite

extension StoreConnection {
    /// Writes a copy to `path` (replacing that file's contents). The copy is a complete database
    /// that opens on its own.
    public func backup(to path: String) throws {
        try backup(to: path, pagesPerStep: 1024)
    }

    /// `pagesPerStep` is adjustable for tests (many small steps while writers run).
    func backup(to path: String, pagesPerStep: Int32) throws {
        guard !db.isInTransaction else {
            throw StoreError(.internal, "backup must not run inside a transaction (it needs its own snapshot)")
        }
        let dest = try Database(path: path)
        // The loop below never names `dest`; keep it open until the backup is finished.
        defer { withExtendedLifetime(dest) {} }
        try db.exec("BEGIN DEFERRED")
        defer { _ = try? db.exec("COMMIT") }  // ends the read transaction; nothing was written
        // Any read starts the snapshot.
        _ = try db.queryOne("SELECT count(*) FROM sqlite_schema") { $0.int64(0) }

        guard let backup = sqlite3_backup_init(dest.handle, "main", db.handle, "main") else {
            throw StoreError.sqlite(sqlite3_errcode(dest.handle), dest.handle, context: "backup to \(path)")
        }
        var rc: Int32
        var busyRetries = 0
        repeat {
            // 1024 pages (4 MiB at the default page size) per step keeps each step short.
            rc = sqlite3_backup_step(backup, pagesPerStep)
            if rc == SQLITE_BUSY || rc == SQLITE_LOCKED {
                // The destination is locked by someone else; wait a little and try again.
                busyRetries += 1
                if busyRetries > 200 { break }
                sqlite3_sleep(25)
            } else {
                busyRetries = 0
            }
        } while rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED
        let finishRC = sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE else { throw StoreError.sqlite(rc, dest.handle, context: "backup to \(path)") }
        guard finishRC == SQLITE_OK else { throw StoreError.sqlite(finishRC, dest.handle, context: "backup to \(path)") }
    }
}
