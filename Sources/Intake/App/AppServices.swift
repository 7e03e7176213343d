import Foundation
import Logging

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
    /// Every report as a compact fact for the dashboard, register, summaries and learning page.
    public let facts: FactStore
    public let loginThrottle: LockedValue<LoginThrottle>
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
        try database.recordAgreementRevisions(catalogue, now: clock())
        let composer = MailComposer(renderer: renderer, catalogue: catalogue, publicURL: configuration.publicURL)
        let staff = StaffRepository(database: database, bcryptCost: UInt8(configuration.bcryptCost))
        return AppServices(
            configuration: configuration, catalogue: catalogue, database: database,
            reports: ReportRepository(database: database), outbox: OutboxRepository(database: database),
            staff: staff, cases: CaseRepository(database: database, lifecycle: catalogue.lifecycle),
            triage: TriageService(database: database, catalogue: catalogue, composer: composer, staff: staff),
            facts: FactStore(database: database, catalogue: catalogue),
            loginThrottle: LockedValue(LoginThrottle()),
            renderer: renderer,
            mailComposer: composer,
            signingKey: try database.signingKey(),
            clock: clock, logger: logger)
    }
}

/// A value behind a lock, for the little in-memory state the server keeps (login throttling).
public final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
