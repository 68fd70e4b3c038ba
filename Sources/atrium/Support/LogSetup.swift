import Logging

enum LogSetup {
    static func level(_ name: String) -> Logger.Level {
        Logger.Level(rawValue: name) ?? .info
    }

    /// Logs go to standard error; standard output carries only the "listening" line and
    /// command results, so scripts can read it.
    static func bootstrap(level name: String) {
        let level = level(name)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
