// A prepared sqlite3 statement. Owned by one `Database` and used only by the thread that owns
// that connection. Cached statements are reused: `Database.run` resets and clears them after
// every use, so a half-read statement never holds a read snapshot open.

import CSQLite

final class Statement {
    let handle: OpaquePointer
    let sql: String
    private unowned let database: Database

    init(database: Database, sql: String) throws {
        var h: OpaquePointer?
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &h, nil)
        guard rc == SQLITE_OK, let h else {
            throw StoreError.sqlite(rc, database.handle, context: "prepare '\(sql)'")
        }
        self.handle = h
        self.sql = sql
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    // MARK: Binding (1-based indexes, as in SQLite)

    func bind(_ values: [SQLiteValue]) throws {
        for (i, v) in values.enumerated() { try bind(v, at: Int32(i + 1)) }
    }

    func bind(_ value: SQLiteValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, index)
        case .int(let v): rc = sqlite3_bind_int64(handle, index, v)
        case .text(let s):
            var s = s
            rc = s.withUTF8 { buf -> Int32 in
                guard let base = buf.baseAddress, buf.count > 0 else {
                    // An empty buffer may have no address, which SQLite would store as NULL.
                    return sqlite3_bind_text(handle, index, "", 0, atrium_sqlite_transient())
                }
                return base.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                    sqlite3_bind_text(handle, index, $0, Int32(buf.count), atrium_sqlite_transient())
                }
            }
        case .blob(let b):
            rc = b.isEmpty
                ? sqlite3_bind_zeroblob(handle, index, 0)
                : b.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), atrium_sqlite_transient()) }
        }
        guard rc == SQLITE_OK else { throw StoreError.sqlite(rc, database.handle, context: "bind") }
    }

    // MARK: Stepping

    /// Advances; `true` when a row is available, `false` when the statement is done.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw StoreError.sqlite(rc, database.handle, context: "step '\(sql)'")
        }
    }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Columns (0-based indexes)

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func text(_ column: Int32) -> String {
        guard let p = sqlite3_column_text(handle, column) else { return "" }
        let n = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    /// The raw bytes of a text or blob column (payload JSON is parsed from these directly).
    func bytes(_ column: Int32) -> [UInt8] {
        // Ask for the pointer first: sqlite3_column_bytes is then valid for that representation.
        guard let p = sqlite3_column_blob(handle, column) else { return [] }
        let n = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}
