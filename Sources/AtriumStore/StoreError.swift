// The one error type of AtriumStore: a wire error code plus a readable sentence, so the server
// can hand a store failure to a client unchanged (`conflict`, `not_found`, …) and log the rest.
// Pure value; any thread.

import AtriumCore

public struct StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// Wraps anything a job threw: a `StoreError` stays as it is, anything else is `internal`.
    public static func from(_ error: any Error) -> StoreError {
        if let e = error as? StoreError { return e }
        return StoreError(.internal, String(describing: error))
    }
}
