import AtriumCore
import AtriumStore
import Testing

@Suite("Room roles, parent links, minors")
struct MemberTests {
    func people(_ store: StoreConnection) throws -> (UserProfile, UserProfile, UserProfile) {
        let t = try store.addUser(login: "t", name: "T", role: .teacher, group: nil, passwordHash: "x", mustChangePassword: false, nowMillis: now)
        let s = try store.addUser(login: "s", name: "S", role: .student, group: nil, passwordHash: "x", mustChangePassword: false, nowMillis: now)
        let p = try store.addUser(login: "p", name: "P", role: .parent, group: nil, passwordHash: "x", mustChangePassword: false, nowMillis: now)
        return (t, s, p)
    }

    @Test func aRoomNeverLosesItsLastOwnerOrModerator() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            let (t, s, _) = try people(store)
            try store.setMember(room: "lounge", userID: t.id, role: .owner, nowMillis: now)
            try store.setMember(room: "lounge", userID: s.id, role: .member, nowMillis: now)
            #expect(try store.members(room: "lounge") == [t.id: .owner, s.id: .member])
            #expect(throws: StoreError.self) { try store.setMember(room: "lounge", userID: t.id, role: .member, nowMillis: now) }
            #expect(throws: StoreError.self) { try store.setMember(room: "lounge", userID: t.id, role: nil, nowMillis: now) }
            // With a second leader, the first may step down.
            try store.setMember(room: "lounge", userID: s.id, role: .moderator, nowMillis: now)
            try store.setMember(room: "lounge", userID: t.id, role: nil, nowMillis: now)
            #expect(try store.members(room: "lounge") == [s.id: .moderator])
            #expect(try store.allMembers() == ["lounge": [s.id: .moderator]])
            #expect(throws: StoreError.self) { try store.setMember(room: "nowhere", userID: s.id, role: .member, nowMillis: now) }
        }
    }

    @Test func parentLinksAndMinors() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            let (t, s, p) = try people(store)
            try store.linkParent(parentID: p.id, childID: s.id)
            try store.linkParent(parentID: p.id, childID: s.id)  // idempotent
            #expect(try store.children(of: p.id) == [s.id])
            #expect(try store.parents(of: s.id) == [p.id])
            #expect(throws: StoreError.self) { try store.linkParent(parentID: t.id, childID: s.id) }
            #expect(throws: StoreError.self) { try store.linkParent(parentID: p.id, childID: t.id) }
            // Students are minors by default; others are not.
            #expect(try store.isMinor(userID: s.id))
            #expect(try !store.isMinor(userID: t.id))
            try store.setMinor(userID: s.id, minor: false)
            #expect(try !store.isMinor(userID: s.id))
        }
    }

    @Test func contactFactsAndDirectRooms() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            try store.addRoom(RoomRecord(id: "7a", name: "7A", kind: .class), nowMillis: now)
            let (t, s, p) = try people(store)
            #expect(try store.contactFacts(s.id, t.id) == ContactFacts(aIsMinor: true, bIsMinor: false, parentLink: false, leadsRoomOfOther: false, shareRoom: false))
            try store.setMember(room: "7a", userID: t.id, role: .owner, nowMillis: now)
            try store.setMember(room: "7a", userID: s.id, role: .member, nowMillis: now)
            try store.linkParent(parentID: p.id, childID: s.id)
            let facts = try store.contactFacts(s.id, t.id)
            #expect(facts.leadsRoomOfOther && facts.shareRoom && !facts.parentLink)
            #expect(try store.contactFacts(p.id, s.id).parentLink)
            let first = try store.openDirect(s, t, nowMillis: now)
            #expect(first.created && first.room.record.id == ContactPolicy.directRoomID(s.id, t.id))
            #expect(try store.members(room: first.room.record.id) == [s.id: .member, t.id: .member])
            #expect(try store.openDirect(t, s, nowMillis: now).created == false)
            #expect(try store.directPeople()[first.room.record.id]?.map(\.id) == [t.id, s.id].sorted())
        }
    }
}

@Suite("Roster import with parent links")
struct RosterLinkImportTests {
    @Test func parentsAreLinkedToTheirChildrenAllOrNothing() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            let existing = try store.addUser(login: "dima", name: "Дима", role: .student, group: "7A", passwordHash: "x", mustChangePassword: false, nowMillis: now)
            var olga = RosterRow(line: 3, login: "olga", name: "Ольга", role: .parent, group: nil)
            olga.children = ["masha", "dima"]
            let masha = RosterRow(line: 2, login: "masha", name: "Маша", role: .student, group: "7A")
            let added = try store.importRoster([(masha, "h"), (olga, "h")], nowMillis: now)
            let olgaID = try #require(added.first { $0.login == "olga" }).id
            #expect(Set(try store.children(of: olgaID)) == [existing.id, try #require(added.first { $0.login == "masha" }).id])
            // A child who is not a student fails the whole import.
            var bad = RosterRow(line: 7, login: "petr", name: "Пётр", role: .parent, group: nil)
            bad.children = ["olga"]
            #expect(throws: StoreError.self) { try store.importRoster([(bad, "h")], nowMillis: now) }
            #expect(try store.user(login: "petr") == nil)
        }
    }
}
