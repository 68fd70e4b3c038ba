// Runs the built `atrium` executable as a child process: `atrium serve` for tests that need a
// real process (signals, restarts), and one-shot CLI commands.

import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Collects a child's output: reader threads append, waiters wait on the condition.
/// @unchecked Sendable: every field is guarded by `cond`.
private final class OutputCollector: @unchecked Sendable {
    private let cond = NSCondition()
    private var stdoutBytes: [UInt8] = []
    private var stderrBytes: [UInt8] = []
    private var openStreams = 0
    private let logFD: Int32

    init(logPath: String?) {
        if let logPath {
            logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        } else {
            logFD = -1
        }
    }

    deinit { if logFD >= 0 { Glibc.close(logFD) } }

    /// Starts a thread that reads `fd` to its end (and then closes it).
    func startReader(fd: Int32, isStderr: Bool) {
        cond.lock(); openStreams += 1; cond.unlock()
        let thread = Thread { [self] in
            var buf = [UInt8](repeating: 0, count: 16384)
            while true {
                let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                self.append(Array(buf[0..<n]), isStderr: isStderr)
            }
            Glibc.close(fd)
            self.cond.lock(); self.openStreams -= 1; self.cond.broadcast(); self.cond.unlock()
        }
        thread.name = isStderr ? "atrium-stderr" : "atrium-stdout"
        thread.start()
    }

    private func append(_ bytes: [UInt8], isStderr: Bool) {
        cond.lock()
        if isStderr { stderrBytes.append(contentsOf: bytes) } else { stdoutBytes.append(contentsOf: bytes) }
        if logFD >= 0 { _ = bytes.withUnsafeBytes { Glibc.write(logFD, $0.baseAddress, $0.count) } }
        cond.broadcast()
        cond.unlock()
    }

    var stdout: String { cond.lock(); defer { cond.unlock() }; return String(decoding: stdoutBytes, as: UTF8.self) }
    var stderr: String { cond.lock(); defer { cond.unlock() }; return String(decoding: stderrBytes, as: UTF8.self) }

    /// Waits until `check(stdout, allStreamsEnded)` returns a value, or until `deadline`.
    func wait<T>(until deadline: Date, _ check: (String, Bool) -> T?) -> T? {
        cond.lock()
        defer { cond.unlock() }
        while true {
            if let v = check(String(decoding: stdoutBytes, as: UTF8.self), openStreams == 0) { return v }
            if !cond.wait(until: deadline) { return check(String(decoding: stdoutBytes, as: UTF8.self), openStreams == 0) }
        }
    }

    /// Waits until every stream has ended (or the deadline).
    func waitForEnd(until deadline: Date) {
        cond.lock()
        while openStreams > 0 && cond.wait(until: deadline) {}
        cond.unlock()
    }
}

public final class AtriumProcess {
    private let process: Process
    private let output: OutputCollector
    /// Where stdout and stderr of the child are appended (for debugging failures).
    public let logPath: String
    public private(set) var port: Int?

    private static let counter = Atomic<Int>(0)

    /// Launches `executable` with `arguments`; `environment` is added to (and overrides) this
    /// process's environment. `logPath`: defaults to a new file under $TMPDIR.
    public init(executable: String, arguments: [String], environment: [String: String] = [:], logPath: String? = nil) throws {
        let n = AtriumProcess.counter.add(1, ordering: .relaxed).newValue
        self.logPath = logPath ?? "\(AtriumProcess.temporaryDirectory)/atrium-\(getpid())-\(n).log"
        output = OutputCollector(logPath: self.logPath)
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        output.startReader(fd: AtriumProcess.takeReadEnd(out), isStderr: false)
        output.startReader(fd: AtriumProcess.takeReadEnd(err), isStderr: true)
    }

