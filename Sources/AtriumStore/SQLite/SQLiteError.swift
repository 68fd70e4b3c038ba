// The one place where sqlite3 result codes become `StoreError`s (DESIGN.md: C return codes are
// converted in one wrapper). Runs on whichever thread owns the connection.

import AtriumCore
import CSQLite

enum SQLiteCode {
    // Extended codes are built by C macros Swift cannot import; the values are stable ABI.
    static let constraintPrimaryKey: Int32 = 19 | (6 << 8)  // SQLITE_CONSTRAINT_PRIMARYKEY
    static let constraintUnique: Int32 = 19 | (8 << 8)      // SQLITE_CONSTRAINT_UNIQUE
}

extension StoreError {
    /// Maps a failed sqlite3 call: BUSY/LOCKED → `unavailable` (another writer held the lock past
    /// the busy timeout), a UNIQUE or PRIMARY KEY violation → `conflict`, the rest → `internal`.
    static func sqlite(_ rc: Int32, _ db: OpaquePointer?, context: String) -> StoreError {
        let extended = db.map { sqlite3_extended_errcode($0) } ?? rc
        let text = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(rc))
        let message = "\(context): \(text) (sqlite \(extended))"
        switch rc & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return StoreError(.unavailable, message)
        case SQLITE_CONSTRAINT where extended == SQLiteCode.constraintUnique
            || extended == SQLiteCode.constraintPrimaryKey:
            return StoreError(.conflict, message)
        default:
            return StoreError(.internal, message)
        }
    }
}
