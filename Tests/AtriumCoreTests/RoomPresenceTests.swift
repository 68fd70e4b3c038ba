import Testing
@testable import AtriumCore

@Suite("Room presence")
struct RoomPresenceTests {
    let anna = PresenceEntry(user: 1, name: "Anna", role: .teacher)
    let boris = PresenceEntry(user: 2, name: "Boris", role: .student)

    func users(_ entries: [PresenceEntry]) -> [UserID] { entries.map(\.user) }

    @Test func joinIsAnnouncedAtTheNextTick() {
        var p = RoomPresence(graceSeconds: 5)
        #expect(!p.needsTick && p.isIdle)
        p.add(conn: 10, entry: anna, now: 0)
        #expect(p.needsTick)
        #expect(users(p.present(now: 0)) == [1])
        let diff = p.tick(now: 0.1)
        #expect(diff?.joined == [anna] && diff?.left == [])
        #expect(!p.needsTick)
        #expect(p.tick(now: 0.2) == nil)
        #expect(p.announced == [anna])
    }

    @Test func dropAndReturnWithinGraceIsNeverAnnounced() {
        var p = RoomPresence(graceSeconds: 5)
        p.add(conn: 10, entry: anna, now: 0)
        _ = p.tick(now: 0.1)
        p.remove(conn: 10, now: 1, dropped: true)
        #expect(p.needsTick)  // a grace period is running
        #expect(users(p.present(now: 1)) == [1])
        #expect(p.tick(now: 1.1) == nil)
        #expect(p.tick(now: 3) == nil)
        p.add(conn: 11, entry: anna, now: 4)
        #expect(p.tick(now: 4.1) == nil)
        #expect(p.tick(now: 20) == nil)
        #expect(!p.needsTick)
        #expect(p.connections(of: 1) == [11])
    }

    @Test func dropPastGraceLeaves() {
        var p = RoomPresence(graceSeconds: 5)
        p.add(conn: 10, entry: anna, now: 0)
        _ = p.tick(now: 0.1)
        p.remove(conn: 10, now: 1, dropped: true)
        #expect(p.tick(now: 5.9) == nil)
        #expect(p.present(now: 6).isEmpty)  // the deadline has passed even before the tick
        let diff = p.tick(now: 6.0)
        #expect(diff?.joined == [] && diff?.left == [1])
        #expect(!p.needsTick && p.isIdle)
    }

    @Test func twoTabsAreOnePersonWhoLeavesWithTheLast() {
        var p = RoomPresence(graceSeconds: 5)
        p.add(conn: 10, entry: anna, now: 0)
        p.add(conn: 11, entry: anna, now: 0)
        #expect(p.present(now: 0) == [anna])
        #expect(p.connectionCount == 2)
        #expect(p.tick(now: 0.1)?.joined == [anna])
        p.remove(conn: 10, now: 1, dropped: false)
        #expect(p.tick(now: 1.1) == nil)
        #expect(p.present(now: 1.1) == [anna])
        p.remove(conn: 11, now: 2, dropped: false)
        #expect(p.tick(now: 2.1)?.left == [1])
    }

    @Test func explicitLeaveIsAnnouncedAtTheNextTickWithoutGrace() {
        var p = RoomPresence(graceSeconds: 5)
        p.add(conn: 10, entry: anna, now: 0)
        _ = p.tick(now: 0.1)
        p.remove(conn: 10, now: 1, dropped: false)
        #expect(p.present(now: 1).isEmpty)
        let diff = p.tick(now: 1.1)
        #expect(diff?.joined == [] && diff?.left == [1])
        #expect(p.isIdle)
    }

