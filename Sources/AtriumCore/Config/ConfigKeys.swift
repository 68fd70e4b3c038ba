// The table of config keys: name, doc, accepted values, and how to read and write each one.
// It is the single source for AtriumConfig.set, the environment names, `AtriumConfig.keys` and
// the generated config file; adding a key means adding one line here and one property.

struct ConfigKey: Sendable {
    let name: String
    let doc: String
    let accepts: String
    /// Written in double quotes in the generated file (text values).
    let quoted: Bool
    let get: @Sendable (AtriumConfig) -> String
    let set: @Sendable (inout AtriumConfig, String) throws(ConfigError) -> Void

    var section: String { String(name.prefix { $0 != "." }) }
    var shortName: String { String(name.drop { $0 != "." }.dropFirst()) }
    var environmentName: String {
        "ATRIUM_" + String(name.uppercased().map { $0 == "." ? "_" : $0 })
    }
    var info: ConfigKeyInfo {
        ConfigKeyInfo(name: name, defaultValue: get(AtriumConfig()), doc: doc, accepts: accepts,
                      environmentName: environmentName)
    }

    static let byName: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// One comment line per section in the generated file.
    static let sectionDocs: [String: String] = [
        "server": "Listening, browser origins, TLS and connection timing.",
        "limits": "Per-connection and per-request limits that protect the server.",
        "presence": "Who-is-here announcements.",
        "store": "SQLite storage.",
        "auth": "Passwords, sessions and sign-in throttling.",
        "contact": "Who may open a direct conversation with whom: yes, no, or own (only related people: a parent and their own child, a teacher and the students of the classes, courses and projects they lead, people sharing a class, course or project). A minor is a student marked as one (students are, by default). See docs/permissions.md.",
        "rtc": "Calls: WebRTC signalling relayed by the server, and the STUN/TURN servers participants use (media never passes through Atrium; see config/coturn.conf).",
        "safety": "Guests and the coworking space's regulations.",
        "log": "Logging.",
    ]

