import Foundation
import Hummingbird
import IntakeDomain
import IntakeServices
import IntakeStore

/// Follow-up: the dashboard with its exports, the agreement register (staff), and the public
/// learning page. Every figure comes from `FactStore`; the CSV export reads the table page by page.
struct FollowUpController: Sendable {
    let services: AppServices

    func addRoutes(to router: RouteTable) {
        let staff = router.group("/handlaggning")
            .add(middleware: RequireStaffMiddleware(roles: Set(StaffRole.allCases)))
        staff.get("uppfoljning", reads: .init(query: Self.filterParameters), use: dashboard)
        staff.get("uppfoljning/rapporter.csv", reads: .init(query: Self.filterParameters + ["separator"]), use: exportReports)
        staff.get("uppfoljning/sammanstallning.csv", reads: .init(query: Self.filterParameters + ["separator"]), use: exportAggregates)
        staff.get("overenskommelser", use: register)
        router.get("/larande", use: learning)
    }

    /// The follow-up filter's query parameters (see `filter(_:user:)`).
    static let filterParameters = ["fran", "till", "lan", "avtal", "malgrupp"]

    private var catalogue: Catalogue { services.catalogue }
    private var today: CalendarDay { CalendarDay(services.clock()) }

    // MARK: names

    func agreementName(_ key: String, _ language: Language) -> String {
        key.isEmpty ? FollowUpTexts.notClassified[language] : (catalogue.agreement(key)?.name[language] ?? key)
    }

    func targetGroupName(_ key: String, _ language: Language) -> String {
        key.isEmpty ? FollowUpTexts.notClassified[language] : (catalogue.targetGroup(key)?.name[language] ?? key)
    }

    func regionName(_ key: String, _ language: Language) -> String { catalogue.region(key)?.name[language] ?? key }
    func partyName(_ key: String) -> String { catalogue.party(key)?.name ?? key }
    func stateName(_ key: String, _ language: Language) -> String { catalogue.lifecycle.state(key)?.name[language] ?? key }

    static func days(_ hours: Int?, _ language: Language) -> String {
        guard let hours else { return "–" }
        let text = String(format: "%.1f", Double(hours) / 24)
        return text.replacingOccurrences(of: ".", with: FollowUpTexts.decimalSeparator[language]) + FollowUpTexts.daysUnit[language]
    }

    /// "2026-03" → "mar 2026": short enough that month labels under the columns do not run into each other.
    static func monthLabel(_ key: String, _ language: Language) -> String {
        let parts = key.split(separator: "-")
        guard parts.count == 2, let month = Int(parts[1]), (1...12).contains(month) else { return key }
        return "\(FollowUpTexts.months[month - 1][language]) \(parts[0])"
    }

    // MARK: filter


    /// The filter from the query (`fran`, `till`, `lan`, `avtal` (or `ingen`), `malgrupp`), in the
    /// user's scope: a handläggare sees only the reports routed to their functions.
    func filter(_ request: Request, user: StaffUser) -> (FollowUpFilter, [LocalizedText]) {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        var problems: [LocalizedText] = []
        var (from, to) = FollowUpFilter.defaultPeriod(today: today)
        if let raw = value("fran") {
            if let day = CalendarDay(iso: raw) { from = day } else { problems.append(FollowUpTexts.badFrom) }
        }
        if let raw = value("till") {
            if let day = CalendarDay(iso: raw) { to = day } else { problems.append(FollowUpTexts.badTo) }
        }
        if to < from {
            problems.append(FollowUpTexts.swappedDates)
            swap(&from, &to)
        }
        if from.days(until: to) > 366 * 10 {
            from = to.adding(days: -366 * 10)
            problems.append(FollowUpTexts.periodTooLong)
        }
        var filter = FollowUpFilter(from: from, to: to)
        filter.regionKey = value("lan").flatMap { catalogue.region($0)?.key }
        filter.agreementKey = value("avtal").flatMap { $0 == "ingen" ? "" : catalogue.agreement($0)?.key }
        filter.targetGroupKey = value("malgrupp").flatMap { catalogue.targetGroup($0)?.key }
        if user.role == .handlaggare { filter.functionKeys = user.functionKeys }
        return (filter, problems)
    }

