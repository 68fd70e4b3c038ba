/// Headers every HTTP response carries. The Content-Security-Policy is strict: scripts, styles
/// and connections from our own origin only, no inline code, no framing.
enum SecurityHeaders {
    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
        "media-src 'self' blob:", "font-src 'self'", "connect-src 'self'", "object-src 'none'",
        "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    static func all(tls: Bool) -> [(String, String)] {
        var h: [(String, String)] = [
            ("content-security-policy", contentSecurityPolicy),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("x-frame-options", "DENY"),
            ("cross-origin-opener-policy", "same-origin"),
            ("permissions-policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=()"),
        ]
        if tls { h.append(("strict-transport-security", "max-age=31536000")) }
        return h
    }
}
