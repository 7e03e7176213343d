import ArgumentParser
import Foundation
import IntakeDomain
import IntakeForms
import IntakeMail
import IntakeServices
import IntakeStore
import IntakeWeb
import Logging
import Metrics
import ServiceLifecycle

@main
struct IntakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "samverkan-intake: report, route and follow up samverkansbrister.",
        subcommands: [Serve.self, Migrate.self, CatalogCommand.self, OutboxCommand.self,
                      ConfigCommand.self, Backup.self, Restore.self, Verify.self, UserCommand.self, RetentionCommand.self, TokenCommand.self,
                      DemoCommand.self, SummaryCommand.self, RoutesCommand.self, FinderCommand.self],
        defaultSubcommand: Serve.self)
}

/// Options shared by commands that open the database and catalogue. Each also has an
/// environment variable; the command line wins.
struct CommonOptions: ParsableArguments {
    @Option(help: "SQLite database file (INTAKE_DATABASE).") var database: String?
    @Option(help: "Folder with the catalogue YAML (INTAKE_FORMS).") var forms: String?
    @Option(help: "Folder with page and mail templates (INTAKE_TEMPLATES).") var templates: String?

    func configuration() throws -> AppConfiguration {
        var config: AppConfiguration
        do {
            config = try AppConfiguration.fromEnvironment()
        } catch {
            throw ValidationError(error.description)
        }
        if let database { config.databasePath = database }
        if let forms { config.formsDirectory = forms }
        if let templates { config.templatesDirectory = templates }
        return config
    }

    /// The configuration, the catalogue (problems printed plainly) and the migrated database:
    /// what commands that work on reports need.
    func openCatalogueAndDatabase() throws -> (AppConfiguration, Catalogue, AppDatabase) {
        let config = try configuration()
        let catalogue: Catalogue
        do {
            catalogue = try CatalogueLoader.load(directory: config.formsDirectory)
        } catch {
            throw fail(error.description)
        }
        let database = try AppDatabase(path: config.databasePath)
        try database.migrate()
        return (config, catalogue, database)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the web server (migrations run first).")

    @Option(help: "Address to listen on (INTAKE_HOSTNAME, default 127.0.0.1).") var hostname: String?
    @Option(help: "Port to listen on (INTAKE_PORT, default 8080).") var port: Int?
    @Flag(help: "Demo mode: write mails to files when no SMTP server is configured (INTAKE_DEMO).") var demo = false
    @OptionGroup var common: CommonOptions

    func run() async throws {
        var config = try common.configuration()
        if let hostname { config.hostname = hostname }
        if let port { config.port = port }
        if demo { config.demo = true }
        IntakeLogging.bootstrap(format: config.logFormat, level: config.logLevel)
        let logger = Logger(label: "samverkan-intake")
        for key in config.unknownVariables(in: (try? ConfigurationFile.merged(environment: ProcessInfo.processInfo.environment).values) ?? [:]) {
            logger.warning("unknown configuration variable ignored", metadata: ["variable": .string(key)])
        }
        for warning in config.warnings() { logger.warning("\(warning)") }
        // The application's metrics factory is also the process's: libraries' swift-metrics land on /metrics too.
        let metrics = AppMetrics()
        MetricsSystem.bootstrap(metrics.factory)
        do {
            // Held until the process ends: `intake restore` refuses while it is held.
            let lock = try ServerLock.acquire(databasePath: config.databasePath, purpose: "intake serve")
            defer { lock.release() }
            let lifetime = ProcessLifetime()
            let app = try await buildApplication(configuration: config, logger: logger, metrics: metrics, lifetime: lifetime)
            logger.notice("samverkan-intake starting", metadata: ["url": .string("http://\(config.hostname):\(config.port)")])
            // SIGTERM (systemd stop) and SIGINT: stop accepting, finish in-flight requests, let the
            // outbox worker record the batch in hand, then return, so the process exits 0.
            // Named: without a name ServiceLifecycle describes the whole application by reflection at start.
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: app, serviceName: "samverkan-intake")], gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [.sigquit], logger: logger))
            try await group.run()
            do {
                try lifetime.stoppedCleanly(now: Date())
            } catch {
                logger.error("could not record the clean stop", metadata: ["error": .string(String(reflecting: type(of: error)))])
            }
            logger.notice("samverkan-intake stopped")
        } catch let error as StoreError {
            throw fail(error.description)
        } catch let error as CatalogueError {
            throw fail(error.description)
        } catch let error as ServiceError {
            throw fail(error.description)
        } catch let error as MailError {
            throw fail(error.description)
        } catch where isAddressInUse(error) {
            throw fail("\(config.hostname):\(config.port) is already in use by another process. Stop it, or choose another port with --port or INTAKE_PORT.")
        } catch let error where StorageFailure.isStorageError(error) {
            throw fail("The database \(config.databasePath) cannot be written at start (\(StorageFailure.code(of: error) ?? "")): free disk space"
                       + (config.databaseMaxMB.map { " or raise INTAKE_DATABASE_MAX_MB (now \($0))" } ?? "") + ", then start again.")
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let config = try common.configuration()
        let database = try AppDatabase(path: config.databasePath)
        try database.migrate()
        print("Database \(config.databasePath) is up to date: \(try database.appliedMigrations().joined(separator: ", "))")
    }
}

struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "catalog", abstract: "Work with the catalogue in Forms/.",
                                                    subcommands: [Validate.self, Names.self])

    /// The name check's figures over a corpus (benchmarks/name-check.sh).
    struct Names: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the name check's recall and false positives over a corpus (JSON lines: text, expect refuse|ask|pass).")
        @Option(help: "Folder with the catalogue YAML (INTAKE_FORMS, default Forms).") var forms: String?
        @Argument(help: "The corpus file.") var corpus = "Tests/names/person-names.jsonl"

        func run() async throws {
            let directory = forms ?? ProcessInfo.processInfo.environment["INTAKE_FORMS"] ?? "Forms"
            let catalogue = try CatalogueLoader.load(directory: directory)
            let text = try String(contentsOfFile: corpus, encoding: .utf8)
            let figures = NameCorpusFigures.evaluate(jsonLines: text, lexicon: catalogue.names)
            print("name check over \(corpus) (lists: \(catalogue.names.firstNames.count) first names, \(catalogue.names.surnames.count) surnames)")
            print(figures.report)
            // The speed on the hot path: every line checked many times.
            let lines = text.split(whereSeparator: \.isNewline).map(String.init)
            let rounds = 200
            let start = ContinuousClock.now
            var found = 0
            for _ in 0..<rounds {
                for line in lines { found &+= PrivacyCheck.findings(in: line, names: catalogue.names).count }
            }
            let elapsed = ContinuousClock.now - start
            let perText = Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6
            print(String(format: "speed: %.2f µs per text (%d texts × %d rounds, %d findings)", perText / Double(max(lines.count * rounds, 1)), lines.count, rounds, found))
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check Forms/ and print every problem with file and key.")
        @Option(help: "Folder with the catalogue YAML (INTAKE_FORMS, default Forms).") var forms: String?

        func run() async throws {
            let directory = forms ?? ProcessInfo.processInfo.environment["INTAKE_FORMS"] ?? "Forms"
            do {
                let catalogue = try CatalogueLoader.load(directory: directory)
                print("\(directory): OK — \(catalogue.regions.count) regions, \(catalogue.agreements.count) agreements, "
                      + "\(catalogue.allFunctions.count) owning functions, \(catalogue.lifecycle.states.count) states")
            } catch {
                for problem in error.problems { print(problem) }
                print("\(error.problems.count) problem(s) in \(directory)")
                throw ExitCode(1)
            }
        }
    }
}

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "outbox", abstract: "Inspect and retry queued mail.",
                                                    subcommands: [List.self, Show.self, Retry.self, RetryDead.self])

    static func repository(_ common: CommonOptions) throws -> OutboxRepository {
        let database = try AppDatabase(path: try common.configuration().databasePath)
        try database.migrate()
        return OutboxRepository(database: database)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List messages, newest first.")
        @Option(help: "queued, sent or dead.") var status: String?
        @Option(help: "How many to show (1–100000).") var limit = 50
        @OptionGroup var common: CommonOptions

        func validate() throws {
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be 1–100000") }
        }

        func run() async throws {
            var filter: OutboxMessage.Status?
            if let status {
                guard let parsed = OutboxMessage.Status(rawValue: status) else { throw ValidationError("--status must be queued, sent or dead") }
                filter = parsed
            }
            let outbox = try OutboxCommand.repository(common)
            let counts = try await outbox.counts()
            print("queued \(counts.queued), sent \(counts.sent), dead \(counts.dead)")
            for message in try await outbox.list(status: filter, limit: limit) {
                let when = ISO8601DateFormatter().string(from: message.status == .sent ? (message.sentAt ?? message.createdAt) : message.nextAttemptAt)
                print("\(message.id)\t\(message.status.rawValue)\t\(message.kind)\tattempts=\(message.attempts)\t\(when)\t\(message.lastError ?? "")")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one message with its last error.")
        @Argument var id: Int64
        @OptionGroup var common: CommonOptions

        func run() async throws {
            guard let message = try await OutboxCommand.repository(common).message(id) else {
                print("No message \(id)")
                throw ExitCode(1)
            }
            // A report's mails are stored as template and context, and rendered here as when sent.
            let text: String
            if message.template == nil {
                text = message.textBody
            } else {
                let (configuration, catalogue, _) = try common.openCatalogueAndDatabase()
                let renderer = try await PageRenderer(directory: configuration.templatesDirectory)
                let composer = MailComposer(renderer: renderer, catalogue: catalogue, publicURL: configuration.publicURL)
                text = composer.bodies(of: message)?.text ?? "(template mail/\(message.template ?? "") is missing or its context unreadable)"
            }
            print("""
                id:         \(message.id)
                status:     \(message.status.rawValue)
                kind:       \(message.kind)
                to:         \(message.recipient)
                subject:    \(message.subject)
                attempts:   \(message.attempts)
                created:    \(message.createdAt)
                next try:   \(message.nextAttemptAt)
                sent:       \(message.sentAt.map { "\($0)" } ?? "-")
                last error: \(message.lastError ?? "-")

                \(text)
                """)
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a dead or waiting message to be sent at once.")
        @Argument var id: Int64
        @OptionGroup var common: CommonOptions

        func run() async throws {
            if try await OutboxCommand.repository(common).retry(id, now: Date()) {
                print("Message \(id) queued for sending.")
            } else {
                print("No queued or dead message \(id).")
                throw ExitCode(1)
            }
        }
    }

    struct RetryDead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "retry-dead", abstract: "Queue every dead message again.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let n = try await OutboxCommand.repository(common).retryDead(now: Date())
            print("\(n) message(s) queued for sending.")
        }
    }
}

/// Prints a start-up problem plainly (no stack trace) and gives the exit code to throw.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    return ExitCode(1)
}
