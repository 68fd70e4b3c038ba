// The store facade: one SQLite connection with typed operations (users, sessions, rooms, events,
// change log, roster import, backup), split over the StoreConnection+*.swift files.
//
// Not Sendable: one thread at a time uses a connection — the commit thread, a StoreWorker
// thread, or the CLI's main thread. Concurrency between connections is SQLite's job (WAL mode:
// readers never block the writer; writers queue on the lock for up to busy_timeout).

import AtriumCore
import CSQLite
import Foundation

public final class StoreConnection {
    let db: Database

    /// The database file inside a data folder.
    public static func databasePath(dataDir: String) -> String {
        dataDir.hasSuffix("/") ? dataDir + "atrium.sqlite" : dataDir + "/atrium.sqlite"
    }

    /// Creates `dataDir` (mode 0700: it holds password hashes) if missing, opens the database,
    /// sets the connection pragmas and runs missing migrations.
    public init(dataDir: String, options: StoreOptions = .init()) throws {
        try Self.ensureDirectory(dataDir)
        db = try Database(path: Self.databasePath(dataDir: dataDir))
        sqlite3_busy_timeout(db.handle, Int32(clamping: options.busyTimeoutMillis))
        try db.exec("PRAGMA journal_mode=WAL")
        try db.exec("PRAGMA synchronous=\(options.synchronous == .full ? "FULL" : "NORMAL")")
        try db.exec("PRAGMA foreign_keys=ON")
        try Migrations.migrate(db)
    }

    private static func ensureDirectory(_ path: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw StoreError(.internal, "The data folder \(path) is not a directory.") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(.internal, "Cannot create the data folder \(path): \(error.localizedDescription)")
        }
    }

    // MARK: - Transactions

    /// Runs `body` in `BEGIN IMMEDIATE … COMMIT` (the write lock is taken up front, so the
    /// transaction never fails half-way on a lock upgrade); rolls back if `body` throws.
    /// Called while a transaction is already open (e.g. inside a CommitQueue job), it becomes a
    /// savepoint, so every store operation can be used both alone (CLI) and batched.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if db.isInTransaction { return try savepoint(body) }
        try db.execute("BEGIN IMMEDIATE")
        let value: T
        do {
            value = try body()
        } catch {
            rollbackQuietly()
            throw error
        }
        do {
            try db.execute("COMMIT")
        } catch {
            rollbackQuietly()
            throw error
        }
        return value
    }

    /// A nested unit: `SAVEPOINT … RELEASE`; on throw only this unit's writes are undone and the
    /// enclosing transaction continues. Names may repeat: SQLite resolves to the innermost one.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        try db.execute("SAVEPOINT atrium_sp")
        let value: T
        do {
            value = try body()
        } catch {
            _ = try? db.execute("ROLLBACK TO atrium_sp")
            _ = try? db.execute("RELEASE atrium_sp")
            throw error
        }
        try db.execute("RELEASE atrium_sp")
        return value
    }

    private func rollbackQuietly() {
        // ROLLBACK fails only if SQLite already rolled back (e.g. after SQLITE_FULL); nothing to do then.
        if db.isInTransaction { _ = try? db.exec("ROLLBACK") }
    }

    // Raw transaction control for CommitQueue, which needs BEGIN and COMMIT as separate steps.
    func begin() throws { try db.execute("BEGIN IMMEDIATE") }
    func commit() throws { try db.execute("COMMIT") }
    func rollback() { rollbackQuietly() }

    // MARK: - Maintenance

    /// Copies the WAL back into the database file and truncates it (used at shutdown).
    /// `unavailable` if readers kept it from finishing.
    public func checkpoint() throws {
        var logFrames: Int32 = 0
        var checkpointed: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(db.handle, nil, SQLITE_CHECKPOINT_TRUNCATE, &logFrames, &checkpointed)
        guard rc == SQLITE_OK else { throw StoreError.sqlite(rc, db.handle, context: "checkpoint") }
    }
}
