// Session tokens and random bytes from OpenSSL's CSPRNG. Any thread.

import COpenSSL
import Foundation

public enum Tokens {
    /// 32 random bytes, base64url without padding (43 characters): safe in cookies and headers.
    public static func generate() -> String {
        Data(randomBytes(32)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// SHA-256 of the token's UTF-8 bytes: what the sessions table stores and looks up.
    public static func hash(_ token: String) -> [UInt8] {
        let bytes = Array(token.utf8)
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBufferPointer { input in
            digest.withUnsafeMutableBufferPointer { out in
                _ = SHA256(input.baseAddress, input.count, out.baseAddress)
            }
        }
        return digest
    }

    /// `count` bytes from RAND_bytes. If the CSPRNG fails we stop the process: continuing would
    /// hand out guessable tokens and salts.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        guard ok == 1 else { fatalError("RAND_bytes failed: no secure randomness available") }
        return out
    }
}
