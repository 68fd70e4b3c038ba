import AtriumCore
import AtriumStore
import CLibWebSockets
import Foundation
import Logging
import Synchronization

public struct ServerStartError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The running Atrium server: one libwebsockets context serviced by one thread that owns all
/// connection and hub state (see docs/architecture.md). `start` and `shutdown` may be called
/// from any thread; everything else happens on the service thread.
public final class AtriumServer: Sendable {
    private let config: AtriumConfig
    private let logger: Logger
    private let inbox = Inbox()
    /// Set by the service thread once the context is gone.
    private let finished = Mutex<Bool>(false)
    private let finishedCondition = NSCondition()
    private let launch = Mutex<LaunchState>(.idle)

    private enum LaunchState: Sendable {
        case idle, starting, listening(Int), failed(String)
    }

    public init(config: AtriumConfig, logger: Logger) throws {
        do { try config.validate() } catch { throw ServerStartError(message: error.description) }
        self.config = config
        self.logger = logger
    }

    /// Opens storage, starts the service thread and returns the port it listens on.
    public func start() throws -> Int {
        launch.withLock { $0 = .starting }
        let storeOptions = StoreOptions(synchronous: config.synchronous)
        let bootstrap: HubBootstrap
        do {
            bootstrap = try HubBootstrap.load(config: config, storeOptions: storeOptions, logger: logger)
        } catch let error as StoreError {
            throw ServerStartError(message: "cannot open storage in \(config.dataDir): \(error.message)")
        }
        let startedSignal = NSCondition()
        let thread = Thread { [self] in
            self.serviceThreadMain(bootstrap: bootstrap, startedSignal: startedSignal)
        }
        thread.name = "atrium-service"
        thread.stackSize = 8 << 20
        thread.start()

        startedSignal.lock()
        while true {
            let state = launch.withLock { $0 }
            switch state {
            case .listening(let port):
                startedSignal.unlock()
                return port
            case .failed(let message):
                startedSignal.unlock()
                throw ServerStartError(message: message)
            default:
                startedSignal.wait()
            }
        }
    }

    /// Graceful shutdown: stop accepting, finish commits, close clients with 1001. Returns when
    /// the service thread has finished.
    public func shutdown() {
        inbox.post { hub in hub.beginShutdown() }
        waitUntilStopped()
    }

    /// Starts a graceful shutdown without waiting (safe from a signal-handling thread).
    public func requestShutdown() {
        inbox.post { hub in hub.beginShutdown() }
    }

    public func waitUntilStopped() {
        finishedCondition.lock()
        while !finished.withLock({ $0 }) { finishedCondition.wait() }
        finishedCondition.unlock()
    }

    // MARK: - Service thread

    private func serviceThreadMain(bootstrap: HubBootstrap, startedSignal: NSCondition) {
        let hub = Hub(config: config, bootstrap: bootstrap, inbox: inbox, logger: logger)
        let lws = LWSContext(config: config)
        let result = lws.create(hubPointer: Unmanaged.passUnretained(hub).toOpaque())
        switch result {
        case .failure(let message):
            hub.stopWorkers()
            startedSignal.lock()
            launch.withLock { $0 = .failed(message) }
            startedSignal.broadcast()
            startedSignal.unlock()
            markFinished()
            return
        case .success(let port):
            hub.attach(context: lws.context!, port: port)
            inbox.attach(context: lws.context)
            startedSignal.lock()
            launch.withLock { $0 = .listening(port) }
            startedSignal.broadcast()
            startedSignal.unlock()
        }

        let ticker = Ticker(intervalMillis: min(config.presenceTickMillis, config.collabFlushMillis))
        ticker.start(inbox: inbox)
        hub.drainInbox()
        lws.run(until: { hub.loopMayEnd })
        ticker.stop()
        inbox.attach(context: nil)
        lws.destroy()
        hub.stopWorkers()
        withExtendedLifetime(hub) {}
        logger.info("atrium stopped")
        markFinished()
    }

    private func markFinished() {
        finishedCondition.lock()
        finished.withLock { $0 = true }
        finishedCondition.broadcast()
        finishedCondition.unlock()
    }
}