    func filterQuery(_ filter: FollowUpFilter, language: Language) -> [(String, String)] {
        var items = [("fran", filter.from.description), ("till", filter.to.description)]
        if let region = filter.regionKey { items.append(("lan", region)) }
        if let agreement = filter.agreementKey { items.append(("avtal", agreement.isEmpty ? "ingen" : agreement)) }
        if let group = filter.targetGroupKey { items.append(("malgrupp", group)) }
        if language == .en { items.append(("lang", "en")) }
        return items
    }

    // MARK: dashboard

    @Sendable func dashboard(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try TriageController.user(context)
        let language = PublicReportController.language(request)
        let (filter, problems) = filter(request, user: user)
        let figures = try await services.facts.figures(filter, today: today)
        let base = "/handlaggning/uppfoljning"
        let layout = StaffPage.layout(request, context: context, title: FollowUpTexts.dashboardTitle[language], path: base)
        let query = PageContext.queryString(filterQuery(filter, language: language))
        let previous = filter.previous

        let current = FollowUpTexts.currentPeriod[language]
        let before = FollowUpTexts.previousPeriod[language]
        func chart(id: String, title: LocalizedText, dimension: LocalizedText, rows: [(label: String, count: Int, previous: Int?)],
                   columns: Bool = false, limit: Int = 15) -> DashboardPage.Chart {
            let title = title[language]
            let bars = rows.prefix(limit).map { SVGChart.Bar(label: $0.label, value: $0.count, previous: $0.previous) }
            let description = rows.isEmpty ? FollowUpTexts.noReports[language] : SVGChart.describe(Array(bars), language: language)
            let svg = columns
                ? SVGChart.columns(id: id, title: title, description: description, bars: Array(bars))
                : SVGChart.horizontal(id: id, title: title, description: description, bars: Array(bars),
                                      currentLabel: current, previousLabel: rows.contains { $0.previous != nil } ? before : nil)
            let hasPrevious = rows.contains { $0.previous != nil }
            return DashboardPage.Chart(
                id: id, title: title, svg: svg, dimension: dimension[language], hasPrevious: hasPrevious,
                caption: rows.count > limit ? FollowUpTexts.chartShowsLargest(limit, of: rows.count)[language] : nil,
                rows: rows.map { row in
                    DashboardPage.Row(
                        label: row.label, count: row.count, hasPrevious: hasPrevious, previous: row.previous,
                        change: row.previous.map { previous in
                            previous == 0 ? "–" : ((row.count >= previous ? "+" : "") + "\(Int(((Double(row.count - previous) / Double(previous)) * 100).rounded())) %")
                        })
                },
                empty: rows.isEmpty, matrix: false, matrixHeaders: [])
        }

        let page = DashboardPage(
            problems: problems.map { $0[language] },
            hasProblems: !problems.isEmpty,
            from: filter.from.description,
            to: filter.to.description,
            scoped: filter.functionKeys != nil,
            scopeFunctions: (filter.functionKeys ?? []).sorted().compactMap { catalogue.function($0)?.name[language] }.joined(separator: ", "),
            regionOptions: catalogue.regions.map { DashboardPage.Option(value: $0.key, label: $0.name[language], selected: filter.regionKey == $0.key) },
            agreementOptions: [DashboardPage.Option(value: "ingen", label: agreementName("", language), selected: filter.agreementKey == "")]
                + catalogue.agreements.sorted { $0.name[language] < $1.name[language] }.map {
                    DashboardPage.Option(value: $0.key, label: "\($0.name[language]) (\(regionName($0.regionKey, language)))", selected: filter.agreementKey == $0.key)
                },
            targetGroupOptions: catalogue.targetGroups.map { DashboardPage.Option(value: $0.key, label: $0.name[language], selected: filter.targetGroupKey == $0.key) },
            csvHref: base + "/rapporter.csv" + query,
            csvSemicolonHref: base + "/rapporter.csv" + query + (query.isEmpty ? "?" : "&") + "separator=semikolon",
            aggregatesHref: base + "/sammanstallning.csv" + query,
            aggregatesSemicolonHref: base + "/sammanstallning.csv" + query + (query.isEmpty ? "?" : "&") + "separator=semikolon",
            previousFrom: previous.from.description,
            previousTo: previous.to.description,
            total: figures.total,
            previousTotal: figures.previousTotal,
            trend: figures.trendPercent.map { ($0 > 0 ? "+" : "") + "\($0) %" } ?? "–",
            open: figures.open,
            overdue: figures.overdue,
            closedInPeriod: figures.closedInPeriod,
            escalated: figures.escalated,
            systemfel: figures.systemfel,
            problemRows: figures.problemsByAgreement.map {
                DashboardPage.ProblemRow(label: agreementName($0.key, language), reports: $0.reports, escalated: $0.escalated, systemfel: $0.systemfel)
            },
            hasProblemRows: !figures.problemsByAgreement.isEmpty,
            feedbackCount: figures.firstFeedback.count,
            feedbackMedian: Self.days(figures.firstFeedback.medianHours, language),
            feedbackP90: Self.days(figures.firstFeedback.p90Hours, language),
            closureCount: figures.closure.count,
            closureMedian: Self.days(figures.closure.medianHours, language),
            closureP90: Self.days(figures.closure.p90Hours, language),
            charts: [
                chart(id: "per-manad", title: FollowUpTexts.perMonth, dimension: FollowUpTexts.month,
                      rows: figures.byMonth.map { (Self.monthLabel($0.key, language), $0.count, nil) }, columns: true, limit: 36),
                channelChart(figures, language: language),
                chart(id: "per-avtal", title: FollowUpTexts.perAgreement, dimension: FollowUpTexts.agreement,
                      rows: figures.byAgreement.map { (agreementName($0.key, language), $0.count, $0.previous) }),
                chart(id: "per-malgrupp", title: FollowUpTexts.perTargetGroup, dimension: FollowUpTexts.targetGroup,
                      rows: figures.byTargetGroup.map { (targetGroupName($0.key, language), $0.count, $0.previous) }),
                chart(id: "per-lan", title: FollowUpTexts.perRegion, dimension: FollowUpTexts.county,
                      rows: figures.byRegion.map { (regionName($0.key, language), $0.count, $0.previous) }),
                chart(id: "per-status", title: FollowUpTexts.perState, dimension: FollowUpTexts.status,
                      rows: figures.byState.map { (stateName($0.key, language), $0.count, $0.previous) }),
                chart(id: "per-rapportor", title: FollowUpTexts.perReportingParty, dimension: FollowUpTexts.party,
                      rows: figures.byOrganisation.map { (partyName($0.key), $0.count, $0.previous) }),
                chart(id: "per-part", title: FollowUpTexts.perParty, dimension: FollowUpTexts.party,
                      rows: figures.byParty.map { (partyName($0.key), $0.count, $0.previous) }),
                chart(id: "per-partspar", title: FollowUpTexts.perPartyPair, dimension: FollowUpTexts.partyPair,
                      rows: figures.byPartyPair.map { ("\(partyName($0.first)) – \(partyName($0.second))", $0.count, nil) }),
            ])
        return services.renderer.page(page, layout: layout)
    }

