// PROTOCOL.md "The command line (core)": administration commands work while a server runs on
// the same data folder, and the server sees the result at once. The in-process test server
// and the built `atrium` binary share the data folder.

import AtriumCore
import AtriumStore
import AtriumTestSupport
import Foundation
import Testing

@Suite("CLI while the server runs")
struct CLITests {
    @Test func roomMemberChangesTakeEffectOnOpenConnections() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            let tina = try server.connect(as: "tina")
            _ = try alice.join("class-7a")
            _ = try tina.join("class-7a")
            _ = try tina.post("class-7a", "before")
            _ = try alice.nextEvent("class-7a")
            // Demoted to observer: still reads, can no longer write.
            try cli(["room", "member", "--data", server.dataDir, "--room", "class-7a", "--login", "alice", "--role", "observer"])
            let demoted = try alice.receive(where: { $0["type"]?.stringValue == "room.access" }, timeout: 5)
            #expect(demoted["role"]?.stringValue == "observer")
            #expect(demoted["can"]?.arrayValue == ["read"])
            #expect(try alice.request(["type": "chat.send", "room": "class-7a", "text": "hi"]).code == "forbidden")
            // Removed: out of the room at once, with the reason, and no more events.
            try cli(["room", "member", "--data", server.dataDir, "--room", "class-7a", "--login", "alice", "--role", "none"])
            let removed = try alice.receive(where: { $0["type"]?.stringValue == "room.access" }, timeout: 5)
            #expect(removed["role"] == .null)
            #expect(removed["reason"]?.stringValue?.contains("no longer have access") == true)
            _ = try tina.post("class-7a", "after")
            #expect(!alice.drain(for: 0.5).contains { $0["type"]?.stringValue == "event" })
            #expect(try alice.request(["type": "history", "room": "class-7a"]).code == "forbidden")
            // The last owner cannot be removed.
            let refused = try AtriumProcess.runCLI(["room", "member", "--data", server.dataDir, "--room", "class-7a",
                                                    "--login", "tina", "--role", "member"])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("at least one owner or moderator"))
        }
    }

    @Test func roomAddIsJoinableAtOnce() async throws {
        try await withRunningServer { server in
            let ws = try server.connect(as: "alice")
            #expect(try ws.request(["type": "join", "room": "chess-club"]).code == "not_found")
            try cli(["room", "add", "--data", server.dataDir, "--id", "chess-club", "--name", "Chess Club",
                     "--kind", "project"])
            // A project is for its members: alice is refused until she is listed.
            #expect(try ws.request(["type": "join", "room": "chess-club"]).code == "forbidden")
            try cli(["room", "member", "--data", server.dataDir, "--room", "chess-club", "--login", "alice", "--role", "owner"])
            let access = try ws.receive(where: { $0["type"]?.stringValue == "room.access" }, timeout: 5)
            #expect(access["role"]?.stringValue == "owner")
            let r = try ws.join("chess-club")
            #expect(r["room"]?["name"]?.stringValue == "Chess Club")
            #expect(r["room"]?["zone"]?.stringValue == "education")
            #expect(try ws.post("chess-club", "first move") == 1)
            // The room list shows it too (after the server's change poll).
            #expect(eventually {
                let rooms = (try? ws.request(["type": "rooms"]))?["rooms"]?.arrayValue ?? []
                return rooms.contains { $0["id"]?.stringValue == "chess-club" }
            })
        }
    }

    @Test func userAddCanSignIn() async throws {
        try await withRunningServer { server in
            try cli(["user", "add", "--data", server.dataDir, "--login", "Vera", "--name", "Vera Kuznetsova",
                     "--role", "parent", "--password-stdin", "--scrypt-log-n", "10"], stdin: "vera-secret-pw\n")
            let r = try server.signInResponse("vera", "vera-secret-pw")
            #expect(r.status == 200)
            #expect(r.json?["user"]?["role"]?.stringValue == "parent")
            let ws = try server.connect(token: try #require(r.json?["token"]?.stringValue))
            #expect(ws.welcome?["user"]?["name"]?.stringValue == "Vera Kuznetsova")

            let duplicate = try AtriumProcess.runCLI(
                ["user", "add", "--data", server.dataDir, "--login", "vera", "--name", "V", "--role", "parent",
                 "--password-stdin", "--scrypt-log-n", "10"], stdin: "another-password\n")
            #expect(duplicate.status != 0)
        }
    }

    @Test func revokeSessionsClosesThatUsersSockets() async throws {
        try await withRunningServer(configure: { $0.changePollMillis = 100 }) { server in
            let bob1 = try server.connect(as: "bob")
            let bob2 = try server.connect(as: "bob")
            let alice = try server.connect(as: "alice")
            let bobToken = try server.signIn("bob")
            try cli(["user", "revoke-sessions", "--data", server.dataDir, "--login", "bob"])
            for ws in [bob1, bob2] {
                let (messages, code) = try ws.collectUntilClose(timeout: 5)
                #expect(code == 4401)
                #expect(messages.contains { $0.code == "unauthenticated" })
            }
            try alice.assertAlive()
            #expect(throws: TestClientError.self) { _ = try server.connect(token: bobToken) }
        }
    }
}