    static let all: [ConfigKey] = [
        text("server.host", \.host, "Address to listen on; 127.0.0.1 keeps the server private behind a reverse proxy."),
        int("server.port", \.port, 0...65535, "TCP port for HTTP and WebSocket; 0 picks a free port."),
        text("server.data", \.dataDir, "Folder with the database and uploaded files."),
        text("server.web", \.webDir, "Folder with the browser client, served at /."),
        origins("server.allowed_origins", "Other browser origins allowed to open /ws, comma-separated, e.g. \"https://school.example,https://atrium.school.example\"; empty = same origin only."),
        optionalPath("server.tls_cert", \.tlsCert, "PEM certificate file for HTTPS; empty = plain HTTP. Set together with server.tls_key."),
        optionalPath("server.tls_key", \.tlsKey, "PEM private key file for HTTPS; empty = plain HTTP. Set together with server.tls_cert."),
        bool("server.trust_proxy", \.trustProxy, "Take the client address from X-Forwarded-For when the peer is a reverse proxy on loopback."),
        choice("server.event_lib", \.eventLib, ["uv", "poll"], "libwebsockets event loop: uv (libuv, epoll; scales to many sockets) or poll (built in)."),
        int("server.heartbeat_s", \.heartbeatSeconds, 1...3600, "Seconds between server pings; a peer silent for twice this is dropped."),
        int("server.hello_timeout_s", \.helloTimeoutSeconds, 1...600, "Seconds a new WebSocket has to send hello before it is closed with 4408."),
        int("server.shutdown_grace_s", \.shutdownGraceSeconds, 0...120, "Seconds to finish pending writes on shutdown before connections are cut."),

        int("limits.max_message_bytes", \.maxMessageBytes, 256...16_777_216, "Largest client message in bytes after decompression; larger closes with 1009."),
        int("limits.max_text_chars", \.maxTextChars, 1...1_000_000, "Longest chat text in Unicode code points; longer is refused with too_large."),
        double("limits.rate_per_s", \.ratePerSecond, min: 0, exclusive: true, "Messages per second a connection may send on average."),
        double("limits.rate_burst", \.rateBurst, min: 1, exclusive: false, "Messages a connection may send at once before the rate applies."),
        int("limits.flood_errors", \.floodErrorLimit, 1...Int.max, "Errors in a row (bad or rate-limited frames) before the connection is closed with 4429."),
        int("limits.outbound_queue_bytes", \.outboundQueueBytes, 4096...Int.max, "Bytes queued for one slow client before it is closed with 4503 (it resumes with since)."),
        int("limits.coalesce_bytes", \.coalesceBytes, 1024...Int.max, "Largest server frame built by joining queued messages (JSON Lines)."),
        int("limits.replay_cap", \.replayCap, 1...Int.max, "Most events replayed on join with since; beyond it the client gets reset and pages with history."),
        int("limits.history_max", \.historyMax, 1...10000, "Largest history page; larger requests are clamped to it."),
        int("limits.http_body_bytes", \.httpBodyBytes, 256...Int.max, "Largest HTTP request body in bytes (sign-in and other API calls)."),

        double("presence.grace_s", \.presenceGraceSeconds, min: 0, exclusive: false, "Seconds a dropped connection's person stays present, so a quick reconnect is not announced."),
        int("presence.tick_ms", \.presenceTickMillis, 10...5000, "Milliseconds between merged presence announcements per room."),

        int("collab.flush_ms", \.collabFlushMillis, 1...1000, "Milliseconds between merged sends of board and document operations and cursors to each reader (one frame per tick)."),
        int("collab.snapshot_every", \.collabSnapshotEvery, 1...100_000, "Revisions between stored snapshots of a document or board (opening one reads its newest snapshot and the operations after it)."),
        int("collab.history_ops", \.collabHistoryOps, 10...1_000_000, "Recent operations per open document kept in memory to transform late operations; older bases get stale."),
        int("collab.max_doc_chars", \.collabMaxDocChars, 1...10_000_000, "Longest document in Unicode code points; an operation that would exceed it is refused with too_large."),
        int("collab.max_op_components", \.collabMaxOpComponents, 1...1_000_000, "Most components (retain, insert, delete) in one document operation."),
        int("collab.max_insert_chars", \.collabMaxInsertChars, 1...10_000_000, "Most code points one document operation may insert."),

        int("rtc.mesh_max", \.rtcMeshMax, 2...50, "Most participants of one call (every participant sends media to every other: a mesh); the next joiner gets conflict."),
        double("rtc.signal_per_s", \.rtcSignalPerSecond, min: 0, exclusive: true, "rtc.signal messages per second one connection may send on average (its own bucket instead of limits.rate_per_s, so ICE bursts pass)."),
        double("rtc.signal_burst", \.rtcSignalBurst, min: 1, exclusive: false, "rtc.signal messages one connection may send at once."),
        int("rtc.max_signal_bytes", \.rtcMaxSignalBytes, 256...1_048_576, "Largest 'data' of one rtc.signal (its JSON encoding, in bytes); larger is too_large."),
        urls("rtc.stun_urls", \.rtcStunURLs, ["stun:"], "STUN servers given to every participant (comma-separated stun: URLs), or empty for none."),
        urls("rtc.turn_urls", \.rtcTurnURLs, ["turn:", "turns:"], "TURN servers (comma-separated turn:/turns: URLs, e.g. turn:turn.school.example:3478?transport=udp); participants get ephemeral credentials for them. Empty: no TURN."),
        secret("rtc.turn_secret", \.rtcTurnSecret, "The shared secret of the TURN server (coturn static-auth-secret); required when rtc.turn_urls is set. Prefer the environment variable ATRIUM_RTC_TURN_SECRET."),
        int("rtc.turn_ttl_s", \.rtcTurnTTLSeconds, 60...604_800, "Seconds the TURN credentials of one rtc.join stay valid."),
        // Hook (Janus SFU, docs/calls.md "Large events: the SFU path"): the optional SFU's keys.
        choice("rtc.sfu", \.rtcSFU, ["off", "janus"], "An SFU for calls larger than a mesh: off, or janus (the Janus VideoRoom plugin over its WebSocket API; see docs/operations.md)."),
        int("rtc.sfu_after", \.rtcSFUAfter, 0...1000, "With rtc.sfu set: a call moves to the SFU when it would have more participants than this (0: rtc.mesh_max)."),
        int("rtc.sfu_max", \.rtcSFUMax, 1...10_000, "With rtc.sfu set: most participants of one call (the Janus room's publishers)."),
        text("rtc.janus_ws_url", \.rtcJanusWSURL, "The Janus WebSocket API the server talks to (ws://host:port, subprotocol janus-protocol); keep it private (loopback or an internal network)."),
        secret("rtc.janus_public_url", \.rtcJanusPublicURL, "The Janus WebSocket URL browsers connect to (wss://janus.school.example/ behind a TLS proxy); empty: rtc.janus_ws_url."),
        secret("rtc.janus_admin_url", \.rtcJanusAdminURL, "The Janus Admin API over WebSocket (ws://127.0.0.1:7188, subprotocol janus-admin-protocol); with it, removing someone from a call also ends their whole Janus session (their subscriptions too). Empty: kick only."),
        secret("rtc.janus_admin_secret", \.rtcJanusAdminSecret, "The Janus admin_secret (janus.jcfg) for rtc.janus_admin_url. Prefer the environment variable ATRIUM_RTC_JANUS_ADMIN_SECRET."),
        secret("rtc.janus_admin_key", \.rtcJanusAdminKey, "The VideoRoom plugin's admin_key (janus.plugin.videoroom.jcfg), if Janus requires one to create rooms; empty: none."),

        syncMode("store.synchronous", "SQLite synchronous mode: normal (WAL, crash-safe) or full (also power-loss-safe, slower)."),
        int("store.batch_max", \.commitBatchMax, 1...100_000, "Most writes committed together in one transaction (group commit)."),
        int("store.change_poll_ms", \.changePollMillis, 20...60000, "How often, in milliseconds, the server looks for changes made by the atrium command line."),

        int("auth.scrypt_log_n", \.scryptLogN, 10...20, "Password hashing cost: scrypt N = 2^n, r = 8, p = 1 (applies to new and changed passwords)."),
        int("auth.session_days", \.sessionDays, 1...365, "Days a sign-in session stays valid."),
        double("auth.login_ip_burst", \.loginIPBurst, min: 1, exclusive: false, "Sign-in attempts one client address may make at once."),
        double("auth.login_ip_per_min", \.loginIPPerMinute, min: 0, exclusive: true, "Sign-in attempts per minute one client address may make on average."),
        double("auth.login_failures_burst", \.loginFailureBurst, min: 1, exclusive: false, "Failed sign-ins for one login before it is throttled."),
        double("auth.login_failures_window_s", \.loginFailureWindowSeconds, min: 0, exclusive: true, "Seconds over which the failed sign-in allowance of one login refills completely."),

        choice("contact.student_student", \.contactStudentStudent, ["yes", "no", "own"], "Two students."),
        choice("contact.minor_teacher", \.contactMinorTeacher, ["yes", "no", "own"], "A minor and a teacher."),
        choice("contact.minor_parent", \.contactMinorParent, ["yes", "no", "own"], "A minor and a parent."),
        choice("contact.minor_partner", \.contactMinorPartner, ["yes", "no", "own"], "A minor and a partner (external resident)."),
        choice("contact.minor_admin", \.contactMinorAdmin, ["yes", "no", "own"], "A minor and an administrator."),
        choice("contact.adults", \.contactAdults, ["yes", "no", "own"], "Two adults (teachers, parents, partners, administrators, adult students)."),

        text("safety.regulations", \.regulations, "The coworking space's regulations a guest accepts before entering (shown on the invitation page)."),
        int("safety.invite_max_hours", \.inviteMaxHours, 1...8760, "Longest an invitation may stay valid, in hours."),

        choice("log.level", \.logLevel, ["trace", "debug", "info", "notice", "warning", "error", "critical"], "Least severe log level written."),
    ]
}

