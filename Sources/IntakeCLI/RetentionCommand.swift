import ArgumentParser
import Foundation
import IntakeServices

struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retention", abstract: "Erase old contact data and mails (the server also does this every hour).",
                                                    subcommands: [Run.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the retention job once.")
        @Flag(help: "Only count what would be erased.") var dryRun = false
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let (config, catalogue, database) = try common.openCatalogueAndDatabase()
            let result = try await RetentionJob(database: database, lifecycle: catalogue.lifecycle, configuration: config).run(now: Date(), dryRun: dryRun)
            print((dryRun ? "Dry run, nothing changed: would have " : "Done: ") + result.description
                  + " (contact data \(config.contactRetentionDays) days after closing, \(config.openReportMaxDays) days after receipt at most; mails after \(config.outboxRetentionDays) days)")
        }
    }
}
