import AtriumCore
@testable import AtriumStore
import Testing

@Suite("Oversight log")
struct AuditTests {
    @Test func recordsRoleLinkMinorDirectAndModerationAndIsAppendOnly() throws {
        try withTempDir { dir in
            let store = try openStore(dir)
            let t = try store.addUser(login: "t", name: "T", role: .teacher, group: nil, passwordHash: "x", mustChangePassword: false, nowMillis: now)
            let s = try store.addUser(login: "s", name: "S", role: .student, group: nil, passwordHash: "x", mustChangePassword: false, nowMillis: now)
            let p = try store.addUser(login: "p", name: "P", role: .parent, group: nil, passwordHash: "x", mustChangePassword: false, nowMillis: now)
            try store.setMember(room: "lounge", userID: t.id, role: .owner, nowMillis: now)
            try store.setMember(room: "lounge", userID: s.id, role: .member, nowMillis: now, actor: t.id)
            try store.setMember(room: "lounge", userID: s.id, role: .member, nowMillis: now, actor: t.id)  // no change: no entry
            try store.linkParent(parentID: p.id, childID: s.id, nowMillis: now)
            try store.setMinor(userID: s.id, minor: false, nowMillis: now)
            _ = try store.openDirect(s, t, nowMillis: now)
            _ = try store.appendChat(room: "lounge", actor: s.id, actorName: "S", text: "hi", nonce: nil, nowMillis: now)
            _ = try store.deleteChat(room: "lounge", seq: 1, actor: t.id, mayDeleteOthers: true, nowMillis: now)

            let actions = try store.audit(concerning: s.id).map(\.action)
            #expect(actions == [AuditAction.deleteOthersMessage, AuditAction.directOpened, AuditAction.roomRole, AuditAction.roomRole,
                                AuditAction.userMinor, AuditAction.userLink, AuditAction.roomRole])
            let roleChange = try #require(try store.audit(concerning: s.id).last)
            #expect(roleChange.actor == t.id && roleChange.room == "lounge" && roleChange.detail["to"]?.stringValue == "member")
            #expect(try store.auditLog().count == 8)
            // Append-only: the database itself refuses to rewrite or erase it.
            #expect(throws: StoreError.self) { try store.db.exec("UPDATE audit SET action = 'x'") }
            #expect(throws: StoreError.self) { try store.db.exec("DELETE FROM audit") }
            #expect(try store.auditLog().count == 8)
        }
    }
}