// MARK: - Key kinds

extension ConfigKey {
    static func bad(_ name: String, _ value: String, _ accepts: String) -> ConfigError {
        ConfigError("\(name): '\(value)' is not accepted; expected \(accepts).")
    }

    static func text(_ name: String, _ path: WritableKeyPath<AtriumConfig, String> & Sendable, _ doc: String) -> ConfigKey {
        let accepts = "a non-empty text"
        return ConfigKey(name: name, doc: doc, accepts: accepts, quoted: true, get: { $0[keyPath: path] },
                         set: { (c: inout AtriumConfig, v: String) throws(ConfigError) in
                             guard !v.isEmpty else { throw bad(name, v, accepts) }
                             c[keyPath: path] = v
                         })
    }

    /// A comma-separated list of URLs with one of `schemes`, or empty.
    static func urls(_ name: String, _ path: WritableKeyPath<AtriumConfig, [String]> & Sendable, _ schemes: [String], _ doc: String) -> ConfigKey {
        let accepts = "a comma-separated list of " + schemes.joined(separator: " or ") + " URLs, or empty"
        return ConfigKey(name: name, doc: doc, accepts: accepts, quoted: true, get: { $0[keyPath: path].joined(separator: ",") },
                         set: { (c: inout AtriumConfig, v: String) throws(ConfigError) in
                             var list: [String] = []
                             for part in v.split(separator: ",") {
                                 let item = trimmed(Substring(part))
                                 if item.isEmpty { continue }
                                 guard schemes.contains(where: { item.lowercased().hasPrefix($0) }), item.count > 6,
                                       !item.contains(where: { $0 == " " || $0 == "\"" }) else {
                                     throw bad(name, item, accepts)
                                 }
                                 list.append(item)
                             }
                             c[keyPath: path] = list
                         })
    }

