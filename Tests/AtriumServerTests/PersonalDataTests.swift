// The personal-data rule through real sockets: a student's full name reaches only staff,
// their own parents and those who share a class, course or project with them.

import AtriumCore
import AtriumStore
import AtriumTestSupport
import Testing

@Suite("Personal data: students' names")
struct PersonalDataTests {
    @Test func fullNamesOnlyForTheCircleAndStaff() async throws {
        try await withRunningServer(seed: DirectTests.seed) { server in
            // Pavel, a partner, is external: he reads the lounge only once listed in it.
            try cli(["room", "member", "--data", server.dataDir, "--room", "lounge", "--login", "pavel", "--role", "member"])
            let pavel = try server.connect(token: try server.signIn(login: "pavel", password: "password-x"))
            #expect(try eventually { (try? pavel.join("lounge"))?["role"]?.stringValue == "member" })
            let alice = try server.connect(as: "alice")
            _ = try alice.join("lounge")
            let seq = try alice.post("lounge", "hello everyone")
            func seen(by ws: TestWebSocket) throws -> (presence: String?, author: String?) {
                let joined = try ws.join("lounge")
                let presence = joined["presence"]?.arrayValue?.first { $0["user"]?.intValue == alice.welcome?["user"]?["id"]?.intValue }?["name"]?.stringValue
                let history = try ws.request(["type": "history", "room": "lounge"])["events"]?.arrayValue ?? []
                let author = history.first { $0["seq"]?.intValue == seq }?["actor_name"]?.stringValue
                return (presence, author)
            }
            let x = "password-x"
            let expectations: [(String, String?, String)] = [
                ("tina", nil, "Alice Smirnova"),      // a teacher
                ("adam", nil, "Alice Smirnova"),      // an administrator
                ("bob", nil, "Alice Smirnova"),       // shares class 7A
                ("paula", x, "Alice Smirnova"),       // her own parent
                ("carl", x, "Alice S."),              // a student of another class
                ("peter", x, "Alice S."),             // an unrelated parent
                ("pavel", x, "Alice S."),             // a partner
            ]
            for (login, password, expected) in expectations {
                let ws = try password.map { try server.connect(token: try server.signIn(login: login, password: $0)) } ?? server.connect(as: login)
                let (presence, author) = try seen(by: ws)
                #expect(presence == expected, "\(login) sees \(presence ?? "nil") in presence")
                #expect(author == expected, "\(login) sees \(author ?? "nil") as the author")
            }
            // Live events too: Carl gets the masked name, Bob the full one.
            let carl = try server.connect(token: try server.signIn(login: "carl", password: x))
            let bob = try server.connect(as: "bob")
            _ = try carl.join("lounge")
            _ = try bob.join("lounge")
            _ = try alice.post("lounge", "live")
            #expect(try carl.receive(where: { $0["text"]?.stringValue == "live" })["actor_name"]?.stringValue == "Alice S.")
            #expect(try bob.receive(where: { $0["text"]?.stringValue == "live" })["actor_name"]?.stringValue == "Alice Smirnova")
        }
    }
}
