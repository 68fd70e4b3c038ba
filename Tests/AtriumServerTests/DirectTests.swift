// `room.direct` through real sockets: every contact-rule pair of the default table, the
// conversation appearing for the other person, and its privacy.

import AtriumCore
import AtriumStore
import AtriumTestSupport
import Testing

@Suite("Direct conversations and contact rules")
struct DirectTests {
    /// The default fixtures plus: paula (alice's parent), peter (an unrelated parent), pavel (a
    /// partner), tom (a teacher who does not teach alice), carl (a student in no shared room).
    static func seed(_ store: StoreConnection) throws {
        try TestFixtures.seedDefault(store)
        let hash = Passwords.hash("password-x", logN: 10)
        let now = TestFixtures.nowMillis
        let paula = try store.addUser(login: "paula", name: "Paula Smirnova", role: .parent, group: nil, passwordHash: hash, mustChangePassword: false, nowMillis: now)
        for (login, role) in [("peter", OrgRole.parent), ("pavel", .partner), ("tom", .teacher), ("carl", .student)] {
            _ = try store.addUser(login: login, name: login.capitalized, role: role, group: nil, passwordHash: hash, mustChangePassword: false, nowMillis: now)
        }
        try store.linkParent(parentID: paula.id, childID: try #require(try store.user(login: "alice")).profile.id)
    }

    func id(_ server: TestServer, _ login: String) throws -> Int64 {
        let store = try StoreConnection(dataDir: server.dataDir)
        return try #require(try store.user(login: login)).profile.id
    }

    @Test func everyPairOfTheDefaultTable() async throws {
        try await withRunningServer(seed: DirectTests.seed) { server in
            let alice = try server.connect(as: "alice")
            func open(_ login: String) throws -> JSON {
                try alice.request(["type": "room.direct", "user": .int(try id(server, login))])
            }
            #expect(try open("bob")["type"]?.stringValue == "ok")        // student ↔ student
            #expect(try open("carl")["type"]?.stringValue == "ok")       // any student of the school
            #expect(try open("tina")["type"]?.stringValue == "ok")       // her own teacher (leads class 7A)
            #expect(try open("tom")["code"]?.stringValue == "forbidden") // a teacher who does not teach her
            #expect(try open("paula")["type"]?.stringValue == "ok")      // her own parent
            let unrelated = try open("peter")
            #expect(unrelated["code"]?.stringValue == "forbidden")
            #expect(unrelated["message"]?.stringValue?.contains("own parents") == true)
            #expect(try open("pavel")["code"]?.stringValue == "forbidden") // a partner: never directly
            #expect(try open("adam")["code"]?.stringValue == "forbidden")  // an administrator
            #expect(try open("alice")["code"]?.stringValue == "bad_request")
            #expect(try alice.request(["type": "room.direct", "user": 99999])["code"]?.stringValue == "not_found")
            // Adults among themselves: yes. The partner may not open one with the student either.
            let tina = try server.connect(as: "tina")
            #expect(try tina.request(["type": "room.direct", "user": .int(try id(server, "adam"))])["type"]?.stringValue == "ok")
            let pavel = try server.connect(token: try server.signIn(login: "pavel", password: "password-x"))
            #expect(try pavel.request(["type": "room.direct", "user": .int(try id(server, "alice"))])["code"]?.stringValue == "forbidden")
        }
    }

    @Test func theOtherPersonSeesTheConversationAndNobodyElseCan() async throws {
        try await withRunningServer(seed: DirectTests.seed) { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            let opened = try alice.request(["type": "room.direct", "user": .int(try id(server, "bob"))])
            let room = try #require(opened["room"]?["id"]?.stringValue)
            #expect(opened["room"]?["kind"]?.stringValue == "direct")
            #expect(opened["room"]?["name"]?.stringValue == "Bob Ivanov")
            #expect(opened["room"]?["peer"]?["name"]?.stringValue == "Bob Ivanov")
            // Bob learns at once, sees it in his list under Alice's name, and they talk.
            let access = try bob.receive(where: { $0["type"]?.stringValue == "room.access" })
            #expect(access["room"]?.stringValue == room && access["role"]?.stringValue == "member")
            let listed = try #require(bob.request(["type": "rooms"])["rooms"]?.arrayValue).first { $0["id"]?.stringValue == room }
            #expect(listed?["name"]?.stringValue == "Alice Smirnova")
            _ = try alice.join(room)
            _ = try bob.join(room)
            _ = try alice.post(room, "hi Bob")
            #expect(try bob.nextEvent(room)["text"]?.stringValue == "hi Bob")
            // Opening it again returns the same room.
            #expect(try bob.request(["type": "room.direct", "user": .int(try id(server, "alice"))])["room"]?["id"]?.stringValue == room)
            // A third person cannot see or enter it.
            let tina = try server.connect(as: "tina")
            let rooms = try #require(tina.request(["type": "rooms"])["rooms"]?.arrayValue)
            #expect(!rooms.contains { $0["id"]?.stringValue == room })
            #expect(try tina.request(["type": "join", "room": .string(room)])["code"]?.stringValue == "forbidden")
        }
    }
}

@Suite("Oversight log through the protocol and the CLI")
struct AuditProtocolTests {
    @Test func eachPersonSeesWhatConcernsThemAndTheCLIExportsAll() async throws {
        try await withRunningServer { server in
            let bob = try server.connect(as: "bob")
            try cli(["room", "member", "--data", server.dataDir, "--room", "lounge", "--login", "bob", "--role", "moderator"])
            _ = try bob.receive(where: { $0["type"]?.stringValue == "room.access" })
            let mine = try #require(bob.request(["type": "audit.mine"])["entries"]?.arrayValue)
            let change = try #require(mine.first)
            #expect(change["action"]?.stringValue == "room.role")
            #expect(change["room"]?.stringValue == "lounge")
            #expect(change["actor"] == .null)  // done with the command line
            #expect(change["subject_name"]?.stringValue == "Bob Ivanov")
            #expect(change["detail"]?["to"]?.stringValue == "moderator")
            // Alice is not concerned by Bob's promotion.
            let alice = try server.connect(as: "alice")
            let hers = try #require(alice.request(["type": "audit.mine"])["entries"]?.arrayValue)
            #expect(!hers.contains { $0["room"]?.stringValue == "lounge" && $0["action"]?.stringValue == "room.role" && $0["subject_name"]?.stringValue == "Bob Ivanov" })
            let csv = try cli(["audit", "--data", server.dataDir, "--login", "bob"])
            #expect(csv.hasPrefix("id,at,actor,action,room,subject,detail\n"))
            #expect(csv.contains(",cli,room.role,lounge,bob,"))
            let json = try JSON.parse(try cli(["audit", "--data", server.dataDir, "--format", "json"]))
            #expect((json.arrayValue?.count ?? 0) >= 6)  // the seeded roles and Bob's promotion
        }
    }
}
