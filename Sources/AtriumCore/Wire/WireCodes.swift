// The wire error codes and WebSocket close codes, listed once (docs/protocol.md restates them).
// Every other target uses these enums instead of spelling codes as literals, so a code can
// never drift between the server, the tests and the documentation.

/// The `code` of an `error` reply (PROTOCOL.md "Requests and replies").
public enum ErrorCode: String, Sendable, CaseIterable {
    case badRequest = "bad_request"
    case unauthenticated
    case forbidden
    case notFound = "not_found"
    case conflict
    case tooLarge = "too_large"
    case rateLimited = "rate_limited"
    case unavailable
    case `internal`
    /// A document operation made on a revision older than the server keeps in memory: the
    /// client fetches the missing operations (`doc.ops`), transforms and resends.
    case stale
}

/// Close codes the server sends. 1xxx are RFC 6455 codes; 4xxx are ours and mirror HTTP
/// statuses (4401 ~ 401, 4408 ~ 408, 4429 ~ 429, 4503 ~ 503) so they are easy to remember.
public enum CloseCode: UInt16, Sendable, CaseIterable {
    case normal = 1000
    case goingAway = 1001
    case invalidPayload = 1007
    case policyViolation = 1008
    case tooLarge = 1009
    case internalError = 1011
    case unauthenticated = 4401
    case helloTimeout = 4408
    case flood = 4429
    case slowConsumer = 4503

    /// The short reason sent in the close frame. RFC 6455 limits a close payload to 125 bytes
    /// (2 of them the code), so every reason stays well under 123 bytes of UTF-8.
    public var reason: String {
        switch self {
        case .normal: return "closing"
        case .goingAway: return "server shutting down"
        case .invalidPayload: return "message is not valid UTF-8 text"
        case .policyViolation: return "origin or protocol not allowed"
        case .tooLarge: return "message too large"
        case .internalError: return "internal server error"
        case .unauthenticated: return "signed out or token invalid"
        case .helloTimeout: return "no hello within the time limit"
        case .flood: return "too many bad or excessive messages"
        case .slowConsumer: return "too slow to receive; reconnect and resume with since"
        }
    }
}

/// A failed request as the client sees it: becomes one `error` frame with the request's `ref`.
public struct WireError: Error, Sendable, Equatable {
    public var code: ErrorCode
    /// A human sentence; never contains secrets (it goes to the client verbatim).
    public var message: String
    public var ref: String?

    public init(_ code: ErrorCode, _ message: String, ref: String? = nil) {
        self.code = code
        self.message = message
        self.ref = ref
    }
}
