// swift-tools-version:6.0
import PackageDescription

// One set of settings for every Swift target: Swift 6 language mode (strict concurrency).
let swiftSettings: [SwiftSetting] = []

let package = Package(
    name: "Atrium",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "atrium", targets: ["atrium"]),
        .executable(name: "atrium-bench", targets: ["AtriumBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // C libraries from Debian, found through pkg-config. Shim headers only, no logic.
        .systemLibrary(name: "CLibWebSockets", pkgConfig: "libwebsockets",
                       providers: [.apt(["libwebsockets-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),

        .target(name: "AtriumCore", swiftSettings: swiftSettings),
        .target(name: "AtriumStore",
                dependencies: ["AtriumCore", "CSQLite", "COpenSSL"],
                swiftSettings: swiftSettings),
        .target(name: "AtriumServer",
                dependencies: ["AtriumCore", "AtriumStore", "CLibWebSockets",
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),
        .executableTarget(name: "atrium",
                dependencies: ["AtriumCore", "AtriumStore", "AtriumServer",
                               .product(name: "ArgumentParser", package: "swift-argument-parser"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),
        .target(name: "AtriumTestSupport",
                dependencies: ["AtriumCore", "AtriumStore", "AtriumServer",
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),
        .executableTarget(name: "AtriumBench",
                dependencies: ["AtriumCore", "AtriumTestSupport",
                               .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: swiftSettings),

        .testTarget(name: "AtriumCoreTests", dependencies: ["AtriumCore"], swiftSettings: swiftSettings),
        .testTarget(name: "AtriumStoreTests", dependencies: ["AtriumStore", "AtriumCore"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "AtriumServerTests",
                    dependencies: ["AtriumServer", "AtriumStore", "AtriumCore", "AtriumTestSupport"],
                    swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
