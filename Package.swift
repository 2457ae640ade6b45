// swift-tools-version:6.1
import PackageDescription

/// One list of settings for every target, so the whole codebase is held to the same rules.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "PolicyDesk",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "policydesk", targets: ["policydesk"]),
        .library(name: "PolicyKit", targets: ["PolicyKit"]),
        .library(name: "Desk", targets: ["Desk"]),
        // The properties the fuzz targets in FuzzTesting/ check, one function per target.
        .library(name: "FuzzChecks", targets: ["FuzzChecks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The pure core: policy model and calculator, matcher, answer composition.
        .target(name: "PolicyKit", swiftSettings: swiftSettings),
        // The one JSON writer: answers, stored conversations and the platforms' reply bodies.
        .target(name: "JSONWriter", swiftSettings: swiftSettings),
        // Text rules every layer shares (what space at the ends of a message is).
        .target(name: "TextRules", swiftSettings: swiftSettings),
        .target(name: "Matching", dependencies: ["PolicyKit"], swiftSettings: swiftSettings),
        .target(
            name: "Desk",
            dependencies: [
                "PolicyKit", "Matching", "JSONWriter", "TextRules",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        // A plan's text read into a draft Intents/ folder: pure, text in and files out.
        .target(name: "PlanImport", dependencies: ["PolicyKit", "Desk", "TextRules"], swiftSettings: swiftSettings),
        // The edge: platforms, outbound HTTP, storage, the HTTP server.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // glibc's mallopt, for the server's allocator tuning.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .target(
            name: "Channels",
            dependencies: [
                "CCurl", "JSONWriter", "TextRules",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The campaign domain: what a campaign, a delivery and a send are, the no-repeat rule, and
        // the store protocol that Storage implements. Pure: Foundation only.
        .target(name: "OutreachModel", swiftSettings: swiftSettings),
        .target(
            name: "Storage",
            dependencies: ["OutreachModel", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // The shared store for several instances behind one address; SQLite stays the default.
        .target(
            name: "PostgresStorage",
            dependencies: [
                "Storage", "OutreachModel",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "PolicyKit", "Matching", "Desk", "Channels", "Storage", "Outreach", "OutreachModel", "PostgresStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // Staff passwords (scrypt) and signed session cookies (HMAC, HKDF).
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // Outreach campaigns: rosters, eligibility and planning are pure; sending sits at the edge.
        .target(
            name: "Outreach",
            dependencies: [
                "PolicyKit", "Desk", "Channels", "OutreachModel",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "policydesk",
            dependencies: [
                "PolicyKit", "Matching", "Desk", "Storage", "Server", "Channels", "Outreach", "OutreachModel",
                "CMalloc",
                "PlanImport", "PostgresStorage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // What each fuzz target checks of one input; FuzzTesting/ runs it under libFuzzer and
        // FuzzReplayTests replays the committed corpus and fail cases through it.
        .target(
            name: "FuzzChecks",
            dependencies: [
                "PolicyKit", "Matching", "Desk", "Channels", "Outreach", "TextRules",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "PolicyDeskBenchmark",
            dependencies: ["PolicyKit", "Matching", "Desk", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "AskBodyBenchmark", dependencies: ["Channels"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "OutreachBenchmark",
            dependencies: ["Outreach", "OutreachModel", "PolicyKit", "Desk", "Channels", "Storage"],
            swiftSettings: swiftSettings
        ),
        // What several test targets share: seeded generators, the values property tests try, the
        // fake WeCom/DingTalk/Feishu platform and the clock tests move by hand.
        .target(
            name: "TestSupport",
            dependencies: [
                "Channels", "Outreach", "OutreachModel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PolicyKitTests", dependencies: ["PolicyKit"], swiftSettings: swiftSettings),
        .testTarget(name: "TextRulesTests", dependencies: ["TextRules"], swiftSettings: swiftSettings),
        .testTarget(name: "OutreachModelTests", dependencies: ["OutreachModel"], swiftSettings: swiftSettings),
        .testTarget(
            name: "JSONWriterTests", dependencies: ["JSONWriter", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MatchingTests", dependencies: ["Matching", "PolicyKit", "Desk", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "DeskTests",
            dependencies: ["Desk", "Matching", "PolicyKit", "TestSupport", .product(name: "Yams", package: "Yams")],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChannelsTests",
            dependencies: ["Channels", "TestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "OutreachModel", "PostgresStorage", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "OutreachTests",
            dependencies: [
                "Outreach", "OutreachModel", "PolicyKit", "Desk", "Channels", "Storage", "PostgresStorage",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PlanImportTests",
            dependencies: ["PlanImport", "Desk", "PolicyKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "FuzzReplayTests", dependencies: ["FuzzChecks"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Channels", "Storage", "Outreach", "PostgresStorage", "OutreachModel", "Desk", "PolicyKit",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
    ]
)
