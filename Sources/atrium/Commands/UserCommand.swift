import ArgumentParser
import AtriumCore
import AtriumServer
import AtriumStore

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage accounts.",
        subcommands: [Add.self, List.self, RevokeSessions.self, Link.self, SetMinor.self])

    struct Link: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Link a parent to their child (a student).")
        @OptionGroup var data: DataOption
        @Option(help: "The parent's login.") var parent: String
        @Option(help: "The child's login.") var child: String

        func run() throws {
            let store = try openStore(data.data)
            guard let p = try store.user(login: parent.lowercased()) else { throw CLIError("No user '\(parent)'.") }
            guard let c = try store.user(login: child.lowercased()) else { throw CLIError("No user '\(child)'.") }
            do {
                try store.transaction {
                    try store.linkParent(parentID: p.profile.id, childID: c.profile.id, nowMillis: nowMillis())
                    try store.recordChange(kind: ChangeKind.user, subject: String(p.profile.id), nowMillis: nowMillis())
                }
            } catch let error as StoreError {
                throw CLIError(error.message)
            }
            print("\(p.profile.login) is a parent of \(c.profile.login)")
        }
    }

    struct SetMinor: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-minor", abstract: "Mark a person as a minor or not (students are minors by default).")
        @OptionGroup var data: DataOption
        @Option var login: String
        @Option(help: "yes or no.") var minor: String

        func validate() throws {
            guard ["yes", "no"].contains(minor) else { throw ValidationError("--minor takes yes or no.") }
        }

        func run() throws {
            let store = try openStore(data.data)
            guard let u = try store.user(login: login.lowercased()) else { throw CLIError("No user '\(login)'.") }
            try store.setMinor(userID: u.profile.id, minor: minor == "yes", nowMillis: nowMillis())
            print("\(u.profile.login) is \(minor == "yes" ? "" : "not ")a minor")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account; the password is read from standard input.")
        @OptionGroup var data: DataOption
        @Option(help: "Login: 2–64 of a–z 0–9 . _ -") var login: String
        @Option(help: "Full name as others see it.") var name: String
        @Option(help: "admin, teacher, student, parent or partner.") var role: String
        @Option(help: "Class or group, e.g. 7A.") var group: String?
        @Flag(help: "Read the password from standard input (required).") var passwordStdin = false
        @Option(help: "scrypt cost: N = 2^n.") var scryptLogN = 15

        func validate() throws {
            guard passwordStdin else { throw ValidationError("Give --password-stdin and the password on standard input.") }
            guard UserProfile.isValidLogin(login.lowercased()) else {
                throw ValidationError("Login '\(login)' is not valid: use 2–64 characters of a–z, 0–9, '.', '_' and '-'.")
            }
            guard let r = OrgRole(rawValue: role), OrgRole.accountRoles.contains(r) else {
                throw ValidationError("Role '\(role)' is not one of: \(OrgRole.accountRoles.map(\.rawValue).joined(separator: ", ")) (guests come from invitations).")
            }
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 200 else {
                throw ValidationError("The name must be 1–200 characters.")
            }
            guard (10...20).contains(scryptLogN) else { throw ValidationError("--scrypt-log-n must be 10…20.") }
        }

        func run() throws {
            let password = try readPasswordFromStdin()
            let store = try openStore(data.data)
            do {
                let user = try store.transaction { () throws -> UserProfile in
                    let u = try store.addUser(login: login.lowercased(), name: name.trimmingCharacters(in: .whitespaces),
                                              role: OrgRole(rawValue: role)!, group: group, passwordHash: Passwords.hash(password, logN: scryptLogN),
                                              mustChangePassword: false, nowMillis: nowMillis())
                    try store.recordChange(kind: ChangeKind.user, subject: String(u.id), nowMillis: nowMillis())
                    return u
                }
                print("user \(user.login) added (id \(user.id), \(user.role.rawValue))")
            } catch let error as StoreError {
                throw CLIError(error.code == .conflict ? "A user with the login '\(login)' already exists." : error.message)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var data: DataOption

        func run() throws {
            let store = try openStore(data.data)
            for u in try store.users() {
                print([String(u.profile.id), u.profile.login, u.profile.role.rawValue, u.group ?? "-", u.profile.name].joined(separator: "\t"))
            }
        }
    }

    struct RevokeSessions: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-sessions",
            abstract: "Sign a person out everywhere; a running server closes their connections at once.")
        @OptionGroup var data: DataOption
        @Option var login: String

        func run() throws {
            let store = try openStore(data.data)
            guard let user = try store.user(login: login.lowercased()) else { throw CLIError("No user '\(login)'.") }
            let count = try store.transaction { () throws -> Int in
                let n = try store.revokeSessions(userID: user.profile.id, nowMillis: nowMillis())
                try store.appendAudit(actor: nil, action: AuditAction.sessionsRevoked, room: nil, subject: user.profile.id,
                                      detail: [("sessions", .int(Int64(n)))], nowMillis: nowMillis())
                try store.recordChange(kind: ChangeKind.sessionsRevoked, subject: String(user.profile.id), nowMillis: nowMillis())
                return n
            }
            print("revoked \(count) session(s) of \(user.profile.login)")
        }
    }
}
