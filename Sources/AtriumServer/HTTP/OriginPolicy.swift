/// Decides whether a browser page of `origin` may use our WebSocket or session API with the
/// user's cookie. Same origin (the Origin's host:port equals the Host header) is always
/// allowed; other origins only if listed in `server.allowed_origins`. Requests without an
/// Origin header (non-browser clients) carry no ambient cookie risk and are allowed.
struct OriginPolicy {
    let allowed: Set<String>

    init(allowedOrigins: [String]) {
        allowed = Set(allowedOrigins.map { Self.normalize($0) })
    }

    func permits(origin: String?, host: String?) -> Bool {
        guard let origin, !origin.isEmpty else { return true }
        let o = Self.normalize(origin)
        if allowed.contains(o) { return true }
        guard let host, let authority = Self.authority(of: o) else { return false }
        return Self.stripDefaultPort(authority) == Self.stripDefaultPort(host.lowercased())
    }

    static func normalize(_ origin: String) -> String {
        var o = origin.trimmingCharacters(in: .whitespaces).lowercased()
        while o.hasSuffix("/") { o.removeLast() }
        return o
    }

    /// "https://school.example:8443" → "school.example:8443"
    static func authority(of origin: String) -> String? {
        guard let r = origin.range(of: "://") else { return nil }
        let rest = origin[r.upperBound...]
        return rest.isEmpty ? nil : String(rest)
    }

    static func stripDefaultPort(_ authority: String) -> String {
        if authority.hasSuffix(":80") || authority.hasSuffix(":443") {
            return String(authority[..<authority.lastIndex(of: ":")!])
        }
        return authority
    }
}

import Foundation
