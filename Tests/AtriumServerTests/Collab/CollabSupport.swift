// Helpers for the board and document integration tests: requests with the fields the
// protocol needs, and a real OT client (AtriumCore's DocClient) driven over a real socket.

import AtriumCore
import AtriumTestSupport
import Testing

extension TestWebSocket {
    /// doc.create that must succeed; returns the document id.
    func createDoc(_ room: String, title: String, id: String? = nil) throws -> String {
        var f: JSONObject = ["type": "doc.create", "room": .string(room), "title": .string(title)]
        if let id { f["id"] = .string(id) }
        let r = try request(f)
        guard r.isOK, let doc = r["doc"]?["id"]?.stringValue else { throw UnexpectedReply("doc.create answered \(r.encodedString())") }
        return doc
    }

    func openDoc(_ room: String, _ doc: String) throws -> JSON {
        let r = try request(["type": "doc.open", "room": .string(room), "doc": .string(doc)])
        guard r.isOK else { throw UnexpectedReply("doc.open answered \(r.encodedString())") }
        return r
    }

    func docOp(_ room: String, _ doc: String, rev: Int64, _ op: JSON, nonce: String) throws -> JSON {
        try request(["type": "doc.op", "room": .string(room), "doc": .string(doc), "rev": .int(rev), "op": op, "nonce": .string(nonce)])
    }

    func boardOp(_ room: String, _ op: JSON, nonce: String) throws -> JSON {
        try request(["type": "board.op", "room": .string(room), "op": op, "nonce": .string(nonce)])
    }

    /// The next room event of one of `kinds`.
    func nextEvent(_ room: String, kind: String, timeout: Double = 5) throws -> JSON {
        try receive(where: { $0.type == "event" && $0["room"]?.stringValue == room && $0["kind"]?.stringValue == kind }, timeout: timeout)
    }
}

/// One person editing a document over a socket with the real client state machine.
final class DocSession {
    let socket: TestWebSocket
    let room: String
    let doc: String
    var client: DocClient
    private var refs: [String: String] = [:]

    init(_ socket: TestWebSocket, room: String, doc: String) throws {
        self.socket = socket
        self.room = room
        self.doc = doc
        let opened = try socket.openDoc(room, doc)
        let text = opened["doc"]?["text"]?.stringValue ?? ""
        client = DocClient(text: Array(text.unicodeScalars), rev: opened["doc"]?["rev"]?.intValue ?? 0)
    }

    /// Goes on with a client that edited offline (its state kept), without reopening: the
    /// replay of the room brings what it missed.
    init(resuming socket: TestWebSocket, room: String, doc: String, client: DocClient) {
        self.socket = socket
        self.room = room
        self.doc = doc
        self.client = client
    }

    var text: String { client.string }

    /// A local edit: applied at once, sent when nothing is in flight.
    func edit(_ op: TextOperation) throws {
        if let out = try client.edit(op) { try send(out) }
    }

    func insert(_ s: String, at position: Int) throws {
        var op = TextOperation()
        op.retain(position)
        op.insert(s)
        op.retain(client.text.count - position)
        try edit(op)
    }

    func send(_ out: DocClient.Outgoing) throws {
        try socket.send(.object([("type", "doc.op"), ("room", .string(room)), ("doc", .string(doc)), ("rev", .int(out.baseRev)),
                                 ("op", out.op.json), ("nonce", .string(out.nonce)), ("ref", .string("op-\(out.nonce)"))]))
    }

    /// Handles everything that arrived within `seconds`; fails on an error reply.
    func pump(for seconds: Double) throws {
        for frame in socket.drain(for: seconds) { try handle(frame) }
    }

    func handle(_ frame: JSON) throws {
        if frame.type == "error" { throw UnexpectedReply("doc.op answered \(frame.encodedString())") }
        guard frame.type == "event", frame["kind"]?.stringValue == "doc.op", frame["doc"]?.stringValue == doc,
              let raw = frame["op"], let rev = frame["rev"]?.intValue, let nonce = frame["nonce"]?.stringValue else { return }
        let op = try TextOperation(json: raw)
        if let out = try client.receive(op: op, rev: rev, nonce: nonce) { try send(out) }
    }

    /// Pumps until nothing is in flight and the revision reached `rev` (or the time is up).
    func settle(toRev rev: Int64? = nil, timeout: Double = 10) throws {
        let deadline = monotonicNow() + timeout
        while monotonicNow() < deadline {
            try pump(for: 0.05)
            if client.isSynchronized && (rev == nil || client.rev >= rev!) { return }
        }
        throw UnexpectedReply("the document did not settle: rev \(client.rev), state \(client.state)")
    }
}

func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

#if canImport(Glibc)
import Glibc
#endif
