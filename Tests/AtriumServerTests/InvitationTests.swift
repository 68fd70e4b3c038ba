// Invitations for external residents through HTTP and sockets: the page's API, acceptance of
// the regulations, a guest who sees only their room, use limits, expiry and withdrawal.

import AtriumCore
@testable import AtriumStore
import AtriumTestSupport
import Foundation
import Testing

@Suite("Invitations")
struct InvitationTests {
    static func seed(_ store: StoreConnection) throws {
        try TestFixtures.seedDefault(store)
        try store.addRoom(RoomRecord(id: "meeting", name: "Meeting", kind: .meeting), nowMillis: 1)
        let tina = try #require(try store.user(login: "tina")).profile.id
        try store.setMember(room: "meeting", userID: tina, role: .moderator, nowMillis: 1)
    }

    func accept(_ server: TestServer, _ token: String, name: String = "Olga from TechnoPark", accept: Bool = true) throws -> TestHTTPResponse {
        try TestHTTP.request(port: server.port, method: "POST", path: "/api/invite/\(token)",
                             body: JSON.object([("name", .string(name)), ("accept", .bool(accept))]).encoded())
    }

    @Test func aGuestEntersOnlyTheirRoomWithinTheLimits() async throws {
        try await withRunningServer(seed: InvitationTests.seed) { server in
            let tina = try server.connect(as: "tina")
            let bob = try server.connect(as: "bob")
            // Only someone with `invite` may invite.
            #expect(try bob.request(["type": "invite.create", "room": "meeting"]).code == "forbidden")
            let created = try tina.request(["type": "invite.create", "room": "meeting", "hours": 2, "uses": 1])
            let token = try #require(created["token"]?.stringValue)
            #expect(created["link"]?.stringValue == "/invite/\(token)")
            #expect(created["invitation"]?["sponsor_name"]?.stringValue == "Tina Petrova")
            // The page: the room, the sponsor and the regulations.
            let info = try TestHTTP.request(port: server.port, method: "GET", path: "/api/invite/\(token)")
            #expect(info.status == 200)
            #expect(info.json?["room"]?["name"]?.stringValue == "Meeting")
            #expect(info.json?["sponsor"]?["name"]?.stringValue == "Tina Petrova")
            #expect(info.json?["regulations"]?.stringValue?.isEmpty == false)
            #expect(try TestHTTP.request(port: server.port, method: "GET", path: "/api/invite/nonsense").status == 404)
            // Not accepting the regulations: refused.
            #expect(try accept(server, token, accept: false).status == 400)
            let accepted = try accept(server, token)
            #expect(accepted.status == 200)
            #expect(accepted.header("set-cookie")?.contains("HttpOnly") == true)
            let guestToken = try #require(accepted.json?["token"]?.stringValue)
            #expect(accepted.json?["user"]?["role"]?.stringValue == "guest")
            // The use limit: a second guest cannot use it.
            #expect(try accept(server, token, name: "Someone else").status == 410)
            // The guest sees only that room: no directory, no other rooms, no direct messages.
            let guest = try server.connect(token: guestToken)
            let rooms = try #require(guest.request(["type": "rooms"])["rooms"]?.arrayValue)
            #expect(rooms.map { $0["id"]?.stringValue } == ["meeting"])
            #expect(try guest.join("meeting")["role"]?.stringValue == "guest")
            #expect(try guest.request(["type": "join", "room": "lounge"]).code == "forbidden")
            let bobID = try #require(bob.welcome?["user"]?["id"]?.intValue)
            #expect(try guest.request(["type": "room.direct", "user": .int(bobID)]).code == "forbidden")
            #expect(try guest.post("meeting", "Hello from TechnoPark") > 0)
            // Withdrawn: access ends at once, connections close with 4401.
            let list = try #require(tina.request(["type": "invite.list", "room": "meeting"])["invitations"]?.arrayValue)
            let id = try #require(list.first?["id"]?.intValue)
            #expect(try tina.request(["type": "invite.revoke", "id": .int(id)])["guests"]?.intValue == 1)
            #expect(try guest.waitForClose(timeout: 5) == 4401)
            #expect(throws: (any Error).self) { _ = try server.connect(token: guestToken) }
            #expect(try TestHTTP.request(port: server.port, method: "GET", path: "/api/invite/\(token)").status == 410)
        }
    }

    @Test func anExpiredInvitationEndsTheGuestsAccess() async throws {
        try await withRunningServer(seed: InvitationTests.seed) { server in
            let tina = try server.connect(as: "tina")
            let token = try #require(tina.request(["type": "invite.create", "room": "meeting", "hours": 1, "uses": 5])["token"]?.stringValue)
            let guestToken = try #require(try accept(server, token).json?["token"]?.stringValue)
            // Bring the invitation's end to a moment from now, as time would.
            let store = try StoreConnection(dataDir: server.dataDir)
            try store.db.exec("UPDATE invitations SET expires_at = \(TestFixtures.nowMillis + 1500)")
            let guest = try server.connect(token: guestToken)
            _ = try guest.join("meeting")
            #expect(try guest.waitForClose(timeout: 6) == 4401)
            #expect(try TestHTTP.request(port: server.port, method: "GET", path: "/api/invite/\(token)").status == 410)
            #expect(try tina.request(["type": "invite.create", "room": "meeting", "hours": 100_000]).code == "bad_request")
        }
    }
}
