import Foundation
import GRDB
import IntakeDomain

/// Keeps every report as a compact fact in memory, so the dashboard counts a million reports in
/// milliseconds instead of scanning the table. New reports are found by id (ids only grow:
/// AUTOINCREMENT, one writer); triggers append the id of every changed or deleted report to
/// `report_change` (migrations v6-follow-up and v8-lighter-filing). Each read checks the newest
/// id and `seq` (two index lookups) and reloads only the reports added or changed since.
public actor FactStore {
    let database: AppDatabase
    let catalogue: Catalogue
    private var snapshot: FactSnapshot?
    /// Above this many pending changes a full reload is cheaper than one by one.
    var fullReloadAbove: Int64 = 50_000

    public init(database: AppDatabase, catalogue: Catalogue) {
        self.database = database
        self.catalogue = catalogue
    }

    /// The facts as of now. Reads synchronously inside the actor, so concurrent callers never
    /// load the same changes twice.
    public func current() throws -> FactSnapshot {
        let latest = try database.pool.read { db in try Self.latest(in: db) }
        if let snapshot, latest.change <= snapshot.lastChange, latest.report <= snapshot.lastReport {
            return snapshot
        }
        if var snapshot, (latest.change - snapshot.lastChange) + (latest.report - snapshot.lastReport) <= fullReloadAbove {
            try database.pool.read { db in try Self.loadChanges(into: &snapshot, upTo: latest, in: db) }
            self.snapshot = snapshot
            return snapshot
        }
        let keys = FactKeys(catalogue: catalogue)
        let loaded = try database.pool.read { db in try Self.loadAll(keys: keys, in: db) }
        snapshot = loaded
        return loaded
    }

    /// Figures already computed for a filter on this state of the data; a change to any report
    /// gives a new `lastChange` and so new keys.
    struct FiguresKey: Hashable {
        var filter: FollowUpFilter
        var today: CalendarDay
        var lastChange: Int64
        var lastReport: Int64
    }
    private var figuresCache: [FiguresKey: FollowUpFigures] = [:]

    func cached(_ key: FiguresKey) -> FollowUpFigures? { figuresCache[key] }

    func store(_ figures: FollowUpFigures, for key: FiguresKey) {
        if figuresCache.count >= 256 { figuresCache.removeAll(keepingCapacity: true) }
        figuresCache[key] = figures
    }

    /// The figures for a filter, computed outside the actor (requests compute in parallel) and
    /// remembered until the data changes.
    public nonisolated func figures(_ filter: FollowUpFilter, today: CalendarDay) async throws -> FollowUpFigures {
        let snapshot = try await current()
        let key = FiguresKey(filter: filter, today: today, lastChange: snapshot.lastChange, lastReport: snapshot.lastReport)
        if let figures = await cached(key) { return figures }
        let figures = snapshot.figures(filter, today: today)
        await store(figures, for: key)
        return figures
    }

    /// Drops change-log rows this store has already read (run by the summary scheduler).
    public func pruneChangeLog() throws {
        guard let seen = snapshot?.lastChange, seen > 0 else { return }
        try database.pool.write { db in try db.execute(sql: "DELETE FROM report_change WHERE seq <= ?", arguments: [seen]) }
    }

    /// The newest change-log entry and the newest report id.
    static func latest(in db: Database) throws -> (change: Int64, report: Int64) {
        (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM report_change") ?? 0,
         try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM report") ?? 0)
    }

    static let factColumns = """
        id, region_key, agreement_key, agreement_version, organisation_key, state,
        CAST(strftime('%s', received_at) AS INTEGER),
        CAST(julianday(feedback_due_on) - 2440587.5 AS INTEGER),
        CAST(strftime('%s', first_feedback_at) AS INTEGER),
        CAST(strftime('%s', closed_at) AS INTEGER),
        channel, systemfel, escalation_level IS NOT NULL
        """

    static func fact(_ row: Row, keys: inout FactKeys, days: inout SwedishDayConverter) -> ReportFact {
        let received: Int = row[6]
        let firstFeedback: Int? = row[8]
        let closed: Int? = row[9]
        let agreementKey: String? = row[2]
        let channelKey: String = row[10]
        return ReportFact(
            id: row[0],
            region: keys.intern(row[1], kind: .region),
            agreement: agreementKey.map { keys.intern($0, kind: .agreement) } ?? FactKeys.none,
            agreementVersion: UInt16(clamping: (row[3] as Int?) ?? 0),
            organisation: keys.intern(row[4], kind: .party),
            state: keys.intern(row[5], kind: .state),
            received: days.day(unixSeconds: received),
            due: Int32(row[7] as Int),
            closedDay: closed.map { days.day(unixSeconds: $0) } ?? -1,
            feedbackHours: firstFeedback.map { Int32(clamping: max(0, $0 - received) / 3600) } ?? -1,
            closeHours: closed.map { Int32(clamping: max(0, $0 - received) / 3600) } ?? -1,
            route0: FactKeys.none, route1: FactKeys.none, party0: FactKeys.none, party1: FactKeys.none,
            systemfel: row[11], escalated: row[12],
            channel: ReportChannel(key: channelKey).map { UInt8($0.index) } ?? ReportFact.unknownChannel)
    }

    static func loadAll(keys: FactKeys, in db: Database) throws -> FactSnapshot {
        var snapshot = FactSnapshot(keys: keys)
        let latest = try latest(in: db)
        snapshot.lastChange = latest.change
        snapshot.lastReport = latest.report
        var days = SwedishDayConverter()
        let maxId = latest.report
        snapshot.indexById = [Int32](repeating: -1, count: Int(maxId) + 1)
        snapshot.facts.reserveCapacity(Int(maxId))
        var keys = snapshot.keys
        let rows = try Row.fetchCursor(db, sql: "SELECT \(factColumns) FROM report ORDER BY id")
        while let row = try rows.next() {
            let fact = fact(row, keys: &keys, days: &days)
            snapshot.indexById[Int(fact.id)] = Int32(snapshot.facts.count)
            snapshot.facts.append(fact)
        }
        // Routes and parties come sorted by report id: fill the inline slots, then the overflow.
        let routes = try Row.fetchCursor(db, sql: "SELECT report_id, function_key FROM report_route WHERE active = 1 ORDER BY report_id, id")
        while let row = try routes.next() {
            let id: Int64 = row[0]
            let function = keys.intern(row[1], kind: .function)
            guard Int(id) < snapshot.indexById.count, case let i = Int(snapshot.indexById[Int(id)]), i >= 0 else { continue }
            if snapshot.facts[i].route0 == FactKeys.none { snapshot.facts[i].route0 = function }
            else if snapshot.facts[i].route1 == FactKeys.none { snapshot.facts[i].route1 = function }
            else { snapshot.extraRoutes[id, default: []].append(function); snapshot.facts[i].moreRoutes = true }
        }
        let parties = try Row.fetchCursor(db, sql: "SELECT report_id, party_key FROM report_party ORDER BY report_id, party_key")
        while let row = try parties.next() {
            let id: Int64 = row[0]
            let party = keys.intern(row[1], kind: .party)
            guard Int(id) < snapshot.indexById.count, case let i = Int(snapshot.indexById[Int(id)]), i >= 0 else { continue }
            if snapshot.facts[i].party0 == FactKeys.none { snapshot.facts[i].party0 = party }
            else if snapshot.facts[i].party1 == FactKeys.none { snapshot.facts[i].party1 = party }
            else { snapshot.extraParties[id, default: []].append(party); snapshot.facts[i].moreParties = true }
        }
        snapshot.keys = keys
        return snapshot
    }

    static func loadChanges(into snapshot: inout FactSnapshot, upTo latest: (change: Int64, report: Int64), in db: Database) throws {
        let ids = try Int64.fetchAll(db, sql: """
            SELECT report_id FROM report_change WHERE seq > ? AND seq <= ?
            UNION SELECT id FROM report WHERE id > ? AND id <= ?
            """, arguments: [snapshot.lastChange, latest.change, snapshot.lastReport, latest.report])
        var keys = snapshot.keys
        var days = SwedishDayConverter()
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            let marks = chunk.map { _ in "?" }.joined(separator: ",")
            let arguments = StatementArguments(chunk)
            var found = Set<Int64>()
            var routes: [Int64: [UInt16]] = [:], parties: [Int64: [UInt16]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT report_id, function_key FROM report_route WHERE active = 1 AND report_id IN (\(marks)) ORDER BY report_id, id", arguments: arguments) {
                routes[row[0], default: []].append(keys.intern(row[1], kind: .function))
            }
            for row in try Row.fetchAll(db, sql: "SELECT report_id, party_key FROM report_party WHERE report_id IN (\(marks)) ORDER BY report_id, party_key", arguments: arguments) {
                parties[row[0], default: []].append(keys.intern(row[1], kind: .party))
            }
            for row in try Row.fetchAll(db, sql: "SELECT \(factColumns) FROM report WHERE id IN (\(marks))", arguments: arguments) {
                let fact = fact(row, keys: &keys, days: &days)
                found.insert(fact.id)
                snapshot.upsert(fact, routes: routes[fact.id] ?? [], parties: parties[fact.id] ?? [])
            }
            for id in chunk where !found.contains(id) { snapshot.markDeleted(id) }
        }
        snapshot.keys = keys
        snapshot.lastChange = latest.change
        snapshot.lastReport = latest.report
    }
}
