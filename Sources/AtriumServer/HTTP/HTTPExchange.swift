import AtriumCore

/// One HTTP request on a connection and the response being written (service thread).
final class HTTPExchange {
    let id: UInt64
    let method: String
    let path: String
    let headers: [String: String]
    /// The URL's query arguments (`?a=1&b=2`).
    var query: [String: String] = [:]
    let peer: String
    var body: [UInt8] = []
    var bodyTooLarge = false
    var response: HTTPResponse?
    var headersSent = false
    var bodyOffset = 0
    /// Waiting for a worker; the response comes later.
    var pending = false

    init(id: UInt64, method: String, path: String, headers: [String: String], peer: String) {
        self.id = id
        self.method = method
        self.path = path
        self.headers = headers
        self.peer = peer
    }

    func header(_ name: String) -> String? { headers[name] }
}

struct HTTPResponse {
    var status: Int
    var contentType: String
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    /// HEAD: headers with the body's length, no body.
    var omitBody = false

    static func json(_ status: Int, _ value: JSON, headers: [(String, String)] = []) -> HTTPResponse {
        var body = value.encoded()
        body.append(0x0A)
        return HTTPResponse(status: status, contentType: "application/json; charset=utf-8", headers: headers, body: body)
    }

    static func error(_ status: Int, _ message: String, headers: [(String, String)] = []) -> HTTPResponse {
        json(status, .object([("error", .string(message))]), headers: headers)
    }

    static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, contentType: contentType, body: Array(text.utf8))
    }
}
