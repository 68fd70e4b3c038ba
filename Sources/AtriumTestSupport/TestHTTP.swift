// A one-request-per-connection HTTP/1.1 client for tests (`Connection: close`).

import AtriumCore

public struct TestHTTPResponse: Sendable {
    public var status: Int
    /// Header fields in the order received, names as the server wrote them.
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header with this name (case-insensitive).
    public func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.first { $0.0.lowercased() == n }?.1
    }

    /// Every header with this name (case-insensitive), e.g. several Set-Cookie.
    public func headers(named name: String) -> [String] {
        let n = name.lowercased()
        return headers.filter { $0.0.lowercased() == n }.map(\.1)
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON, nil if it is not JSON.
    public var json: JSON? { try? JSON.parse(body) }
}

public enum TestHTTP {
    /// Sends one request and reads the whole response (Content-Length, chunked, or up to the
    /// end of the connection). A body gets a Content-Length header.
    public static func request(host: String = "127.0.0.1", port: Int, method: String, path: String,
                               headers: [(String, String)] = [], body: [UInt8]? = nil,
                               timeout: Double = 5) throws -> TestHTTPResponse {
        let deadline = Deadline(seconds: timeout)
        let sock = try RawSocket(host: host, port: port, timeout: timeout)
        defer { sock.close() }
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var head = "\(method) \(path) HTTP/1.1\r\n"
        let names = Set(headers.map { $0.0.lowercased() })
        if !names.contains("host") { head += "Host: \(hostHeader)\r\n" }
        if !names.contains("connection") { head += "Connection: close\r\n" }
        if let body, !names.contains("content-length") { head += "Content-Length: \(body.count)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if let body { bytes.append(contentsOf: body) }
        try sock.sendAll(bytes, deadline: deadline)

        var buffer: [UInt8] = []
        var parsed = try HTTPReader.readHead(sock, &buffer, deadline: deadline, what: "\(method) \(path)")
        while parsed.status == 100 {  // 100 Continue: the real answer follows
            parsed = try HTTPReader.readHead(sock, &buffer, deadline: deadline, what: "\(method) \(path)")
        }
        let responseBody = try HTTPReader.readBody(sock, &buffer, head: parsed, method: method, deadline: deadline)
        return TestHTTPResponse(status: parsed.status, headers: parsed.headers, body: responseBody)
    }

    /// A request with a JSON body (`Content-Type: application/json`).
    public static func request(host: String = "127.0.0.1", port: Int, method: String, path: String,
                               headers: [(String, String)] = [], json: JSON,
                               timeout: Double = 5) throws -> TestHTTPResponse {
        try request(host: host, port: port, method: method, path: path,
                    headers: [("Content-Type", "application/json")] + headers, body: json.encoded(), timeout: timeout)
    }
}
