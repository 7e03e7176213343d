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

/// Handläggare of two owning functions in the same region, over real HTTP on loopback with a
/// real SQLite file: each sees and changes only the reports routed to their own function, a
/// report of the other function answers 404 to every action and nothing changes, and
/// reclassification moves access from the old owners to the new.
@Suite("Role isolation between owning functions", .serialized)
struct RoleIsolationTests {
    /// Region Stockholm's LUS function only.
    static let lus = StaffFixtures.Account(email: "lus-region@example.se", role: .handlaggare, functions: ["sthlm-lus-region"])
    /// A colleague in the same LUS function (a valid assignee for LUS reports).
    static let lusColleague = StaffFixtures.Account(email: "lus-kollega@example.se", role: .handlaggare, functions: ["sthlm-lus-region"])
    /// Region Stockholm's BUS function only: same region, another function.
    static let bus = StaffFixtures.Account(email: "bus-region@example.se", role: .handlaggare, functions: ["sthlm-bus-region"])
    static let accounts = [StaffFixtures.admin, lus, lusColleague, bus]

    /// Reports 1 and 3 are LUS (the LUS function's), report 2 is BUS (the BUS function's).
    func fileReports(_ client: some TestClientProtocol) async throws {
        _ = try await TestSupport.fileReport(client)
        _ = try await TestSupport.fileReport(client, FormEncoder.validLUS.set("avtal", "sthlm-bus").set("x_bup_referral", "ja"))
        _ = try await TestSupport.fileReport(client)
    }

    /// A valid form for each action on a LUS report, as its own handläggare would send it;
    /// `visibleReference` is another report the sender can see (for koppla), `assignee` a
    /// handläggare of the report's function (for tilldela).
    static func validForms(assignee: Int64, visibleReference: String) -> [TriageController.Action: [(String, String)]] {
        [
            .status: [("status", "under-utredning")],
            .svar: [("text", "Vi har tagit kontakt med Solna stad och utreder saken.")],
            .anteckning: [("text", "Internt: ring enhetschefen på måndag.")],
            .tilldela: [("handlaggare", "\(assignee)")],
            .klassificera: [("avtal", "sthlm-bus")],
            .eskalera: [("orsak", "Kommunen och regionen är oense om ansvaret."), ("besked", "Frågan har lyfts till ledningen för samverkan."), ("bekrafta", "1")],
            .koppla: [("referens", visibleReference)],
            .systemfel: [("systemfel", "1")],
            .utfall: [("utfall", "Rutinen för inskrivningsmeddelanden ses över tillsammans med kommunerna."), ("publicera", "1")],
        ]
    }

