// The school roster for `atrium import`: one person per record with login, full name, role and
// an optional class or group. Parsing is pure and never stops at the first problem: it returns
// every good row and every issue with its line, so a secretary can fix the file in one pass.

public struct RosterRow: Sendable, Equatable {
    /// The physical line where the record starts (1-based).
    public var line: Int
    /// Lower-cased; satisfies `UserProfile.isValidLogin`.
    public var login: String
    public var name: String
    public var role: OrgRole
    /// For a parent: the logins of their children (the 4th column lists them, separated by
    /// spaces or commas); they are linked on import.
    public var children: [String] = []
    /// Class or group, e.g. "7Б"; nil when the column is absent or empty.
    public var group: String?

    public init(line: Int, login: String, name: String, role: OrgRole, group: String?) {
        self.line = line
        self.login = login
        self.name = name
        self.role = role
        self.group = group
    }
}

public struct RosterIssue: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}

public enum RosterParser {
    public static let maxNameChars = 200

    /// Role names accepted in the third column, lower-cased: the English raw values and the
    /// Russian words a school office writes.
    static let roleNames: [String: OrgRole] = {
        var names: [String: OrgRole] = [:]
        for role in OrgRole.accountRoles { names[role.rawValue] = role }
        names["администратор"] = .admin
        names["учитель"] = .teacher
        names["ученик"] = .student
        names["родитель"] = .parent
        names["партнёр"] = .partner
        names["партнер"] = .partner
        return names
    }()

    public static func parse(_ text: String) -> (rows: [RosterRow], issues: [RosterIssue]) {
        var rows: [RosterRow] = []
        var issues: [RosterIssue] = []
        var firstLineOfLogin: [String: Int] = [:]
        var sawRecord = false
        for record in CSVReader.read(text) {
            var fields = record.fields.map(clean)
            if fields.allSatisfy(\.isEmpty) { continue }  // blank line (or ";;;" from Excel)
            defer { sawRecord = true }
            if !sawRecord, ["login", "логин"].contains(fields[0].lowercased()) { continue }  // header
            func issue(_ message: String) { issues.append(RosterIssue(line: record.line, message: message)) }
            if let problem = record.problem { issue(problem); continue }
            // Spreadsheets often pad rows with empty trailing columns; those carry nothing.
            while fields.count > 4, fields.last?.isEmpty == true { fields.removeLast() }
            guard fields.count == 3 || fields.count == 4 else {
                issue("expected 3 or 4 columns (login, full name, role, class or group), found \(fields.count).")
                continue
            }
            var ok = true
            let login = fields[0].lowercased()
            if login.isEmpty {
                issue("the login is missing."); ok = false
            } else if !UserProfile.isValidLogin(login) {
                issue("the login '\(fields[0])' is not valid: use 2 to 64 characters of a-z, 0-9, '.', '_' and '-'."); ok = false
            } else if let earlier = firstLineOfLogin[login] {
                issue("the login '\(login)' is already used on line \(earlier)."); ok = false
            } else {
                firstLineOfLogin[login] = record.line
            }
            let name = fields[1]
            if name.isEmpty {
                issue("the full name is missing."); ok = false
            } else if name.count > maxNameChars {
                issue("the full name is longer than \(maxNameChars) characters."); ok = false
            }
            let role = roleNames[fields[2].lowercased()]
            if role == nil {
                let shown = fields[2].isEmpty ? "the role is missing" : "the role '\(fields[2])' is not known"
                issue("\(shown); use admin, teacher, student, parent or partner (or администратор, учитель, ученик, родитель, партнёр)."); ok = false
            }
            guard ok, let role else { continue }
            let fourth = fields.count == 4 && !fields[3].isEmpty ? fields[3] : nil
            if role == .parent, let fourth {
                // A parent's 4th column names their children.
                let children = fourth.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" }).map { $0.lowercased() }
                if let bad = children.first(where: { !UserProfile.isValidLogin($0) }) {
                    issue("the child login '\(bad)' is not valid."); continue
                }
                var row = RosterRow(line: record.line, login: login, name: name, role: role, group: nil)
                row.children = children
                rows.append(row)
                continue
            }
            rows.append(RosterRow(line: record.line, login: login, name: name, role: role, group: fourth))
        }
        return (rows, issues)
    }

    /// Trims whitespace (including no-break spaces and line breaks from quoted fields).
    static func clean(_ s: String) -> String {
        guard let first = s.firstIndex(where: { !$0.isWhitespace }), let last = s.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(s[first...last])
    }
}
