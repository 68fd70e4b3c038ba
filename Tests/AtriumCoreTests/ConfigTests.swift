import Foundation
import Testing
@testable import AtriumCore

@Suite("Config")
struct ConfigTests {
    func applied(_ text: String) throws(ConfigError) -> AtriumConfig {
        var c = AtriumConfig()
        try c.apply(fileText: text, source: "test.conf")
        return c
    }

    func failure(_ text: String) -> String? {
        do {
            _ = try applied(text)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func defaults() {
        let c = AtriumConfig()
        #expect(c.host == "127.0.0.1" && c.port == 8080 && c.allowedOrigins == [] && c.tlsCert == nil)
        #expect(c.ratePerSecond == 20 && c.rateBurst == 40 && c.synchronous == .normal && c.logLevel == "info")
        #expect(c.protocolLimits == ProtocolLimits())
        #expect(throws: Never.self) { try c.validate() }
    }

    @Test func everyKeyIsListedOnceWithItsDefault() {
        let names = AtriumConfig.keys.map(\.name)
        #expect(names.count == 64)  // 56 + the 8 rtc.sfu/rtc.janus_* keys of the SFU path (docs/calls.md)
        #expect(Set(names).count == names.count)
        #expect(names.first == "server.host" && names.last == "log.level")
        let c = AtriumConfig()
        for key in AtriumConfig.keys {
            #expect(!key.doc.isEmpty && !key.doc.contains("\n"), "\(key.name)")
            #expect(c.value(of: key.name) == key.defaultValue)
            // Setting every key to its own default changes nothing.
            var copy = c
            #expect(throws: Never.self) { try copy.set(key.name, to: key.defaultValue) }
            #expect(copy == c, "\(key.name)")
        }
        #expect(AtriumConfig.keys.first { $0.name == "auth.login_failures_window_s" }?.environmentName == "ATRIUM_AUTH_LOGIN_FAILURES_WINDOW_S")
    }

    @Test func fileWithSectionsCommentsAndQuotes() throws {
        let c = try applied("""
        \u{FEFF}# full-line comment
        limits.rate_per_s = 2.5   # trailing comment

          [server]
        port = 9000
        host = "0.0.0.0"
        web = "/srv/web # not a comment"
        data = /var/lib/atrium#x
        allowed_origins = "https://school.example, https://Atrium.School.example:8443,"
        tls_cert = "/etc/c.pem"
        tls_key = "/etc/k.pem"
        trust_proxy = yes
        [ store ]
        synchronous = FULL
        [log]
        level = "debug"\r
        """)
        #expect(c.ratePerSecond == 2.5)
        #expect(c.port == 9000 && c.host == "0.0.0.0")
        #expect(c.webDir == "/srv/web # not a comment")
        #expect(c.dataDir == "/var/lib/atrium#x")
        #expect(c.allowedOrigins == ["https://school.example", "https://atrium.school.example:8443"])
        #expect(c.tlsCert == "/etc/c.pem" && c.tlsKey == "/etc/k.pem" && c.trustProxy)
        #expect(c.synchronous == .full && c.logLevel == "debug")
        try c.validate()
    }

    @Test func quotedValueEscapes() throws {
        #expect(try applied(#"server.web = "a \"b\" \\c""#).webDir == #"a "b" \c"#)
        #expect(failure(#"server.web = "open"#) == "test.conf:1: the quoted value has no closing quote.")
        #expect(failure(#"server.web = "a" b"#) == "test.conf:1: unexpected text after the closing quote.")
    }

    @Test func fileErrorsNameSourceAndLine() {
        #expect(failure("\n\nserver.prot = 1") == "test.conf:3: 'server.prot' is not a known config key.")
        #expect(failure("[server]\nprot = 1") == "test.conf:2: 'server.prot' (in section [server]) is not a known config key.")
        #expect(failure("[nope]")?.hasPrefix("test.conf:1: '[nope]' is not a known section") == true)
        #expect(failure("[server") == "test.conf:1: a section header must look like [name].")
        #expect(failure("just words") == "test.conf:1: expected 'key = value', a [section] header or a # comment.")
        #expect(failure(" = 5") == "test.conf:1: a key name is missing before '='.")
        #expect(failure("[server]\nport = 1\nport = 2") == "test.conf:3: 'server.port' is already set on line 2.")
        #expect(failure("# c\n[server]\nport = 70000") == "test.conf:3: server.port: '70000' is not accepted; expected an integer from 0 to 65535.")
    }

    @Test func badValues() {
        func setError(_ key: String, _ value: String) -> String? {
            var c = AtriumConfig()
            do { try c.set(key, to: value); return nil } catch { return error.message }
        }
        #expect(setError("server.port", "0") == nil)
        #expect(setError("server.port", "65535") == nil)
        #expect(setError("server.port", "-1") != nil)
        #expect(setError("server.port", "80a") != nil)
        #expect(setError("server.heartbeat_s", "0") != nil)
        #expect(setError("limits.rate_per_s", "0") == "limits.rate_per_s: '0' is not accepted; expected a number greater than 0.")
        #expect(setError("limits.rate_per_s", "nan") != nil)
        #expect(setError("limits.rate_per_s", "inf") != nil)
        #expect(setError("limits.rate_burst", "0.5") != nil)
        #expect(setError("limits.rate_burst", "1") == nil)
        #expect(setError("presence.grace_s", "0") == nil)
        #expect(setError("presence.tick_ms", "9") != nil)
        #expect(setError("limits.max_message_bytes", "255") != nil)
        #expect(setError("limits.max_message_bytes", "16777216") == nil)
        #expect(setError("auth.scrypt_log_n", "21") != nil)
        #expect(setError("server.trust_proxy", "maybe") != nil)
        #expect(setError("server.event_lib", "epoll") == "server.event_lib: 'epoll' is not accepted; expected one of uv, poll.")
        #expect(setError("store.synchronous", "off") != nil)
        #expect(setError("log.level", "verbose") != nil)
        #expect(setError("server.host", "") != nil)
        #expect(setError("nope.key", "1") == "'nope.key' is not a known config key; config/atrium.conf lists them all.")
        for bad in ["school.example", "https://school.example/", "https://school.example/path", "https://", "https://a b",
                    "https://host:0", "https://host:99999", "https://host:+1", "1http://x"] {
            #expect(setError("server.allowed_origins", bad) != nil, "\(bad)")
        }
        #expect(setError("server.allowed_origins", "http://[::1]:8080,http://localhost:3000") == nil)
        var c = AtriumConfig()
        try? c.set("server.tls_cert", to: "/x")
        try? c.set("server.tls_cert", to: "")
        #expect(c.tlsCert == nil)
    }

    @Test func crossKeyValidation() throws {
        var c = AtriumConfig()
        try c.set("server.tls_cert", to: "/c.pem")
        #expect(throws: ConfigError.self) { try c.validate() }
        try c.set("server.tls_key", to: "/k.pem")
        try c.validate()
        var d = AtriumConfig()
        try d.set("limits.outbound_queue_bytes", to: "4096")
        #expect(throws: ConfigError.self) { try d.validate() }
    }

    @Test func environment() throws {
        var c = AtriumConfig()
        try c.apply(environment: [
            "ATRIUM_SERVER_PORT": "9000", "ATRIUM_LIMITS_RATE_PER_S": "3", "ATRIUM_CONFIG": "/etc/atrium.conf",
            "ATRIUM_AUTH_LOGIN_FAILURES_WINDOW_S": "60", "PATH": "/usr/bin", "HOME": "/root",
        ])
        #expect(c.port == 9000 && c.ratePerSecond == 3 && c.loginFailureWindowSeconds == 60)
        var d = AtriumConfig()
        #expect(throws: ConfigError("environment variable ATRIUM_SERVER_PORT: server.port: 'x' is not accepted; expected an integer from 0 to 65535.")) {
            try d.apply(environment: ["ATRIUM_SERVER_PORT": "x"])
        }
        // An unknown ATRIUM_* name is returned for a warning, not applied and not fatal.
        var e = AtriumConfig()
        #expect(try e.apply(environment: ["ATRIUM_SERVER_PROT": "1", "ATRIUM_BIN": "/x"]) == ["ATRIUM_BIN", "ATRIUM_SERVER_PROT"])
        #expect(e == AtriumConfig())
    }

    @Test func protocolLimitsFollowConfig() throws {
        var c = AtriumConfig()
        try c.set("limits.max_text_chars", to: "10")
        try c.set("limits.history_max", to: "30")
        #expect(c.protocolLimits == ProtocolLimits(maxTextChars: 10, historyMax: 30))
    }

    @Test func documentedFileIsValidAndEqualsDefaults() throws {
        let text = AtriumConfig.documentedFile()
        #expect(try applied(text) == AtriumConfig())
        #expect(!text.contains("\t"))
        for key in AtriumConfig.keys { #expect(text.contains(key.doc), "\(key.name)") }
        // Changed values survive a write and read.
        var c = AtriumConfig()
        try c.set("server.allowed_origins", to: "https://a.example,http://b.example:81")
        try c.set("server.web", to: #"C:\web "x""#)
        try c.set("limits.rate_per_s", to: "0.25")
        try c.set("server.tls_cert", to: "/c")
        #expect(try applied(c.fileText()) == c)
    }

    /// config/atrium.conf is generated: run with REGENERATE_ATRIUM_CONF=1 to rewrite it after
    /// changing a key.
    @Test func shippedConfigFileIsTheDocumentedFile() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/atrium.conf")
        if ProcessInfo.processInfo.environment["REGENERATE_ATRIUM_CONF"] == "1" {
            try AtriumConfig.documentedFile().write(to: url, atomically: true, encoding: .utf8)
        }
        let onDisk = try String(contentsOf: url, encoding: .utf8)
        #expect(onDisk == AtriumConfig.documentedFile())
        #expect(try applied(onDisk) == AtriumConfig())
    }
}