    /// Reports per channel and month: stacked columns, and a table with a column per channel.
    func channelChart(_ figures: FollowUpFigures, language: Language) -> DashboardPage.Chart {
        let id = "per-kanal", title = FollowUpTexts.perChannel[language]
        let channels = ReportChannel.allCases
        let totals = channels.map { channel in "\(channel.name[language]): \(figures.byChannel.first { $0.key == channel.key }?.count ?? 0)" }
        let description = figures.total == 0 ? FollowUpTexts.noReports[language]
            : FollowUpTexts.duringPeriod[language] + totals.joined(separator: ", ") + "."
        let months = figures.byChannelMonth.suffix(36)
        let svg = SVGChart.stackedColumns(id: id, title: title, description: description, series: channels.map { $0.name[language] },
                                          columns: months.map { ($0.month, $0.counts) })
        let rows = months.map { month in DashboardPage.Row(label: month.month, cells: month.counts, total: month.counts.reduce(0, +)) }
            + [DashboardPage.Row(label: FollowUpTexts.wholePeriod[language],
                                 cells: channels.map { channel in figures.byChannel.first { $0.key == channel.key }?.count ?? 0 },
                                 total: figures.byChannel.reduce(0) { $0 + $1.count }, isSum: true)]
        return DashboardPage.Chart(
            id: id, title: title, svg: svg, dimension: FollowUpTexts.month[language], hasPrevious: false,
            caption: figures.byChannelMonth.count > 36 ? FollowUpTexts.last36Months[language] : nil,
            rows: rows, empty: figures.total == 0, matrix: true,
            matrixHeaders: channels.map { DashboardPage.Header(name: $0.name[language]) })
    }

    // MARK: exports

    static func csvHeaders(_ name: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(name)\""
        headers[.cacheControl] = "no-store"
        return headers
    }