    @Test("queues and report pages: each function's handläggare sees only its own reports, in the web and the API")
    func twoFunctionsSameRegion() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory, Self.accounts)
        let lusToken = try await APITokens.create(in: directory, for: Self.lus.email)
        let busToken = try await APITokens.create(in: directory, for: Self.bus.email)
        try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            try await fileReports(client)
            let lus = StaffBrowser(client)
            try await lus.login(Self.lus.email)
            let bus = StaffBrowser(client)
            try await bus.login(Self.bus.email)

            #expect(try await lus.get("/handlaggning/ko/sthlm-lus-region").status == .ok)
            #expect(try await lus.get("/handlaggning/ko/sthlm-bus-region").status == .forbidden)
            #expect(try await bus.get("/handlaggning/ko/sthlm-bus-region").status == .ok)
            #expect(try await bus.get("/handlaggning/ko/sthlm-lus-region").status == .forbidden)
            #expect(try await lus.get("/handlaggning/ko/stockholm-triage").status == .forbidden, "not a triage member")

            let lusQueue = try await lus.get("/handlaggning/ko/sthlm-lus-region").text
            #expect(lusQueue.contains("SB-2026-00001") && lusQueue.contains("SB-2026-00003") && !lusQueue.contains("SB-2026-00002"))
            let busQueue = try await bus.get("/handlaggning/ko/sthlm-bus-region").text
            #expect(busQueue.contains("SB-2026-00002") && !busQueue.contains("SB-2026-00001") && !busQueue.contains("SB-2026-00003"))

            for (browser, own, other) in [(lus, [1, 3], [2]), (bus, [2], [1, 3])] {
                for id in own { #expect(try await browser.get("/handlaggning/rapporter/\(id)").status == .ok) }
                for id in other {
                    let page = try await browser.get("/handlaggning/rapporter/\(id)")
                    #expect(page.status == .notFound, "report \(id)")
                    #expect(!page.text.contains("asa.oberg") && !page.text.contains("Patienten skrevs ut"))
                }
                #expect(try await browser.get("/handlaggning/rapporter/999").status == .notFound)
            }
            // The start page counts only the own function's reports.
            let lusHome = try await lus.get("/handlaggning").text
            #expect(lusHome.contains("/handlaggning/ko/sthlm-lus-region") && !lusHome.contains("/handlaggning/ko/sthlm-bus-region"))

            // The staff API: the same scope for the same accounts' tokens.
            let lusList = try await client.execute(uri: "/api/v1/reports", method: .get, headers: .bearer(lusToken))
            #expect(Set(Self.references(lusList)) == ["SB-2026-00001", "SB-2026-00003"])
            let busList = try await client.execute(uri: "/api/v1/reports", method: .get, headers: .bearer(busToken))
            #expect(Self.references(busList) == ["SB-2026-00002"])
            #expect(try await client.execute(uri: "/api/v1/reports/2", method: .get, headers: .bearer(lusToken)).status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/reports/SB-2026-00001", method: .get, headers: .bearer(busToken)).status == .notFound)
        }
    }

    static func references(_ response: TestResponse) -> [String] {
        let object = response.object
        let list = object["reports"] as? [[String: Any]] ?? response.array
        return list.compactMap { $0["reference"] as? String }
    }

    @Test("every action by a handläggare of another function answers 404 and changes nothing; the owner's same forms succeed")
    func actionsOnAnotherFunctionsReport() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let ids = try await StaffFixtures.create(in: directory, Self.accounts)
        let busToken = try await APITokens.create(in: directory, for: Self.bus.email, readWrite: true)
        let lusId = try #require(ids[Self.lus.email]), busId = try #require(ids[Self.bus.email])
        try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            try await fileReports(client)
            try await DatabaseSnapshot.waitForQuietOutbox(directory)
            let bus = StaffBrowser(client)
            try await bus.login(Self.bus.email)

            // Valid forms (the BUS handläggare links to their own report; assigns the LUS handläggare, or themself).
            var attempts: [(TriageController.Action, [(String, String)])] = []
            let forms = Self.validForms(assignee: lusId, visibleReference: "SB-2026-00002")
            for action in TriageController.Action.allCases {
                guard let form = forms[action] else { Issue.record("no form for the action \(action.rawValue)"); continue }
                attempts.append((action, form))
            }
            // Forms the workflow would refuse with a 422 must not reveal the report either.
            attempts += [
                (.tilldela, [("handlaggare", "\(busId)")]), (.tilldela, [("handlaggare", "")]),
                (.status, [("status", "finns-inte")]), (.svar, [("text", "Gäller 19121212-1212.")]), (.anteckning, [("text", " ")]),
                (.klassificera, [("avtal", "orebro-utskrivning")]), (.koppla, [("referens", "SB-2026-00001")]),
                (.utfall, [("utfall", "patienten Karin Larsson fick vänta")]), (.systemfel, [("systemfel", "0")]),
            ]
            let before = try DatabaseSnapshot.take(directory)
            for (action, form) in attempts {
                for id in [1, 3, 999] {
                    let response = try await bus.post("/handlaggning/rapporter/\(id)/\(action.rawValue)", form)
                    #expect(response.status == .notFound, "\(action.rawValue) \(form) on report \(id)")
                    #expect(!response.text.contains("SB-2026-0000\(id)"), "the 404 does not name the report")
                }
            }
            // The staff API's writes, with a read-write token of the same account.
            for (path, json) in [("state", #"{"state":"under-utredning"}"#), ("replies", #"{"text":"Vi utreder."}"#), ("notes", #"{"text":"Internt."}"#)] {
                for id in ["1", "SB-2026-00003"] {
                    let response = try await client.execute(uri: "/api/v1/reports/\(id)/\(path)", method: .post, headers: .bearerJSON(busToken), body: ByteBuffer(string: json))
                    #expect(response.status == .notFound, "API \(path) on \(id)")
                }
            }
            try await DatabaseSnapshot.waitForQuietOutbox(directory)
            let after = try DatabaseSnapshot.take(directory)
            DatabaseSnapshot.expectEqual(before, after, "after the other function's attempts")

            // The owner's same forms work (so the 404s above were about access, not the forms).
            let lus = StaffBrowser(client)
            try await lus.login(Self.lus.email)
            let ownerForms = Self.validForms(assignee: lusId, visibleReference: "SB-2026-00003")
            for action in TriageController.Action.allCases where action != .klassificera {
                let response = try await lus.post("/handlaggning/rapporter/1/\(action.rawValue)", ownerForms[action] ?? [])
                #expect(response.status == .seeOther, "the owner's \(action.rawValue)")
            }
            let moved = try await lus.post("/handlaggning/rapporter/1/klassificera", ownerForms[.klassificera] ?? [])
            #expect(moved.status == .seeOther && moved.headers[.location]?.hasPrefix("/handlaggning?") == true,
                    "after moving the report away the owner goes to the start page: \(moved.headers[.location] ?? "-")")
        }
    }

    @Test("reclassification: the old function's handläggare (even the assignee) lose access, the new function's gain it")
    func accessAfterReclassification() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let ids = try await StaffFixtures.create(in: directory, Self.accounts)
        let lusToken = try await APITokens.create(in: directory, for: Self.lus.email, readWrite: true)
        let busToken = try await APITokens.create(in: directory, for: Self.bus.email, readWrite: true)
        let lusId = try #require(ids[Self.lus.email])
        try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            try await fileReports(client)
            let lus = StaffBrowser(client)
            try await lus.login(Self.lus.email)
            let bus = StaffBrowser(client)
            try await bus.login(Self.bus.email)
            #expect(try await lus.post("/handlaggning/rapporter/1/tilldela", [("handlaggare", "\(lusId)")]).status == .seeOther)
            #expect(try await bus.get("/handlaggning/rapporter/1").status == .notFound)
            #expect(try await bus.post("/handlaggning/rapporter/1/anteckning", [("text", "Före omklassificeringen.")]).status == .notFound)

            let moved = try await lus.post("/handlaggning/rapporter/1/klassificera", [("avtal", "sthlm-bus")])
            #expect(moved.status == .seeOther)
            #expect(moved.headers[.location]?.hasPrefix("/handlaggning?") == true)

            // The old owner: no page, no action, not in the queue, not in the API.
            #expect(try await lus.get("/handlaggning/rapporter/1").status == .notFound)
            for action in TriageController.Action.allCases {
                let form = Self.validForms(assignee: lusId, visibleReference: "SB-2026-00003")[action] ?? []
                #expect(try await lus.post("/handlaggning/rapporter/1/\(action.rawValue)", form).status == .notFound, "old owner \(action.rawValue)")
            }
            #expect(!(try await lus.get("/handlaggning/ko/sthlm-lus-region").text.contains("SB-2026-00001")))
            #expect(try await client.execute(uri: "/api/v1/reports/1", method: .get, headers: .bearer(lusToken)).status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/reports/1/notes", method: .post, headers: .bearerJSON(lusToken),
                                             body: ByteBuffer(string: #"{"text":"Efter."}"#)).status == .notFound)

            // The new owner: the page, the queue, actions, the API.
            let page = try await bus.get("/handlaggning/rapporter/1")
            #expect(page.status == .ok && page.text.contains("asa.oberg@example.se"))
            #expect(try await bus.get("/handlaggning/ko/sthlm-bus-region").text.contains("SB-2026-00001"))
            #expect(try await bus.post("/handlaggning/rapporter/1/anteckning", [("text", "Nu är den vår.")]).status == .seeOther)
            #expect(try await client.execute(uri: "/api/v1/reports/1", method: .get, headers: .bearer(busToken)).status == .ok)
            #expect(try await client.execute(uri: "/api/v1/reports/1/notes", method: .post, headers: .bearerJSON(busToken),
                                             body: ByteBuffer(string: #"{"text":"Via API."}"#)).status == .ok)
        }
        let database = try StaffFixtures.database(directory)
        let (assigned, routes) = try await database.read { db -> (Int64?, [String]) in
            let row = try Row.fetchOne(db, sql: "SELECT assigned_user_id FROM report WHERE id = 1")
            return (row?["assigned_user_id"], try String.fetchAll(db, sql: "SELECT function_key || ':' || active FROM report_route WHERE report_id = 1 ORDER BY id"))
        }
        #expect(assigned == nil, "the old function's assignee no longer holds the report")
        #expect(routes == ["sthlm-lus-storsthlm:0", "sthlm-lus-region:0", "sthlm-bus-storsthlm:1", "sthlm-bus-region:1"])
    }

    @Test("linking to a report one cannot see is refused like an unknown reference, and links nothing")
    func linkToInvisibleReport() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory, Self.accounts)
        try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            try await fileReports(client)
            let lus = StaffBrowser(client)
            try await lus.login(Self.lus.email)
            _ = try await lus.get("/handlaggning/rapporter/1")
            let invisible = try await lus.post("/handlaggning/rapporter/1/koppla", [("referens", "SB-2026-00002")])
            let unknown = try await lus.post("/handlaggning/rapporter/1/koppla", [("referens", "SB-2026-09999")])
            #expect(invisible.status == .unprocessableContent && unknown.status == .unprocessableContent)
            #expect(invisible.text.contains("Det finns ingen rapport med det referensnumret som du kan se."))
            #expect(Self.errorMessage(invisible.text) == Self.errorMessage(unknown.text), "the same answer: existence is not revealed")
            #expect(!invisible.text.contains("/handlaggning/rapporter/2"))
            // The BUS handläggare cannot link their report to a LUS report either.
            let bus = StaffBrowser(client)
            try await bus.login(Self.bus.email)
            #expect(try await bus.post("/handlaggning/rapporter/2/koppla", [("referens", "SB-2026-00001")]).status == .unprocessableContent)
            let links = try await StaffFixtures.database(directory).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report_link") }
            #expect(links == 0)
            // An admin sees both and may link them.
            let admin = StaffBrowser(client)
            try await admin.login(StaffFixtures.admin.email)
            #expect(try await admin.post("/handlaggning/rapporter/1/koppla", [("referens", "SB-2026-00002")]).status == .seeOther)
            let after = try await StaffFixtures.database(directory).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report_link") }
            #expect(after == 2)
        }
    }

    /// The text of the page's error summary (what the user is told), without the rest of the page.
    static func errorMessage(_ html: String) -> String? {
        guard let start = html.range(of: "error-summary") else { return nil }
        let rest = html[start.upperBound...]
        return rest.range(of: "</div>").map { String(rest[..<$0.lowerBound]) }
    }
}

