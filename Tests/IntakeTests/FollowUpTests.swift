import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// Dashboard, exports, summaries, learning page and register on a seeded SQLite file, over HTTP
/// on loopback; summaries through a real SMTP server. Every expected figure is computed here,
/// independently, from the rows (with Foundation's calendar, not the app's day arithmetic).
@Suite("Follow-up", .serialized)
struct FollowUpTests {
    /// One report row as the test reads it.
    struct Row_: Sendable {
        var id: Int64
        var reference: String
        var region: String
        var agreement: String?
        var state: String
        var received: Date
        var due: String
        var firstFeedback: Date?
        var closed: Date?
        var functions: Set<String>
        var parties: [String]
        var organisation: String
    }

    static func seeded(_ count: Int) async throws -> String {
        let directory = try TestSupport.temporaryDirectory("followup")
        try await StaffFixtures.create(in: directory)
        let database = try AppDatabase(path: directory + "/intake.sqlite")
        try database.migrate()
        try DemoSeeder(database: database, catalogue: try TestSupport.catalogue()).run(count: count, now: TestSupport.fixedNow)
        return directory
    }

    static func rows(_ directory: String) throws -> [Row_] {
        try StaffFixtures.database(directory).read { db in
            let routes = Dictionary(grouping: try Row.fetchAll(db, sql: "SELECT report_id, function_key FROM report_route WHERE active = 1"), by: { $0["report_id"] as Int64 })
            let parties = Dictionary(grouping: try Row.fetchAll(db, sql: "SELECT report_id, party_key FROM report_party"), by: { $0["report_id"] as Int64 })
            return try Row.fetchAll(db, sql: "SELECT * FROM report ORDER BY id").map { row in
                let id: Int64 = row["id"]
                return Row_(id: id, reference: row["reference"], region: row["region_key"], agreement: row["agreement_key"], state: row["state"],
                            received: row["received_at"], due: row["feedback_due_on"], firstFeedback: row["first_feedback_at"], closed: row["closed_at"],
                            functions: Set((routes[id] ?? []).map { $0["function_key"] as String }),
                            parties: (parties[id] ?? []).map { $0["party_key"] as String }, organisation: row["organisation_key"])
            }
        }
    }

