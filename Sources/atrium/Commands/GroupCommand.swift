import ArgumentParser
import AtriumCore
import AtriumServer
import AtriumStore

/// Classes and groups from the roster (the users' `group`) and the rooms they belong to.
struct GroupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group", abstract: "Classes and groups: list them, and list a group's people in a room.",
        subcommands: [List.self, Sync.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every class or group with its number of people.")
        @OptionGroup var data: DataOption

        func run() throws {
            let store = try openStore(data.data)
            var counts: [String: Int] = [:]
            for u in try store.users() { if let g = u.group { counts[g, default: 0] += 1 } }
            for (group, count) in counts.sorted(by: { $0.key < $1.key }) { print("\(group)\t\(count)") }
        }
    }

    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List everyone of a class or group in a room (e.g. 7A in class-7a); a running server applies it at once.")
        @OptionGroup var data: DataOption
        @Option(help: "The class or group, as in the roster.") var group: String
        @Option(help: "Room id.") var room: String
        @Option(help: "The role they get: member or observer.") var role: String = "member"

        func validate() throws {
            guard role == "member" || role == "observer" else { throw ValidationError("--role takes member or observer.") }
        }

        func run() throws {
            let store = try openStore(data.data)
            let people = try store.users().filter { $0.group == group }
            guard !people.isEmpty else { throw CLIError("Nobody is in the group '\(group)'.") }
            let listed = try store.members(room: room)
            var added = 0
            do {
                try store.transaction {
                    for person in people where listed[person.profile.id] == nil {
                        try store.setMember(room: room, userID: person.profile.id, role: RoomRole(rawValue: role)!, nowMillis: nowMillis())
                        added += 1
                    }
                    try store.recordChange(kind: ChangeKind.roomMembers, subject: room, nowMillis: nowMillis())
                }
            } catch let error as StoreError {
                throw CLIError(error.message)
            }
            print("\(added) of \(people.count) people of \(group) added to \(room) as \(role) (the others were already listed)")
        }
    }
}
