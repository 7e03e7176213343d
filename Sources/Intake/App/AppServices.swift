import Foundation
import Logging

/// Everything a controller may use, built once at start.
public struct AppServices: Sendable {
    public let configuration: AppConfiguration
    public let catalogue: Catalogue
    public let database: AppDatabase
    public let reports: ReportRepository
    public let outbox: OutboxRepository
    public let renderer: PageRenderer
    public let mailComposer: MailComposer
    /// Random per-database key for HMAC signatures (form timestamps, …). Never logged.
    public let signingKey: [UInt8]
    public let clock: @Sendable () -> Date
    public let logger: Logger

    /// Loads the catalogue and templates, opens and migrates the database. Every problem is
    /// reported here, at start, not at first use.
    public static func load(configuration: AppConfiguration, clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger) async throws -> AppServices {
        let catalogue = try CatalogueLoader.load(directory: configuration.formsDirectory)
        let renderer = try await PageRenderer(directory: configuration.templatesDirectory)
        let database = try AppDatabase(path: configuration.databasePath)
        try database.migrate()
        return AppServices(
            configuration: configuration, catalogue: catalogue, database: database,
            reports: ReportRepository(database: database), outbox: OutboxRepository(database: database),
            renderer: renderer,
            mailComposer: MailComposer(renderer: renderer, catalogue: catalogue, publicURL: configuration.publicURL),
            signingKey: try database.signingKey(),
            clock: clock, logger: logger)
    }
}
