import ArgumentParser
import AtriumCore
import AtriumServer
import AtriumStore

struct RoomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "room", abstract: "Manage rooms.", subcommands: [Add.self, List.self, Member.self])

    struct Member: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a person's role in a room (none removes them); a running server applies it at once.")
        @OptionGroup var data: DataOption
        @Option(help: "Room id.") var room: String
        @Option(help: "The person's login.") var login: String
        @Option(help: "owner, moderator, member, observer, guest or none.") var role: String

        func validate() throws {
            guard role == "none" || RoomRole(rawValue: role) != nil else {
                throw ValidationError("Role '\(role)' is not one of: \(RoomRole.allCases.map(\.rawValue).joined(separator: ", ")), none.")
            }
        }

        func run() throws {
            let store = try openStore(data.data)
            guard let user = try store.user(login: login.lowercased()) else { throw CLIError("No user '\(login)'.") }
            do {
                try store.transaction {
                    try store.setMember(room: room, userID: user.profile.id, role: RoomRole(rawValue: role), nowMillis: nowMillis())
                    try store.recordChange(kind: ChangeKind.roomMembers, subject: room, nowMillis: nowMillis())
                }
            } catch let error as StoreError {
                throw CLIError(error.message)
            }
            print(role == "none" ? "\(user.profile.login) removed from \(room)" : "\(user.profile.login) is \(role) of \(room)")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a room; a running server sees it at once.")
        @OptionGroup var data: DataOption
        @Option(help: "Room id: 1–64 of a–z 0–9 . _ -") var id: String
        @Option(help: "Display name.") var name: String
        @Option(help: "Kind: \(RoomKind.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: String
        @Option(help: "open, public, members, knock or invite (default depends on the kind).") var joinRule: String?

        func validate() throws {
            guard RoomRecord.isValidID(id) else {
                throw ValidationError("Room id '\(id)' is not valid: use 1–64 characters of a–z, 0–9, '.', '_' and '-'.")
            }
            guard RoomKind(rawValue: kind) != nil else {
                throw ValidationError("Kind '\(kind)' is not one of: \(RoomKind.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            if let joinRule, JoinRule(rawValue: joinRule) == nil {
                throw ValidationError("Join rule '\(joinRule)' is not one of: \(JoinRule.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 200 else {
                throw ValidationError("The name must be 1–200 characters.")
            }
        }

        func run() throws {
            let record = RoomRecord(id: id, name: name.trimmingCharacters(in: .whitespaces), kind: RoomKind(rawValue: kind)!,
                                    joinRule: joinRule.flatMap(JoinRule.init(rawValue:)))
            let store = try openStore(data.data)
            do {
                try store.transaction {
                    try store.addRoom(record, nowMillis: nowMillis())
                    try store.recordChange(kind: ChangeKind.room, subject: record.id, nowMillis: nowMillis())
                }
            } catch let error as StoreError {
                throw CLIError(error.code == .conflict ? "A room with the id '\(id)' already exists." : error.message)
            }
            print("room \(record.id) added (\(record.kind.rawValue), zone \(record.zone.rawValue), \(record.joinRule.rawValue))")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List rooms.")
        @OptionGroup var data: DataOption

        func run() throws {
            let store = try openStore(data.data)
            for r in try store.rooms() {
                print([r.record.id, r.record.kind.rawValue, r.record.zone.rawValue, r.record.joinRule.rawValue,
                       String(r.lastSeq), r.record.name].joined(separator: "\t"))
            }
        }
    }
}
