import Foundation
import Testing
@testable import AtriumCore

@Suite("Policy")
struct PolicyTests {
    let anna = UserProfile(id: 1, login: "anna", name: "Anna", role: .student)
    let boris = UserProfile(id: 2, login: "boris", name: "Boris", role: .teacher)

    /// The permission matrix: every role × room kind × permission, as the code decides it, must
    /// equal the documented table in docs/permissions.md (generated from the same code).
    @Test func documentedTableMatchesTheCode() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/permissions.md").standardized
        let generated = PermissionTable.documentation()
        if ProcessInfo.processInfo.environment["REGENERATE_PERMISSIONS_DOC"] == "1" {
            try generated.write(to: url, atomically: true, encoding: .utf8)
        }
        let onDisk = try String(contentsOf: url, encoding: .utf8)
        #expect(onDisk == generated, "docs/permissions.md is stale: run the tests with REGENERATE_PERMISSIONS_DOC=1")
    }

    /// Walks every role × kind × permission through `Policy.decide` (the path the hub uses) and
    /// compares with the table, so the decision function and the table cannot disagree.
    @Test func decideFollowsTheTableForEveryRoleKindAndPermission() {
        for kind in RoomKind.allCases {
            let table = PermissionTable.defaults(for: kind)
            let room = RoomRecord(id: "r", name: "R", kind: kind)
            for role in RoomRole.allCases {
                for permission in RoomPermission.allCases {
                    let decided = Policy.decide(.permission(permission), user: anna, room: room, roomRole: role)
                    #expect(decided.isAllowed == table.allows(role, permission), "\(kind) \(role) \(permission)")
                }
                #expect(Policy.decide(.post, user: anna, room: room, roomRole: role).isAllowed == table.allows(role, .post))
                #expect(Policy.decide(.read, user: anna, room: room, roomRole: role).isAllowed == table.allows(role, .read))
            }
        }
    }

    @Test func ownersMayDoEverythingObserversOnlyRead() {
        for kind in RoomKind.allCases {
            let table = PermissionTable.defaults(for: kind)
            #expect(table.permissions(of: .owner) == RoomPermission.allCases)
            #expect(table.permissions(of: .observer) == [.read])
            #expect(!table.allows(.moderator, .changeSettings))
        }
    }

    @Test func joinRulesDecideForPeopleWhoAreNotListed() {
        func room(_ rule: JoinRule) -> RoomRecord { RoomRecord(id: "r", name: "R", kind: .lounge, joinRule: rule) }
        #expect(Policy.effectiveRole(user: anna, room: room(.open), listedRole: nil) == .member)
        // Partners are external: open rooms are the school's own; public ones they may read.
        let partner = UserProfile(id: 9, login: "p", name: "P", role: .partner)
        #expect(Policy.effectiveRole(user: partner, room: room(.open), listedRole: nil) == nil)
        #expect(Policy.effectiveRole(user: partner, room: room(.public), listedRole: nil) == .observer)
        #expect(Policy.effectiveRole(user: partner, room: room(.open), listedRole: .member) == .member)
        #expect(Policy.effectiveRole(user: anna, room: room(.public), listedRole: nil) == .observer)
        for rule in [JoinRule.members, .knock, .invite] {
            #expect(Policy.effectiveRole(user: anna, room: room(rule), listedRole: nil) == nil)
            #expect(!Policy.decide(.join, user: anna, room: room(rule), roomRole: nil).isAllowed)
        }
        // Knock rooms are listed so people can ask to enter; members-only and invite rooms are not.
        #expect(Policy.decide(.see, user: anna, room: room(.knock), roomRole: nil).isAllowed)
        #expect(!Policy.decide(.see, user: anna, room: room(.members), roomRole: nil).isAllowed)
        #expect(!Policy.decide(.see, user: anna, room: room(.invite), roomRole: nil).isAllowed)
        // A listed role wins over the join rule.
        #expect(Policy.effectiveRole(user: anna, room: room(.public), listedRole: .member) == .member)
        #expect(Policy.decide(.post, user: anna, room: room(.public), roomRole: nil)
            == .deny("You can read this room but not write in it."))
    }

    @Test(arguments: [RoomAction.see, .join, .read, .post, .typing])
    func aCabinetIsOnlyItsOwners(_ action: RoomAction) {
        let annasCabinet = RoomRecord(id: "cabinet-anna", name: "Кабинет", kind: .cabinet)
        #expect(Policy.decide(action, user: anna, room: annasCabinet, roomRole: nil) == .allow)
        #expect(Policy.decide(action, user: boris, room: annasCabinet, roomRole: nil)
            == .deny("This is someone else's personal cabinet."))
        let admin = UserProfile(id: 3, login: "admin", name: "Admin", role: .admin)
        #expect(!Policy.decide(action, user: admin, room: annasCabinet, roomRole: nil).isAllowed)
    }

    @Test func editOwnOnlyAndDeleteByRole() {
        let room = RoomRecord(id: "7b", name: "7Б", kind: .class)
        // Nobody edits someone else's message, not even the owner.
        for role in RoomRole.allCases {
            #expect(Policy.decide(.editMessage(author: 1), user: boris, room: room, roomRole: role)
                == .deny("You can only edit your own messages."))
        }
        #expect(Policy.decide(.editMessage(author: 1), user: anna, room: room, roomRole: .member) == .allow)
        #expect(!Policy.decide(.editMessage(author: 1), user: anna, room: room, roomRole: .observer).isAllowed)
        // delete_any (owner, moderator) deletes anyone's; members only their own.
        #expect(Policy.decide(.deleteMessage(author: 1), user: boris, room: room, roomRole: .moderator) == .allow)
        #expect(Policy.decide(.deleteMessage(author: 1), user: boris, room: room, roomRole: .owner) == .allow)
        #expect(Policy.decide(.deleteMessage(author: 1), user: boris, room: room, roomRole: .member)
            == .deny("You can only delete your own messages."))
        #expect(Policy.decide(.deleteMessage(author: 1), user: anna, room: room, roomRole: .member) == .allow)
        // Organisation admins get no implicit moderation: room roles decide.
        let admin = UserProfile(id: 3, login: "admin", name: "Admin", role: .admin)
        #expect(!Policy.decide(.deleteMessage(author: 1), user: admin, room: room, roomRole: nil).isAllowed)
    }
}
