// The whole server configuration as one value. Every key has a default (so `AtriumConfig()`
// is a working configuration), a type, an allowed range and a one-line doc; the key table in
// ConfigKeys.swift is the single source for all of these, and the commented file in
// config/atrium.conf is generated from it (`documentedFile()`), so docs cannot drift.
//
// Layering (lowest first): defaults, the config file, ATRIUM_* environment variables, then
// command-line flags and `--set key=value`, all through `set(_:to:)`; `validate()` runs last.

public enum SyncMode: String, Sendable, CaseIterable {
    /// SQLite `synchronous=NORMAL` in WAL mode: durable across crashes of the process.
    case normal
    /// `synchronous=FULL`: also durable across power loss, at the cost of an fsync per commit.
    case full
}

public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct ConfigKeyInfo: Sendable {
    /// The dotted name, e.g. "server.port".
    public var name: String
    /// The default as it is written in the config file.
    public var defaultValue: String
    public var doc: String
    /// What values are accepted, e.g. "an integer from 0 to 65535".
    public var accepts: String
    /// The environment variable that overrides the key, e.g. "ATRIUM_SERVER_PORT".
    public var environmentName: String
}

public struct AtriumConfig: Sendable, Equatable {
    // [server]
    public var host = "127.0.0.1"
    public var port = 8080
    public var dataDir = "./data"
    public var webDir = "./web"
    public var allowedOrigins: [String] = []
    public var tlsCert: String? = nil
    public var tlsKey: String? = nil
    public var trustProxy = false
    public var eventLib = "uv"
    public var heartbeatSeconds = 20
    public var helloTimeoutSeconds = 10
    public var shutdownGraceSeconds = 5
    // [limits]
    public var maxMessageBytes = 65536
    public var maxTextChars = 4000
    public var ratePerSecond: Double = 20
    public var rateBurst: Double = 40
    public var floodErrorLimit = 20
    public var outboundQueueBytes = 1_048_576
    public var coalesceBytes = 65536
    public var replayCap = 1000
    public var historyMax = 200
    public var httpBodyBytes = 16384
    // [collab]
    public var collabFlushMillis = 25
    public var collabSnapshotEvery = 100
    public var collabHistoryOps = 1000
    public var collabMaxDocChars = 200_000
    public var collabMaxOpComponents = 10_000
    public var collabMaxInsertChars = 50_000
    // [rtc]
    public var rtcMeshMax = 6
    public var rtcSignalPerSecond: Double = 50
    public var rtcSignalBurst: Double = 200
    public var rtcMaxSignalBytes = 32768
    public var rtcStunURLs: [String] = []
    public var rtcTurnURLs: [String] = []
    public var rtcTurnSecret = ""
    public var rtcTurnTTLSeconds = 86_400
    // Hook (Janus SFU): see ConfigKeys "rtc.sfu".
    public var rtcSFU = "off"
    public var rtcSFUAfter = 0
    public var rtcSFUMax = 100
    public var rtcJanusWSURL = "ws://127.0.0.1:8188"
    public var rtcJanusPublicURL = ""
    public var rtcJanusAdminKey = ""
    public var rtcJanusAdminURL = ""
    public var rtcJanusAdminSecret = ""
    // [presence]
    public var presenceGraceSeconds: Double = 5
    public var presenceTickMillis = 100
    // [store]
    public var synchronous: SyncMode = .normal
    public var commitBatchMax = 1000
    public var changePollMillis = 250
    // [auth]
    public var scryptLogN = 15
    public var sessionDays = 30
    public var loginIPBurst: Double = 20
    public var loginIPPerMinute: Double = 20
    public var loginFailureBurst: Double = 5
    public var loginFailureWindowSeconds: Double = 900
    // [contact]
    public var contactStudentStudent = "yes"
    public var contactMinorTeacher = "own"
    public var contactMinorParent = "own"
    public var contactMinorPartner = "no"
    public var contactMinorAdmin = "no"
    public var contactAdults = "yes"
    // [safety]
    public var regulations = "Правила коворкинга: уважайте участников, не публикуйте личные данные учащихся, не делайте записей без согласия. / Coworking regulations: respect everyone, share no personal data of students, record nothing without consent."
    public var inviteMaxHours = 720
    // [log]
    public var logLevel = "info"

    public init() {}

    /// The contact rules of the `[contact]` section.
    public var contactTable: ContactTable {
        var t = ContactTable()
        func rule(_ s: String) -> ContactRule { ContactRule(rawValue: s) ?? .no }
        t.studentStudent = rule(contactStudentStudent)
        t.minorTeacher = rule(contactMinorTeacher)
        t.minorParent = rule(contactMinorParent)
        t.minorPartner = rule(contactMinorPartner)
        t.minorAdmin = rule(contactMinorAdmin)
        t.adults = rule(contactAdults)
        return t
    }

    /// Every key, in file order.
    public static let keys: [ConfigKeyInfo] = ConfigKey.all.map(\.info)

    /// Sets one key from its text form (file, environment or `--set`).
    public mutating func set(_ key: String, to value: String) throws(ConfigError) {
        guard let spec = ConfigKey.byName[key] else {
            throw ConfigError("'\(key)' is not a known config key; config/atrium.conf lists them all.")
        }
        try spec.set(&self, value)
    }

    /// The current value of a key in its file form (nil for an unknown key).
    public func value(of key: String) -> String? {
        ConfigKey.byName[key]?.get(self)
    }

    /// Rules that involve more than one key; run after every source has been applied.
    public func validate() throws(ConfigError) {
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ConfigError("server.tls_cert and server.tls_key must be set together (both for HTTPS, neither for HTTP).")
        }
        if coalesceBytes > outboundQueueBytes {
            throw ConfigError("limits.coalesce_bytes (\(coalesceBytes)) must not exceed limits.outbound_queue_bytes (\(outboundQueueBytes)).")
        }
        if !rtcTurnURLs.isEmpty && rtcTurnSecret.isEmpty {
            throw ConfigError("rtc.turn_urls is set but rtc.turn_secret is empty: set the TURN server's shared secret (coturn static-auth-secret).")
        }
        if maxTextChars > maxMessageBytes {
            throw ConfigError("limits.max_text_chars (\(maxTextChars)) must not exceed limits.max_message_bytes (\(maxMessageBytes)): such a text could never arrive.")
        }
    }

    /// The limits the client frame decoder enforces.
    public var protocolLimits: ProtocolLimits {
        ProtocolLimits(maxTextChars: maxTextChars, historyMax: historyMax,
                       textOperation: TextOperationLimits(maxComponents: collabMaxOpComponents, maxInsertChars: collabMaxInsertChars))
    }
}
