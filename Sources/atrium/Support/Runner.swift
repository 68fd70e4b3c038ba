import AtriumCore
import AtriumServer
import AtriumStore
import Foundation
import Logging

/// Runs the server in the foreground until SIGINT or SIGTERM, then shuts down gracefully.
enum Runner {
    static func serve(_ config: AtriumConfig) throws {
        SignalWaiter.blockTerminationSignals()
        CryptoSetup.initialize()
        LogSetup.bootstrap(level: config.logLevel)
        var configured = Logger(label: "atrium")
        configured.logLevel = LogSetup.level(config.logLevel)
        let logger = configured
        let server = try AtriumServer(config: config, logger: logger)
        let port = try server.start()
        let scheme = config.tlsCert == nil ? "http" : "https"
        let shownHost = config.host.contains(":") ? "[\(config.host)]" : config.host
        // Written straight to fd 1 so a reading parent sees the line at once (no stdio buffering).
        let line = "atrium listening on \(scheme)://\(shownHost):\(port)\n"
        _ = line.withCString { write(1, $0, strlen($0)) }
        SignalWaiter.start { signal in
            logger.info("signal received, shutting down", metadata: ["signal": "\(signal)"])
            server.requestShutdown()
        }
        server.waitUntilStopped()
    }
}
