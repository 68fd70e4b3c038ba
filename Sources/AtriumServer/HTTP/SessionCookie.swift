/// The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it),
/// Secure under TLS.
enum SessionCookie {
    static let name = "atrium_session"

    static func token(fromCookieHeader header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == name {
                let value = pair[1].trimmingCharacters(in: .whitespaces)
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }

    static func set(_ token: String, maxAgeSeconds: Int, tls: Bool) -> String {
        "\(name)=\(token); Path=/; Max-Age=\(maxAgeSeconds); HttpOnly; SameSite=Strict" + (tls ? "; Secure" : "")
    }

    static func clear(tls: Bool) -> String {
        "\(name)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : "")
    }

    /// The token of a request: `Authorization: Bearer T` first, then the cookie.
    static func token(authorization: String?, cookie: String?) -> String? {
        if let auth = authorization, auth.lowercased().hasPrefix("bearer ") {
            let t = auth.dropFirst(7).trimmingCharacters(in: .whitespaces)
            if !t.isEmpty { return t }
        }
        return token(fromCookieHeader: cookie)
    }
}

import Foundation
