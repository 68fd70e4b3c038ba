import ArgumentParser

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (HTTP and WebSocket on one port).")

    @OptionGroup var options: ServerOptions

    func run() throws {
        try Runner.serve(try options.resolve())
    }
}
