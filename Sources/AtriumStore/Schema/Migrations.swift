// The schema, as an ordered list of migration steps. `PRAGMA user_version` records how many
// steps a database file has run; opening a connection runs the missing ones, each in its own
// transaction together with the version bump.
//
// NEVER EDIT A SHIPPED STEP: databases in the field have already run it and will not run it
// again. To change the schema, append a new step (ALTER TABLE, new index, data fix-up).

enum Migrations {
    /// Step i (0-based) brings a database from user_version i to i + 1.
    static let steps: [[String]] = [
        // 1: users, sessions, rooms, events, change log.
        [
            """
            CREATE TABLE users(
                id            INTEGER PRIMARY KEY,
                login         TEXT UNIQUE NOT NULL,      -- stored lowercase
                name          TEXT NOT NULL,
                role          TEXT NOT NULL,             -- OrgRole raw value
                grp           TEXT,                      -- class/group from the roster, if any
                password_hash TEXT NOT NULL,             -- Passwords.hash format
                must_change   INTEGER NOT NULL DEFAULT 0,
                created_at    INTEGER NOT NULL           -- ms since 1970
            )
            """,
            """
            CREATE TABLE sessions(
                token_hash BLOB PRIMARY KEY,             -- SHA-256 of the token; the token itself is never stored
                user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                revoked_at INTEGER
            )
            """,
            "CREATE INDEX sessions_by_user ON sessions(user_id)",
            """
            CREATE TABLE rooms(
                id         TEXT PRIMARY KEY,
                name       TEXT NOT NULL,
                kind       TEXT NOT NULL,
                join_rule  TEXT NOT NULL,
                last_seq   INTEGER NOT NULL DEFAULT 0,   -- the highest seq of the room's events
                created_at INTEGER NOT NULL
            )
            """,
            """
            CREATE TABLE events(
                room    TEXT NOT NULL REFERENCES rooms(id),
                seq     INTEGER NOT NULL,
                at      INTEGER NOT NULL,
                kind    TEXT NOT NULL,
                actor   INTEGER NOT NULL,
                nonce   TEXT,                            -- chat.message resend key
                target  INTEGER,                         -- the seq an edit/delete refers to
                payload TEXT NOT NULL,                   -- JSON object text
                PRIMARY KEY(room, seq)
            ) WITHOUT ROWID
            """,
            "CREATE UNIQUE INDEX events_nonce ON events(room, actor, nonce) WHERE nonce IS NOT NULL",
            "CREATE INDEX events_target ON events(room, target) WHERE target IS NOT NULL",
            """
            CREATE TABLE changes(
                id      INTEGER PRIMARY KEY AUTOINCREMENT,
                kind    TEXT NOT NULL,
                subject TEXT NOT NULL,
                at      INTEGER NOT NULL
            )
            """,
        ],
        // 2: read markers (how far each person has read each room), for unread counts.
        [
            """
            CREATE TABLE read_markers(
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                room    TEXT NOT NULL REFERENCES rooms(id),
                seq     INTEGER NOT NULL,
                PRIMARY KEY(user_id, room)
            ) WITHOUT ROWID
            """,
        ],
        // 3: room roles, parent links, minors.
        [
            """
            CREATE TABLE room_members(
                room     TEXT NOT NULL REFERENCES rooms(id),
                user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                role     TEXT NOT NULL,                  -- RoomRole raw value
                added_at INTEGER NOT NULL,
                PRIMARY KEY(room, user_id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX room_members_by_user ON room_members(user_id)",
            """
            CREATE TABLE user_links(
                parent_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                child_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                PRIMARY KEY(parent_id, child_id)
            ) WITHOUT ROWID
            """,
            "ALTER TABLE users ADD COLUMN minor INTEGER NOT NULL DEFAULT 0",
            "UPDATE users SET minor = 1 WHERE role = 'student'",
        ],
        // 4: the oversight log — append-only: triggers refuse every UPDATE and DELETE.
        [
            """
            CREATE TABLE audit(
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                at         INTEGER NOT NULL,
                actor_id   INTEGER,                      -- NULL: the command line / the system
                action     TEXT NOT NULL,                -- e.g. room.role, user.link, chat.delete_other
                room       TEXT,
                subject_id INTEGER,                      -- the person the entry concerns
                detail     TEXT NOT NULL                 -- JSON object
            )
            """,
            "CREATE INDEX audit_by_subject ON audit(subject_id)",
            "CREATE INDEX audit_by_actor ON audit(actor_id)",
            "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the oversight log is append-only'); END",
            "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the oversight log is append-only'); END",
        ],
        // 5: knocks — requests to enter a `knock` room, kept until decided (they survive reloads).
        [
            """
            CREATE TABLE knocks(
                room       TEXT NOT NULL REFERENCES rooms(id),
                user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                message    TEXT NOT NULL,
                state      TEXT NOT NULL,                -- waiting | admitted | refused
                created_at INTEGER NOT NULL,
                decided_by INTEGER,
                decided_at INTEGER,
                PRIMARY KEY(room, user_id)
            ) WITHOUT ROWID
            """,
        ],
        // 6: moderation — mutes and bans per room, and reported messages with their states.
        [
            """
            CREATE TABLE room_restrictions(
                room    TEXT NOT NULL REFERENCES rooms(id),
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                kind    TEXT NOT NULL,                   -- mute | ban
                until   INTEGER,                         -- ms since 1970; NULL = until lifted
                by_user INTEGER NOT NULL,
                reason  TEXT,
                at      INTEGER NOT NULL,
                PRIMARY KEY(room, user_id, kind)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE reports(
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                room       TEXT NOT NULL REFERENCES rooms(id),
                seq        INTEGER NOT NULL,
                reporter   INTEGER NOT NULL REFERENCES users(id),
                reason     TEXT NOT NULL,
                state      TEXT NOT NULL,                -- open | resolved | dismissed
                created_at INTEGER NOT NULL,
                decided_by INTEGER,
                decided_at INTEGER,
                note       TEXT
            )
            """,
            "CREATE INDEX reports_by_room ON reports(room, state)",
        ],
        // 7: invitations for external residents (guests) to one room or event.
        [
            """
            CREATE TABLE invitations(
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                token_hash BLOB UNIQUE NOT NULL,         -- SHA-256 of the link's token
                room       TEXT NOT NULL REFERENCES rooms(id),
                sponsor    INTEGER NOT NULL REFERENCES users(id),
                expires_at INTEGER NOT NULL,
                max_uses   INTEGER NOT NULL,
                uses       INTEGER NOT NULL DEFAULT 0,
                revoked_at INTEGER,
                created_at INTEGER NOT NULL
            )
            """,
            "CREATE INDEX invitations_by_room ON invitations(room)",
            """
            CREATE TABLE guests(
                user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                invitation INTEGER NOT NULL REFERENCES invitations(id)
            )
            """,
        ],
        // 8: pre-moderation per room.
        [
            "ALTER TABLE rooms ADD COLUMN premoderated INTEGER NOT NULL DEFAULT 0",
        ],
        // 9: per-room permission overrides: JSON {"member": ["read", "post", …], …}.
        [
            "ALTER TABLE rooms ADD COLUMN permissions TEXT",
        ],
        // 10: history visibility per room, and the seq at which each listed person joined.
        [
            "ALTER TABLE rooms ADD COLUMN history TEXT NOT NULL DEFAULT 'all'",
            "ALTER TABLE room_members ADD COLUMN since_seq INTEGER NOT NULL DEFAULT 0",
        ],
        // 11: boards and documents (docs/collab.md). Every operation is also a room event;
        // these tables index them by object and revision and hold the snapshots.
        [
            """
            CREATE TABLE collab_objects(
                room       TEXT NOT NULL REFERENCES rooms(id),
                kind       TEXT NOT NULL,                -- 'doc' or 'board'
                id         TEXT NOT NULL,                -- the document id; 'main' for the board
                title      TEXT NOT NULL,
                rev        INTEGER NOT NULL DEFAULT 0,   -- the newest committed revision
                locked     INTEGER NOT NULL DEFAULT 0,
                created_by INTEGER,
                created_at INTEGER NOT NULL,
                PRIMARY KEY(room, kind, id)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE collab_ops(
                room    TEXT NOT NULL,
                kind    TEXT NOT NULL,
                object  TEXT NOT NULL,
                rev     INTEGER NOT NULL,
                seq     INTEGER NOT NULL,                -- the room event holding the operation
                actor   INTEGER NOT NULL,
                at      INTEGER NOT NULL,
                summary TEXT NOT NULL,                   -- JSON for the timeline
                PRIMARY KEY(room, kind, object, rev)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE collab_snapshots(
                room   TEXT NOT NULL,
                kind   TEXT NOT NULL,
                object TEXT NOT NULL,
                rev    INTEGER NOT NULL,
                body   TEXT NOT NULL,                    -- JSON: {"text","authors"} or the board
                PRIMARY KEY(room, kind, object, rev)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE collab_contributions(
                room   TEXT NOT NULL,
                user   INTEGER NOT NULL,
                metric TEXT NOT NULL,
                count  INTEGER NOT NULL,
                PRIMARY KEY(room, user, metric)
            ) WITHOUT ROWID
            """,
        ],
    ]

    /// Runs the steps `db` has not run yet. Called once per connection, right after opening.
    static func migrate(_ db: Database) throws {
        let current = try db.queryOne("PRAGMA user_version") { Int($0.int64(0)) } ?? 0
        guard current < steps.count else {
            if current > steps.count {
                throw StoreError(.internal, "The database schema (version \(current)) is newer than this program (version \(steps.count)).")
            }
            return
        }
        for version in current..<steps.count {
            try db.exec("BEGIN IMMEDIATE")
            do {
                // Another process may have migrated between our read and our lock.
                let now = try db.queryOne("PRAGMA user_version") { Int($0.int64(0)) } ?? 0
                if now <= version {
                    for sql in steps[version] { try db.exec(sql) }
                    try db.exec("PRAGMA user_version = \(version + 1)")
                }
                try db.exec("COMMIT")
            } catch {
                try? db.exec("ROLLBACK")
                throw error
            }
        }
    }
}
