// swift-tools-version: 6.1
//
// Kinerja: performance management for Indonesian civil servants (ASN).
// Layers (dependencies point downward only):
//   kinerjad, kinerjactl, kinerja-bench   executables that only wire things together
//   KinerjaServer                         RPC services, authorisation, daemon wiring
//   KinerjaStore / KinerjaAPI             SQLite through GRDB / generated protobuf + gRPC code
//   KinerjaCore                           pure domain rules: no sockets, no SQL, no dlopen
import PackageDescription

let package = Package(
    name: "kinerja",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kinerjad", targets: ["kinerjad"]),
        .executable(name: "kinerjactl", targets: ["kinerjactl"]),
        .executable(name: "kinerja-plugin-host", targets: ["kinerja-plugin-host"]),
        .executable(name: "kinerja-bench", targets: ["kinerja-bench"]),
        .executable(name: "kinerja-portal", targets: ["kinerja-portal"]),
        // Plugin kits: a Swift plugin depends on KinerjaPluginKit, a C plugin on KinerjaPluginC.
        .library(name: "KinerjaPluginKit", targets: ["KinerjaPluginKit"]),
        .library(name: "KinerjaPluginC", targets: ["KinerjaPluginC"]),
        // The agency plugins (Plugins/<id>), loaded with dlopen by kinerjad.
        .library(name: "kinerja-plugin-gajahmungkur", type: .dynamic, targets: ["GajahmungkurPlugin"]),
        .library(name: "kinerja-plugin-aceh", type: .dynamic, targets: ["AcehPlugin"]),
        .library(name: "kinerja-plugin-bukittinggi", type: .dynamic, targets: ["BukittinggiPlugin"]),
        .library(name: "kinerja-plugin-kotalama", type: .dynamic, targets: ["KotalamaPlugin"]),
        .library(name: "kinerja-plugin-kupang", type: .dynamic, targets: ["KupangPlugin"]),
        // Plugins used by the tests (loaded with dlopen by a real daemon).
        .library(name: "kinerja-plugin-testswift", type: .dynamic, targets: ["TestSwiftPlugin"]),
        .library(name: "kinerja-plugin-testc", type: .dynamic, targets: ["TestCPlugin"]),
        .library(name: "kinerja-plugin-badabi", type: .dynamic, targets: ["TestBadABIPlugin"]),
        .library(name: "kinerja-plugin-noentry", type: .dynamic, targets: ["TestNoEntryPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", exact: "1.46.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", exact: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", exact: "2.1.1"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", exact: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", exact: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", exact: "2.5.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        // Property-based tests (tests only).
        .package(url: "https://github.com/x-sheep/swift-property-based.git", exact: "2.0.1"),
    ],
    targets: [
        // Pure domain core.
        .target(name: "KinerjaCore"),

        // The plugin C ABI: one header, the whole contract.
        .target(name: "CKinerjaPlugin"),
        // Generated Swift messages of the plugin protos (proto/kinerja/plugin/v1).
        .target(name: "KinerjaPluginAPI", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Generated protobuf-c code of the plugin protos and the C kit helpers.
        .target(name: "KinerjaPluginC", dependencies: ["CKinerjaPlugin"], linkerSettings: [.linkedLibrary("protobuf-c")]),
        // The Swift plugin kit: a plugin is a type conforming to KinerjaPlugin plus one exported entry line.
        .target(
            name: "KinerjaPluginKit",
            dependencies: ["CKinerjaPlugin", "KinerjaPluginAPI", "KinerjaCore", "KinerjaScoring", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Rating values, weighted means and the default TPP shape: shared by the plugin kit and the host's national
        // rules, so that the host does not need the kit.
        .target(name: "KinerjaScoring", dependencies: ["KinerjaCore", "KinerjaPluginAPI", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // System calls of the plugin host process (Landlock, closing descriptors) that Swift cannot make directly.
        .target(name: "CKinerjaHostSystem"),
        // The host: runs each plugin in a child process that loads it with dlopen, supervises and restarts those
        // processes, and falls back to the national rules.
        .target(
            name: "KinerjaPluginHost",
            dependencies: [
                "CKinerjaPlugin", "CKinerjaHostSystem", "KinerjaProcess", "KinerjaPluginAPI", "KinerjaScoring", "KinerjaCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),

        // Agency plugins (Plugins/<id>): four in Swift, kotalama in C.
        .target(name: "GajahmungkurPlugin", dependencies: ["KinerjaPluginKit"], path: "Plugins/gajahmungkur"),
        .target(name: "AcehPlugin", dependencies: ["KinerjaPluginKit"], path: "Plugins/aceh"),
        .target(name: "BukittinggiPlugin", dependencies: ["KinerjaPluginKit"], path: "Plugins/bukittinggi"),
        .target(name: "KotalamaPlugin", dependencies: ["KinerjaPluginC"], path: "Plugins/kotalama", publicHeadersPath: "."),
        .target(name: "KupangPlugin", dependencies: ["KinerjaPluginKit"], path: "Plugins/kupang"),

        // Test plugins (Plugins/testing).
        .target(name: "TestSwiftPlugin", dependencies: ["KinerjaPluginKit"], path: "Plugins/testing/swift"),
        .target(name: "TestCPlugin", dependencies: ["KinerjaPluginC"], path: "Plugins/testing/c", publicHeadersPath: "."),
        .target(name: "TestBadABIPlugin", dependencies: ["CKinerjaPlugin"], path: "Plugins/testing/badabi", publicHeadersPath: "."),
        .target(name: "TestNoEntryPlugin", path: "Plugins/testing/noentry", publicHeadersPath: "."),

        // Deterministic sample agencies for the benchmark and the tests.
        .target(
            name: "KinerjaFixtures",
            dependencies: [
                "KinerjaCore", "KinerjaProcess", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Crypto", package: "swift-crypto"),
            ]),

        // QR codes for the public feedback links (no library in the mirror makes them).
        .target(name: "KinerjaQR"),

        // The web portal for staff, supervisors and the public: HTML rendered on the server from kinerjad's answers
        // on its gateway socket (Resources: Mustache templates, the Indonesian wording, the stylesheet).
        .target(
            name: "KinerjaPortal",
            dependencies: [
                "KinerjaAPI",
                "KinerjaCore",
                "KinerjaClientTransport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            resources: [.copy("Resources")]
        ),
        .executableTarget(
            name: "kinerja-portal",
            dependencies: [
                "KinerjaPortal", "KinerjaCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Generated protobuf messages and gRPC stubs (scripts/gen-proto.sh); nothing hand-written.
        .target(
            name: "KinerjaAPI",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),

        // Running gRPC calls on the NIO transport's event loops (the portal and the bench, grpc-swift's NIO client).
        .target(
            name: "KinerjaTransport",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]
        ),

        // Starting child processes (posix_spawn), for the daemon's sendmail channel and the test fixtures.
        .target(name: "KinerjaProcess", dependencies: ["CKinerjaHostSystem"]),
        // The gRPC client transport kinerjactl uses: HTTP/2 on a Unix socket with one reader thread, no event loops.
        .target(
            name: "KinerjaClientTransport",
            dependencies: [
                "CKinerjaHostSystem", .product(name: "GRPCCore", package: "grpc-swift-2"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]
        ),

        // The gRPC server transport kinerjad uses: HTTP/2 on a Unix socket, a thread per connection, no event loops.
        .target(
            name: "KinerjaServerTransport",
            dependencies: [
                "KinerjaClientTransport", .product(name: "GRPCCore", package: "grpc-swift-2"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"), .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // SQLite storage: migrations, audit trail, backup.
        .target(name: "CKinerjaSQLite", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(
            name: "KinerjaStore",
            dependencies: [
                "KinerjaCore", "CKinerjaSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),

        // RPC services, authorisation and the daemon's wiring.
        .target(
            name: "KinerjaServer",
            dependencies: [
                "KinerjaCore",
                "KinerjaProcess",
                "KinerjaPluginHost",
                "KinerjaPluginAPI",
                "KinerjaScoring",
                "KinerjaStore",
                "KinerjaAPI",
                "KinerjaServerTransport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        .executableTarget(
            name: "kinerjad",
            dependencies: [
                "KinerjaServer",
                "KinerjaPluginHost",
                "KinerjaCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The process each plugin runs in: the shared Swift runtime, as the plugins link it (kinerjad may have it linked in).
        .executableTarget(name: "kinerja-plugin-host", dependencies: ["KinerjaPluginHost"]),
        .executableTarget(
            name: "kinerjactl",
            dependencies: [
                "KinerjaAPI",
                "KinerjaClientTransport",
                "KinerjaQR",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "kinerja-bench",
            dependencies: [
                "KinerjaAPI",
                "KinerjaTransport",
                "KinerjaClientTransport",
                "KinerjaFixtures",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ]
        ),

        .testTarget(name: "KinerjaQRTests", dependencies: ["KinerjaQR"]),
        .testTarget(
            name: "KinerjaPortalTests",
            dependencies: ["KinerjaPortal", "KinerjaAPI", "KinerjaCore", .product(name: "Mustache", package: "swift-mustache")]),
        .testTarget(
            name: "KinerjaCoreTests",
            dependencies: ["KinerjaCore", "KinerjaFixtures", .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(
            name: "KinerjaStoreTests", dependencies: ["KinerjaStore", "KinerjaCore", "KinerjaFixtures", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "KinerjaServerTests",
            dependencies: [
                "KinerjaServer", "KinerjaStore", "KinerjaCore", "KinerjaAPI", "KinerjaFixtures", "KinerjaPluginHost",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
            ]),
        .testTarget(
            name: "KinerjaClientTransportTests",
            dependencies: [
                "KinerjaClientTransport", .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "PropertyBased", package: "swift-property-based"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]),
        .testTarget(
            name: "KinerjaServerTransportTests",
            dependencies: ["KinerjaServerTransport", "KinerjaClientTransport", .product(name: "GRPCCore", package: "grpc-swift-2")]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "KinerjaAPI",
                "KinerjaClientTransport",
                "KinerjaStore",
                "KinerjaFixtures",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]
        ),
    ]
)

// Every Swift target: `any` spelled out for existentials, and a file sees only the members of modules it imports
// itself (as grpc-swift-2 builds).
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
