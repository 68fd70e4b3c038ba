// Runs the real AtriumServer in this process for one test: fresh data folder, port 0, seeded
// users and rooms, always shut down and removed afterwards.

import AtriumCore
import AtriumServer
import AtriumStore
import Foundation
import Logging

/// A running test server: where it listens and how to sign in and connect.
public struct TestServer: Sendable {
    public let host: String
    public let port: Int
    public let dataDir: String

    public init(host: String = "127.0.0.1", port: Int, dataDir: String) {
        self.host = host
        self.port = port
        self.dataDir = dataDir
    }

    /// POST /api/session with `{"login","password"}`; returns the token of the 200 reply.
    public func signIn(login: String, password: String) throws -> String {
        let r = try TestHTTP.request(host: host, port: port, method: "POST", path: "/api/session",
                                     json: ["login": .string(login), "password": .string(password)])
        guard r.status == 200, let token = r.json?["token"]?.stringValue else {
            throw TestClientError.unexpectedReply("sign-in of '\(login)': HTTP \(r.status) \(r.bodyText)")
        }
        return token
    }

    /// Signs in a seeded user (password "password-<login>", as `TestFixtures.seedDefault`).
    public func signIn(_ login: String) throws -> String {
        try signIn(login: login, password: TestFixtures.password(for: login))
    }

    /// Opens /ws and sends `hello` (with `token` if given, else relying on a cookie among
    /// `headers`); throws `.unexpectedReply` unless the reply is `welcome` (kept in `welcome`).
    public func connect(token: String?, headers: [(String, String)] = [], timeout: Double = 5) throws -> TestWebSocket {
        let ws = try TestWebSocket(host: host, port: port, headers: headers, timeout: timeout)
        var hello: JSONObject = ["type": "hello"]
        if let token { hello["token"] = .string(token) }
        let reply = try ws.request(hello, timeout: timeout)
        guard reply["type"]?.stringValue == "welcome" else {
            ws.close()
            throw TestClientError.unexpectedReply("hello answered with \(reply.encodedString())")
        }
        ws.welcome = reply
        return ws
    }

    /// Signs in a seeded user and connects with the token.
    public func connect(as login: String, headers: [(String, String)] = []) throws -> TestWebSocket {
        try connect(token: signIn(login), headers: headers)
    }

    /// One HTTP request to this server.
    public func http(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                     timeout: Double = 5) throws -> TestHTTPResponse {
        try TestHTTP.request(host: host, port: port, method: method, path: path, headers: headers, body: body, timeout: timeout)
    }
}

/// The default users and rooms of integration tests.
public enum TestFixtures {
    /// (login, name, role) of the seeded users; each has the password "password-<login>".
    public static let users: [(login: String, name: String, role: OrgRole)] = [
        ("alice", "Alice Smirnova", .student),
        ("bob", "Bob Ivanov", .student),
        ("tina", "Tina Petrova", .teacher),
        ("adam", "Adam Orlov", .admin),
    ]

    public static let rooms: [RoomRecord] = [
        RoomRecord(id: "lounge", name: "Lounge", kind: .lounge),
        RoomRecord(id: "class-7a", name: "Class 7A", kind: .class),
        RoomRecord(id: "council", name: "Coworking Council", kind: .council),
    ]

    /// Listed roles: tina owns class 7A where alice and bob are members; adam owns the council,
    /// where tina is a member (everyone else reads it as an observer: it is public).
    public static let roles: [(room: RoomID, login: String, role: RoomRole)] = [
        ("class-7a", "tina", .owner), ("class-7a", "alice", .member), ("class-7a", "bob", .member),
        ("council", "adam", .owner), ("council", "tina", .member),
    ]

    public static func password(for login: String) -> String { "password-\(login)" }

    public static var nowMillis: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// alice, bob (students), tina (teacher), adam (admin); rooms lounge, class-7a, council;
    /// the listed roles above.
    public static func seedDefault(_ store: StoreConnection) throws {
        let now = nowMillis
        var ids: [String: UserID] = [:]
        for u in users {
            ids[u.login] = try store.addUser(login: u.login, name: u.name, role: u.role, group: nil,
                                             passwordHash: Passwords.hash(password(for: u.login), logN: 10),
                                             mustChangePassword: false, nowMillis: now).id
        }
        for room in rooms { try store.addRoom(room, nowMillis: now) }
        for r in roles { try store.setMember(room: r.room, userID: ids[r.login]!, role: r.role, nowMillis: now) }
    }
}

/// Starts a real server on 127.0.0.1, port 0, with a fresh data folder under $TMPDIR seeded
/// by `seed`, the repository's web/ folder and fast password hashing (scryptLogN 10);
/// `configure` may change any of that. Runs `body`, then always shuts the server down and
/// removes the folder. Server logs: warnings and up, or the level in $ATRIUM_TEST_LOG.
public func withRunningServer(
    configure: (inout AtriumConfig) -> Void = { _ in },
    seed: (StoreConnection) throws -> Void = TestFixtures.seedDefault,
    _ body: (TestServer) async throws -> Void
) async throws {
    let dataDir = try makeTemporaryDirectory(prefix: "atrium-test")
    defer { try? FileManager.default.removeItem(atPath: dataDir) }

    var config = AtriumConfig()
    config.host = "127.0.0.1"
    config.port = 0
    config.dataDir = dataDir
    if let root = AtriumProcess.packageRoot() { config.webDir = root + "/web" }
    config.scryptLogN = 10
    configure(&config)

    try seedStore(dataDir: config.dataDir, seed)

    var logger = Logger(label: "atrium.test")
    let level = ProcessInfo.processInfo.environment["ATRIUM_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) }
    logger.logLevel = level ?? .warning
    let server = try AtriumServer(config: config, logger: logger)
    let port = try server.start()
    defer { server.shutdown() }
    try await body(TestServer(host: config.host, port: port, dataDir: config.dataDir))
}

/// Opens the store only for seeding; it is closed when this returns.
private func seedStore(dataDir: String, _ seed: (StoreConnection) throws -> Void) throws {
    let store = try StoreConnection(dataDir: dataDir)
    try seed(store)
}

/// A new empty directory under $TMPDIR (or /tmp).
public func makeTemporaryDirectory(prefix: String) throws -> String {
    var template = Array("\(AtriumProcess.temporaryDirectory)/\(prefix)-XXXXXX".utf8CString)
    guard let p = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw TestClientError.io("mkdtemp under \(AtriumProcess.temporaryDirectory): \(errnoText())")
    }
    return String(cString: p)
}
