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
    public let clock: @Sendable () -> Date
    public let logger: Logger
    /// Prometheus metrics of this application (/metrics).
    public var metrics = AppMetrics()
    /// Set by the outbox worker while its loop runs (/ready).
    public var outboxWorkerStatus = WorkerStatus()

    /// Loads the catalogue and templates, opens and migrates the database. Every problem is
    /// reported here, at start, not at first use.
    public static func load(configuration: AppConfiguration, clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger,
                            metrics: AppMetrics = AppMetrics()) async throws -> AppServices {
        var catalogue = try CatalogueLoader.load(directory: configuration.formsDirectory)
        if let days = configuration.defaultFeedbackDays { catalogue.defaultFeedbackDays = days }
        let renderer = try await PageRenderer(directory: configuration.templatesDirectory)
        let database = try AppDatabase(path: configuration.databasePath)
        try database.migrate()
        var services = AppServices(
            configuration: configuration, catalogue: catalogue, database: database,
            reports: ReportRepository(database: database, metrics: metrics), outbox: OutboxRepository(database: database),
            renderer: renderer,
            mailComposer: MailComposer(renderer: renderer, catalogue: catalogue, publicURL: configuration.publicURL),
            clock: clock, logger: logger)
        services.metrics = metrics
        return services
    }
}
