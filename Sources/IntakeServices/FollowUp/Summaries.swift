import Foundation
import GRDB
import IntakeDomain
import IntakeMail
import IntakeStore
import Logging
import ServiceLifecycle

/// A summary period: a calendar month (`2026-10`) or an ISO week (`2026-W43`).
public struct SummaryPeriod: Sendable, Hashable, CustomStringConvertible {
    public var frequency: SummaryFrequency
    public var from: CalendarDay
    public var to: CalendarDay
    public var key: String
    public var description: String { key }

    /// Parses `2026-10` or `2026-W43`.
    public init?(key raw: String) {
        let text = raw.trimmingCharacters(in: .whitespaces).uppercased()
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, let year = Int(parts[0]), year > 1900 else { return nil }
        if parts[1].hasPrefix("W") {
            guard let week = Int(parts[1].dropFirst()), (1...53).contains(week) else { return nil }
            let monday = Self.mondayOfWeek1(year) + (week - 1) * 7
            guard Self.isoWeek(ofMonday: monday).year == year else { return nil }
            self.init(weekStarting: monday)
        } else {
            guard parts[1].count == 2, let month = Int(parts[1]), (1...12).contains(month) else { return nil }
            self.init(month: CalendarDay(year: year, month: month, day: 1))
        }
    }

    init(month day: CalendarDay) {
        frequency = .monthly
        from = day.firstOfMonth
        to = day.lastOfMonth
        key = day.monthKey
    }

    init(weekStarting monday: Int) {
        frequency = .weekly
        from = CalendarDay(dayNumber: monday)
        to = CalendarDay(dayNumber: monday + 6)
        let week = Self.isoWeek(ofMonday: monday)
        key = String(format: "%04d-W%02d", week.year, week.week)
    }

    /// The last whole period before `today`: last month, or last ISO week (Monday–Sunday).
    public static func lastCompleted(_ frequency: SummaryFrequency, today: CalendarDay) -> SummaryPeriod {
        switch frequency {
        case .monthly:
            return SummaryPeriod(month: CalendarDay(dayNumber: today.firstOfMonth.dayNumber - 1))
        case .weekly:
            return SummaryPeriod(weekStarting: monday(of: today.dayNumber) - 7)
        }
    }

    /// Monday of the week containing a day number (1970-01-01 was a Thursday).
    static func monday(of dayNumber: Int) -> Int {
        let weekday = ((dayNumber + 3) % 7 + 7) % 7 // Monday = 0
        return dayNumber - weekday
    }

    static func mondayOfWeek1(_ year: Int) -> Int {
        monday(of: CalendarDay(year: year, month: 1, day: 4).dayNumber)
    }

    static func isoWeek(ofMonday monday: Int) -> (year: Int, week: Int) {
        let year = CalendarDay(dayNumber: monday + 3).year
        return (year, (monday - mondayOfWeek1(year)) / 7 + 1)
    }
}

/// Who gets a periodic summary: an owning function (its reports) or a steering group on a
/// region's escalation ladder (all the region's reports), as configured in Forms/.
public struct SummaryRecipient: Sendable, Hashable {
    public var key: String
    public var name: LocalizedText
    public var mailbox: String
    public var frequency: SummaryFrequency
    public var regionKey: String
    /// The function whose reports are summarised; nil: the whole region.
    public var functionKey: String?
}

extension Catalogue {
    public var summaryRecipients: [SummaryRecipient] {
        regions.flatMap { region in
            region.functions.compactMap { function in
                function.summary.map { SummaryRecipient(key: "function:\(function.key)", name: function.name, mailbox: function.mailbox,
                                                        frequency: $0, regionKey: region.key, functionKey: function.key) }
            } + region.escalation.compactMap { level in
                level.summary.map { SummaryRecipient(key: "escalation:\(region.key):\(level.key)", name: level.name, mailbox: level.mailbox,
                                                     frequency: $0, regionKey: region.key, functionKey: nil) }
            }
        }
    }
}

/// Queues periodic summaries: each (recipient, period) at most once, recorded in `summary_sent`
/// in the same transaction as its outbox row.
public struct SummarySender: Sendable {
    let services: AppServices

    public init(services: AppServices) {
        self.services = services
    }

