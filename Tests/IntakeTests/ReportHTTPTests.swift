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

/// The public form over real HTTP on loopback, with a real SQLite file.
@Suite("Public report form over HTTP")
struct ReportHTTPTests {
    func app(_ directory: String, clock: TestSupport.Clock = .init(TestSupport.fixedNow)) async throws -> some ApplicationProtocol {
        try await TestSupport.application(directory: directory, clock: clock.function)
    }

    func reportCount(_ directory: String) async throws -> Int {
        let queue = try TestSupport.openDatabase(directory + "/intake.sqlite")
        return try await queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report")! }
    }

    @Test("the form is reached from / with one link, in Swedish and English")
    func startPage() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await app(directory).test(.live) { client in
            let home = try await client.execute(uri: "/", method: .get)
            #expect(home.status == .ok)
            #expect(home.text.contains(#"<html lang="sv">"#))
            #expect(home.text.contains(#"href="/rapportera/stockholm""#))
            #expect(home.headers[.setCookie] == nil)

            let choose = try await client.execute(uri: "/rapportera/stockholm", method: .get)
            #expect(choose.status == .ok)
            #expect(choose.text.contains("Barn och unga"))
            #expect(choose.text.contains(#"value="sthlm-lus""#))
            #expect(choose.text.contains(#"value="vet-inte""#))

            let english = try await client.execute(uri: "/rapportera/stockholm?avtal=sthlm-lus&lang=en", method: .get)
            #expect(english.text.contains(#"<html lang="en">"#))
            #expect(english.text.contains("Send the report"))
            #expect(english.text.contains(#"name="x_"#), "LUS has extra fields")
        }
    }

    @Test("a valid report gets a receipt and is still there after a restart")
    func submitAndRestart() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let receiptPath = try await app(directory).test(.live) { client in
            let response = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: FormEncoder.validLUS.body)
            #expect(response.status == .seeOther)
            let receiptPath = try #require(response.headers[.location])
            #expect(receiptPath.hasPrefix("/kvitto/"))
            #expect(response.headers[.setCookie] == nil)

            let receipt = try await client.execute(uri: receiptPath, method: .get)
            #expect(receipt.status == .ok)
            #expect(receipt.text.contains("SB-2026-00001"))
            #expect(receipt.text.contains("Förvaltande funktion LUS, Storsthlm"))
            #expect(receipt.text.contains("Förvaltande funktion LUS, Region Stockholm"))
            #expect(receipt.text.contains("25 december 2026"), "LUS has a 30-day feedback deadline in the demo catalogue")
            return receiptPath
        }

        // A new application on the same file: the report, its routes and mails are on disk.
        try await app(directory).test(.live) { client in
            let receipt = try await client.execute(uri: receiptPath, method: .get)
            #expect(receipt.status == .ok)
            #expect(receipt.text.contains("SB-2026-00001"))
            let second = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: FormEncoder.validLUS.body)
            let secondReceipt = try await client.execute(uri: try #require(second.headers[.location]), method: .get)
            #expect(secondReceipt.text.contains("SB-2026-00002"))
        }
        let queue = try TestSupport.openDatabase(directory + "/intake.sqlite")
        try await queue.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT * FROM report WHERE reference = 'SB-2026-00001'"))
            #expect(row["agreement_key"] == "sthlm-lus")
            #expect(row["agreement_version"] == 1)
            #expect(row["form_version"] == 1)
            #expect(row["language"] == "sv")
            #expect(row["state"] == "mottagen")
            #expect((row["tracking_token"] as String).count == 32)
            let routes = try String.fetchAll(db, sql: "SELECT function_key FROM report_route WHERE report_id = ? ORDER BY function_key", arguments: [row["id"] as Int64])
            #expect(routes == ["sthlm-lus-region", "sthlm-lus-storsthlm"])
            let parties = try String.fetchAll(db, sql: "SELECT party_key FROM report_party WHERE report_id = ? ORDER BY party_key", arguments: [row["id"] as Int64])
            #expect(parties == ["solna-stad", "sundbybergs-stad"])
            // Acknowledgement plus one notification per owner, queued in the same transaction.
            let mails = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message WHERE report_id = ?", arguments: [row["id"] as Int64])
            #expect(mails == 3)
        }
    }

    @Test("'vet inte' is stored without agreement and routed to triage")
    func unknownAgreement() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await app(directory).test(.live) { client in
            let form = FormEncoder.triageOnly
            let response = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: form.body)
            #expect(response.status == .seeOther)
            let receipt = try await client.execute(uri: try #require(response.headers[.location]), method: .get)
            #expect(receipt.text.contains("Samordning av samverkansbrister, Stockholms län"))
        }
        let queue = try TestSupport.openDatabase(directory + "/intake.sqlite")
        let (agreement, routes, triage) = try await queue.read { db in
            (try Row.fetchOne(db, sql: "SELECT agreement_key FROM report")?["agreement_key"] as String?,
             try String.fetchAll(db, sql: "SELECT function_key FROM report_route"),
             try Bool.fetchOne(db, sql: "SELECT is_triage FROM report_route"))
        }
        #expect(agreement == nil)
        #expect(routes == ["stockholm-triage"])
        #expect(triage == true)
    }

    @Test("a personnummer returns the form with the error, the values kept, and no row written")
    func personnummerRefused() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await app(directory).test(.live) { client in
            let form = FormEncoder.validLUS.set("what_happened", "Patienten (19121212-1212) skrevs ut utan planering.")
            let response = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: form.body)
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("error-summary"))
            #expect(response.text.contains(##"href="#f-what_happened""##))
            #expect(response.text.contains("personnummer"))
            #expect(response.text.contains("Enligt överenskommelsen ska kommunen få meddelande"), "other values are kept")
            #expect(response.text.contains(#"value="asa.oberg@example.se""#))
        }
        #expect(try await reportCount(directory) == 0)
        let queue = try TestSupport.openDatabase(directory + "/intake.sqlite")
        let mails = try await queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message") }
        #expect(mails == 0)
    }

    @Test("bad requests get clear 4xx pages and store nothing", arguments: [
        ("oversized", 413), ("invalid-utf8", 400), ("bad-escape", 400), ("json", 415), ("unknown-agreement", 422),
        ("other-region-agreement", 422), ("unknown-region", 404), ("no-content-type", 415),
    ])
    func badRequests(_ kind: String, _ expected: Int) async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await app(directory).test(.live) { client in
            var uri = "/rapportera/stockholm"
            var headers = HTTPFields.form
            var body = FormEncoder.validLUS.body
            switch kind {
            case "oversized": body = FormEncoder.validLUS.set("what_happened", String(repeating: "å", count: 70_000)).body
            case "invalid-utf8": body = ByteBuffer(string: FormEncoder.validLUS.encoded + "&expected=%FF%FE")
            case "bad-escape": body = ByteBuffer(string: "avtal=sthlm-lus&what_happened=%ZZ")
            case "json": headers = [.contentType: "application/json"]; body = ByteBuffer(string: #"{"avtal":"sthlm-lus"}"#)
            case "unknown-agreement": body = FormEncoder.validLUS.set("avtal", "finns-inte").body
            case "other-region-agreement": body = FormEncoder.validLUS.set("avtal", "orebro-hemsjukvard").body
            case "unknown-region": uri = "/rapportera/atlantis"
            case "no-content-type": headers = [:]
            default: break
            }
            let response = try await client.execute(uri: uri, method: .post, headers: headers, body: body)
            #expect(Int(response.status.code) == expected, "\(kind)")
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(response.text.contains("<h1>"))
            #expect(!response.text.contains("Error("), "no Swift error text shown")
        }
        #expect(try await reportCount(directory) == 0)
    }

    @Test("unknown pages and tokens are 404 pages; /health checks the database")
    func notFoundAndHealth() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await app(directory).test(.live) { client in
            for uri in ["/finns-inte", "/kvitto/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/arende/kort", "/rapportera/../etc/passwd"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .notFound, "\(uri)")
                #expect(response.text.contains("Sidan hittades inte"))
            }
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok)
            #expect(health.text.contains(#""database":"ok""#))
        }
    }

    @Test("the database runs in WAL mode with synchronous FULL")
    func durability() throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = try AppDatabase(path: directory + "/intake.sqlite")
        try database.migrate()
        #expect(try database.synchronousMode() == 2)
        let mode = try database.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        #expect(try database.appliedMigrations() == AppMigrations.migrator.migrations)
    }

    @Test("concurrent submissions get unique sequential reference numbers")
    func concurrentSubmissions() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await app(directory).test(.live) { client in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        let response = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: FormEncoder.validLUS.body)
                        return Int(response.status.code)
                    }
                }
                for try await status in group { #expect(status == 303) }
            }
        }
        let queue = try TestSupport.openDatabase(directory + "/intake.sqlite")
        let references = try await queue.read { db in try String.fetchAll(db, sql: "SELECT reference FROM report ORDER BY reference") }
        #expect(references == (1...40).map { ReferenceNumber.format(year: 2026, sequence: $0) })
    }
}

@Suite("HEAD requests")
struct HeadRequestTests {
    @Test("HEAD is answered like GET, without a body")
    func head() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await TestSupport.application(directory: directory, clock: { TestSupport.fixedNow }).test(.live) { client in
            for path in ["/", "/rapportera/stockholm", "/login", "/health", "/static/app.css"] {
                let response = try await client.execute(uri: path, method: .head)
                #expect(response.status == .ok, "\(path)")
                #expect(response.body.readableBytes == 0, "\(path)")
            }
        }
    }
}
