// docs/protocol.md "Boards and documents": the board over real sockets against the real server.

import AtriumCore
import AtriumTestSupport
import Testing

@Suite("Board")
struct BoardIntegrationTests {
    static func column(_ id: String, _ title: String, pos: String, wip: Int64? = nil) -> JSON {
        var o: JSONObject = [("op", "column.create"), ("id", .string(id)), ("title", .string(title)), ("pos", .string(pos))]
        if let wip { o["wip"] = .int(wip) }
        return .object(o)
    }

    static func card(_ id: String, in column: String, pos: String, title: String) -> JSON {
        .object([("op", "card.create"), ("id", .string(id)), ("column", .string(column)), ("pos", .string(pos)), ("title", .string(title))])
    }

    @Test func concurrentChangesOfDifferentFieldsBothSurvive() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            let bob = try server.connect(as: "bob")
            try alice.join("class-7a")
            try bob.join("class-7a")
            #expect(try alice.boardOp("class-7a", Self.column("todo", "Сделать", pos: "V"), nonce: "b1").isOK)
            #expect(try alice.boardOp("class-7a", Self.card("c1", in: "todo", pos: "V", title: "Плакат"), nonce: "b2").isOK)
            // Both change the same card at once, different fields.
            try alice.send(["type": "board.op", "room": "class-7a", "nonce": "b3", "ref": "r3",
                            "op": ["op": "card.set", "id": "c1", "field": "title", "value": "Плакат к выставке"]])
            try bob.send(["type": "board.op", "room": "class-7a", "nonce": "b4", "ref": "r4",
                          "op": ["op": "card.set", "id": "c1", "field": "due", "value": "2026-12-20"]])
            #expect(try alice.receive(where: { $0["ref"]?.stringValue == "r3" }).isOK)
            #expect(try bob.receive(where: { $0["ref"]?.stringValue == "r4" }).isOK)
            let tina = try server.connect(as: "tina")
            try tina.join("class-7a")
            let board = try tina.request(["type": "board.open", "room": "class-7a"])
            let card = board["board"]?["cards"]?.arrayValue?.first
            #expect(card?["title"]?.stringValue == "Плакат к выставке")
            #expect(card?["due"]?.stringValue == "2026-12-20")
            #expect(board["board"]?["rev"]?.intValue == 4)
            // Everyone got the operations as room events, in order.
            let revs = try bob.receive(where: { $0["kind"]?.stringValue == "board.op" && $0["rev"]?.intValue == 1 })
            #expect(revs["nonce"]?.stringValue == "b1")
        }
    }

    @Test func operationsThatDoNotFitAreRefusedWithTheirCodes() async throws {
        try await withRunningServer { server in
            let alice = try server.connect(as: "alice")
            try alice.join("class-7a")
            #expect(try alice.boardOp("class-7a", Self.column("doing", "В работе", pos: "V", wip: 1), nonce: "w1").isOK)
            #expect(try alice.boardOp("class-7a", Self.card("k1", in: "doing", pos: "V", title: "One"), nonce: "w2").isOK)
            let over = try alice.boardOp("class-7a", Self.card("k2", in: "doing", pos: "W", title: "Two"), nonce: "w3")
            #expect(over.code == "conflict")
            #expect(try alice.boardOp("class-7a", Self.card("k1", in: "doing", pos: "X", title: "Again"), nonce: "w4").code == "conflict")
            #expect(try alice.boardOp("class-7a", Self.card("k3", in: "nowhere", pos: "V", title: "Lost"), nonce: "w5").code == "not_found")
            #expect(try alice.boardOp("class-7a", ["op": "card.set", "id": "k1", "field": "due", "value": "2026-02-30"], nonce: "w6").code == "bad_request")
            #expect(try alice.boardOp("class-7a", ["op": "explode", "id": "k1"], nonce: "w7").code == "bad_request")
            #expect(try alice.boardOp("class-7a", ["op": "column.delete", "id": "doing"], nonce: "w8").code == "conflict")
            // A resend of a committed nonce changes nothing.
            let dup = try alice.boardOp("class-7a", Self.card("k1", in: "doing", pos: "V", title: "One"), nonce: "w2")
            #expect(dup["duplicate"]?.boolValue == true && dup["rev"]?.intValue == 2)
        }
    }

    @Test func aLockedBoardRefusesStudentsAndHistoryRestoresARevision() async throws {
        try await withRunningServer { server in
            let tina = try server.connect(as: "tina")
            let bob = try server.connect(as: "bob")
            try tina.join("class-7a")
            try bob.join("class-7a")
            #expect(try bob.boardOp("class-7a", Self.column("ideas", "Идеи", pos: "V"), nonce: "l1").isOK)
            #expect(try bob.request(["type": "board.lock", "room": "class-7a", "locked": true]).code == "forbidden")
            #expect(try tina.request(["type": "board.lock", "room": "class-7a", "locked": true]).isOK)
            #expect(try bob.boardOp("class-7a", Self.card("x", in: "ideas", pos: "V", title: "Нельзя"), nonce: "l2").code == "forbidden")
            #expect(try tina.boardOp("class-7a", Self.card("x", in: "ideas", pos: "V", title: "Можно"), nonce: "l3").isOK)
            let history = try tina.request(["type": "board.history", "room": "class-7a"])
            #expect(history["revisions"]?.arrayValue?.map { $0["op"]?.stringValue } == ["card.create", "column.create"])
            let first = try tina.request(["type": "board.revision", "room": "class-7a", "rev": 1])
            #expect(first["board"]?["cards"]?.arrayValue?.isEmpty == true)
            let restored = try tina.request(["type": "board.restore", "room": "class-7a", "rev": 1])
            #expect(restored.isOK && restored["rev"]?.intValue == 3)
            let event = try bob.nextEvent("class-7a", kind: "board.restored")
            #expect(event["from"]?.intValue == 1)
            #expect(try tina.request(["type": "board.open", "room": "class-7a"])["board"]?["cards"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func followingAndTheDocumentList() async throws {
        try await withRunningServer { server in
            let tina = try server.connect(as: "tina")
            let alice = try server.connect(as: "alice")
            try tina.join("class-7a")
            try alice.join("class-7a")
            #expect(try alice.request(["type": "room.follow", "room": "class-7a", "view": ["kind": "board"]]).code == "forbidden")
            #expect(try tina.request(["type": "room.follow", "room": "class-7a", "view": ["kind": "board"]]).isOK)
            let follow = try alice.receive(type: "follow")
            #expect(follow["view"]?["kind"]?.stringValue == "board")
            #expect(follow["user"]?.intValue == tina.userID)
            _ = try tina.createDoc("class-7a", title: "План", id: "plan")
            let list = try alice.request(["type": "doc.list", "room": "class-7a"])
            #expect(list["docs"]?.arrayValue?.map { $0["id"]?.stringValue } == ["plan"])
            #expect(list["follow"]?["view"]?["kind"]?.stringValue == "board")
            #expect(list["board"]?["rev"]?.intValue == 0)
        }
    }

    @Test func aReadOnlyRoleCannotChangeTheBoard() async throws {
        try await withRunningServer { server in
            // In the lounge (open to the school) members may not edit boards by default.
            let alice = try server.connect(as: "alice")
            try alice.join("lounge")
            #expect(try alice.boardOp("lounge", Self.column("a", "A", pos: "V"), nonce: "ro1").code == "forbidden")
            #expect(try alice.request(["type": "board.open", "room": "lounge"]).isOK)
        }
    }
}
