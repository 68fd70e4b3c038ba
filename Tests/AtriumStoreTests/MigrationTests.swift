import AtriumCore
@testable import AtriumStore
import Foundation
import Testing

@Suite struct MigrationTests {
    @Test func migratesFromEmptyAndReopens() throws {
        try withTempDir { dir in
            do {
                let store = try StoreConnection(dataDir: dir)
                #expect(try store.userCount() == 0)
                try store.addRoom(RoomRecord(id: "lounge", name: "Lounge", kind: .lounge), nowMillis: now)
                _ = try store.appendChat(room: "lounge", actor: 1, actorName: "A", text: "hi", nonce: nil, nowMillis: now)
            }
            #expect(FileManager.default.fileExists(atPath: StoreConnection.databasePath(dataDir: dir)))
            let attributes = try FileManager.default.attributesOfItem(atPath: dir)
            #expect((attributes[.posixPermissions] as? Int) == 0o700)

            let reopened = try StoreConnection(dataDir: dir)
            #expect(try reopened.db.queryOne("PRAGMA user_version") { $0.int64(0) } == Int64(Migrations.steps.count))
            #expect(try reopened.db.queryOne("PRAGMA journal_mode") { $0.text(0) } == "wal")
            #expect(try reopened.db.queryOne("PRAGMA foreign_keys") { $0.int64(0) } == 1)
            #expect(try reopened.room(id: "lounge")?.lastSeq == 1)
            #expect(try reopened.events(room: "lounge", after: 0, limit: 10).map(\.payload["text"]) == [.string("hi")])
        }
    }

    @Test func refusesANewerSchema() throws {
        try withTempDir { dir in
            do {
                let store = try StoreConnection(dataDir: dir)
                try store.db.exec("PRAGMA user_version = 99")
            }
            #expect(throws: StoreError.self) { try StoreConnection(dataDir: dir) }
        }
    }

    @Test func databasePathIsInsideTheFolder() {
        #expect(StoreConnection.databasePath(dataDir: "/var/lib/atrium") == "/var/lib/atrium/atrium.sqlite")
        #expect(StoreConnection.databasePath(dataDir: "/var/lib/atrium/") == "/var/lib/atrium/atrium.sqlite")
    }

    @Test func synchronousFollowsOptions() throws {
        try withTempDir { dir in
            let full = try StoreConnection(dataDir: dir, options: StoreOptions(synchronous: .full))
            #expect(try full.db.queryOne("PRAGMA synchronous") { $0.int64(0) } == 2)
            let normal = try StoreConnection(dataDir: dir)
            #expect(try normal.db.queryOne("PRAGMA synchronous") { $0.int64(0) } == 1)
        }
    }
}