    @Sendable func exportReports(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try TriageController.user(context)
        let (filter, _) = filter(request, user: user)
        var export = ReportExport(database: services.database, catalogue: catalogue)
        export.language = PublicReportController.language(request)
        if request.uri.queryParameters["separator"] == "semikolon" { export.separator = UInt8(ascii: ";") }
        let today = today
        context.logger.info("report export", metadata: ["role": .string(user.role.rawValue)])
        // A consistent cut: reports filed during the export are not in it.
        let maxId = try await export.lastReportId()
        let rangeSize: Int64 = 10_000
        return Response(status: .ok, headers: Self.csvHeaders("samverkansbrister-\(today).csv"), body: ResponseBody { [export] writer in
            try await writer.write(export.header())
            // Two id ranges are read at once on two reader connections and written in order:
            // at most two ranges (about 3 MB) are in memory, however many rows there are.
            var start: Int64 = 0
            while start < maxId {
                let first = start, second = start + rangeSize
                async let a = export.range(filter, afterId: first, upToId: first + rangeSize, today: today)
                async let b = export.range(filter, afterId: second, upToId: second + rangeSize, today: today)
                let (bytesA, bytesB) = try await (a, b)
                if bytesA.readableBytes > 0 { try await writer.write(bytesA) }
                if bytesB.readableBytes > 0 { try await writer.write(bytesB) }
                start += 2 * rangeSize
            }
            try await writer.finish(nil)
        })
    }

    @Sendable func exportAggregates(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try TriageController.user(context)
        let language = PublicReportController.language(request)
        let (filter, _) = filter(request, user: user)
        let figures = try await services.facts.figures(filter, today: today)
        let separator = request.uri.queryParameters["separator"] == "semikolon" ? ";" : ","
        func cell(_ value: String) -> String {
            value.contains(separator) || value.contains("\"") ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
        }
        var lines = [["dimension", "nyckel", "namn", "antal", "foregaende_period"].joined(separator: separator)]
        func add(_ dimension: String, _ key: String, _ name: String, _ count: Int, _ previous: Int?) {
            lines.append([dimension, key, name, String(count), previous.map(String.init) ?? ""].map(cell).joined(separator: separator))
        }
        add("totalt", "", "", figures.total, figures.previousTotal)
        add("oppna", "", "", figures.open, nil)
        add("forsenade", "", "", figures.overdue, nil)
        add("avslutade_i_perioden", "", "", figures.closedInPeriod, nil)
        add("forsta_aterkoppling_median_timmar", "", "", figures.firstFeedback.medianHours ?? 0, nil)
        add("forsta_aterkoppling_p90_timmar", "", "", figures.firstFeedback.p90Hours ?? 0, nil)
        add("avslut_median_timmar", "", "", figures.closure.medianHours ?? 0, nil)
        add("avslut_p90_timmar", "", "", figures.closure.p90Hours ?? 0, nil)
        for c in figures.byMonth { add("manad", c.key, c.key, c.count, nil) }
        for c in figures.byChannel { add("kanal", c.key, ReportChannel(key: c.key)?.name[language] ?? c.key, c.count, c.previous) }
        for m in figures.byChannelMonth {
            for channel in ReportChannel.allCases { add("kanal_manad", "\(m.month)|\(channel.key)", "\(m.month) \(channel.name[language])", m.count(channel), nil) }
        }
        for c in figures.byAgreement { add("overenskommelse", c.key, agreementName(c.key, language), c.count, c.previous) }
        for c in figures.byTargetGroup { add("malgrupp", c.key, targetGroupName(c.key, language), c.count, c.previous) }
        for c in figures.byRegion { add("lan", c.key, regionName(c.key, language), c.count, c.previous) }
        for c in figures.byState { add("status", c.key, stateName(c.key, language), c.count, c.previous) }
        for c in figures.byOrganisation { add("rapporterande_part", c.key, partyName(c.key), c.count, c.previous) }
        for c in figures.byParty { add("part", c.key, partyName(c.key), c.count, c.previous) }
        for p in figures.byPartyPair { add("partspar", "\(p.first)|\(p.second)", "\(partyName(p.first)) – \(partyName(p.second))", p.count, nil) }
        var buffer = ByteBuffer()
        buffer.writeBytes([0xEF, 0xBB, 0xBF])
        buffer.writeString(lines.joined(separator: "\r\n") + "\r\n")
        return Response(status: .ok, headers: Self.csvHeaders("samverkansbrister-sammanstallning-\(today).csv"), body: .init(byteBuffer: buffer))
    }

