import AtriumCore
import AtriumStore
import Testing

@Suite struct UserSessionTests {
    @Test func usersAreCaseInsensitiveAndUnique() throws {
        try withTempDir { dir in
            let store = try StoreConnection(dataDir: dir)
            let anna = try store.addUser(login: "Anna.K", name: "Anna K", role: .teacher, group: nil,
                                         passwordHash: "h1", mustChangePassword: false, nowMillis: now)
            #expect(anna.login == "anna.k")
            #expect(try store.user(login: "ANNA.K")?.profile == anna)
            #expect(try store.user(id: anna.id)?.passwordHash == "h1")
            #expect {
                try store.addUser(login: "anna.K", name: "Other", role: .student, group: "7A",
                                  passwordHash: "h", mustChangePassword: true, nowMillis: now)
            } throws: { ($0 as? StoreError)?.code == .conflict }
            let bob = try store.addUser(login: "bob", name: "Bob", role: .student, group: "7A",
                                        passwordHash: "h2", mustChangePassword: true, nowMillis: now)
            #expect(try store.userCount() == 2)
            #expect(try store.users().map(\.profile) == [anna, bob])
            #expect(try store.user(login: "bob")?.group == "7A")
            #expect(try store.user(login: "bob")?.mustChangePassword == true)
            #expect(try store.user(login: "nobody") == nil)
            #expect(try store.user(id: 999) == nil)

            try store.setPassword(userID: bob.id, passwordHash: "h3", mustChange: false)
            let updated = try #require(try store.user(id: bob.id))
            #expect(updated.passwordHash == "h3" && !updated.mustChangePassword)
            #expect { try store.setPassword(userID: 999, passwordHash: "x", mustChange: false) }
                throws: { ($0 as? StoreError)?.code == .notFound }
        }
    }

    @Test func sessionsExpireAndRevoke() throws {
        try withTempDir { dir in
            let store = try StoreConnection(dataDir: dir)
            let user = try store.addUser(login: "anna", name: "Anna", role: .student, group: nil,
                                         passwordHash: "h", mustChangePassword: false, nowMillis: now)
            let t1 = Tokens.hash(Tokens.generate()), t2 = Tokens.hash(Tokens.generate()), t3 = Tokens.hash(Tokens.generate())
            try store.createSession(userID: user.id, tokenHash: t1, nowMillis: now, expiresAtMillis: now + 1000)
            try store.createSession(userID: user.id, tokenHash: t2, nowMillis: now, expiresAtMillis: now + 1000)
            try store.createSession(userID: user.id, tokenHash: t3, nowMillis: now, expiresAtMillis: now + 1000)

            #expect(try store.session(tokenHash: t1, nowMillis: now) == user)
            #expect(try store.session(tokenHash: t1, nowMillis: now + 999) == user)
            #expect(try store.session(tokenHash: t1, nowMillis: now + 1000) == nil)  // expired
            #expect(try store.session(tokenHash: Tokens.hash("unknown"), nowMillis: now) == nil)

            #expect(try store.revokeSession(tokenHash: t1, nowMillis: now) == true)
            #expect(try store.revokeSession(tokenHash: t1, nowMillis: now) == false)
            #expect(try store.session(tokenHash: t1, nowMillis: now) == nil)
            #expect(try store.session(tokenHash: t2, nowMillis: now) == user)

            #expect(try store.revokeSessions(userID: user.id, nowMillis: now) == 2)
            #expect(try store.session(tokenHash: t2, nowMillis: now) == nil)
            #expect(try store.session(tokenHash: t3, nowMillis: now) == nil)
            #expect(try store.revokeSessions(userID: user.id, nowMillis: now) == 0)
        }
    }

    @Test func sessionForUnknownUserIsRefused() throws {
        try withTempDir { dir in
            let store = try StoreConnection(dataDir: dir)
            #expect { try store.createSession(userID: 42, tokenHash: [1, 2, 3], nowMillis: now, expiresAtMillis: now + 1) }
                throws: { $0 is StoreError }
        }
    }

    @Test func roomsAddListAndConflict() throws {
        try withTempDir { dir in
            let store = try StoreConnection(dataDir: dir)
            let lab = RoomRecord(id: "lab", name: "Lab", kind: .project)
            try store.addRoom(lab, nowMillis: now)
            try store.addRoom(RoomRecord(id: "hall", name: "Hall", kind: .lounge, joinRule: .invite), nowMillis: now)
            #expect { try store.addRoom(RoomRecord(id: "lab", name: "Again", kind: .lounge), nowMillis: now) }
                throws: { ($0 as? StoreError)?.code == .conflict }
            let rooms = try store.rooms()
            #expect(rooms.map(\.record.id) == ["hall", "lab"])
            #expect(rooms[0].record.joinRule == .invite)
            #expect(try store.room(id: "lab") == StoredRoom(record: lab, lastSeq: 0))
            #expect(try store.room(id: "none") == nil)
        }
    }

    @Test func changeLog() throws {
        try withTempDir { dir in
            let store = try StoreConnection(dataDir: dir)
            #expect(try store.latestChangeID() == 0)
            try store.recordChange(kind: "user", subject: "anna", nowMillis: now)
            try store.recordChange(kind: "room", subject: "lab", nowMillis: now)
            let all = try store.changes(after: 0)
            #expect(all.map(\.kind) == ["user", "room"])
            #expect(try store.latestChangeID() == all[1].id)
            #expect(try store.changes(after: all[0].id) == [all[1]])
            #expect(try store.changes(after: all[1].id).isEmpty)
            // Seen by another connection on the same folder (the polling server).
            let other = try StoreConnection(dataDir: dir)
            #expect(try other.changes(after: 0) == all)
        }
    }

    @Test func rosterImportIsAllOrNothing() throws {
        try withTempDir { dir in
            let store = try StoreConnection(dataDir: dir)
            _ = try store.addUser(login: "taken", name: "T", role: .teacher, group: nil, passwordHash: "h",
                                  mustChangePassword: false, nowMillis: now)
            let bad: [(row: RosterRow, passwordHash: String)] = [
                (RosterRow(line: 2, login: "ivan", name: "Ivan", role: .student, group: "7A"), "h1"),
                (RosterRow(line: 3, login: "Taken", name: "X", role: .student, group: nil), "h2"),
            ]
            #expect {
                _ = try store.importRoster(bad, nowMillis: now)
            } throws: { error in
                let e = error as? StoreError
                return e?.code == .conflict && e?.message == "line 3: login 'taken' already exists"
            }
            #expect(try store.user(login: "ivan") == nil)
            #expect(try store.userCount() == 1)

            // A login twice in the same roster is a conflict too.
            let twice: [(row: RosterRow, passwordHash: String)] = [
                (RosterRow(line: 2, login: "ivan", name: "Ivan", role: .student, group: "7A"), "h1"),
                (RosterRow(line: 5, login: "ivan", name: "Ivan 2", role: .student, group: "7A"), "h1"),
            ]
            #expect { _ = try store.importRoster(twice, nowMillis: now) }
                throws: { ($0 as? StoreError)?.message == "line 5: login 'ivan' already exists" }
            #expect(try store.userCount() == 1)

            let good: [(row: RosterRow, passwordHash: String)] = [
                (RosterRow(line: 2, login: "ivan", name: "Ivan", role: .student, group: "7A"), "h1"),
                (RosterRow(line: 3, login: "maria", name: "Maria", role: .parent, group: nil), "h2"),
            ]
            let added = try store.importRoster(good, nowMillis: now)
            #expect(added.map(\.login) == ["ivan", "maria"])
            let ivan = try #require(try store.user(login: "ivan"))
            #expect(ivan.mustChangePassword && ivan.group == "7A" && ivan.passwordHash == "h1")
            #expect(try store.userCount() == 3)
        }
    }
}
