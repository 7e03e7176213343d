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

/// Issue 19, items 5 and 6, over real HTTP on loopback with a real SQLite file: staff pages in
/// Swedish with the names people use, API tokens made on the web, the public learning page's
/// small-number suppression and the data controller on the privacy page.
@Suite("Staff words, tokens on the web, learning page (#19.5, #19.6)", .serialized)
struct StaffWordsTests {
    func app(_ directory: String, configure: @escaping @Sendable (inout AppConfiguration) -> Void = { _ in }) async throws -> some ApplicationProtocol {
        try await TestSupport.application(directory: directory, clock: { TestSupport.fixedNow }, configure: configure)
    }

    @Test("the audit log shows SB- references, state and level names and Swedish words; the outbox names mails and states in Swedish")
    func auditLogAndOutboxInSwedish() async throws {
        let directory = try TestSupport.temporaryDirectory("words")
        try await StaffFixtures.create(in: directory)
        try await app(directory).test(.live) { client in
            _ = try await TestSupport.fileReport(client)
            let handler = StaffBrowser(client)
            try await handler.login(StaffFixtures.lusHandler.email)
            _ = try await handler.get("/handlaggning/rapporter/1")
            #expect(try await handler.post("/handlaggning/rapporter/1/status", [("status", "under-utredning")]).status == .seeOther)
            // An escalation as the log records it (the escalation form itself is tested with the report page).
            let stockholm = try #require(TestSupport.catalogue().region("stockholm"))
            let firstLevel = try #require(stockholm.escalation.first)
            try await StaffFixtures.database(directory).write { db in
                try AuditLog.record(AuditEntry(actor: .user(id: 2, name: "Lus Testsson"), action: .escalated, reportId: 1, after: firstLevel.key),
                                    at: TestSupport.fixedNow, in: db)
            }
            #expect(try await handler.post("/handlaggning/rapporter/1/systemfel", [("systemfel", "1")]).status == .seeOther)

            let admin = StaffBrowser(client)
            try await admin.login(StaffFixtures.admin.email)
            let log = try await admin.get("/admin/logg")
            #expect(log.status == .ok)
            let html = log.text
            #expect(html.contains(">SB-2026-00001</a>"), "the report by its reference number")
            #expect(!html.contains("Rapport 1<"), "not by its internal id")
            #expect(html.contains("<td>Mottagen</td>") && html.contains("<td>Under utredning</td>"), "state names from the catalogue")
            #expect(!html.contains("<td>mottagen</td>") && !html.contains("under-utredning"), "no state keys")
            #expect(html.contains("<td>\(firstLevel.name.sv)</td>"), "the level's name")
            #expect(!html.contains("<td>\(firstLevel.key)</td>"))
            #expect(html.contains("<td>Rapportören</td>"))
            #expect(html.contains(">Lus Testsson</a>"), "accounts by name")
            #expect(html.contains("Handläggare"), "roles by name")
            for english in ["reporter", "status-change", ">sent<", ">queued<", "read-write", "handlaggare,"] {
                #expect(!html.contains(english), "no \(english) on the Swedish log")
            }
            let englishLog = try await admin.get("/admin/logg?lang=en")
            #expect(englishLog.text.contains("<td>The reporter</td>"))

            let outbox = try await admin.get("/admin/utkorg")
            #expect(outbox.status == .ok)
            #expect(outbox.text.contains("Kvittens till rapportören") && outbox.text.contains("Ny rapport till förvaltande funktion"))
            // The worker (demo mode: files) may have sent the mails already: either state, named in Swedish.
            #expect(outbox.text.contains("Ny status till rapportören") && (outbox.text.contains("<td>I kö</td>") || outbox.text.contains("<td>Skickat</td>")))
            for english in ["status-change", "owner-notification", "acknowledgement", ">queued<", ">sent<", ">dead<"] {
                #expect(!outbox.text.contains(english), "no \(english) on the Swedish outbox")
            }
            #expect(try await admin.get("/admin/utkorg?lang=en").text.contains("Acknowledgement to the reporter"))
        }
    }

