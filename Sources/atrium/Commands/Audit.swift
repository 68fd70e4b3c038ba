import ArgumentParser
import AtriumCore
import AtriumStore
import Foundation

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the oversight log (role changes, parent links, moderation, direct conversations) as CSV or JSON.")

    @OptionGroup var data: DataOption
    @Option(help: "csv or json.") var format: String = "csv"
    @Option(help: "Only entries concerning this person (as subject or actor).") var login: String?

    func validate() throws {
        guard ["csv", "json"].contains(format) else { throw ValidationError("--format takes csv or json.") }
    }

    func run() throws {
        let store = try openStore(data.data)
        var entries = try store.auditLog()
        if let login {
            guard let user = try store.user(login: login.lowercased()) else { throw CLIError("No user '\(login)'.") }
            let id = user.profile.id
            entries = entries.filter { $0.subject == id || $0.actor == id }
        }
        // Logins make the export readable without a second lookup.
        let logins = Dictionary(uniqueKeysWithValues: try store.users().map { ($0.profile.id, $0.profile.login) })
        func who(_ id: UserID?) -> String { id.map { logins[$0] ?? "#\($0)" } ?? "cli" }
        if format == "json" {
            let list = entries.map { e -> JSON in
                guard case .object(var o) = e.json else { return .null }
                o["actor_login"] = .string(who(e.actor))
                o["subject_login"] = e.subject.map { .string(who($0)) } ?? .null
                return .object(o)
            }
            print(JSON.array(list).encodedString())
            return
        }
        print("id,at,actor,action,room,subject,detail")
        for e in entries {
            let fields = [String(e.id), Timestamp.iso8601(millis: e.atMillis), who(e.actor), e.action, e.room ?? "",
                          e.subject.map { who($0) } ?? "", String(decoding: e.detail.encoded(), as: UTF8.self)]
            print(fields.map(csv).joined(separator: ","))
        }
    }

    private func csv(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