    /// A text that may be empty (a secret: the generated file shows it empty).
    static func secret(_ name: String, _ path: WritableKeyPath<AtriumConfig, String> & Sendable, _ doc: String) -> ConfigKey {
        ConfigKey(name: name, doc: doc, accepts: "a text, or empty", quoted: true, get: { $0[keyPath: path] },
                  set: { (c: inout AtriumConfig, v: String) throws(ConfigError) in c[keyPath: path] = v })
    }

    static func optionalPath(_ name: String, _ path: WritableKeyPath<AtriumConfig, String?> & Sendable, _ doc: String) -> ConfigKey {
        ConfigKey(name: name, doc: doc, accepts: "a file path, or empty for none", quoted: true,
                  get: { $0[keyPath: path] ?? "" },
                  set: { (c: inout AtriumConfig, v: String) throws(ConfigError) in c[keyPath: path] = v.isEmpty ? nil : v })
    }

    static func int(_ name: String, _ path: WritableKeyPath<AtriumConfig, Int> & Sendable, _ range: ClosedRange<Int>, _ doc: String) -> ConfigKey {
        let accepts = range.upperBound == Int.max
            ? "an integer of at least \(range.lowerBound)"
            : "an integer from \(range.lowerBound) to \(range.upperBound)"
        return ConfigKey(name: name, doc: doc, accepts: accepts, quoted: false, get: { String($0[keyPath: path]) },
                         set: { (c: inout AtriumConfig, v: String) throws(ConfigError) in
                             guard let i = Int(v), range.contains(i) else { throw bad(name, v, accepts) }
                             c[keyPath: path] = i
                         })
    }

    static func double(_ name: String, _ path: WritableKeyPath<AtriumConfig, Double> & Sendable, min: Double, exclusive: Bool, _ doc: String) -> ConfigKey {
        let accepts = exclusive ? "a number greater than \(formatNumber(min))" : "a number of at least \(formatNumber(min))"
        return ConfigKey(name: name, doc: doc, accepts: accepts, quoted: false, get: { formatNumber($0[keyPath: path]) },
                         set: { (c: inout AtriumConfig, v: String) throws(ConfigError) in
                             guard let d = Double(v), d.isFinite, exclusive ? d > min : d >= min else { throw bad(name, v, accepts) }
                             c[keyPath: path] = d
                         })
    }

    static func bool(_ name: String, _ path: WritableKeyPath<AtriumConfig, Bool> & Sendable, _ doc: String) -> ConfigKey {
        let accepts = "true or false (also yes/no, on/off, 1/0)"
        return ConfigKey(name: name, doc: doc, accepts: accepts, quoted: false, get: { $0[keyPath: path] ? "true" : "false" },
                         set: { (c: inout AtriumConfig, v: String) throws(ConfigError) in
                             switch v.lowercased() {
                             case "true", "yes", "on", "1": c[keyPath: path] = true
                             case "false", "no", "off", "0": c[keyPath: path] = false
                             default: throw bad(name, v, accepts)
                             }
                         })
    }

