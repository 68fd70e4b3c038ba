// Read markers: the highest seq a person has seen in a room, so every device shows the same
// unread counts. Markers only move forward.

import AtriumCore

/// How far one person has read one room.
public struct ReadState: Sendable, Equatable {
    public var read: Int64
    /// Chat messages by others after `read`, not deleted, counted up to `ReadState.unreadCap`.
    public var unread: Int

    public init(read: Int64, unread: Int) {
        self.read = read
        self.unread = unread
    }
}

extension ReadState {
    /// Counting stops here ("99+" in a client): a long-unvisited room costs no more than this.
    public static let unreadCap = 100
}

extension StoreConnection {
    /// Moves the marker forward to `seq` (never back, never past the room's last seq).
    /// Returns the stored marker; `.notFound` for an unknown room.
    @discardableResult
    public func markRead(userID: UserID, room: RoomID, seq: Int64) throws -> Int64 {
        guard let stored = try self.room(id: room) else { throw StoreError(.notFound, "There is no room '\(room)'.") }
        let target = min(seq, stored.lastSeq)
        _ = try db.execute("""
            INSERT INTO read_markers(user_id, room, seq) VALUES(?, ?, ?)
            ON CONFLICT(user_id, room) DO UPDATE SET seq = max(seq, excluded.seq)
            """, [.int(userID), .text(room), .int(target)])
        return try db.queryOne("SELECT seq FROM read_markers WHERE user_id = ? AND room = ?",
                               [.int(userID), .text(room)]) { $0.int64(0) } ?? target
    }

    /// The read state of every room for one person.
    public func readStates(userID: UserID) throws -> [RoomID: ReadState] {
        let rows = try db.query("""
            SELECT r.id, coalesce(m.seq, 0),
                   (SELECT count(*) FROM (SELECT 1 FROM events e
                       WHERE e.room = r.id AND e.seq > coalesce(m.seq, 0) AND e.kind = 'chat.message'
                         AND e.actor != ?1 AND json_extract(e.payload, '$.deleted') IS NULL
                       LIMIT \(ReadState.unreadCap)))
            FROM rooms r LEFT JOIN read_markers m ON m.room = r.id AND m.user_id = ?1
            """, [.int(userID)]) { s in (s.text(0), ReadState(read: s.int64(1), unread: Int(s.int64(2)))) }
        return Dictionary(rows, uniquingKeysWith: { a, _ in a })
    }
}