    @Test func joinAndLeaveBetweenTicksIsNothing() {
        var p = RoomPresence(graceSeconds: 5)
        p.add(conn: 10, entry: anna, now: 0)
        _ = p.tick(now: 0.1)
        p.add(conn: 20, entry: boris, now: 0.12)
        p.remove(conn: 20, now: 0.15, dropped: false)
        #expect(p.tick(now: 0.2) == nil)
        // Dropped before ever being announced: no grace, nothing to announce later either.
        p.add(conn: 21, entry: boris, now: 0.22)
        p.remove(conn: 21, now: 0.25, dropped: true)
        #expect(p.tick(now: 0.3) == nil)
        #expect(!p.needsTick)
        #expect(p.tick(now: 10) == nil)
    }

    @Test func leaveAndComeBackBetweenTicksIsNothing() {
        var p = RoomPresence(graceSeconds: 0)
        p.add(conn: 10, entry: anna, now: 0)
        _ = p.tick(now: 0.1)
        p.remove(conn: 10, now: 0.12, dropped: false)
        p.add(conn: 11, entry: anna, now: 0.15)
        #expect(p.tick(now: 0.2) == nil)
    }

    @Test func reconnectWaveIsOneDiff() {
        var p = RoomPresence(graceSeconds: 5)
        let n = 500
        let entries = (1...n).map { PresenceEntry(user: UserID($0), name: "u\($0)", role: .student) }
        for e in entries { p.add(conn: UInt64(e.user), entry: e, now: 0) }
        let first = p.tick(now: 0.1)
        #expect(first?.joined.count == n)
        #expect(first?.joined == entries)  // order of first arrival
        // Every connection drops (server restart, Wi-Fi blip) and comes back within grace;
        // a few new people also arrive and one person leaves for real.
        for e in entries { p.remove(conn: UInt64(e.user), now: 1, dropped: true) }
        for e in entries.dropLast() { p.add(conn: UInt64(e.user) + 10_000, entry: e, now: 1.5) }
        let newcomer = PresenceEntry(user: 9999, name: "new", role: .parent)
        p.add(conn: 99_999, entry: newcomer, now: 1.5)
        let wave = p.tick(now: 1.6)
        #expect(wave?.joined == [newcomer])
        #expect(wave?.left == [])
        let expiry = p.tick(now: 6.1)
        #expect(expiry?.joined == [] && expiry?.left == [UserID(n)])
        #expect(p.tick(now: 7) == nil)
    }

    @Test func presentKeepsOrderOfFirstArrival() {
        var p = RoomPresence(graceSeconds: 5)
        p.add(conn: 1, entry: boris, now: 0)
        p.add(conn: 2, entry: anna, now: 0)
        p.add(conn: 3, entry: boris, now: 0)
        #expect(users(p.present(now: 0)) == [2, 1])
        #expect(p.connections(of: 2) == [1, 3])
        #expect(p.connectionIDs() == [1, 2, 3])
    }

    @Test func changedNameIsReannounced() {
        var p = RoomPresence(graceSeconds: 5)
        p.add(conn: 1, entry: anna, now: 0)
        _ = p.tick(now: 0.1)
        var renamed = anna
        renamed.name = "Anna K."
        p.add(conn: 2, entry: renamed, now: 0.2)
        let diff = p.tick(now: 0.3)
        #expect(diff?.joined == [renamed] && diff?.left == [])
    }

    @Test func unknownConnectionsAreIgnored() {
        var p = RoomPresence(graceSeconds: 5)
        p.remove(conn: 42, now: 0, dropped: true)
        #expect(!p.needsTick && p.isIdle)
    }

    @Test func idleOnlyAfterTheLeaveIsAnnounced() {
        var p = RoomPresence(graceSeconds: 5)
        p.add(conn: 1, entry: anna, now: 0)
        _ = p.tick(now: 0.1)
        p.remove(conn: 1, now: 1, dropped: false)
        #expect(!p.isIdle)
        _ = p.tick(now: 1.1)
        #expect(p.isIdle)
    }

    @Test func entryJSON() {
        #expect(anna.json == .object([("user", 1), ("name", "Anna"), ("role", "teacher")]))
    }
}