    @Test("a token made on /admin/nycklar is shown once, stored hashed, works against the staff API, and is revocable; only admins with CSRF may make one")
    func tokenOnTheWeb() async throws {
        let directory = try TestSupport.temporaryDirectory("web-token")
        let ids = try await StaffFixtures.create(in: directory)
        let lusId = try #require(ids[StaffFixtures.lusHandler.email])
        try await app(directory).test(.live) { client in
            _ = try await TestSupport.fileReport(client)
            let admin = StaffBrowser(client)
            try await admin.login(StaffFixtures.admin.email)
            #expect(try await admin.get("/admin/nycklar").status == .ok)

            let none = try await admin.post("/admin/nycklar", [("konto", ""), ("beskrivning", "Solna")])
            #expect(none.status == .unprocessableContent)
            #expect(none.text.contains("Välj ett konto i listan."))
            #expect(try await admin.post("/admin/nycklar", [("konto", String(lusId))], withCSRF: false).status == .forbidden)

            let created = try await admin.post("/admin/nycklar", [("konto", String(lusId)), ("skriva", "1"), ("beskrivning", "Solna ärendesystem")])
            #expect(created.status == .created)
            let match = try #require(created.text.firstMatch(of: /sbk_[A-Za-z0-9_-]{32}/))
            let secret = String(match.output)
            #expect(created.text.contains("visas bara den här gången"))
            #expect(created.headers[.cacheControl] == "no-store")

            let stored = try await StaffFixtures.database(directory).read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_token") }
            #expect(stored.count == 1)
            #expect(stored.first?["token_hash"] as String? == Digest.sha256Hex(secret))
            #expect(stored.first?["read_write"] as Bool? == true)
            #expect(stored.first?["user_id"] as Int64? == lusId)

            let api = try await client.execute(uri: "/api/v1/reports", method: .get, headers: .bearer(secret))
            #expect(api.status == .ok)
            #expect(api.text.contains("SB-2026-00001"))

            let again = try await admin.get("/admin/nycklar")
            #expect(!again.text.contains(secret), "never shown again")
            #expect(again.text.contains("sbk_" + secret.dropFirst(4).prefix(8) + "…"))
            #expect(again.text.contains("Solna ärendesystem"))

            let handler = StaffBrowser(client)
            try await handler.login(StaffFixtures.lusHandler.email)
            #expect(try await handler.post("/admin/nycklar", [("konto", String(lusId))]).status == .forbidden)
            #expect(try await StaffFixtures.database(directory).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM api_token") } == 1)

            let tokenId = try #require(stored.first?["id"] as Int64?)
            #expect(try await admin.post("/admin/nycklar/\(tokenId)/aterkalla").status == .seeOther)
            #expect(try await client.execute(uri: "/api/v1/reports", method: .get, headers: .bearer(secret)).status == .unauthorized)
            let audit = try await StaffFixtures.database(directory).read { db in
                try String.fetchAll(db, sql: "SELECT action FROM audit_log WHERE action LIKE 'token.%' ORDER BY id")
            }
            #expect(audit == ["token.created", "token.revoked"])
        }
    }

