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

/// How a report came in (#21.5): stored on every report, shown on the staff pages, in the staff
/// API, the CSV exports and the dashboard.
@Suite("Report channels", .serialized)
struct ChannelTests {
    @Test("the channel keys are stable and ReportChannel.index follows allCases")
    func keys() {
        #expect(ReportChannel.allCases.map(\.key) == ["webb", "open311", "e-post", "telefon"])
        for (i, channel) in ReportChannel.allCases.enumerated() {
            #expect(channel.index == i)
            #expect(ReportChannel(key: channel.key) == channel)
            #expect(!channel.name.sv.isEmpty && !channel.name.en.isEmpty)
        }
        #expect(ReportChannel(key: "fax") == nil)
    }

    @Test("the migration backfills existing reports: open311 where filed with an API token, else webb")
    func migrationBackfill() throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = try AppDatabase(path: directory + "/intake.sqlite")
        try AppMigrations.migrator.migrate(database.pool, upTo: "v10-storage-probe")
        try database.pool.write { db in
            try db.execute(sql: """
                INSERT INTO staff_user (id, email, name, role, password_hash, created_at) VALUES (1, 'a@example.se', 'A', 'admin', 'x', '2026-01-01 00:00:00.000');
                INSERT INTO api_token (id, user_id, prefix, token_hash, read_write, created_at) VALUES (7, 1, 'sbk_abc', 'h', 1, '2026-01-01 00:00:00.000');
                """)
            for (id, token) in [(1, nil), (2, 7 as Int?), (3, nil)] {
                try db.execute(sql: """
                    INSERT INTO report (id, reference, tracking_token, region_key, form_version, organisation_key, occurred_on, what_happened,
                        expected, language, state, received_at, updated_at, feedback_due_on, filed_with_token_id)
                    VALUES (?, ?, ?, 'stockholm', 1, 'region-stockholm', '2026-01-01', 'x', 'y', 'sv', 'mottagen',
                        '2026-01-02 10:00:00.000', '2026-01-02 10:00:00.000', '2026-02-01', ?)
                    """, arguments: [id, "SB-2026-0000\(id)", "token\(id)", token])
            }
        }
        try database.migrate()
        let channels = try database.pool.read { db in try String.fetchAll(db, sql: "SELECT channel FROM report ORDER BY id") }
        #expect(channels == ["webb", "open311", "webb"])
    }

    @Test("web form and Open311 set their channel; shown on the queue and report page, filtered on the queue, in the API, the CSV and the dashboard")
    func shownEverywhere() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let writer = try await APITokens.create(in: directory, for: StaffFixtures.lusHandler.email, readWrite: true)
        let app = try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function)
        try await app.test(.live) { client in
            _ = try await TestSupport.fileReport(client)
            let open311 = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: .form,
                                                   body: FormEncoder.open311LUS(apiKey: writer).body)
            #expect(open311.status == .created)

            let stored = try await StaffFixtures.database(directory).read { db in try String.fetchAll(db, sql: "SELECT channel FROM report ORDER BY id") }
            #expect(stored == ["webb", "open311"])

            let staff = StaffBrowser(client)
            try await staff.login(StaffFixtures.lusHandler.email)
            let queue = try await staff.get("/handlaggning/ko/sthlm-lus-region")
            #expect(queue.text.contains("<th scope=\"col\">Kanal</th>"))
            #expect(queue.text.contains("<td>Webbformulär</td>"))
            #expect(queue.text.contains("<td>Open311 (annat system)</td>"))
            // The queue filters by channel (`kanal`), keeps the choice selected, and ignores an unknown one.
            #expect(queue.text.contains("<select id=\"q-kanal\" name=\"kanal\">"))
            let onlyOpen311 = try await staff.get("/handlaggning/ko/sthlm-lus-region?kanal=open311")
            #expect(onlyOpen311.text.contains("1 öppen rapport.") && onlyOpen311.text.contains("<td>Open311 (annat system)</td>"))
            #expect(!onlyOpen311.text.contains("<td>Webbformulär</td>"))
            #expect(onlyOpen311.text.contains("<option value=\"open311\" selected>"))
            #expect(try await staff.get("/handlaggning/ko/sthlm-lus-region?kanal=telefon").text.contains("0 öppna rapporter"))
            #expect(try await staff.get("/handlaggning/ko/sthlm-lus-region?kanal=fax").text.contains("2 öppna rapporter"))
            let page = try await staff.get("/handlaggning/rapporter/2")
            #expect(page.text.contains("<dd id=\"case-channel\">Open311 (annat system)</dd>"))
            let english = try await staff.get("/handlaggning/rapporter/1?lang=en")
            #expect(english.text.contains("<dd id=\"case-channel\">Web form</dd>"))

            let reader = try await APITokens.create(in: directory, for: StaffFixtures.lusHandler.email)
            let list = try await client.execute(uri: "/api/v1/reports?order=asc&sort=reference", method: .get, headers: .bearer(reader))
            #expect(list.status == .ok)
            let reports = list.object["reports"] as? [[String: Any]] ?? []
            #expect(reports.map { $0["channel"] as? String } == ["webb", "open311"])
            let filtered = try await client.execute(uri: "/api/v1/reports?channel=open311", method: .get, headers: .bearer(reader))
            #expect((filtered.object["reports"] as? [[String: Any]] ?? []).map { $0["reference"] as? String } == ["SB-2026-00002"])
            let unknown = try await client.execute(uri: "/api/v1/reports?channel=fax", method: .get, headers: .bearer(reader))
            #expect(unknown.status == .badRequest)
            let one = try await client.execute(uri: "/api/v1/reports/SB-2026-00002", method: .get, headers: .bearer(reader))
            #expect(one.object["channel"] as? String == "open311")

            let csv = try await staff.get("/handlaggning/uppfoljning/rapporter.csv?fran=2026-01-01&till=2026-11-25")
            let lines = csv.text.split(separator: "\r\n").map(String.init)
            let header = lines.first?.replacingOccurrences(of: "\u{FEFF}", with: "").split(separator: ",").map(String.init) ?? []
            #expect(header.suffix(2) == ["kanal", "kanal_namn"])
            #expect(lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).suffix(2).joined(separator: ",") }
                    == ["webb,Webbformulär", "open311,Open311 (annat system)"])

            let aggregates = try await staff.get("/handlaggning/uppfoljning/sammanstallning.csv?fran=2026-01-01&till=2026-11-25")
            #expect(aggregates.text.contains("kanal,webb,Webbformulär,1,0"))
            #expect(aggregates.text.contains("kanal,telefon,Telefon,0,0"))
            #expect(aggregates.text.contains("kanal_manad,2026-11|open311,2026-11 Open311 (annat system),1,"))

            let dashboard = try await staff.get("/handlaggning/uppfoljning?fran=2026-10-01&till=2026-11-25")
            #expect(dashboard.status == .ok)
            #expect(dashboard.text.contains("<h2 id=\"h-per-kanal\">Rapporter per kanal och månad</h2>"))
            #expect(dashboard.text.contains("<desc id=\"per-kanal-desc\">Under perioden: Webbformulär: 1, Open311 (annat system): 1, E-post: 0, Telefon: 0.</desc>"))
            // The table: one row per month, a column per channel and the total.
            #expect(dashboard.text.contains("<tr><th scope=\"row\">2026-10</th><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">0</td></tr>"))
            #expect(dashboard.text.contains("<tr><th scope=\"row\">2026-11</th><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">2</td></tr>"))
        }
    }

    @Test("figures count reports per channel and month from the facts")
    func figures() throws {
        let catalogue = try TestSupport.catalogue()
        var keys = FactKeys(catalogue: catalogue)
        var snapshot = FactSnapshot(keys: keys)
        let region = keys.intern("stockholm", kind: .region), party = keys.intern("region-stockholm", kind: .party)
        let state = keys.intern(catalogue.lifecycle.initialKey, kind: .state)
        let march = CalendarDay(year: 2026, month: 3, day: 10), april = CalendarDay(year: 2026, month: 4, day: 2)
        let plan: [(CalendarDay, ReportChannel?)] = [(march, .web), (march, .phone), (march, .phone), (april, .email), (april, nil)]
        for (i, (day, channel)) in plan.enumerated() {
            snapshot.upsert(ReportFact(id: Int64(i + 1), region: region, agreement: FactKeys.none, agreementVersion: 0, organisation: party,
                                       state: state, received: Int32(day.dayNumber), due: Int32(day.dayNumber + 30), closedDay: -1,
                                       feedbackHours: -1, closeHours: -1, route0: FactKeys.none, route1: FactKeys.none,
                                       party0: FactKeys.none, party1: FactKeys.none,
                                       channel: channel.map { UInt8($0.index) } ?? ReportFact.unknownChannel), routes: [], parties: [])
        }
        snapshot.keys = keys
        let figures = snapshot.figures(FollowUpFilter(from: CalendarDay(year: 2026, month: 3, day: 1), to: CalendarDay(year: 2026, month: 4, day: 30)),
                                       today: april)
        #expect(figures.byChannel.map(\.key) == ["webb", "open311", "e-post", "telefon"])
        #expect(figures.byChannel.map(\.count) == [1, 0, 1, 2])
        #expect(figures.byChannelMonth.map(\.month) == ["2026-03", "2026-04"])
        #expect(figures.byChannelMonth.map(\.counts) == [[1, 0, 0, 2], [0, 0, 1, 0]])
        #expect(figures.total == 5, "a report with an unknown channel still counts in the total")
    }
}
