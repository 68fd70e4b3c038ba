// The administration requests behind the admin page, through real sockets.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Administration over the socket")
struct AdminTests {
    @Test func onlyAdminsAdministerAndChangesTakeEffect() async throws {
        try await withRunningServer { server in
            let adam = try server.connect(as: "adam")
            let bob = try server.connect(as: "bob")
            #expect(try bob.request(["type": "admin.users"]).code == "forbidden")
            let users = try #require(adam.request(["type": "admin.users"])["users"]?.arrayValue)
            #expect(users.contains { $0["login"]?.stringValue == "alice" && $0["minor"] == .bool(true) })
            // A new account with a one-time password that works.
            let added = try adam.request(["type": "admin.user.add", "login": "Vera", "name": "Vera Lebedeva", "role": "parent"])
            let password = try #require(added["password"]?.stringValue)
            let veraID = try #require(added["user"]?["id"]?.intValue)
            let signIn = try server.signInResponse("vera", password)
            #expect(signIn.status == 200 && signIn.json?["must_change_password"] == .bool(true))
            #expect(try adam.request(["type": "admin.user.add", "login": "vera", "name": "V", "role": "parent"]).code == "conflict")
            #expect(try adam.request(["type": "admin.user.add", "login": "x1", "name": "X", "role": "guest"]).code == "bad_request")
            // Links and minors.
            let aliceID = try #require(users.first { $0["login"]?.stringValue == "alice" }?["id"]?.intValue)
            #expect(try adam.request(["type": "admin.user.link", "parent": .int(veraID), "child": .int(aliceID)]).isOK)
            #expect(try adam.request(["type": "admin.user.link", "parent": .int(aliceID), "child": .int(veraID)]).code == "bad_request")
            #expect(try adam.request(["type": "admin.user.minor", "user": .int(aliceID), "minor": false]).isOK)
            // A room and its roles; Bob learns at once.
            #expect(try adam.request(["type": "admin.room.add", "id": "robotics", "name": "Robotics", "kind": "project"])["room"]?["zone"]?.stringValue == "education")
            let bobID = try #require(bob.welcome?["user"]?["id"]?.intValue)
            #expect(try adam.request(["type": "admin.room.member", "room": "robotics", "user": .int(bobID), "role": "owner"]).isOK)
            #expect(try bob.receive(where: { $0["type"]?.stringValue == "room.access" && $0["room"]?.stringValue == "robotics" })["role"]?.stringValue == "owner")
            #expect(try bob.join("robotics")["role"]?.stringValue == "owner")
            // Every room of the school, for the admin (reading one still needs room.inspect).
            let all = try #require(adam.request(["type": "admin.rooms"])["rooms"]?.arrayValue).compactMap { $0["id"]?.stringValue }
            #expect(all.contains("class-7a") && all.contains("robotics"))
            #expect(try bob.request(["type": "admin.rooms"]).code == "forbidden")
            // Signing someone out everywhere.
            #expect(try adam.request(["type": "admin.user.revoke_sessions", "user": .int(bobID)])["sessions"]?.intValue ?? 0 >= 1)
            #expect(try bob.waitForClose(timeout: 5) == 4401)
        }
    }
}
