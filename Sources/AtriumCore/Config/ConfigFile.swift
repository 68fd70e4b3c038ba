// Reading configuration text (the config file, ATRIUM_* environment variables) and writing the
// documented file. The format is a small INI subset that operators know from other servers:
//
//     # comment                 full-line comment; also after whitespace: port = 80  # note
//     [server]                  section: following keys are server.<key>
//     port = 9000
//     host = "0.0.0.0"          double quotes keep spaces and '#'; \" and \\ escape inside
//     limits.rate_per_s = 5     before any section header a key is written in full
//
// Errors name the source and line ("atrium.conf:12: ...") so a typo is found at once.

extension AtriumConfig {
    /// Applies a config file. A key set twice in one file is an error (usually a mistake).
    public mutating func apply(fileText: String, source: String) throws(ConfigError) {
        let sections = Set(ConfigKey.all.map(\.section))
        var section: String? = nil
        var seen: [String: Int] = [:]
        // "\r\n" is one Character in Swift and counts as a newline, so CRLF files work too.
        let lines = fileText.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, rawLine) in lines.enumerated() {
            let lineNo = index + 1
            func fail(_ message: String) -> ConfigError { ConfigError("\(source):\(lineNo): \(message)") }
            // A byte order mark (some Windows editors write one) is not part of the first line.
            let physical = lineNo == 1 && rawLine.hasPrefix("\u{FEFF}") ? rawLine.dropFirst() : rawLine
            let line = trimmed(ConfigLine.stripComment(physical))
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw fail("a section header must look like [name].") }
                let name = trimmed(line.dropFirst().dropLast())
                guard sections.contains(name) else {
                    throw fail("'[\(name)]' is not a known section; expected one of \(ConfigKey.sectionOrder.joined(separator: ", ")).")
                }
                section = name
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw fail("expected 'key = value', a [section] header or a # comment.")
            }
            let key = trimmed(line[..<eq])
            guard !key.isEmpty else { throw fail("a key name is missing before '='.") }
            let value: String
            do throws(ConfigError) {
                value = try ConfigLine.unquote(trimmed(line[line.index(after: eq)...]))
            } catch {
                throw fail(error.message)
            }
            let name = section.map { "\($0).\(key)" } ?? key
            if let earlier = seen[name] { throw fail("'\(name)' is already set on line \(earlier).") }
            seen[name] = lineNo
            do throws(ConfigError) {
                try set(name, to: value)
            } catch {
                if ConfigKey.byName[name] == nil {
                    let hint = section == nil ? "" : " (in section [\(section!)])"
                    throw fail("'\(name)'\(hint) is not a known config key.")
                }
                throw fail(error.message)
            }
        }
    }

    /// Applies ATRIUM_* variables. ATRIUM_CONFIG (the config file path) is read by the command
    /// line, not here. Other ATRIUM_* names that match no key are returned (not applied) so the
    /// caller can warn about a likely typo: they may also belong to scripts and tests around
    /// Atrium (e.g. ATRIUM_BIN), so they must not stop the server. A bad value is an error.
    @discardableResult
    public mutating func apply(environment: [String: String]) throws(ConfigError) -> [String] {
        let byEnv = Dictionary(uniqueKeysWithValues: ConfigKey.all.map { ($0.environmentName, $0.name) })
        var unknown: [String] = []
        for (variable, value) in environment.sorted(by: { $0.key < $1.key }) where variable.hasPrefix("ATRIUM_") {
            if variable == "ATRIUM_CONFIG" { continue }
            guard let name = byEnv[variable] else {
                unknown.append(variable)
                continue
            }
            do throws(ConfigError) {
                try set(name, to: trimmed(Substring(value)))
            } catch {
                throw ConfigError("environment variable \(variable): \(error.message)")
            }
        }
        return unknown
    }

    /// The current values as a complete, commented config file (valid input for `apply`).
    public func fileText() -> String {
        var out = """
        # Atrium configuration.
        #
        # Every key is listed with its default value, so this file as shipped changes nothing.
        # Lines are "key = value"; "#" starts a comment; text values may be in double quotes.
        # A key can also be set by an environment variable: ATRIUM_ and the key in capitals
        # with "_" for "." (ATRIUM_SERVER_PORT=9000), or by `atrium serve --set key=value`.
        # The command line wins over the environment, the environment over this file.

        """
        var current: String? = nil
        for key in ConfigKey.all {
            if key.section != current {
                current = key.section
                out += "\n[\(key.section)]\n"
                if let doc = ConfigKey.sectionDocs[key.section] { out += "# \(doc)\n" }
            }
            let value = key.get(self)
            out += "\n# \(key.doc)\n# Accepts \(key.accepts).\n"
            out += "\(key.shortName) = \(key.quoted ? ConfigLine.quote(value) : value)\n"
        }
        return out
    }

    /// The shipped config/atrium.conf: every key, documented, set to its default.
    public static func documentedFile() -> String { AtriumConfig().fileText() }
}

extension ConfigKey {
    static let sectionOrder: [String] = all.reduce(into: []) { if $0.last != $1.section { $0.append($1.section) } }
}

/// Lexical helpers for one config line.
enum ConfigLine {
    /// Drops a comment: '#' at the start or after whitespace, outside double quotes.
    static func stripComment(_ line: Substring) -> Substring {
        var inQuotes = false, escaped = false
        var previous: Character? = nil
        for i in line.indices {
            let c = line[i]
            if inQuotes {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inQuotes = false }
            } else if c == "\"" {
                inQuotes = true
            } else if c == "#", previous == nil || previous == " " || previous == "\t" {
                return line[..<i]
            }
            previous = c
        }
        return line
    }

    /// A value as written: bare, or in double quotes with \" and \\ escapes.
    static func unquote(_ value: String) throws(ConfigError) -> String {
        guard value.hasPrefix("\"") else { return value }
        var out = ""
        var escaped = false
        var rest = value.dropFirst()
        while let c = rest.first {
            rest = rest.dropFirst()
            if escaped {
                guard c == "\"" || c == "\\" else { throw ConfigError("only \\\" and \\\\ may be escaped in a quoted value.") }
                out.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "\"" {
                guard rest.allSatisfy({ $0 == " " || $0 == "\t" }) else {
                    throw ConfigError("unexpected text after the closing quote.")
                }
                return out
            } else {
                out.append(c)
            }
        }
        throw ConfigError("the quoted value has no closing quote.")
    }

    static func quote(_ value: String) -> String {
        var out = "\""
        for c in value {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }
}