/// Every row of every table that records what happened to reports, so a test can show that a
/// refused request changed nothing. Sessions and API tokens (last use) are left out, and of the
/// outbox only what was queued (the mail worker updates the delivery columns on its own).
enum DatabaseSnapshot {
    static let skipped: Set<String> = ["staff_session", "api_token", "server_secret", "grdb_migrations", "outbox_message"]

    static func take(_ directory: String) throws -> [String: [String]] {
        try TestSupport.openDatabase(directory + "/intake.sqlite").read { db in
            var tables: [String: [String]] = [:]
            let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            for name in names where !skipped.contains(name) {
                tables[name] = try Row.fetchAll(db, sql: "SELECT * FROM \(name)").map { $0.description }.sorted()
            }
            tables["outbox_message"] = try Row.fetchAll(db, sql: "SELECT id, kind, recipient, subject FROM outbox_message ORDER BY id").map { $0.description }
            return tables
        }
    }

    static func expectEqual(_ before: [String: [String]], _ after: [String: [String]], _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        for table in Set(before.keys).union(after.keys).sorted() where before[table] != after[table] {
            let added = (after[table] ?? []).filter { !(before[table] ?? []).contains($0) }
            let removed = (before[table] ?? []).filter { !(after[table] ?? []).contains($0) }
            Issue.record("\(table) changed \(what): added \(added), removed \(removed)", sourceLocation: sourceLocation)
        }
    }

    static func queued(_ directory: String) throws -> Int {
        try TestSupport.openDatabase(directory + "/intake.sqlite").read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message WHERE status = 'queued'") ?? 0
        }
    }

    /// Waits until the mail worker has handled every queued mail (demo mode writes files).
    static func waitForQuietOutbox(_ directory: String) async throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if try queued(directory) == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
