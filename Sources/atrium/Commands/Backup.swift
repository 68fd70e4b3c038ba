import ArgumentParser
import AtriumStore

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a consistent copy of the database, also while the server runs.")

    @OptionGroup var data: DataOption
    @Option(help: "The file to write (must not exist).")
    var to: String

    func run() throws {
        let store = try openStore(data.data)
        do {
            try store.backup(to: to)
        } catch let error as StoreError {
            throw CLIError("Backup failed: \(error.message)")
        }
        print("backup written to \(to)")
    }
}
