import ArgumentParser

/// `atrium`: the server and its administration commands (PROTOCOL.md "The command line").
@main
struct Atrium: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atrium",
        abstract: "Atrium: a self-hosted digital coworking space for a school.",
        subcommands: [Serve.self, Demo.self, UserCommand.self, RoomCommand.self, Import.self, Backup.self, Audit.self, GroupCommand.self])
}
