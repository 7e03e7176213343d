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

/// A handläggare registers a report for someone who phoned (#21.4), over real HTTP on loopback
/// with a real SQLite file and, where the acknowledgement is the point, a real SMTP server.
@Suite("Phone registration over HTTP", .serialized)
struct PhoneReportTests {
    func app(_ directory: String, smtpURL: String? = nil) async throws -> some ApplicationProtocol {
        try await TestSupport.application(directory: directory, smtpURL: smtpURL, clock: TestSupport.Clock(TestSupport.fixedNow).function)
    }

    /// The public test form's fields, as the staff form posts them (no fill time, no honeypot).
    static func fields(_ form: FormEncoder = .validLUS) -> [(String, String)] {
        form.pairs.filter { $0.0 != FormGuard.fillTimeField }
    }

    func reports(_ directory: String) throws -> [Row] {
        try StaffFixtures.database(directory).read { db in try Row.fetchAll(db, sql: "SELECT * FROM report ORDER BY id") }
    }

    @Test("a handläggare registers a call: channel telefon, history names them, routed, the caller's acknowledgement arrives by SMTP",
          .requires(.smtpServer))
    func registers() async throws {
        let smtp = try SMTPTestServer.started()
        defer { smtp.stop() }
        let directory = try TestSupport.temporaryDirectory()
        let ids = try await StaffFixtures.create(in: directory)
        try await app(directory, smtpURL: smtp.url).test(.live) { client in
            let staff = StaffBrowser(client)
            try await staff.login(StaffFixtures.lusHandler.email)
            let home = try await staff.get("/handlaggning")
            #expect(home.text.contains("<a href=\"/handlaggning/telefon\">Registrera rapport från telefonsamtal</a>"), "linked from the staff header")
            let queue = try await staff.get("/handlaggning/ko/sthlm-lus-region")
            #expect(queue.text.contains("href=\"/handlaggning/telefon\""), "and from the queue")

            let start = try await staff.get("/handlaggning/telefon")
            #expect(start.status == .ok)
            #expect(start.text.contains("href=\"/handlaggning/telefon/stockholm\""))
            let choose = try await staff.get("/handlaggning/telefon/stockholm")
            #expect(choose.status == .ok)
            #expect(choose.text.contains("action=\"/handlaggning/telefon/stockholm\""))
            #expect(choose.text.contains("value=\"sthlm-lus\""), "the public agreement choice")
            let form = try await staff.get("/handlaggning/telefon/stockholm?avtal=sthlm-lus")
            #expect(form.status == .ok)
            #expect(form.text.contains("<h1>Registrera rapport från telefonsamtal</h1>"))
            #expect(form.text.contains("name=\"csrf\""))
            #expect(form.text.contains("name=\"what_happened\""), "the fields of Forms/")
            #expect(form.text.contains("name=\"x_discharge_step\""), "and the agreement's own fields")
            #expect(!form.text.contains(FormGuard.honeypotField) && !form.text.contains(FormGuard.fillTimeField), "no bot traps for staff")
            #expect(form.text.contains("Uppringarens kontaktuppgifter (frivilligt)"))

            let posted = try await staff.post("/handlaggning/telefon/stockholm", Self.fields())
            #expect(posted.status == .seeOther)
            #expect(posted.headers[.location] == "/handlaggning/telefon/registrerad/1")

            let rows = try reports(directory)
            #expect(rows.count == 1)
            #expect(rows.first?["channel"] as String? == "telefon")
            #expect(rows.first?["reporter_email"] as String? == "asa.oberg@example.se")
            let audit = try await StaffFixtures.database(directory).read { db in
                try Row.fetchOne(db, sql: "SELECT actor_user_id, actor, action FROM audit_log WHERE report_id = 1 ORDER BY id LIMIT 1")
            }
            #expect(audit?["action"] as String? == "report.received")
            #expect(audit?["actor_user_id"] as Int64? == ids[StaffFixtures.lusHandler.email])
            #expect(audit?["actor"] as String? == "Lus Testsson")
            let routes = try await StaffFixtures.database(directory).read { db in
                try String.fetchAll(db, sql: "SELECT function_key FROM report_route WHERE report_id = 1 ORDER BY function_key")
            }
            #expect(routes == ["sthlm-lus-region", "sthlm-lus-storsthlm"], "routed like any LUS report")

            let confirmation = try await staff.get("/handlaggning/telefon/registrerad/1")
            #expect(confirmation.status == .ok)
            #expect(confirmation.text.contains("<strong id=\"phone-reference\">SB-2026-00001</strong>"))
            #expect(confirmation.text.contains("Skickas till den e-postadress uppringaren lämnade"))
            let token = try #require(rows.first?["tracking_token"] as String?)
            #expect(confirmation.text.contains("https://samverkan.example.se/arende/\(token)"))

            // Acknowledgement to the caller and the two owners' notifications, through real SMTP.
            let mails = try await smtp.waitFor(3)
            let ack = try #require(mails.first { $0.envelope_to == ["asa.oberg@example.se"] })
            #expect(ack.subject == "Vi har tagit emot din rapport [SB-2026-00001]")
            #expect(ack.text?.contains("Tack för att du ringde oss. En handläggare har registrerat det du berättade som en rapport.") == true)
            #expect(ack.text?.contains("https://samverkan.example.se/arende/\(token)") == true)

            let page = try await staff.get("/handlaggning/rapporter/1")
            #expect(page.text.contains("<dd id=\"case-channel\">Telefon</dd>"))
            #expect(page.text.contains("Lus Testsson"), "the history names who registered it")

            // Another handläggare cannot open this confirmation (it carries the caller's link); an admin can.
            let other = StaffBrowser(client)
            try await other.login(StaffFixtures.orebroHandler.email)
            #expect(try await other.get("/handlaggning/telefon/registrerad/1").status == .notFound)
            let admin = StaffBrowser(client)
            try await admin.login(StaffFixtures.admin.email)
            #expect(try await admin.get("/handlaggning/telefon/registrerad/1").status == .ok)
        }
    }

