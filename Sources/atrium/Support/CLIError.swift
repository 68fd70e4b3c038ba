import AtriumStore
import Foundation

/// A failed command: the message goes to standard error and the exit status is 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Opens the data folder's store; a readable error if it cannot.
func openStore(_ dataDir: String) throws -> StoreConnection {
    do {
        return try StoreConnection(dataDir: dataDir)
    } catch let error as StoreError {
        throw CLIError("Cannot open the data folder \(dataDir): \(error.message)")
    }
}

func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

/// Reads the whole of standard input as a password: one line, the trailing newline removed.
func readPasswordFromStdin() throws -> String {
    var data = [UInt8]()
    while let line = readLine(strippingNewline: true) {
        data.append(contentsOf: Array(line.utf8))
        break
    }
    let password = String(decoding: data, as: UTF8.self)
    if let problem = Passwords.validateNew(password) { throw CLIError(problem) }
    return password
}
