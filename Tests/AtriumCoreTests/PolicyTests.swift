import Testing
@testable import AtriumCore

@Suite("Policy")
struct PolicyTests {
    let author = UserProfile(id: 1, login: "anna", name: "Anna", role: .student)
    let other = UserProfile(id: 2, login: "boris", name: "Boris", role: .teacher)
    let room = RoomRecord(id: "7b", name: "7Б", kind: .class)

    @Test(arguments: [RoomAction.see, .join, .read, .post, .typing])
    func everySignedInUserMayUseEveryRoom(_ action: RoomAction) {
        for kind in RoomKind.allCases where kind != .cabinet {
            for role in OrgRole.allCases {
                let user = UserProfile(id: 5, login: "u", name: "U", role: role)
                let room = RoomRecord(id: "r", name: "R", kind: kind)
                #expect(Policy.decide(action, user: user, room: room, roomRole: nil) == .allow)
            }
        }
    }

    @Test(arguments: [RoomAction.see, .join, .read, .post, .typing])
    func aCabinetIsOnlyItsOwners(_ action: RoomAction) {
        let annasCabinet = RoomRecord(id: "cabinet-anna", name: "Кабинет", kind: .cabinet)
        #expect(Policy.decide(action, user: author, room: annasCabinet, roomRole: nil) == .allow)
        #expect(Policy.decide(action, user: other, room: annasCabinet, roomRole: nil)
            == .deny("This is someone else's personal cabinet."))
        let admin = UserProfile(id: 3, login: "admin", name: "Admin", role: .admin)
        #expect(!Policy.decide(action, user: admin, room: annasCabinet, roomRole: nil).isAllowed)
    }

    @Test func editAndDeleteTable() {
        let cases: [(UserProfile, RoomRole?, Bool)] = [
            (author, nil, true), (author, .observer, true),
            (other, nil, false), (other, .member, false), (other, .observer, false), (other, .guest, false),
            (other, .moderator, true), (other, .owner, true),
        ]
        for (user, role, allowed) in cases {
            let edit = Policy.decide(.editMessage(author: 1), user: user, room: room, roomRole: role)
            let delete = Policy.decide(.deleteMessage(author: 1), user: user, room: room, roomRole: role)
            #expect(edit.isAllowed == allowed, "edit by \(user.login) as \(String(describing: role))")
            #expect(delete.isAllowed == allowed, "delete by \(user.login) as \(String(describing: role))")
        }
        #expect(Policy.decide(.editMessage(author: 1), user: other, room: room, roomRole: .member)
            == .deny("You can only edit your own messages."))
        #expect(Policy.decide(.deleteMessage(author: 1), user: other, room: room, roomRole: nil)
            == .deny("You can only delete your own messages."))
        // Organisation admins get no implicit moderation here: room roles decide.
        let admin = UserProfile(id: 3, login: "admin", name: "Admin", role: .admin)
        #expect(!Policy.decide(.editMessage(author: 1), user: admin, room: room, roomRole: nil).isAllowed)
    }
}
