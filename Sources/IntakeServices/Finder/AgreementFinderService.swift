import Foundation
import Synchronization
import IntakeDomain
import IntakeStore
import Logging

/// The agreement finder with the words learned from classified reports
/// (`INTAKE_FINDER_LEARN_MIN_REPORTS`). The learned words are read from the database at most
/// every `maximumAge` seconds, and again after a handläggare reclassifies a report. A failed read
/// keeps the words read before (the finder then still ranks on the catalogue): a search never fails.
public final class AgreementFinderService: Sendable {
    let database: AppDatabase
    let catalogue: Catalogue
    let minimumReports: Int
    let maximumAge: TimeInterval
    let logger: Logger
    private let state = Mutex<(terms: LearnedTerms, loadedAt: Date?)>((LearnedTerms(), nil))

    public init(database: AppDatabase, catalogue: Catalogue, minimumReports: Int, maximumAge: TimeInterval = 600, logger: Logger) {
        self.database = database
        self.catalogue = catalogue
        self.minimumReports = minimumReports
        self.maximumAge = maximumAge
        self.logger = logger
    }

    /// The finder over `region`'s agreements valid on `now`.
    public func finder(region: String, now: Date) async -> AgreementFinder {
        catalogue.agreementFinder(region: region, on: CalendarDay(now), learned: await learnedTerms(now: now))
    }

    /// The learned words, read again when older than `maximumAge`.
    public func learnedTerms(now: Date) async -> LearnedTerms {
        guard minimumReports > 0 else { return LearnedTerms() }
        let (terms, loadedAt) = state.withLock { $0 }
        if let loadedAt, now.timeIntervalSince(loadedAt) < maximumAge, now >= loadedAt { return terms }
        do {
            let reports = try await ClassifiedReportTexts.read(from: database)
            let learned = LearnedTerms(reports: reports, minimumReports: minimumReports)
            state.withLock { $0 = (learned, now) }
            return learned
        } catch {
            logger.warning("agreement finder: could not read classified reports; ranking on the catalogue only",
                           metadata: ["error": .string(String(describing: type(of: error)))])
            state.withLock { $0.loadedAt = now }
            return terms
        }
    }

    /// After a reclassification: the next search reads the learned words again.
    public func invalidate() {
        state.withLock { $0.loadedAt = nil }
    }
}
