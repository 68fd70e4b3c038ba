// A thin owner of one sqlite3 connection: open/close, plain execution and a cache of prepared
// statements keyed by their SQL text. Not thread-safe by design: exactly one thread uses a
// Database at a time (opened with SQLITE_OPEN_NOMUTEX, so SQLite adds no locking of its own).

import CSQLite

final class Database {
    let handle: OpaquePointer
    let path: String
    private var cache: [String: Statement] = [:]

    init(path: String) throws {
        var h: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &h, flags, nil)
        guard rc == SQLITE_OK, let h else {
            let error = StoreError.sqlite(rc, h, context: "open \(path)")
            sqlite3_close_v2(h)
            throw error
        }
        sqlite3_extended_result_codes(h, 1)
        self.handle = h
        self.path = path
    }

    deinit {
        cache.removeAll()  // finalize every statement before closing
        sqlite3_close_v2(handle)
    }

    /// Runs SQL text that returns no rows we need (pragmas, DDL, BEGIN/COMMIT); may hold several
    /// statements.
    func exec(_ sql: String) throws {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw StoreError.sqlite(rc, handle, context: "exec '\(sql)'") }
    }

    /// Runs one cached statement with `bindings`, hands it to `body` for stepping and reading, and
    /// always resets it afterwards.
    func run<R>(_ sql: String, _ bindings: [SQLiteValue] = [], _ body: (Statement) throws -> R) throws -> R {
        let stmt = try statement(sql)
        defer { stmt.reset() }
        try stmt.bind(bindings)
        return try body(stmt)
    }

    /// Runs one cached statement to completion, ignoring rows; returns the rows changed.
    @discardableResult
    func execute(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> Int {
        try run(sql, bindings) { s in
            while try s.step() {}
            return Int(sqlite3_changes(handle))
        }
    }

    /// Every row of a cached query mapped by `row`.
    func query<R>(_ sql: String, _ bindings: [SQLiteValue] = [], _ row: (Statement) throws -> R) throws -> [R] {
        try run(sql, bindings) { s in
            var out: [R] = []
            while try s.step() { out.append(try row(s)) }
            return out
        }
    }

    /// The first row of a cached query mapped by `row`, or nil.
    func queryOne<R>(_ sql: String, _ bindings: [SQLiteValue] = [], _ row: (Statement) throws -> R) throws -> R? {
        try run(sql, bindings) { s in try s.step() ? try row(s) : nil }
    }

    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    private func statement(_ sql: String) throws -> Statement {
        if let s = cache[sql] { return s }
        let s = try Statement(database: self, sql: sql)
        cache[sql] = s
        return s
    }
}
