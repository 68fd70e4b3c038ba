// Why a board operation (or a stored board) was refused. The server sends `message` to the
// client verbatim and the client shows it to the person, so it is a whole sentence that names
// the column or card by its title where it can, and never shows internals.

public struct BoardError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The three outcomes docs/protocol.md lists for `board.op` besides `forbidden` (which the
    /// hub decides, not the board).
    public enum Code: Sendable, Equatable {
        /// The operation does not follow the schema of docs/collab.md.
        case badRequest
        /// It names a column or card that does not exist (any more).
        case notFound
        /// It does not fit the board as it is now: an id in use, a WIP limit, an archived
        /// column, a column that still holds cards.
        case conflict
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func badRequest(_ message: String) -> BoardError { BoardError(.badRequest, message) }
    public static func notFound(_ message: String) -> BoardError { BoardError(.notFound, message) }
    public static func conflict(_ message: String) -> BoardError { BoardError(.conflict, message) }

    /// The wire code of the `error` reply.
    public var wireCode: ErrorCode {
        switch code {
        case .badRequest: return .badRequest
        case .notFound: return .notFound
        case .conflict: return .conflict
        }
    }

    public var description: String { message }
}
