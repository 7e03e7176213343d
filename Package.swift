// swift-tools-version: 6.2
import PackageDescription

// The targets and their dependencies, one way only (Sources/ARCHITECTURE.md):
//   IntakeCLI → IntakeWeb → IntakeServices → IntakeStore, IntakeMail, IntakeForms → IntakeDomain
// IntakeDomain depends on nothing but Foundation (Tests/IntakeTests/ArchitectureTests.swift).
let package = Package(
    name: "samverkan-intake",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "intake", targets: ["IntakeCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // zlib, to inflate the document part of a .docx attachment (IntakeMail/ZipEntry.swift).
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The rules: catalogue, report form, privacy, routing, lifecycle, access, calendar. Foundation only.
        .target(
            name: "IntakeDomain",
            dependencies: []
        ),
        // Forms/*.yaml into the domain's catalogue.
        .target(
            name: "IntakeForms",
            dependencies: [
                "IntakeDomain",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Mails: composing from Templates/, MIME, SMTP; reading mailboxes (IMAP, MIME, .docx).
        .target(
            name: "IntakeMail",
            dependencies: [
                "IntakeDomain",
                "CCurl",
                "CZlib",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The database: SQLite through GRDB, migrations, group commit, repositories.
        .target(
            name: "IntakeStore",
            dependencies: [
                "IntakeDomain",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Use cases and background jobs: triage, reminders, outbox delivery, retention, summaries.
        .target(
            name: "IntakeServices",
            dependencies: [
                "IntakeDomain",
                "IntakeForms",
                "IntakeMail",
                "IntakeStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // HTTP: the application, middleware and one folder per feature.
        .target(
            name: "IntakeWeb",
            dependencies: [
                "IntakeDomain",
                "IntakeForms",
                "IntakeMail",
                "IntakeStore",
                "IntakeServices",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "IntakeCLI",
            dependencies: [
                "IntakeDomain",
                "IntakeForms",
                "IntakeMail",
                "IntakeStore",
                "IntakeServices",
                "IntakeWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "IntakeTests",
            dependencies: [
                "IntakeDomain",
                "IntakeForms",
                "IntakeMail",
                "IntakeStore",
                "IntakeServices",
                "IntakeWeb",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
