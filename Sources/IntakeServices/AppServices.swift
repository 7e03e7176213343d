import Foundation
import IntakeDomain
import IntakeForms
import IntakeMail
import IntakeStore
import Logging
import NIOConcurrencyHelpers

/// Everything a controller may use, built once at start.
public struct AppServices: Sendable {
    public let configuration: AppConfiguration
    public let catalogue: Catalogue
    public let database: AppDatabase
    public let reports: ReportRepository
    public let outbox: OutboxRepository
    public let staff: StaffRepository
    public let cases: CaseRepository
    public let triage: TriageService
    public let apiTokens: APITokenRepository
    /// Templates/api/openapi.yaml, served at /api/openapi.yaml.
    public let openAPIDocument: String
    /// Every report as a compact fact for the dashboard, register, summaries and learning page.
    public let facts: FactStore
    public let loginThrottle: NIOLockedValueBox<LoginThrottle>
    /// Ranks agreements for a few words of what happened (the public finder, suggestions to handläggare).
    public let finder: AgreementFinderService
    public let renderer: PageRenderer
    public let mailComposer: MailComposer
    /// Random per-database key for HMAC signatures (form timestamps, …). Never logged.
    public let signingKey: [UInt8]
    public let clock: @Sendable () -> Date
    public let logger: Logger
    /// Prometheus metrics of this application (/metrics).
    public var metrics = AppMetrics()
    /// Set by the outbox worker while its loop runs (/ready).
    public var outboxWorkerStatus = WorkerStatus()
    /// Each mailbox's read problems while they last (/ready's warnings).
    public var mailIntakeStatus = MailIntakeStatus()

    /// Loads the catalogue and templates, opens and migrates the database. Every problem is
    /// reported here, at start, not at first use.
    public static func load(configuration: AppConfiguration, clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger,
                            metrics: AppMetrics = AppMetrics()) async throws -> AppServices {
        // The personnummer check's pattern: a server that cannot check does not start.
        guard PrivacyCheck.identityNumberPatternCompiles else {
            throw ServiceError.configuration(["the personnummer pattern does not compile (PrivacyCheck.identityNumber)"])
        }
        var catalogue = try CatalogueLoader.load(directory: configuration.formsDirectory)
        if let days = configuration.defaultFeedbackDays { catalogue.defaultFeedbackDays = days }
        let renderer = try await PageRenderer(directory: configuration.templatesDirectory)
        let database = try AppDatabase(path: configuration.databasePath, maxSizeMB: configuration.databaseMaxMB, logger: logger)
        try database.migrate()
        database.countQueuedMails(in: metrics)
        try database.recordAgreementRevisions(catalogue, now: clock())
        let composer = MailComposer(renderer: renderer, catalogue: catalogue, publicURL: configuration.publicURL,
                                    repliesReachReports: configuration.mail.replyTo != nil && !configuration.imap.mailboxes.isEmpty)
        let routeProblems = MailIntakeService.routeProblems(configuration.imap.mailboxes, catalogue: catalogue)
        if !routeProblems.isEmpty { throw ServiceError.configuration(routeProblems) }
        let staff = StaffRepository(database: database, bcryptCost: UInt8(configuration.bcryptCost))
        // Made in the background (a bcrypt at the configured cost, ~0.25 s at 12): start-up does not wait for it.
        Task { _ = await staff.dummyHash() }
        let openAPIPath = (configuration.templatesDirectory as NSString).appendingPathComponent("api/openapi.yaml")
        guard let openAPI = try? String(contentsOfFile: openAPIPath, encoding: .utf8) else {
            throw ServiceError.openAPIDescriptionMissing(path: openAPIPath)
        }
        var services = AppServices(
            configuration: configuration, catalogue: catalogue, database: database,
            reports: ReportRepository(database: database, metrics: metrics), outbox: OutboxRepository(database: database),
            staff: staff, cases: CaseRepository(database: database, lifecycle: catalogue.lifecycle),
            triage: TriageService(database: database, catalogue: catalogue, composer: composer, staff: staff, metrics: metrics),
            apiTokens: APITokenRepository(database: database), openAPIDocument: openAPI,
            facts: FactStore(database: database, catalogue: catalogue),
            loginThrottle: NIOLockedValueBox(LoginThrottle()),
            finder: AgreementFinderService(database: database, catalogue: catalogue,
                                           minimumReports: configuration.finderLearnMinReports, logger: logger),
            renderer: renderer,
            mailComposer: composer,
            signingKey: try database.signingKey(),
            clock: clock, logger: logger)
        services.metrics = metrics
        return services
    }
}