@Suite("Roster import")
struct ImportTests {
    @Test func badRowImportsNothingAndNamesTheLine() async throws {
        try await withRunningServer { server in
            let csv = server.dataDir + "/../roster-bad-\(UInt32.random(in: 0...UInt32.max)).csv"
            try "login,name,role,class\nivan.p,Ivan Petrov,student,7A\nmaria,Maria Ivanova,wizard,7A\n"
                .write(toFile: csv, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: csv) }
            let r = try AtriumProcess.runCLI(["import", "--data", server.dataDir, csv, "--scrypt-log-n", "10"])
            #expect(r.status != 0)
            #expect(r.stderr.contains("line 3"), "stderr: \(r.stderr)")
            let store = try StoreConnection(dataDir: server.dataDir)
            #expect(try store.user(login: "ivan.p") == nil)
            #expect(try store.user(login: "maria") == nil)
            #expect(!FileManager.default.fileExists(atPath: String(csv.dropLast(4)) + ".passwords.csv"))
        }
    }

    @Test func goodRosterCreatesAccountsWithOneTimePasswords() async throws {
        try await withRunningServer { server in
            let dir = try makeTemporaryDirectory(prefix: "atrium-roster")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let csv = dir + "/roster.csv"
            try "login;name;role;class\nivan.p;Ivan Petrov;student;7A\nolga;Olga Smirnova;teacher;\n"
                .write(toFile: csv, atomically: true, encoding: .utf8)
            try cli(["import", "--data", server.dataDir, csv, "--scrypt-log-n", "10"])
            let passwordsFile = dir + "/roster.passwords.csv"
            let text = try String(contentsOfFile: passwordsFile, encoding: .utf8)
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.count == 3)
            let ivan = try #require(lines.first { $0.hasPrefix("ivan.p,") }).split(separator: ",", omittingEmptySubsequences: false)
            let password = String(try #require(ivan.last))
            #expect(!password.isEmpty)

            let r = try server.signInResponse("ivan.p", password)
            #expect(r.status == 200, "\(r.bodyText)")
            #expect(r.json?["user"]?["name"]?.stringValue == "Ivan Petrov")
            #expect(r.json?["must_change_password"]?.boolValue == true)
            #expect(try server.signInResponse("olga", "wrong").status == 401)
        }
    }
}

@Suite("Groups")
struct GroupCLITests {
    @Test func aGroupIsListedInItsClassRoomAtOnce() async throws {
        try await withRunningServer { server in
            let csv = "login;name;role;class\nkira;Kira K;student;8B\nleo;Leo L;student;8B\npapa;Papa K;parent;kira\n"
            let file = server.dataDir + "/roster.csv"
            try csv.write(toFile: file, atomically: true, encoding: .utf8)
            _ = try cli(["import", "--data", server.dataDir, file])
            #expect(try cli(["group", "list", "--data", server.dataDir]).contains("8B\t2"))
            _ = try cli(["room", "add", "--data", server.dataDir, "--id", "class-8b", "--name", "8B", "--kind", "class"])
            #expect(try cli(["group", "sync", "--data", server.dataDir, "--group", "8B", "--room", "class-8b"]).hasPrefix("2 of 2"))
            let store = try StoreConnection(dataDir: server.dataDir)
            let members = try store.members(room: "class-8b")
            #expect(members.count == 2 && members.values.allSatisfy { $0 == .member })
            let papa = try #require(try store.user(login: "papa")).profile.id
            #expect(try store.children(of: papa).count == 1)
        }
    }
}
