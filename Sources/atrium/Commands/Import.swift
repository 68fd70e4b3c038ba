import ArgumentParser
import AtriumCore
import AtriumServer
import AtriumStore
import Foundation

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a school roster (CSV: login, full name, role, class or group).",
        discussion: """
            Every account gets a one-time password, written with its login to the output file for the \
            admin to hand out (the person sets their own password at first sign-in). Rows with errors \
            are reported by line number and nothing is imported.
            """)

    @OptionGroup var data: DataOption
    @Argument(help: "The roster CSV file (',' or ';' separated, UTF-8, optional header row).")
    var file: String
    @Option(help: "Where to write the one-time passwords (default: FILE with .passwords.csv).")
    var out: String?
    @Option(help: "scrypt cost: N = 2^n.") var scryptLogN = 15

    func run() throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw CLIError("Cannot read \(file) as UTF-8 text.")
        }
        let (rows, issues) = RosterParser.parse(text)
        if !issues.isEmpty {
            for issue in issues { FileHandle.standardError.write(Data("\(file): \(issue)\n".utf8)) }
            throw CLIError("\(issues.count) problem(s) in \(file); nothing was imported.")
        }
        guard !rows.isEmpty else { throw CLIError("\(file) holds no rows; nothing was imported.") }
        let outPath = out ?? (file.hasSuffix(".csv") ? String(file.dropLast(4)) : file) + ".passwords.csv"
        guard !FileManager.default.fileExists(atPath: outPath) else {
            throw CLIError("\(outPath) already exists; remove it or give --out.")
        }
        let store = try openStore(data.data)
        let passwords = rows.map { _ in Passwords.generateOneTime() }
        let entries = zip(rows, passwords).map { (row: $0, passwordHash: Passwords.hash($1, logN: scryptLogN)) }
        var csv = "login,name,role,group,one_time_password\n"
        for (row, password) in zip(rows, passwords) {
            csv += [row.login, row.name, row.role.rawValue, row.group ?? "", password].map(csvField).joined(separator: ",") + "\n"
        }
        // The password file is written first and renamed into place only after the commit, so
        // an import either creates the accounts and their password list, or neither.
        let partial = outPath + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: Data(csv.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError("Cannot write \(partial); nothing was imported.")
        }
        let users: [UserProfile]
        do {
            users = try store.transaction {
                let created = try store.importRoster(entries, nowMillis: nowMillis())
                for u in created { try store.recordChange(kind: ChangeKind.user, subject: String(u.id), nowMillis: nowMillis()) }
                return created
            }
        } catch let error as StoreError {
            try? FileManager.default.removeItem(atPath: partial)
            throw CLIError("\(file): \(error.message); nothing was imported.")
        }
        try FileManager.default.moveItem(atPath: partial, toPath: outPath)
        print("imported \(users.count) accounts; one-time passwords in \(outPath)")
    }

    private func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
