import ArgumentParser
import Foundation
import IntakeForms
import IntakeMail
import IntakeServices
import IntakeStore
import Logging

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Demo data.", subcommands: [Seed.self])

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add synthetic reports (all regions, agreements and states, three years of dates) for demos and benchmarks.")
        @Option(help: "How many reports to add (1–10000000).") var reports: Int = 1000
        @Option(help: "Random seed (the same seed gives the same reports).") var seed: UInt64 = 2026
        @OptionGroup var common: CommonOptions

        func run() async throws {
            guard (1...10_000_000).contains(reports) else { throw ValidationError("--reports must be 1–10000000") }
            let (config, catalogue, database) = try common.openCatalogueAndDatabase()
            var seeder = DemoSeeder(database: database, catalogue: catalogue)
            seeder.seed = seed
            let interactive = isatty(STDERR_FILENO) == 1
            let added = try seeder.run(count: reports, now: Date()) { progress in
                let percent = progress.done * 100 / max(progress.total, 1)
                let rate = progress.elapsed > 0 ? Int(Double(progress.done) / progress.elapsed) : 0
                let line = "seeding \(progress.done)/\(progress.total) reports (\(percent) %), \(String(format: "%.1f", progress.elapsed)) s, \(rate)/s"
                FileHandle.standardError.write(Data((interactive ? "\r" + line : line + "\n").utf8))
            }
            if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
            print("Added \(added) synthetic reports to \(config.databasePath).")
        }
    }
}

struct SummaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "summary", abstract: "Periodic summaries by mail.", subcommands: [Send.self])

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue the summaries of one period (2026-10 monthly, 2026-W43 weekly); never twice for the same period and recipient.")
        @Option(help: "The period: YYYY-MM or YYYY-Www.") var period: String
        @OptionGroup var common: CommonOptions

        func run() async throws {
            guard let parsed = SummaryPeriod(key: period) else { throw ValidationError("--period must be YYYY-MM (month) or YYYY-Www (ISO week), e.g. 2026-10 or 2026-W43") }
            let config = try common.configuration()
            var logger = Logger(label: "samverkan-intake")
            logger.logLevel = .warning
            let services: AppServices
            do {
                services = try await AppServices.load(configuration: config, logger: logger)
            } catch let error as CatalogueError {
                throw fail(error.description)
            } catch let error as MailError {
                throw fail(error.description)
            }
            let recipients = services.catalogue.summaryRecipients.filter { $0.frequency == parsed.frequency }
            let queued = try await SummarySender(services: services).send(period: parsed, now: Date())
            print("\(parsed.key): \(queued) summary mail(s) queued, \(recipients.count - queued) already sent before "
                  + "(\(recipients.count) recipient(s) with \(parsed.frequency.rawValue) summaries). The server's mail worker sends them.")
        }
    }
}