    static func choice(_ name: String, _ path: WritableKeyPath<AtriumConfig, String> & Sendable, _ options: [String], _ doc: String) -> ConfigKey {
        let accepts = "one of " + options.joined(separator: ", ")
        return ConfigKey(name: name, doc: doc, accepts: accepts, quoted: true, get: { $0[keyPath: path] },
                         set: { (c: inout AtriumConfig, v: String) throws(ConfigError) in
                             guard options.contains(v.lowercased()) else { throw bad(name, v, accepts) }
                             c[keyPath: path] = v.lowercased()
                         })
    }

    static func syncMode(_ name: String, _ doc: String) -> ConfigKey {
        let accepts = "one of " + SyncMode.allCases.map(\.rawValue).joined(separator: ", ")
        return ConfigKey(name: name, doc: doc, accepts: accepts, quoted: true, get: { $0.synchronous.rawValue },
                         set: { (c: inout AtriumConfig, v: String) throws(ConfigError) in
                             guard let mode = SyncMode(rawValue: v.lowercased()) else { throw bad(name, v, accepts) }
                             c.synchronous = mode
                         })
    }

    static func origins(_ name: String, _ doc: String) -> ConfigKey {
        let accepts = "a comma-separated list of origins like https://school.example or http://host:8080, or empty"
        return ConfigKey(name: name, doc: doc, accepts: accepts, quoted: true, get: { $0.allowedOrigins.joined(separator: ",") },
                         set: { (c: inout AtriumConfig, v: String) throws(ConfigError) in
                             var list: [String] = []
                             for part in v.split(separator: ",", omittingEmptySubsequences: false) {
                                 let item = trimmed(Substring(part))
                                 if item.isEmpty { continue }  // tolerate "a, b," and an empty value
                                 // Browsers send origins in lower case for scheme and host.
                                 let origin = item.lowercased()
                                 guard isOrigin(origin) else {
                                     throw ConfigError("\(name): '\(item)' is not an origin; expected scheme://host or scheme://host:port with no path (e.g. https://school.example).")
                                 }
                                 if !list.contains(origin) { list.append(origin) }
                             }
                             c.allowedOrigins = list
                         })
    }

    /// `scheme://host[:port]`, as a browser's Origin header spells it (no path, no slash).
    static func isOrigin(_ s: String) -> Bool {
        guard let sep = s.firstRange(of: "://") else { return false }
        let scheme = s[..<sep.lowerBound], rest = s[sep.upperBound...]
        guard let first = scheme.unicodeScalars.first, ("a"..."z").contains(first),
              scheme.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0) })
        else { return false }
        var host = Substring(rest), port: Substring? = nil
        if host.hasPrefix("[") {  // IPv6 literal
            guard let close = host.firstIndex(of: "]") else { return false }
            let after = host[host.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return false }
                port = after.dropFirst()
            }
            host = host[host.index(after: host.startIndex)..<close]
            guard !host.isEmpty, host.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." }) else { return false }
        } else {
            if let colon = host.firstIndex(of: ":") {
                port = host[host.index(after: colon)...]
                host = host[..<colon]
            }
            guard !host.isEmpty, host.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }) else { return false }
        }
        if let port {
            guard port.allSatisfy({ $0.isASCII && $0.isNumber }), let p = Int(port), (1...65535).contains(p) else { return false }
        }
        return true
    }
}

/// Numbers as a person writes them: 20 rather than 20.0.
func formatNumber(_ d: Double) -> String {
    if d.rounded() == d && abs(d) < 1e15 { return String(Int64(d)) }
    return String(d)
}

/// Trims spaces and tabs (config values and CSV fields).
func trimmed(_ s: Substring) -> String {
    func isBlank(_ c: Character) -> Bool { c == " " || c == "\t" }
    guard let first = s.firstIndex(where: { !isBlank($0) }), let last = s.lastIndex(where: { !isBlank($0) }) else { return "" }
    return String(s[first...last])
}
