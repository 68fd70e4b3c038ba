// Ephemeral TURN credentials by the TURN REST API (draft-uberti-behave-turn-rest; coturn's
// `use-auth-secret` / `static-auth-secret`): the username is `<expiry unix seconds>:<user id>`
// and the password is base64(HMAC-SHA1(shared secret, username)). coturn recomputes the same
// HMAC and refuses the username once its expiry has passed, so nothing is stored anywhere.

import COpenSSL
import Foundation

public struct TurnCredential: Sendable, Equatable {
    public var username: String
    public var credential: String
    public var expiresAt: Int64
}

public enum TurnCredentials {
    /// The credential for `user`, valid until `nowSeconds + ttlSeconds`.
    public static func make(secret: String, user: Int64, nowSeconds: Int64, ttlSeconds: Int64) -> TurnCredential {
        let expiry = nowSeconds + ttlSeconds
        let username = "\(expiry):\(user)"
        return TurnCredential(username: username, credential: credential(secret: secret, username: username), expiresAt: expiry)
    }

    /// base64(HMAC-SHA1(secret, username)).
    public static func credential(secret: String, username: String) -> String {
        let key = Array(secret.utf8)
        let message = Array(username.utf8)
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let keyBytes = key.isEmpty ? [0] : key  // a valid pointer; the length stays key.count
        let ok = keyBytes.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                HMAC(EVP_sha1(), k.baseAddress, Int32(key.count), m.baseAddress, m.count, &digest, &length)
            }
        }
        precondition(ok != nil, "HMAC-SHA1 failed")
        return Data(digest.prefix(Int(length))).base64EncodedString()
    }
}