    @Test("the phone form's agreement step is the public one: the finder ranks by sok, Fortsätt with nothing chosen answers 422 with the error")
    func agreementStep() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        try await app(directory).test(.live) { client in
            let staff = StaffBrowser(client)
            try await staff.login(StaffFixtures.lusHandler.email)
            let ranked = try await staff.get("/handlaggning/telefon/stockholm?sok=rullstolen+kom+aldrig")
            #expect(ranked.status == .ok)
            let suggestions = try #require(ranked.text.range(of: "Förslag som passar bäst"))
            let aid = try #require(ranked.text.range(of: #"id="avtal-sthlm-hjalpmedel""#))
            #expect(aid.lowerBound > suggestions.lowerBound, "the aid agreement is suggested")
            #expect(ranked.text.contains(#"action="/handlaggning/telefon/stockholm""#), "the choice stays on the phone form")
            let nothingChosen = try await staff.get("/handlaggning/telefon/stockholm?fortsatt=1")
            #expect(nothingChosen.status == .unprocessableContent)
            #expect(nothingChosen.text.contains("Rätta 1 sak:"))
            #expect(try reports(directory).isEmpty)
        }
    }

    @Test("without the caller's contact: stored, routed, no acknowledgement queued, the reference shown to give on the phone")
    func withoutContact() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        try await app(directory).test(.live) { client in
            let staff = StaffBrowser(client)
            try await staff.login(StaffFixtures.admin.email)
            _ = try await staff.get("/handlaggning/telefon/stockholm?avtal=vet-inte&lang=en")
            let anonymous = FormEncoder.triageOnly.set("reporter_name", nil).set("reporter_role", nil).set("lang", "en")
            let posted = try await staff.post("/handlaggning/telefon/stockholm", Self.fields(anonymous))
            #expect(posted.status == .seeOther)
            #expect(posted.headers[.location] == "/handlaggning/telefon/registrerad/1?lang=en")
            let row = try #require(try reports(directory).first)
            #expect(row["channel"] as String? == "telefon")
            #expect(row["reporter_email"] as String? == nil && row["reporter_name"] as String? == nil)
            let kinds = try await StaffFixtures.database(directory).read { db in try String.fetchAll(db, sql: "SELECT kind FROM outbox_message ORDER BY id") }
            #expect(kinds == ["owner-notification"], "only the triage function is told; no acknowledgement without an address")
            let confirmation = try await staff.get("/handlaggning/telefon/registrerad/1?lang=en")
            #expect(confirmation.text.contains("None – the caller left no e-mail address."))
            #expect(confirmation.text.contains("SB-2026-00001"))
        }
    }

    @Test("the privacy check refuses a personnummer or a patient's name: nothing stored, the form comes back with the message")
    func privacyRefusal() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        try await app(directory).test(.live) { client in
            let staff = StaffBrowser(client)
            try await staff.login(StaffFixtures.lusHandler.email)
            _ = try await staff.get("/handlaggning/telefon/stockholm?avtal=sthlm-lus")
            let withNumber = FormEncoder.validLUS.set("what_happened", "Patienten 19121212-1212 skrevs ut utan att kommunen fick veta det.")
            let refused = try await staff.post("/handlaggning/telefon/stockholm", Self.fields(withNumber))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("ser ut som ett personnummer eller samordningsnummer"))
            #expect(refused.text.contains("name=\"csrf\""), "the form can be corrected and sent again")
            #expect(try reports(directory).isEmpty)
            let outbox = try await StaffFixtures.database(directory).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message") }
            #expect(outbox == 0)

            let corrected = try await staff.post("/handlaggning/telefon/stockholm", Self.fields())
            #expect(corrected.status == .seeOther)
            #expect(try reports(directory).count == 1)
        }
    }

    @Test("CSRF and roles: no or a wrong token refused; not logged in sent to login; an analyst refused; nothing stored")
    func refusals() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        try await app(directory).test(.live) { client in
            let anonymous = try await client.execute(uri: "/handlaggning/telefon", method: .get)
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/login?next=%2Fhandlaggning%2Ftelefon")
            let anonymousPost = try await client.execute(uri: "/handlaggning/telefon/stockholm", method: .post, headers: .form,
                                                         body: FormEncoder(Self.fields()).body)
            #expect(anonymousPost.status == .seeOther)
            #expect(anonymousPost.headers[.location] == "/login")

            let staff = StaffBrowser(client)
            try await staff.login(StaffFixtures.lusHandler.email)
            _ = try await staff.get("/handlaggning/telefon/stockholm?avtal=sthlm-lus")
            let missing = try await staff.post("/handlaggning/telefon/stockholm", Self.fields(), withCSRF: false)
            #expect(missing.status == .forbidden)
            let saved = staff.csrf
            staff.csrf = "wrong-token"
            #expect(try await staff.post("/handlaggning/telefon/stockholm", Self.fields()).status == .forbidden)
            staff.csrf = saved
            var crossSite = staff.headers
            crossSite[.origin] = "https://elak.example.com"
            crossSite[.contentType] = "application/x-www-form-urlencoded"
            var body = FormEncoder(Self.fields())
            body.add("csrf", saved ?? "")
            let foreign = try await client.execute(uri: "/handlaggning/telefon/stockholm", method: .post, headers: crossSite, body: body.body)
            #expect(foreign.status == .forbidden)

            let analyst = StaffBrowser(client)
            try await analyst.login(StaffFixtures.analyst.email)
            #expect(try await analyst.get("/handlaggning/telefon").status == .forbidden)
            #expect(try await analyst.post("/handlaggning/telefon/stockholm", Self.fields()).status == .forbidden)
            #expect(!(try await analyst.get("/handlaggning").text.contains("/handlaggning/telefon")), "no link for analysts")

            #expect(try reports(directory).isEmpty)
            #expect(try await staff.post("/handlaggning/telefon/stockholm", Self.fields()).status == .seeOther, "with the token it works")
        }
    }
}
