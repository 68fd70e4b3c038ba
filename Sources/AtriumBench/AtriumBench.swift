// atrium-bench: the project's own load scenarios, over real WebSockets, against a server you
// started (atrium serve / atrium demo). It prints figures and asserts nothing about time; it
// does check correctness where the scenario defines it (resume-storm: nothing lost or
// duplicated) and exits 1 when that check fails.
//
//   atrium-bench resume-storm   --port P --login bench1 --password password-bench --room bench
//   atrium-bench commit-latency --port P --token T --rooms 50 --room-prefix rm --rate 20
//
// The server's per-connection rate limit applies to these clients too: lift it for big runs
// (--set limits.rate_per_s=100000 --set limits.rate_burst=100000). Each client runs on its own
// thread with the blocking TestWebSocket client from AtriumTestSupport.

import ArgumentParser
import AtriumCore
import AtriumTestSupport
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Commands

@main
struct AtriumBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atrium-bench",
        abstract: "Load scenarios for a running Atrium server, over real WebSockets.",
        subcommands: [ResumeStorm.self, CommitLatency.self, CollabDocLoad.self, CollabBoardLoad.self, RtcSignalBench.self])
}