    func figure(_ html: String, _ id: String) -> String? {
        guard let range = html.range(of: "id=\"figure-\(id)\">") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "<" })
    }

    /// Parses CSV (RFC 4180 quoting) after an optional BOM.
    static func parseCSV(_ text: String, separator: Character) -> [[String]] {
        var rows: [[String]] = [], field = "", row: [String] = [], quoted = false
        var chars = Substring(text)
        if chars.first == "\u{FEFF}" { chars = chars.dropFirst() }
        var iterator = chars.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() { if next == "\"" { field.append("\"") } else { quoted = false; pending = next } } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == separator { row.append(field); field = "" }
            else if c == "\r\n" || c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
            else { field.append(c) }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    static func nearestRank(_ values: [Int], _ p: Double) -> Int? {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return nil }
        return sorted[max(1, Int((p * Double(sorted.count)).rounded(.up))) - 1]
    }

    static func days(_ hours: Int?) -> String {
        guard let hours else { return "–" }
        return String(format: "%.1f", Double(hours) / 24).replacingOccurrences(of: ".", with: ",") + " dagar"
    }

    @Test("dashboard figures equal counts made independently from the rows, for every role's scope and a filter")
    func dashboardFigures() async throws {
        let directory = try await Self.seeded(3000)
        let rows = try Self.rows(directory)
        let lifecycle = try TestSupport.catalogue().lifecycle
        let from = CalendarDay(year: 2025, month: 12, day: 1), to = CalendarDay(year: 2026, month: 11, day: 25)
        let previousFrom = from.adding(days: -(from.days(until: to) + 1)), previousTo = from.adding(days: -1)
        let today = CalendarDay(TestSupport.fixedNow)

        try await TestSupport.application(directory: directory, clock: { TestSupport.fixedNow }).test(.live) { client in
            for (account, scope) in [(StaffFixtures.analyst, nil as Set<String>?), (StaffFixtures.lusHandler, Set(StaffFixtures.lusHandler.functions))] {
                let visible = rows.filter { row in scope.map { !row.functions.isDisjoint(with: $0) } ?? true }
                let inPeriod = visible.filter { (from...to).contains(CalendarDay($0.received)) }
                let previous = visible.filter { (previousFrom...previousTo).contains(CalendarDay($0.received)) }
                let open = inPeriod.filter { lifecycle.state($0.state)!.isOpen }
                let overdue = open.filter { $0.due < today.description }
                let closedDuring = visible.filter { $0.closed.map { (from...to).contains(CalendarDay($0)) } ?? false }
                let feedbackHours = inPeriod.compactMap { r in r.firstFeedback.map { Int($0.timeIntervalSince(r.received) / 3600) } }
                let closeHours = inPeriod.filter { !lifecycle.state($0.state)!.isOpen }.compactMap { r in r.closed.map { Int($0.timeIntervalSince(r.received) / 3600) } }
                #expect(inPeriod.count > 100 && !overdue.isEmpty && !closedDuring.isEmpty, "the seed covers every case")

                let browser = StaffBrowser(client)
                try await browser.login(account.email)
                let page = try await browser.get("/handlaggning/uppfoljning?fran=\(from)&till=\(to)")
                #expect(page.status == .ok)
                let html = page.text
                #expect(figure(html, "total") == String(inPeriod.count))
                #expect(figure(html, "previous") == String(previous.count))
                #expect(figure(html, "open") == String(open.count))
                #expect(figure(html, "overdue") == String(overdue.count))
                #expect(figure(html, "closed") == String(closedDuring.count))
                #expect(figure(html, "feedback") == "\(Self.days(Self.nearestRank(feedbackHours, 0.5))) / \(Self.days(Self.nearestRank(feedbackHours, 0.9)))")
                #expect(figure(html, "closure") == "\(Self.days(Self.nearestRank(closeHours, 0.5))) / \(Self.days(Self.nearestRank(closeHours, 0.9)))")
                // Charts are SVG with a title and a text alternative, each next to a data table.
                #expect(html.components(separatedBy: "<svg ").count - 1 == html.components(separatedBy: "<table class=\"data\" id=\"table-").count - 1)
                #expect(html.contains("<desc id=\"per-avtal-desc\">"))
                #expect(!html.contains("<script"))

                // The aggregates export: per agreement, region, state, month and party pair, by key.
                let aggregates = try await browser.get("/handlaggning/uppfoljning/sammanstallning.csv?fran=\(from)&till=\(to)&separator=semikolon")
                let table = Self.parseCSV(aggregates.text, separator: ";")
                #expect(table.first == ["dimension", "nyckel", "namn", "antal", "foregaende_period"])
                func exported(_ dimension: String) -> [String: Int] {
                    Dictionary(uniqueKeysWithValues: table.filter { $0.first == dimension }.map { ($0[1], Int($0[3])!) }).filter { $0.value > 0 }
                }
                #expect(exported("overenskommelse") == Dictionary(grouping: inPeriod, by: { $0.agreement ?? "" }).mapValues(\.count))
                #expect(exported("lan") == Dictionary(grouping: inPeriod, by: \.region).mapValues(\.count))
                #expect(exported("status") == Dictionary(grouping: inPeriod, by: \.state).mapValues(\.count))
                #expect(exported("manad") == Dictionary(grouping: inPeriod, by: { CalendarDay($0.received).monthKey }).mapValues(\.count))
                var pairs: [String: Int] = [:]
                for row in inPeriod { for other in row.parties where other != row.organisation {
                    pairs[[row.organisation, other].sorted().joined(separator: "|"), default: 0] += 1
                } }
                #expect(exported("partspar") == pairs)
                _ = try await browser.post("/logout")
            }

            // A filter: one county and one agreement.
            let browser = StaffBrowser(client)
            try await browser.login(StaffFixtures.admin.email)
            let filtered = try await browser.get("/handlaggning/uppfoljning?fran=\(from)&till=\(to)&lan=orebro&avtal=orebro-utskrivning")
            let expected = rows.filter { $0.region == "orebro" && $0.agreement == "orebro-utskrivning" && (from...to).contains(CalendarDay($0.received)) }
            #expect(figure(filtered.text, "total") == String(expected.count))
            let group = try await browser.get("/handlaggning/uppfoljning?fran=\(from)&till=\(to)&malgrupp=barn-och-unga")
            let catalogue = try TestSupport.catalogue()
            let children = rows.filter { r in r.agreement.flatMap { catalogue.agreement($0)?.targetGroupKey } == "barn-och-unga" && (from...to).contains(CalendarDay(r.received)) }
            #expect(figure(group.text, "total") == String(children.count))
        }
    }

    @Test("the dashboard follows changes: a new report and a state change show at the next request")
    func dashboardFollowsChanges() async throws {
        let directory = try await Self.seeded(200)
        try await TestSupport.application(directory: directory, clock: { TestSupport.fixedNow }).test(.live) { client in
            let browser = StaffBrowser(client)
            try await browser.login(StaffFixtures.admin.email)
            let path = "/handlaggning/uppfoljning?fran=2026-11-25&till=2026-11-25"
            let before = Int(figure(try await browser.get(path).text, "total") ?? "") ?? -1
            _ = try await TestSupport.fileReport(client)
            let after = try await browser.get(path).text
            #expect(Int(figure(after, "total") ?? "") == before + 1)
            let id = try await StaffFixtures.database(directory).read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM report")! }
            _ = try await browser.get("/handlaggning/rapporter/\(id)")
            let closed = try await browser.post("/handlaggning/rapporter/\(id)/status", [("status", "ej-samverkansbrist"), ("meddelande", "Händelsen gällde inte samarbetet mellan organisationerna.")])
            #expect(closed.status == .seeOther)
            #expect(figure(try await browser.get(path).text, "closed").map { Int($0)! >= 1 } == true)
        }
    }

    @Test("CSV export round trip: every filtered report once, values as stored, never contact data; semicolons on request")
    func csvRoundTrip() async throws {
        let directory = try await Self.seeded(1500)
        let rows = try Self.rows(directory)
        let contacts = try await StaffFixtures.database(directory).read { db in
            try String.fetchAll(db, sql: "SELECT reporter_email FROM report WHERE reporter_email IS NOT NULL")
        }
        #expect(!contacts.isEmpty, "the seed has some fake contact data to leak")
        try await TestSupport.application(directory: directory, clock: { TestSupport.fixedNow }).test(.live) { client in
            let browser = StaffBrowser(client)
            try await browser.login(StaffFixtures.analyst.email)
            for (query, separator) in [("", Character(",")), ("&separator=semikolon", Character(";"))] {
                let response = try await browser.get("/handlaggning/uppfoljning/rapporter.csv?fran=2023-01-01&till=2026-11-25" + query)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/csv") == true)
                #expect(response.headers[.contentDisposition]?.contains("attachment") == true)
                let bytes = Array(response.body.readableBytesView)
                #expect(bytes.prefix(3) == [0xEF, 0xBB, 0xBF], "BOM for Excel")
                let text = String(decoding: bytes, as: UTF8.self)
                for value in contacts.prefix(50) + ["Exempelsson", "Undersköterska", "@example.se"] { #expect(!text.contains(value)) }
                let table = Self.parseCSV(text, separator: separator)
                let header = try #require(table.first)
                #expect(header == ReportExport.columns)
                #expect(!header.contains { $0.hasPrefix("reporter") || $0.contains("epost") || $0.contains("telefon") || $0.contains("namn_rapportor") })
                let body = table.dropFirst()
                #expect(body.count == rows.count)
                #expect(Set(body.map { $0[0] }).count == body.count)
                let byReference = Dictionary(uniqueKeysWithValues: rows.map { ($0.reference, $0) })
                let iso = ISO8601DateFormatter()
                for line in body {
                    let row = try #require(byReference[line[0]])
                    #expect(line.count == header.count)
                    #expect(line[1] == row.region)
                    #expect(line[2] == (row.agreement ?? ""))
                    #expect(line[6] == row.organisation)
                    #expect(Set(line[7].split(separator: "|").map(String.init)) == Set(row.parties))
                    #expect(line[8] == row.state)
                    #expect(iso.date(from: line[11]) == row.received)
                    #expect(line[12] == row.due)
                    #expect(line[13].isEmpty == (row.firstFeedback == nil))
                    #expect(line[14].isEmpty == (row.closed == nil))
                }
            }
            // A handläggare exports only the reports routed to their functions.
            let handler = StaffBrowser(client)
            try await handler.login(StaffFixtures.orebroHandler.email)
            let own = try await handler.get("/handlaggning/uppfoljning/rapporter.csv?fran=2023-01-01&till=2026-11-25")
            let ownRows = Self.parseCSV(own.text, separator: ",").dropFirst()
            #expect(ownRows.count == rows.filter { $0.functions.contains("orebro-utskrivning-region") }.count)
        }
    }

    @Test("periodic summaries arrive by real SMTP once per recipient and period as the clock moves; sending again queues nothing",
          .requires(.smtpServer))
    func summariesOncePerPeriod() async throws {
        let smtp = try SMTPTestServer.started()
        defer { smtp.stop() }
        let directory = try TestSupport.temporaryDirectory("summary")
        let database = try AppDatabase(path: directory + "/intake.sqlite")
        try database.migrate()
        // Reports long handled: no reminders, only summaries in the mailbox.
        let old = TestSupport.fixedNow.addingTimeInterval(-400 * 86_400)
        var seeder = DemoSeeder(database: database, catalogue: try TestSupport.catalogue())
        seeder.years = 1
        try seeder.run(count: 150, now: old)
        try await database.pool.write { db in try db.execute(sql: "UPDATE report SET state = 'aterkopplad', closed_at = COALESCE(closed_at, received_at)") }
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        var config = TestSupport.configuration(directory: directory, smtpURL: smtp.url)
        config.summaryScheduler = true
        config.summaryCheckSeconds = 0.1
        let app = try await buildApplication(configuration: config, clock: clock.function, logger: TestSupport.quietLogger, announce: { _ in })

        let summaries: @Sendable (Int) async throws -> [SMTPTestServer.Received] = { count in
            let deadline = Date().addingTimeInterval(30)
            var mails: [SMTPTestServer.Received] = []
            while Date() < deadline {
                mails = try smtp.received().filter { $0.subject.hasPrefix("Sammanställning") }
                if mails.count >= count { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            return mails
        }
        let queuedSummaries: @Sendable () async throws -> Int = {
            try await StaffFixtures.database(directory).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message WHERE kind = 'summary' AND status = 'queued'")! }
        }

        try await app.test(.live) { _ in
            // 2026-11-25: October for the monthly recipients, week 47 for the weekly one.
            let first = try await summaries(4)
            #expect(first.count == 4)
            #expect(Set(first.map(\.subject)).count == 4)
            #expect(first.filter { $0.subject.contains("2026-10") }.count == 3)
            #expect(first.filter { $0.subject.contains("2026-W47") }.count == 1)
            let lus = try #require(first.first { $0.envelope_to == ["lus@regionstockholm.example.se"] })
            #expect(lus.text?.contains("https://samverkan.example.se/handlaggning/uppfoljning?fran=2026-10-01&till=2026-10-31") == true)
            #expect(lus.text?.contains("Nya rapporter:") == true)

            // Later the same week: nothing new, however often the scheduler runs.
            clock.advance(2 * 86_400)
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await queuedSummaries() == 0)
            #expect(try smtp.received().filter { $0.subject.hasPrefix("Sammanställning") }.count == 4)

            // 2026-12-02: November and week 48, each once.
            clock.advance(5 * 86_400)
            let second = try await summaries(8)
            #expect(second.count == 8)
            #expect(second.filter { $0.subject.contains("2026-11") }.count == 3)
            #expect(second.filter { $0.subject.contains("2026-W48") }.count == 1)
            #expect(second.filter { $0.subject.contains("2026-10") }.count == 3)
        }
        // On demand (what `intake summary send --period 2026-10` runs): already sent, so nothing.
        let services = try await AppServices.load(configuration: config, logger: TestSupport.quietLogger)
        #expect(try await SummarySender(services: services).send(period: SummaryPeriod(key: "2026-10")!, now: Date()) == 0)
        #expect(try await SummarySender(services: services).send(period: SummaryPeriod(key: "2026-09")!, now: Date()) == 3)
        #expect(try await SummarySender(services: services).send(period: SummaryPeriod(key: "2026-09")!, now: Date()) == 0)
    }

    @Test("a publishable outcome appears on the public learning page; unpublished text and everything else stays private")
    func learningPage() async throws {
        let directory = try TestSupport.temporaryDirectory("learning")
        try await StaffFixtures.create(in: directory)
        try await TestSupport.application(directory: directory, clock: { TestSupport.fixedNow }).test(.live) { client in
            _ = try await TestSupport.fileReport(client)
            _ = try await TestSupport.fileReport(client)
            let staff = StaffBrowser(client)
            try await staff.login(StaffFixtures.lusHandler.email)
            _ = try await staff.get("/handlaggning/rapporter/1")
            let refused = try await staff.post("/handlaggning/rapporter/1/utfall", [("utfall", "Patienten 19121212-1212 fick vänta."), ("publicera", "1")])
            #expect(refused.status == .unprocessableContent)
            let saved = try await staff.post("/handlaggning/rapporter/1/utfall", [("utfall", "Rutinen för inskrivningsmeddelanden på helger är förtydligad."), ("publicera", "1")])
            #expect(saved.status == .seeOther)
            _ = try await staff.post("/handlaggning/rapporter/2/utfall", [("utfall", "Intern bedömning, ännu inte klar.")])
            let analyst = StaffBrowser(client)
            try await analyst.login(StaffFixtures.analyst.email)
            #expect(try await analyst.post("/handlaggning/rapporter/1/utfall", [("utfall", "Ett försök.")]).status == .forbidden)

            let page = try await client.execute(uri: "/larande", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.setCookie] == nil)
            #expect(page.text.contains("Rutinen för inskrivningsmeddelanden på helger är förtydligad."))
            #expect(!page.text.contains("Intern bedömning"))
            #expect(!page.text.contains("SB-2026-0000"))
            #expect(!page.text.contains("Patienten skrevs ut"), "no report text")
            #expect(!page.text.contains("Åsa"), "no contact data")
            let english = try await client.execute(uri: "/larande?lang=en", method: .get)
            #expect(english.text.contains("What the reports have led to"))
            let audit = try await StaffFixtures.database(directory).read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log WHERE action = 'report.outcome'")!
            }
            #expect(audit == 2)
        }
    }

    @Test("the register keeps every loaded agreement version; reports keep theirs; revision and rising warnings")
    func register() async throws {
        let directory = try await Self.seeded(400)
        let forms = try TestSupport.copyOfForms()
        // A new revision of LUS: version 2 from 2026-06-01, revision date in the past.
        let path = forms + "/agreements/stockholm/sthlm-lus.yaml"
        var yaml = try String(contentsOfFile: path, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "version: 1", with: "version: 2")
            .replacingOccurrences(of: "valid_from: 2018-01-01", with: "valid_from: 2026-06-01")
            .replacingOccurrences(of: "next_revision: 2026-12-31", with: "next_revision: 2026-09-30")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let oldVersionCount = try await StaffFixtures.database(directory).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report WHERE agreement_key = 'sthlm-lus' AND agreement_version = 1")!
        }
        let first = try await TestSupport.application(directory: directory, clock: { TestSupport.fixedNow })
        try await first.test(.live) { _ in }
        var config = TestSupport.configuration(directory: directory)
        config.formsDirectory = forms
        let second = try await buildApplication(configuration: config, clock: { TestSupport.fixedNow }, logger: TestSupport.quietLogger, announce: { _ in })
        try await second.test(.live) { client in
            let browser = StaffBrowser(client)
            try await browser.login(StaffFixtures.analyst.email)
            let page = try await browser.get("/handlaggning/overenskommelser")
            #expect(page.status == .ok)
            let row = try #require(page.text.components(separatedBy: "<tr id=\"avtal-sthlm-lus\">").dropFirst().first?.components(separatedBy: "</tr>").first)
            #expect(row.contains("Version 1: 2018-01-01"))
            #expect(row.contains("Version 2: 2026-06-01"))
            #expect(row.contains("Version 1: 2018-01-01 – –, \(oldVersionCount) rapporter"))
            #expect(row.contains("Revisionsdatum passerat"))
        }
        let versions = try await StaffFixtures.database(directory).read { db in
            try Int.fetchAll(db, sql: "SELECT version FROM agreement_revision WHERE agreement_key = 'sthlm-lus' ORDER BY version")
        }
        #expect(versions == [1, 2])
        let stillVersion1 = try await StaffFixtures.database(directory).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report WHERE agreement_key = 'sthlm-lus' AND agreement_version = 1")!
        }
        #expect(stillVersion1 == oldVersionCount)
    }

    @Test("periods: months and ISO weeks parse, and the last completed one is found")
    func periods() {
        #expect(SummaryPeriod(key: "2026-10")?.from == CalendarDay(year: 2026, month: 10, day: 1))
        #expect(SummaryPeriod(key: "2026-10")?.to == CalendarDay(year: 2026, month: 10, day: 31))
        #expect(SummaryPeriod(key: "2026-W01")?.from == CalendarDay(year: 2025, month: 12, day: 29))
        #expect(SummaryPeriod(key: "2025-W53") == nil)
        #expect(SummaryPeriod(key: "2026-W53")?.to == CalendarDay(year: 2027, month: 1, day: 3))
        #expect(SummaryPeriod(key: "2020-W53")?.to == CalendarDay(year: 2021, month: 1, day: 3))
        #expect(SummaryPeriod(key: "2026-13") == nil)
        #expect(SummaryPeriod(key: "oktober") == nil)
        let today = CalendarDay(year: 2026, month: 1, day: 7)
        #expect(SummaryPeriod.lastCompleted(.monthly, today: today).key == "2025-12")
        #expect(SummaryPeriod.lastCompleted(.weekly, today: today).key == "2026-W01")
        for n in stride(from: -800, to: 800, by: 7) {
            let day = CalendarDay(year: 2026, month: 3, day: 29).adding(days: n)
            #expect(CalendarDay(dayNumber: day.dayNumber) == day)
        }
        #expect(DurationStats.nearestRank([1, 2, 3, 4], 0.5) == 2)
        #expect(DurationStats.nearestRank([5], 0.9) == 5)
    }

    @Test("Forms/: a wrong summary frequency is reported with file and key")
    func summaryConfiguration() throws {
        let forms = try TestSupport.copyOfForms()
        let path = forms + "/regions/orebro.yaml"
        let yaml = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "summary: monthly", with: "summary: daily")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let problems = CatalogueLoader.validate(directory: forms)
        #expect(problems.contains { $0.description.contains("regions/orebro.yaml") && $0.description.contains("'daily' is not a summary frequency") })
        let recipients = try TestSupport.catalogue().summaryRecipients
        #expect(recipients.map(\.key).contains("escalation:stockholm:vis-tjanstestyrgrupp"))
    }
}
