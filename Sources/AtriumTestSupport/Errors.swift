// Errors thrown by the test clients (TestWebSocket, TestHTTP, AtriumProcess, TestServer).

/// What went wrong in a test client. Every case has a readable description for test output.
public enum TestClientError: Error, Equatable, CustomStringConvertible {
    /// The TCP connection could not be made (or the host could not be resolved).
    case connectFailed(String)
    /// The server answered the WebSocket handshake with something other than 101.
    case handshakeRejected(status: Int, body: String)
    /// The peer broke the WebSocket or HTTP protocol (bad accept key, bad frame, bad JSON…).
    case protocolError(String)
    /// A wait ran out; the text says what was awaited.
    case timeout(String)
    /// The connection is closed: `code` is the close frame's code, nil if the TCP connection
    /// ended without one (or the close frame carried no code).
    case closed(code: UInt16?, reason: String)
    /// A system call failed.
    case io(String)
    /// A reply arrived but was not the one expected (e.g. no `welcome`, sign-in not 200).
    case unexpectedReply(String)
    /// A child process ended before it did what was awaited.
    case processExited(status: Int32, log: String)

    public var description: String {
        switch self {
        case .connectFailed(let s): return "connect failed: \(s)"
        case .handshakeRejected(let status, let body): return "WebSocket handshake rejected with HTTP \(status): \(body)"
        case .protocolError(let s): return "protocol error: \(s)"
        case .timeout(let s): return "timed out: \(s)"
        case .closed(let code, let reason):
            return "connection closed (code \(code.map(String.init) ?? "none")\(reason.isEmpty ? "" : ", \(reason)"))"
        case .io(let s): return "I/O error: \(s)"
        case .unexpectedReply(let s): return "unexpected reply: \(s)"
        case .processExited(let status, let log): return "process exited with status \(status); log tail:\n\(log)"
        }
    }
}