    @Test("a queue opens on open reports with an excerpt; closed ones are one click away")
    func queueOpensOnOpenReports() async throws {
        let directory = try TestSupport.temporaryDirectory("queue-open")
        try await StaffFixtures.create(in: directory)
        try await app(directory).test(.live) { client in
            _ = try await TestSupport.fileReport(client)
            _ = try await TestSupport.fileReport(client)
            try await StaffFixtures.database(directory).write { db in
                try db.execute(sql: "UPDATE report SET state = 'aterkopplad', closed_at = ? WHERE id = 2", arguments: [TestSupport.fixedNow])
            }
            let handler = StaffBrowser(client)
            try await handler.login(StaffFixtures.lusHandler.email)
            let queue = try await handler.get("/handlaggning/ko/sthlm-lus-region")
            #expect(queue.status == .ok)
            #expect(queue.text.contains("SB-2026-00001"))
            #expect(!queue.text.contains(">SB-2026-00002<"), "closed reports are not in the default view")
            #expect(queue.text.contains("1 öppen rapport."))
            #expect(queue.text.contains("Visa även avslutade (1)"))
            #expect(queue.text.contains("href=\"/handlaggning/ko/sthlm-lus-region?status=alla\""))
            let excerpt = TriageController.excerpt(try #require(FormEncoder.validLUS.pairs.first { $0.0 == "what_happened" }?.1))
            #expect(queue.text.contains("<td class=\"excerpt\">\(excerpt)</td>"), "one line of what happened")
            #expect(!excerpt.contains("\n") && excerpt.count <= 91)

            let all = try await handler.get("/handlaggning/ko/sthlm-lus-region?status=alla")
            #expect(all.text.contains(">SB-2026-00001<") && all.text.contains(">SB-2026-00002<"))
        }
    }

    @Test("the learning page leads with outcomes by agreement; a count below 3 per agreement and quarter reads 'färre än 3', and there are no totals")
    func learningPageSuppressesSmallCounts() async throws {
        let directory = try TestSupport.temporaryDirectory("learning-small")
        try await StaffFixtures.create(in: directory)
        try await app(directory).test(.live) { client in
            for _ in 0..<3 { _ = try await TestSupport.fileReport(client) }
            _ = try await TestSupport.fileReport(client, .validOrebro, region: "orebro")
            let handler = StaffBrowser(client)
            try await handler.login(StaffFixtures.lusHandler.email)
            _ = try await handler.get("/handlaggning/rapporter/1")
            #expect(try await handler.post("/handlaggning/rapporter/1/utfall", [("utfall", "Rutinen för helger är förtydligad."), ("publicera", "1")]).status == .seeOther)

            let page = try await client.execute(uri: "/larande", method: .get)
            #expect(page.status == .ok)
            let html = page.text
            let outcomes = try #require(html.range(of: "Det här har rapporterna lett till"))
            let figures = try #require(html.range(of: "Antal rapporter per överenskommelse och kvartal"))
            #expect(outcomes.lowerBound < figures.lowerBound, "outcomes first")
            let outcome = try #require(html.range(of: "Rutinen för helger är förtydligad."))
            #expect(outcome.lowerBound < figures.lowerBound)

            let catalogue = try TestSupport.catalogue()
            func row(_ key: String) throws -> String {
                let name = try #require(catalogue.agreement(key)).name.sv
                let start = try #require(html.range(of: "<tr><th scope=\"row\">\(name)</th>", range: figures.upperBound..<html.endIndex))
                let end = try #require(html.range(of: "</tr>", range: start.upperBound..<html.endIndex))
                return String(html[start.upperBound..<end.lowerBound])
            }
            let lus = try row("sthlm-lus")
            #expect(lus.hasSuffix("<td class=\"num\">3</td>"), "three reports this quarter are shown: \(lus)")
            let orebro = try row("orebro-utskrivning")
            #expect(orebro.hasSuffix("<td class=\"num suppressed\">färre än 3</td>"), "one report is not: \(orebro)")
            #expect(!orebro.contains(">1<") && !orebro.contains(">0<"), "neither 1 nor 0 is shown")
            #expect(!html.contains("Totalt") && !html.contains("Summa"), "no totals to back a cell out of")

            let english = try await client.execute(uri: "/larande?lang=en", method: .get)
            #expect(english.text.contains("fewer than 3"))
        }
    }

    @Test("the privacy page names INTAKE_DATA_CONTROLLER; config check warns when it is unset outside demo mode")
    func dataController() async throws {
        let directory = try TestSupport.temporaryDirectory("controller")
        try await app(directory, configure: { $0.dataController = "Region Stockholm och länets kommuner" }).test(.live) { client in
            let page = try await client.execute(uri: "/personuppgifter", method: .get)
            #expect(page.text.contains("Personuppgiftsansvarig är <strong>Region Stockholm och länets kommuner</strong>"))
            let english = try await client.execute(uri: "/personuppgifter?lang=en", method: .get)
            #expect(english.text.contains("The data controller is <strong>Region Stockholm och länets kommuner</strong>"))
        }
        let other = try TestSupport.temporaryDirectory("controller-unset")
        try await app(other).test(.live) { client in
            let page = try await client.execute(uri: "/personuppgifter", method: .get)
            #expect(page.text.contains("så får du veta vem som är personuppgiftsansvarig"))
            #expect(!page.text.contains("Personuppgiftsansvarig är <strong></strong>"))
        }

        var environment = ShutdownTests.environment(directory: directory)
        environment["INTAKE_SMTP_URL"] = "smtp://mail.example.se:587"
        environment.removeValue(forKey: "INTAKE_DATA_CONTROLLER")
        environment.removeValue(forKey: "INTAKE_DEMO")
        let log = directory + "/check.log"
        let unset = try ChildProcess.spawn(ChildProcess.intakeBinary, ["config", "check"], environment: environment, logPath: log)
        #expect(await unset.exit() == 0, "a warning, not a problem")
        #expect(unset.log.contains("# warning: INTAKE_DATA_CONTROLLER is not set"))
        #expect(unset.log.contains("INTAKE_DATA_CONTROLLER=\t# default"))

        environment["INTAKE_DATA_CONTROLLER"] = "Region Stockholm"
        let set = try ChildProcess.spawn(ChildProcess.intakeBinary, ["config", "check"], environment: environment, logPath: directory + "/check2.log")
        #expect(await set.exit() == 0)
        #expect(set.log.contains("INTAKE_DATA_CONTROLLER=Region Stockholm\t# environment"))
        #expect(!set.log.contains("# warning: INTAKE_DATA_CONTROLLER"))

        environment.removeValue(forKey: "INTAKE_DATA_CONTROLLER")
        environment["INTAKE_DEMO"] = "true"
        let demo = try ChildProcess.spawn(ChildProcess.intakeBinary, ["config", "check"], environment: environment, logPath: directory + "/check3.log")
        #expect(await demo.exit() == 0)
        #expect(!demo.log.contains("# warning: INTAKE_DATA_CONTROLLER"), "demo mode needs no controller")
    }
}