    // MARK: agreement register

    /// Per agreement: reports since its current version took effect, the last 90 days against the
    /// 90 before, and per version filed under.
    struct RegisterCounts {
        var sinceRevision = 0
        var last90 = 0
        var previous90 = 0
        var byVersion: [Int: Int] = [:]
        /// All reports against the agreement that were escalated / marked systemfel.
        var escalated = 0
        var systemfel = 0
    }

    static let risingFactor = 1.5
    static let risingMinimum = 10

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try TriageController.user(context)
        let language = PublicReportController.language(request)
        let snapshot = try await services.facts.current()
        let today = today
        let todayNumber = Int32(today.dayNumber)
        let keys = snapshot.keys
        var scope: [Bool]? = nil
        if user.role == .handlaggare {
            scope = keys.functions.map { user.functionKeys.contains($0) }
        }
        var validFrom = [Int32](repeating: .max, count: keys.agreements.count)
        for agreement in catalogue.agreements {
            if let i = keys.find(agreement.key, kind: .agreement) { validFrom[Int(i)] = Int32(agreement.validFrom.dayNumber) }
        }
        var counts = [RegisterCounts](repeating: RegisterCounts(), count: keys.agreements.count)
        for fact in snapshot.facts where !fact.deleted && fact.agreement != FactKeys.none {
            if let scope, !snapshot.routes(fact).contains(where: { scope[Int($0)] }) { continue }
            let i = Int(fact.agreement)
            counts[i].byVersion[Int(fact.agreementVersion), default: 0] += 1
            if fact.escalated { counts[i].escalated += 1 }
            if fact.systemfel { counts[i].systemfel += 1 }
            if fact.received >= validFrom[i] { counts[i].sinceRevision += 1 }
            let age = todayNumber - fact.received
            if age >= 0 && age < 90 { counts[i].last90 += 1 } else if age >= 90 && age < 180 { counts[i].previous90 += 1 }
        }
        let history = Dictionary(grouping: try await services.database.agreementRevisions(), by: \.agreementKey)
        var warnings = 0
        let regions = catalogue.regions.map { region in
            let agreements = catalogue.agreements.filter { $0.regionKey == region.key }.sorted { $0.name[language] < $1.name[language] }
            return RegisterPage.Region(
                name: region.name[language],
                agreements: agreements.map { agreement in
                    let c = keys.find(agreement.key, kind: .agreement).map { counts[Int($0)] } ?? RegisterCounts()
                    let pastRevision = agreement.nextRevision.map { $0 < today } ?? false
                    let expired = agreement.validTo.map { $0 < today } ?? false
                    let rising = c.last90 >= Self.risingMinimum && Double(c.last90) >= Self.risingFactor * Double(max(c.previous90, 1))
                    if pastRevision { warnings += 1 }
                    if rising { warnings += 1 }
                    let trend = c.previous90 == 0 ? "–" : ((c.last90 >= c.previous90 ? "+" : "") + "\(Int(((Double(c.last90 - c.previous90) / Double(c.previous90)) * 100).rounded())) %")
                    let versions = (history[agreement.key] ?? []).map { row in
                        RegisterPage.Version(version: row.version, validFrom: row.validFrom, validTo: row.validTo ?? "–",
                                             reports: c.byVersion[row.version] ?? 0, current: row.version == agreement.version)
                    }
                    return RegisterPage.Agreement(
                        key: agreement.key, name: agreement.name[language], version: agreement.version,
                        targetGroup: targetGroupName(agreement.targetGroupKey, language),
                        validFrom: agreement.validFrom.description,
                        validTo: agreement.validTo?.description ?? FollowUpTexts.untilFurtherNotice[language],
                        nextRevision: agreement.nextRevision?.description ?? "–", demoDates: agreement.demoDates,
                        owners: agreement.ownerKeys.compactMap { catalogue.function($0)?.name[language] }.joined(separator: "; "),
                        sinceRevision: c.sinceRevision, escalated: c.escalated, systemfel: c.systemfel,
                        last90: c.last90, previous90: c.previous90, trend: trend,
                        pastRevision: pastRevision, expired: expired, rising: rising, hasWarning: pastRevision || rising || expired,
                        versions: versions, hasHistory: versions.count > 1,
                        dashboardHref: "/handlaggning/uppfoljning" + PageContext.queryString([("avtal", agreement.key)] + (language == .en ? [("lang", "en")] : [])))
                })
        }
        let layout = StaffPage.layout(request, context: context, title: FollowUpTexts.registerTitle[language], path: "/handlaggning/overenskommelser")
        return services.renderer.page(RegisterPage(scoped: scope != nil, regions: regions, warnings: warnings, today: today.description), layout: layout)
    }

    // MARK: public learning page

    static func quarterKey(_ day: CalendarDay) -> String { "\(day.year)-K\(day.quarter)" }

    /// "Vad rapporterna har lett till": first what the reports led to (the outcomes a handläggare
    /// marked publishable), grouped by agreement; then the number of reports per agreement and
    /// quarter, with counts below three shown as "fewer than 3" and no totals (`SmallCounts`).
    /// Nothing else from a report is shown.
    @Sendable func learning(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = PublicReportController.language(request)
        let today = today
        // The last eight quarters, oldest first.
        var quarters: [CalendarDay] = []
        var q = CalendarDay(year: today.year, month: (today.quarter - 1) * 3 + 1, day: 1)
        for _ in 0..<8 {
            quarters.insert(q, at: 0)
            q = CalendarDay(dayNumber: q.dayNumber - 1)
            q = CalendarDay(year: q.year, month: (q.quarter - 1) * 3 + 1, day: 1)
        }
        let snapshot = try await services.facts.current()
        let counts = snapshot.countsByAgreement(from: quarters[0], to: today, bucket: Self.quarterKey)
        let outcomes = try await services.database.publishedOutcomes()
        let outcomesByAgreement = Dictionary(grouping: outcomes, by: \.agreementKey)
        func quarterLabel(_ day: CalendarDay) -> String { "\(day.year) \(FollowUpTexts.quarter[language])\(day.quarter)" }
        let fewer = SmallCounts.fewerText[language]
        func outcomeList(_ list: [PublishedOutcome]) -> [LearningPage.Outcome] {
            list.map { LearningPage.Outcome(text: $0.text, quarter: quarterLabel(CalendarDay($0.at))) }
        }
        // What the reports led to, by region and agreement; agreements without a published outcome are left out.
        var outcomeRegions = catalogue.regions.compactMap { region -> LearningPage.OutcomeRegion? in
            let agreements = catalogue.agreements.filter { $0.regionKey == region.key && outcomesByAgreement[$0.key] != nil }
                .sorted { $0.name[language] < $1.name[language] }
            guard !agreements.isEmpty else { return nil }
            return LearningPage.OutcomeRegion(
                name: region.name[language],
                agreements: agreements.map { LearningPage.OutcomeAgreement(name: $0.name[language], outcomes: outcomeList(outcomesByAgreement[$0.key] ?? [])) })
        }
        // Outcomes of reports never classified to an agreement (or to one no longer in the catalogue).
        let unplaced = outcomes.filter { catalogue.agreement($0.agreementKey) == nil }
        if !unplaced.isEmpty {
            outcomeRegions.append(LearningPage.OutcomeRegion(
                name: FollowUpTexts.otherReports[language],
                agreements: [LearningPage.OutcomeAgreement(name: FollowUpTexts.withoutAgreement[language], outcomes: outcomeList(unplaced))]))
        }
        let regions = catalogue.regions.compactMap { region -> LearningPage.CountRegion? in
            let agreements = catalogue.agreements.filter { a in
                a.regionKey == region.key && (a.isValid(on: today) || counts[a.key] != nil)
            }.sorted { $0.name[language] < $1.name[language] }
            guard !agreements.isEmpty else { return nil }
            return LearningPage.CountRegion(
                name: region.name[language],
                agreements: agreements.map { agreement in
                    let perQuarter = counts[agreement.key] ?? [:]
                    return LearningPage.CountAgreement(
                        name: agreement.name[language],
                        counts: quarters.map { quarter in
                            let shown = SmallCounts.publishable(perQuarter[Self.quarterKey(quarter)] ?? 0)
                            return LearningPage.Count(count: shown.map(String.init) ?? fewer, suppressed: shown == nil)
                        })
                })
        }
        let page = LearningPage(
            quarters: quarters.map { LearningPage.Quarter(label: quarterLabel($0)) }, threshold: SmallCounts.threshold, fewer: fewer,
            outcomeRegions: outcomeRegions, hasOutcomes: !outcomes.isEmpty, regions: regions)
        let layout = Layout(language: language, title: FollowUpTexts.learningTitle[language], path: "/larande")
        return services.renderer.page(page, layout: layout)
    }
}
