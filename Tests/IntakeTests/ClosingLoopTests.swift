import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
@testable import IntakeDomain
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// Issue 19: the loop closes at the reporter. Over real HTTP on loopback, a real SQLite file
/// and a real SMTP server: escalation is a step the reporter sees, and a report is closed only
/// with a final message, which reaches the reporter in the mail and first on the tracking page.
@Suite("Closing the loop over HTTP", .serialized)
struct ClosingLoopTests {
    static let reason = "Parterna är oense om vem som ska kalla till samordnad individuell plan."
    static let publicSentence = "Din rapport har lyfts till ledningen för samverkan i kommunen, som tar upp frågan."
    static let finalMessage = "Regionen och Solna stad har ändrat rutinen: inskrivningsmeddelandet skickas nu samma dag, även på fredagar."

    func state(_ directory: String) async throws -> String {
        try await StaffFixtures.database(directory).read { db in try String.fetchOne(db, sql: "SELECT state FROM report WHERE id = 1") ?? "" }
    }

    @Test("file with e-mail → escalate with a reason → mailed and shown as a step → closing without a message refused (web and API) → closed with a final message, in the mail and first on the tracking page",
          .requires(.smtpServer))
    func wholeLoop() async throws {
        let smtp = try SMTPTestServer.started()
        defer { smtp.stop() }
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let apiToken = try await APITokens.create(in: directory, for: StaffFixtures.lusHandler.email, readWrite: true)
        let app = try await TestSupport.application(directory: directory, smtpURL: smtp.url, clock: TestSupport.Clock(TestSupport.fixedNow).function)
        try await app.test(.live) { client in
            let token = try await TestSupport.fileReport(client)
            _ = try await smtp.waitFor(3) // acknowledgement + two owner notifications
            let staff = StaffBrowser(client)
            try await staff.login(StaffFixtures.lusHandler.email)
            #expect(try await staff.post("/handlaggning/rapporter/1/status", [("status", "under-utredning")]).status == .seeOther)
            _ = try await smtp.waitFor(4)

            // Escalation needs a reason, a sentence for the reporter and a confirmation; nothing changes without them.
            let page = try await staff.get("/handlaggning/rapporter/1")
            #expect(page.text.contains(#"name="bekrafta""#) && page.text.contains("Lokal samverkan"))
            for (missing, message) in [("orsak", "Skriv varför rapporten eskaleras"), ("besked", "Skriv en mening till rapportören"), ("bekrafta", "Kryssa i rutan")] {
                let form = [("orsak", Self.reason), ("besked", Self.publicSentence), ("bekrafta", "1")].filter { $0.0 != missing }
                let refused = try await staff.post("/handlaggning/rapporter/1/eskalera", form)
                #expect(refused.status == .unprocessableContent, "without \(missing)")
                #expect(refused.text.contains(message), "without \(missing)")
                if missing != "orsak" { #expect(refused.text.contains(Self.reason), "the reason typed is kept") }
            }
            let personal = try await staff.post("/handlaggning/rapporter/1/eskalera", [("orsak", Self.reason), ("besked", "Patienten Karin Andersson fick vänta."), ("bekrafta", "1")])
            #expect(personal.status == .unprocessableContent, "the sentence for the reporter is privacy-checked")
            let notEscalated = try await StaffFixtures.database(directory).read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report_escalation") ?? -1
            }
            #expect(notEscalated == 0)

            let escalated = try await staff.post("/handlaggning/rapporter/1/eskalera", [("orsak", Self.reason), ("besked", Self.publicSentence), ("bekrafta", "1")])
            #expect(escalated.status == .seeOther)
            let staffPage = try await staff.get("/handlaggning/rapporter/1")
            #expect(staffPage.text.contains(Self.reason) && staffPage.text.contains("Eskalerad till"))

            var mails = try await smtp.waitFor(6)
            let levelMail = try #require(mails.first { $0.envelope_to == ["lokal-samverkan@stockholm.example.se"] })
            #expect(levelMail.text?.contains(Self.reason) == true, "the level learns why")
            let notice = try #require(mails.first { $0.envelope_to == ["asa.oberg@example.se"] && $0.subject.contains("lyfts") })
            #expect(notice.subject == "Din rapport [SB-2026-00001] har lyfts till en högre nivå")
            #expect(notice.text?.contains(Self.publicSentence) == true)
            #expect(notice.html?.contains(Self.publicSentence) == true)
            #expect(notice.text?.contains(Self.reason) != true, "the reason is internal")
            #expect(notice.text?.contains("https://samverkan.example.se/arende/\(token)") == true)

            var tracking = try await client.execute(uri: "/arende/\(token)", method: .get).text
            #expect(tracking.contains("Lyft till Lokal samverkan"))
            #expect(tracking.contains(Self.publicSentence))
            #expect(!tracking.contains(Self.reason), "the reason stays with staff")
            let rest = tracking[try #require(tracking.range(of: #"<ol class="timeline""#)).upperBound...]
            let timeline = String(rest[..<(try #require(rest.range(of: "</ol>")).lowerBound)])
            #expect(timeline.contains("Mottagen") && timeline.contains("Under utredning"))
            #expect(timeline.ranges(of: #"aria-current="step""#).count == 1)
            let current = try #require(timeline.range(of: #"aria-current="step""#))
            #expect(timeline[current.lowerBound...].contains("Lyft till Lokal samverkan"), "the escalation is the current step")
            #expect(timeline.contains("25 november 2026"), "steps carry their days")

            // Closing without a final message: 422, state unchanged, on the web and in the API.
            let noMessage = try await staff.post("/handlaggning/rapporter/1/status", [("status", "aterkopplad"), ("meddelande", "  ")])
            #expect(noMessage.status == .unprocessableContent)
            #expect(noMessage.text.contains("Skriv ett slutligt besked till rapportören"))
            #expect(noMessage.text.contains(#"id="f-status-aterkopplad" name="status" value="aterkopplad" checked"#), "the chosen state is kept")
            #expect(try await state(directory) == "under-utredning")
            let apiNoMessage = try await client.execute(uri: "/api/v1/reports/1/state", method: .post, headers: .bearerJSON(apiToken),
                                                        body: ByteBuffer(string: #"{"state":"aterkopplad"}"#))
            #expect(apiNoMessage.status == .unprocessableContent)
            #expect(apiNoMessage.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            #expect(apiNoMessage.text.contains("slutligt besked"))
            #expect(try await state(directory) == "under-utredning")
            let apiPersonal = try await client.execute(uri: "/api/v1/reports/1/state", method: .post, headers: .bearerJSON(apiToken),
                                                       body: ByteBuffer(string: #"{"state":"aterkopplad","message":"Personnummer 19121212-1212 gäller."}"#))
            #expect(apiPersonal.status == .unprocessableContent, "the final message is privacy-checked")
            #expect(try await state(directory) == "under-utredning")
            #expect(try await smtp.waitFor(7, timeout: 2).count == 6, "nothing mailed for a refused change")

            // A published outcome shows on the tracking page too.
            #expect(try await staff.post("/handlaggning/rapporter/1/utfall", [("utfall", "Rutinen för inskrivningsmeddelanden har ändrats i länet."), ("publicera", "1")]).status == .seeOther)
            let closed = try await staff.post("/handlaggning/rapporter/1/status", [("status", "aterkopplad"), ("meddelande", Self.finalMessage)])
            #expect(closed.status == .seeOther)
            #expect(try await state(directory) == "aterkopplad")

            mails = try await smtp.waitFor(7)
            let closing = try #require(mails.first { $0.envelope_to == ["asa.oberg@example.se"] && $0.subject.contains("avslutad") })
            #expect(closing.subject == "Din rapport [SB-2026-00001] är avslutad: Återkopplad och avslutad")
            #expect(closing.text?.contains(Self.finalMessage) == true, "the message is in the mail itself")
            #expect(closing.html?.contains(Self.finalMessage) == true)
            #expect(closing.text?.contains("Vad rapporten ledde till") == true)

            tracking = try await client.execute(uri: "/arende/\(token)", method: .get).text
            let result = try #require(tracking.range(of: "Vad rapporten ledde till"))
            let message = try #require(tracking.range(of: Self.finalMessage))
            let stepsHeading = try #require(tracking.range(of: "Så långt har rapporten kommit"))
            let summary = try #require(tracking.range(of: #"<dl class="summary-list">"#))
            #expect(result.lowerBound < summary.lowerBound && message.lowerBound < summary.lowerBound, "the answer comes first")
            #expect(message.lowerBound < stepsHeading.lowerBound)
            #expect(tracking.contains("Rutinen för inskrivningsmeddelanden har ändrats i länet."), "the published outcome")
            #expect(tracking.ranges(of: Self.finalMessage).count == 1, "shown once, at the top")
            #expect(tracking.contains("Avslutad") && !tracking.contains("Återkoppling senast"))
        }
        let stored = try await StaffFixtures.database(directory).read { db in
            try Row.fetchOne(db, sql: "SELECT kind, body, closes_state FROM report_message WHERE closes_state IS NOT NULL")
        }
        #expect(stored?["kind"] == "reply")
        #expect(stored?["body"] == Self.finalMessage)
        #expect(stored?["closes_state"] == "aterkopplad")
    }

    @Test("the API closes with a message like the web: stored as the closing reply, mailed")
    func apiClosesWithMessage() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let apiToken = try await APITokens.create(in: directory, for: StaffFixtures.lusHandler.email, readWrite: true)
        try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            let token = try await TestSupport.fileReport(client)
            let closed = try await client.execute(uri: "/api/v1/reports/1/state", method: .post, headers: .bearerJSON(apiToken),
                                                  body: ByteBuffer(string: #"{"state":"ej-samverkansbrist","message":"Det som hände gällde en enda verksamhet och har skickats till dess avvikelsehantering."}"#))
            #expect(closed.status == .ok)
            #expect(closed.object["state"] as? String == "ej-samverkansbrist")
            let tracking = try await client.execute(uri: "/arende/\(token)?lang=en", method: .get).text
            #expect(tracking.contains("What the report led to"))
            #expect(tracking.contains("gällde en enda verksamhet"))
        }
        let mail = try await StaffFixtures.database(directory).read { db in
            try Row.fetchOne(db, sql: "SELECT subject, text_body, html_body FROM outbox_message WHERE kind = 'status-change'")
        }
        #expect((mail?["text_body"] as String?)?.contains("gällde en enda verksamhet") == true)
        #expect((mail?["html_body"] as String?)?.contains("gällde en enda verksamhet") == true)
    }

    @Test("a closed report without a stored history (bulk-loaded demo data) still shows its steps and its closing reply")
    func timelineWithoutHistory() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = try AppDatabase(path: directory + "/intake.sqlite")
        try database.migrate()
        try DemoSeeder(database: database, catalogue: try TestSupport.catalogue()).run(count: 40, now: TestSupport.fixedNow)
        let closed = try await database.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT tracking_token, state FROM report WHERE state = 'aterkopplad' AND language = 'sv' ORDER BY id LIMIT 1")
        }
        let token: String = try #require(closed?["tracking_token"])
        try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            let page = try await client.execute(uri: "/arende/\(token)", method: .get)
            #expect(page.status == .ok)
            let rest = page.text[try #require(page.text.range(of: #"<ol class="timeline""#)).upperBound...]
            let timeline = String(rest[..<(try #require(rest.range(of: "</ol>")).lowerBound)])
            #expect(timeline.contains("Mottagen"))
            let current = try #require(timeline.range(of: #"aria-current="step""#))
            #expect(timeline[current.lowerBound...].contains("Återkopplad och avslutad"))
            #expect(!timeline.contains("Kommer"), "nothing more is to come for a closed report")
            // Demo data closes like staff do: with a closing reply, shown first.
            #expect(page.text.contains("Vad rapporten ledde till"))
            #expect(DemoSeeder.closingReplies.contains { page.text.contains($0) })
        }
        let unreplied = try await database.pool.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM report r WHERE r.closed_at IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM report_message m WHERE m.report_id = r.id AND m.closes_state = r.state)
                """)
        }
        #expect(unreplied == 0, "every closed demo report has its closing reply")
    }

    @Test("a reporter without e-mail: the receipt says no mail will come, shows the whole tracking address, prints")
    func anonymousReceipt() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            for language in [Language.sv, .en] {
                let form = FormEncoder.validLUS.set("reporter_email", nil).set("lang", language.rawValue)
                let token = try await TestSupport.fileReport(client, form)
                let receipt = try await client.execute(uri: "/kvitto/\(token)\(language.query)", method: .get)
                #expect(receipt.status == .ok)
                let url = "https://samverkan.example.se/arende/\(token)\(language.query)"
                #expect(receipt.text.contains(">\(url)</a>"), "the whole address, to copy (\(language))")
                if language == .sv {
                    #expect(receipt.text.contains("du får ingen e-post från oss"))
                    #expect(receipt.text.contains("på sidan för din rapport – inte via e-post"))
                    #expect(receipt.text.contains("skriv ut den här sidan"))
                } else {
                    #expect(receipt.text.contains("you will not get any e-mail from us"))
                    #expect(receipt.text.contains("on your report's page – not by e-mail"))
                }
                #expect(!receipt.text.contains("via e-post. Vi har skickat"))
            }
            let withMail = try await TestSupport.fileReport(client)
            let receipt = try await client.execute(uri: "/kvitto/\(withMail)", method: .get).text
            #expect(!receipt.contains("du får ingen e-post"))
            #expect(receipt.contains("via e-post och på sidan för din rapport"))
            let css = try await client.execute(uri: "/static/app.css", method: .get).text
            #expect(css.contains("@media print"))
        }
    }
}