    deinit {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var stdout: String { output.stdout }
    public var stderr: String { output.stderr }

    /// Reads stdout until the line `atrium listening on http://H:P` and returns P.
    /// Throws `.processExited` if the child ends first, `.timeout` after `timeout` seconds.
    public func waitForListening(timeout: Double = 60) throws -> Int {
        let found: Int?? = output.wait(until: Date(timeIntervalSinceNow: timeout)) { text, ended in
            for line in text.split(separator: "\n") {
                guard let r = line.range(of: "atrium listening on http://") else { continue }
                let rest = line[r.upperBound...]
                if let colon = rest.lastIndex(of: ":"), let p = Int(rest[rest.index(after: colon)...].prefix(while: \.isNumber)) {
                    return .some(p)
                }
            }
            return ended ? .some(nil) : nil
        }
        switch found {
        case .some(.some(let p)):
            port = p
            return p
        case .some(.none):
            let status = (try? waitForExit(timeout: 5)) ?? -1
            throw TestClientError.processExited(status: status, log: logTail())
        case .none:
            throw TestClientError.timeout("no 'atrium listening on' line within \(timeout) s; log \(logPath):\n\(logTail())")
        }
    }

    public func kill(signal: Int32) {
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, signal) }
    }

    /// Waits for the child to end: its exit status, or 128 + the signal that ended it.
    public func waitForExit(timeout: Double = 30) throws -> Int32 {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning {
            if Date() >= deadline { throw TestClientError.timeout("process \(pid) still running after \(timeout) s") }
            usleep(5_000)
        }
        output.waitForEnd(until: Date(timeIntervalSinceNow: 2))
        return AtriumProcess.status(of: process)
    }

    /// The last `lines` lines of stdout and stderr.
    /// The end of the output — or, if the process crashed, the start of its crash report (the
    /// crashed thread comes first there, and the tail would show only other threads).
    public func logTail(lines: Int = 40) -> String {
        let text = "--- stdout\n" + output.stdout + "\n--- stderr\n" + output.stderr
        let all = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let crash = all.firstIndex(where: { $0.contains("Program crashed") || $0.contains("Fatal error") || $0.contains("Assertion") }) {
            return all[max(0, crash - 5)..<min(all.count, crash + 60)].joined(separator: "\n")
        }
        return all.suffix(lines).joined(separator: "\n")
    }

    // MARK: Finding and running the executable

    /// `$ATRIUM_BIN` if set; else `atrium` beside the running (test) executable; else the
    /// package's `.build/debug/atrium`, then `.build/release/atrium`. Falls back to the debug
    /// path even if missing (launching it then fails with a clear error).
    public static func locateExecutable() -> String {
        let fm = FileManager.default
        if let bin = ProcessInfo.processInfo.environment["ATRIUM_BIN"], !bin.isEmpty { return bin }
        if let selfPath = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let beside = (selfPath as NSString).deletingLastPathComponent + "/atrium"
            if fm.isExecutableFile(atPath: beside) { return beside }
        }
        let root = packageRoot() ?? fm.currentDirectoryPath
        for candidate in ["\(root)/.build/debug/atrium", "\(root)/.build/release/atrium"]
        where fm.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "\(root)/.build/debug/atrium"
    }

    /// The package's root: the nearest directory above this source file that holds Package.swift.
    public static func packageRoot() -> String? {
        var dir = (String(#filePath) as NSString).deletingLastPathComponent
        while !dir.isEmpty && dir != "/" {
            if FileManager.default.fileExists(atPath: dir + "/Package.swift") { return dir }
            dir = (dir as NSString).deletingLastPathComponent
        }
        return nil
    }

    static var temporaryDirectory: String {
        var t = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        if t.isEmpty { t = "/tmp" }
        while t.count > 1 && t.hasSuffix("/") { t.removeLast() }
        return t
    }

    /// Runs `atrium ARGS…` to completion. `stdin` is written to its standard input, which is
    /// then closed (no stdin: /dev/null). Throws `.timeout` (after killing it) past `timeout`.
    public static func runCLI(_ args: [String], stdin: String? = nil, environment: [String: String] = [:],
                              timeout: Double = 60) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: locateExecutable())
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input: Pipe? = stdin == nil ? nil : Pipe()
        p.standardInput = input ?? FileHandle.nullDevice
        if input != nil { signal(SIGPIPE, SIG_IGN) }  // a child that exits early must not kill us
        let collector = OutputCollector(logPath: nil)
        try p.run()
        collector.startReader(fd: takeReadEnd(out), isStderr: false)
        collector.startReader(fd: takeReadEnd(err), isStderr: true)
        if let input, let stdin {
            let fd = input.fileHandleForWriting.fileDescriptor
            var bytes = Array(stdin.utf8)[...]
            while !bytes.isEmpty {
                let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                bytes = bytes.dropFirst(n)
            }
            try? input.fileHandleForWriting.close()
        }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while p.isRunning {
            if Date() >= deadline {
                Glibc.kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                collector.waitForEnd(until: Date(timeIntervalSinceNow: 2))
                throw TestClientError.timeout("atrium \(args.joined(separator: " ")) still running after \(timeout) s; stderr: \(collector.stderr)")
            }
            usleep(2_000)
        }
        collector.waitForEnd(until: Date(timeIntervalSinceNow: 5))
        return (status(of: p), collector.stdout, collector.stderr)
    }

    private static func status(of p: Process) -> Int32 {
        p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
    }

    /// A private copy of the pipe's read end for a reader thread; the Pipe's own handle is closed.
    private static func takeReadEnd(_ pipe: Pipe) -> Int32 {
        let fd = dup(pipe.fileHandleForReading.fileDescriptor)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        try? pipe.fileHandleForReading.close()
        return fd
    }
}
