import ArgumentParser
import AtriumCore
import AtriumStore
import Foundation

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server with a demo school: on first start it creates rooms for every zone, sample people of every role and some chat.")

    @OptionGroup var options: ServerOptions

    func run() throws {
        let config = try options.resolve()
        let store = try openStore(config.dataDir)
        if try store.userCount() == 0 {
            let accounts = try DemoSpace.create(in: store, scryptLogN: config.scryptLogN)
            let listPath = (config.dataDir as NSString).appendingPathComponent("demo-accounts.txt")
            var text = "Atrium demo accounts (login / password / role / name). Shown once; also in \(listPath).\n"
            for a in accounts { text += "  \(a.login.padding(toLength: 10, withPad: " ", startingAt: 0))  \(a.password)  \(a.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \(a.name)\n" }
            FileManager.default.createFile(atPath: listPath, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
            FileHandle.standardOutput.write(Data(text.utf8))
        } else {
            print("demo space already present in \(config.dataDir) (accounts: see demo-accounts.txt there)")
        }
        try Runner.serve(config)
    }
}
