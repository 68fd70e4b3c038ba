import ArgumentParser
import AtriumCore
import Foundation

/// The flags shared by `serve` and `demo`; they override the config file, which overrides the
/// environment's ATRIUM_* variables... in this order: defaults < file < environment < flags < --set.
struct ServerOptions: ParsableArguments {
    @Option(help: "Config file (default: $ATRIUM_CONFIG if set; see config/atrium.conf).")
    var config: String?
    @Option(help: "Address to listen on (server.host).")
    var host: String?
    @Option(help: "Port to listen on; 0 picks a free port (server.port).")
    var port: Int?
    @Option(help: "Data folder holding atrium.sqlite (server.data).")
    var data: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("Override any config key: --set limits.rate_per_s=100 (repeatable).", valueName: "KEY=VALUE"))
    var overrides: [String] = []

    func resolve() throws -> AtriumConfig {
        var cfg = AtriumConfig()
        let env = ProcessInfo.processInfo.environment
        do {
            if let path = config ?? env["ATRIUM_CONFIG"] {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw ValidationError("Cannot read the config file \(path).")
                }
                try cfg.apply(fileText: text, source: path)
            }
            for name in try cfg.apply(environment: env) {
                FileHandle.standardError.write(Data("atrium: warning: environment variable \(name) names no config key; ignored\n".utf8))
            }
            if let host { try cfg.set("server.host", to: host) }
            if let port { try cfg.set("server.port", to: String(port)) }
            if let data { try cfg.set("server.data", to: data) }
            for item in overrides {
                guard let eq = item.firstIndex(of: "=") else {
                    throw ValidationError("--set needs KEY=VALUE, got '\(item)'.")
                }
                try cfg.set(String(item[..<eq]), to: String(item[item.index(after: eq)...]))
            }
            try cfg.validate()
        } catch let error as ConfigError {
            throw ValidationError(error.message)
        }
        return cfg
    }
}

/// `--data DIR` for the administration commands.
struct DataOption: ParsableArguments {
    @Option(help: "Data folder holding atrium.sqlite.")
    var data: String
}