    /// Sends the summaries of one period to every recipient with that frequency. Returns how many
    /// were queued now (0 when all were sent before).
    @discardableResult
    public func send(period: SummaryPeriod, now: Date) async throws -> Int {
        let recipients = services.catalogue.summaryRecipients.filter { $0.frequency == period.frequency }
        guard !recipients.isEmpty else { return 0 }
        let already = try await services.database.pool.read { db in
            try Set(String.fetchAll(db, sql: "SELECT recipient_key FROM summary_sent WHERE period = ?", arguments: [period.key]))
        }
        let pending = recipients.filter { !already.contains($0.key) }
        guard !pending.isEmpty else { return 0 }
        let snapshot = try await services.facts.current()
        let today = CalendarDay(now)
        let mails = pending.map { recipient in
            var filter = FollowUpFilter(from: period.from, to: period.to, regionKey: recipient.regionKey)
            filter.functionKeys = recipient.functionKey.map { [$0] }
            return (recipient, compose(recipient, period: period, figures: snapshot.figures(filter, today: today)))
        }
        return try await services.database.pool.write { db in
            var queued = 0
            for (recipient, mail) in mails {
                try db.execute(sql: "INSERT OR IGNORE INTO summary_sent (recipient_key, period, sent_at) VALUES (?, ?, ?)",
                               arguments: [recipient.key, period.key, now])
                guard db.changesCount == 1 else { continue }
                try OutboxRepository.insert(mail, reportId: nil, now: now, in: db)
                queued += 1
            }
            return queued
        }
    }

    /// The last completed period of each configured frequency.
    @discardableResult
    public func sendDue(now: Date) async throws -> Int {
        let today = CalendarDay(now)
        var queued = 0
        for frequency in Set(services.catalogue.summaryRecipients.map(\.frequency)).sorted(by: { $0.rawValue < $1.rawValue }) {
            queued += try await send(period: .lastCompleted(frequency, today: today), now: now)
        }
        return queued
    }

    func compose(_ recipient: SummaryRecipient, period: SummaryPeriod, figures: FollowUpFigures) -> OutboxDraft {
        let catalogue = services.catalogue
        func agreementName(_ key: String, _ language: Language) -> String {
            key.isEmpty ? FollowUpTexts.notClassified[language] : (catalogue.agreement(key)?.name[language] ?? key)
        }
        func partyName(_ key: String) -> String { catalogue.party(key)?.name ?? key }
        var query: [(String, String)] = [("fran", period.from.description), ("till", period.to.description), ("lan", recipient.regionKey)]
        if let function = recipient.functionKey, let agreements = Optional(catalogue.agreements.filter { $0.ownerKeys.contains(function) }), agreements.count == 1 {
            query.append(("avtal", agreements[0].key))
        }
        let dashboardURL = services.configuration.publicURL + "/handlaggning/uppfoljning" + URLQuery.string(query)
        let topAgreements = figures.byAgreement.prefix(5).filter { $0.count > 0 }
        let mail = SummaryMail(
            recipientSv: recipient.name.sv, recipientEn: recipient.name.en,
            period: period.key, from: period.from.description, to: period.to.description,
            weekly: period.frequency == .weekly,
            newCount: figures.total, previousCount: figures.previousTotal,
            handled: figures.closedInPeriod, overdue: figures.overdue, open: figures.open,
            topAgreementsSv: topAgreements.map { SummaryMail.AgreementCount(name: agreementName($0.key, .sv), count: $0.count) },
            topAgreementsEn: topAgreements.map { SummaryMail.AgreementCount(name: agreementName($0.key, .en), count: $0.count) },
            topPairs: figures.byPartyPair.prefix(5).map { SummaryMail.PairCount(first: partyName($0.first), second: partyName($0.second), count: $0.count) },
            hasAgreements: figures.total > 0, hasPairs: !figures.byPartyPair.isEmpty,
            dashboardURL: dashboardURL)
        let subject = "Sammanställning samverkansbrister \(period.key): \(recipient.name.sv)"
        return services.mailComposer.summary(mail, to: recipient.mailbox, subject: subject)
    }
}

/// Sends the periodic summaries that are due: at start, then every `interval`. Also prunes the
/// change log the dashboard's facts have read.
package struct SummaryService: NamedService {
    let services: AppServices
    var interval: Duration

    package func run() async throws {
        try await PeriodicJob("summary run", every: interval, storage: services.database.storage, logger: services.logger) { [services] in
            let queued = try await SummarySender(services: services).sendDue(now: services.clock())
            if queued > 0 { services.logger.info("summaries queued", metadata: ["mails": .stringConvertible(queued)]) }
            try await services.facts.pruneChangeLog()
            return .interval
        }.run()
    }

    package init(services: AppServices, interval: Duration) {
        self.services = services
        self.interval = interval
    }
}
