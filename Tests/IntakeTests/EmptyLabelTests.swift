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

/// Issue 19.3: a label whose value is missing is not rendered. Every page and mail template in
/// Templates/ is rendered through the code that really fills it (the pages over HTTP, the mails
/// from the outbox), with every optional value absent — an anonymous, unclassified report with
/// none of the optional fields, never escalated, assigned or closed; an account without
/// functions; an empty month — in Swedish and English. It fails on an empty `<dd>`, an empty
/// `()` or a dangling "version", and when a template in Templates/ is not covered here.
@Suite("No empty labels in any template", .serialized)
struct EmptyLabelTests {
    /// What the page or mail shows that a reader would take for a missing value.
    static func problems(in text: String) -> [String] {
        var found: [String] = []
        let rules: [(String, String)] = [
            (#"<dd[^>]*>\s*(<ul[^>]*>\s*</ul>\s*)?</dd>"#, "an empty <dd>"),
            (#"\(\s*\)"#, "an empty ()"),
            (#"\b[Vv]ersion\s*\)"#, "a dangling \"version\""),
            (#"\b[Vv]ersion\s+[^\w\s]"#, "a dangling \"version\""),
            (#"\b[Vv]ersion\s*$"#, "a dangling \"version\""),
        ]
        for (pattern, name) in rules {
            let regex = try! NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let range = Range(match.range, in: text) else { continue }
                let start = text.index(range.lowerBound, offsetBy: -60, limitedBy: text.startIndex) ?? text.startIndex
                let end = text.index(range.upperBound, offsetBy: 20, limitedBy: text.endIndex) ?? text.endIndex
                found.append("\(name): …\(text[start..<end].replacingOccurrences(of: "\n", with: "⏎"))…")
            }
        }
        return found
    }

    @Test("the rules catch what they are for, and nothing else")
    func rulesWork() {
        #expect(Self.problems(in: "<dt>Avslutad</dt><dd></dd>").count == 1)
        #expect(Self.problems(in: "<dt>Hanteras av</dt><dd><ul class=\"plain\"></ul></dd>").count == 1)
        #expect(Self.problems(in: "<dd>Ej klassificerad (version )</dd>").count >= 1)
        #expect(Self.problems(in: "Ej klassificerad ()").count == 1)
        #expect(Self.problems(in: "<span>Barn · version </span>").count == 1)
        #expect(Self.problems(in: "<dd>LUS (version 2)</dd><th>Rapporter sedan gällande version</th> Varje version som").isEmpty)
    }

    /// Every template, by the name PageRenderer knows it: "pages/case", "mail/reply" (text and HTML together).
    static func templatesOnDisk() throws -> Set<String> {
        var names = Set<String>()
        for folder in ["pages", "mail"] {
            let path = TestSupport.templatesDirectory + "/" + folder
            for file in try FileManager.default.contentsOfDirectory(atPath: path) where file.hasSuffix(".mustache") {
                var name = String(file.dropLast(".mustache".count))
                if folder == "mail" { name = String(name.prefix { $0 != "." }) }
                names.insert("\(folder)/\(name)")
            }
        }
        return names
    }

    /// Partials: rendered inside every page that uses them.
    static let partials: [String: String] = [
        "pages/layout": "every page", "pages/field": "pages/report-form", "pages/password-fields": "pages/password",
        "pages/confirm-names": "pages/case",
    ]

    /// The pages, each with where it is rendered and who is logged in (nil: nobody).
    static func pages(token: String) -> [(template: String, path: String, login: String?)] {
        [
            ("pages/home", "/", nil),
            ("pages/choose-agreement", "/rapportera/stockholm", nil),
            ("pages/report-form", "/rapportera/stockholm?avtal=vet-inte", nil),
            ("pages/receipt", "/kvitto/\(token)", nil),
            ("pages/receipt", "/arende/\(token)", nil),
            ("pages/error", "/finns-inte", nil),
            ("pages/accessibility", "/tillganglighet", nil),
            ("pages/privacy", "/personuppgifter", nil),
            ("pages/learning", "/larande", nil),
            ("pages/login", "/login", nil),
            ("pages/password", "/losenord/glomt", nil),
            ("pages/password", "/konto/losenord", StaffFixtures.lusHandler.email),
            ("pages/staff-home", "/handlaggning", StaffFixtures.lusHandler.email),
            ("pages/staff-home", "/handlaggning", StaffFixtures.analyst.email),
            ("pages/queue", "/handlaggning/ko/stockholm-triage", StaffFixtures.lusHandler.email),
            ("pages/case", "/handlaggning/rapporter/1", StaffFixtures.lusHandler.email),
            ("pages/case", "/handlaggning/rapporter/1", StaffFixtures.admin.email),
            ("pages/dashboard", "/handlaggning/uppfoljning", StaffFixtures.analyst.email),
            ("pages/register", "/handlaggning/overenskommelser", StaffFixtures.analyst.email),
            ("pages/admin-users", "/admin/anvandare", StaffFixtures.admin.email),
            ("pages/admin-user", "/admin/anvandare/1", StaffFixtures.admin.email),
            ("pages/admin-user", "/admin/anvandare/ny", StaffFixtures.admin.email),
            ("pages/admin-log", "/admin/logg", StaffFixtures.admin.email),
            ("pages/admin-outbox", "/admin/utkorg", StaffFixtures.admin.email),
            ("pages/admin-tokens", "/admin/nycklar", StaffFixtures.admin.email),
            ("pages/phone-start", "/handlaggning/telefon", StaffFixtures.lusHandler.email),
        ]
    }

    /// An unclassified report with none of the optional fields and no contact details at all.
    static var bare: FormEncoder {
        FormEncoder.validLUS.set("avtal", "vet-inte").set("consequences", nil).set("improvement", nil)
            .set("reporter_name", nil).set("reporter_role", nil).set("reporter_email", nil).set("reporter_phone", nil)
    }

    @Test("every page and mail template, every optional value absent, Swedish and English")
    func everyTemplate() async throws {
        let directory = try TestSupport.temporaryDirectory()
        // The admin has no functions: the account page shows none.
        try await StaffFixtures.create(in: directory)
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        let pageOutputs = try await TestSupport.application(directory: directory, clock: clock.function).test(.live) { client -> [(template: String, where: String, text: String)] in
            var pages: [(template: String, where: String, text: String)] = []
            let token = try await TestSupport.fileReport(client, Self.bare) // report 1: nothing optional
            // Mails to a reporter need an address: only the address, nothing else optional, in both languages.
            for language in ["sv", "en"] {
                _ = try await TestSupport.fileReport(client, Self.bare.set("reporter_email", "bara.adress@example.se").set("lang", language))
            }
            for (template, path, login) in Self.pages(token: token) {
                let browser = StaffBrowser(client)
                if let login { try await browser.login(login) }
                for english in [false, true] {
                    let url = english ? path + (path.contains("?") ? "&" : "?") + "lang=en" : path
                    let response = try await browser.get(url)
                    #expect(response.status == .ok || (template == "pages/error" && response.status == .notFound), "\(url): \(response.status)")
                    pages.append((template, url + (login.map { " as \($0)" } ?? ""), response.text))
                }
            }
            // Every mail a report can cause, on the reports with an address (2: Swedish, 3: English).
            let staff = StaffBrowser(client)
            try await staff.login(StaffFixtures.lusHandler.email)
            let lusId = try await StaffFixtures.database(directory).read { db in
                try Int64.fetchOne(db, sql: "SELECT id FROM staff_user WHERE email = ?", arguments: [StaffFixtures.lusHandler.email]) ?? 0
            }
            let admin = StaffBrowser(client)
            try await admin.login(StaffFixtures.admin.email)
            for id in [2, 3] {
                let base = "/handlaggning/rapporter/\(id)"
                _ = try await staff.get(base)
                #expect(try await staff.post(base + "/status", [("status", "under-utredning")]).status == .seeOther)
                #expect(try await staff.post(base + "/svar", [("text", "Vi utreder.")]).status == .seeOther)
                #expect(try await admin.post(base + "/tilldela", [("handlaggare", "\(lusId)")]).status == .seeOther)
                #expect(try await staff.post(base + "/eskalera", [("orsak", "Oenighet om ansvaret."), ("besked", "Frågan har lyfts."), ("bekrafta", "1")]).status == .seeOther)
                #expect(try await staff.post(base + "/status", [("status", "aterkopplad"), ("meddelande", "Rutinen är ändrad.")]).status == .seeOther)
            }
            let tokens = try await StaffFixtures.database(directory).read { db in try String.fetchAll(db, sql: "SELECT tracking_token FROM report WHERE id IN (2, 3) ORDER BY id") }
            for reportToken in tokens {
                let add = try await client.execute(uri: "/arende/\(reportToken)", method: .post, headers: .form, body: FormEncoder([("information", "Mer information.")]).body)
                #expect(add.status == .seeOther)
            }
            // A report registered from a phone call without the caller's contact details: its confirmation page.
            let phone = StaffBrowser(client)
            try await phone.login(StaffFixtures.lusHandler.email)
            _ = try await phone.get("/handlaggning/telefon/stockholm?avtal=vet-inte")
            let registered = try await phone.post("/handlaggning/telefon/stockholm", PhoneReportTests.fields(Self.bare))
            let confirmation = try #require(registered.headers[.location], "the phone report was registered: \(registered.status)")
            for url in [confirmation, confirmation + "?lang=en"] {
                let response = try await phone.get(url)
                #expect(response.status == .ok, "\(url): \(response.status)")
                pages.append(("pages/phone-registered", url, response.text))
            }
            let forgot = StaffBrowser(client)
            _ = try await forgot.get("/losenord/glomt")
            _ = try await forgot.post("/losenord/glomt", [("email", StaffFixtures.analyst.email)])
            return pages
        }
        var rendered: [String: [(where: String, text: String)]] = [:]
        for page in pageOutputs { rendered[page.template, default: []].append((page.where, page.text)) }

        // The mails as the outbox worker renders them (queued again, so the worker's own reading of
        // the report's facts is what is rendered), plus the reminders and an empty month's summary.
        var config = TestSupport.configuration(directory: directory)
        config.summaryScheduler = false
        let services = try await AppServices.load(configuration: config, clock: { TestSupport.fixedNow }, logger: TestSupport.quietLogger)
        // The refusal of a mailed report: rendered with only the one reason it gives.
        for reason in [["identityNumber": true], ["name": true]] as [[String: Any]] {
            var context = reason
            context["formURL"] = "https://samverkan.example.se/rapportera/stockholm"
            for kind in ["text", "html"] {
                rendered["mail/mail-refused", default: []].append(("mail-refused \(reason.keys.first ?? ""), \(kind)", services.renderer.render("mail/mail-refused.\(kind)", context)))
            }
        }
        try await services.triage.sendDueReminders(now: TestSupport.fixedNow.addingTimeInterval(400 * 86_400))
        _ = try await SummarySender(services: services).send(period: .lastCompleted(.monthly, today: CalendarDay(TestSupport.fixedNow)), now: TestSupport.fixedNow)
        try await services.database.pool.write { db in try db.execute(sql: "UPDATE outbox_message SET status = 'queued', next_attempt_at = created_at") }
        let far = TestSupport.fixedNow.addingTimeInterval(1000 * 86_400)
        for message in try await services.outbox.due(now: far, limit: 10_000) {
            let bodies = try #require(services.mailComposer.bodies(of: message), "mail \(message.id) (\(message.kind)) renders")
            let name = "mail/\(message.template ?? message.kind)"
            rendered[name, default: []].append(("\(message.kind) to \(message.recipient), text", bodies.text))
            rendered[name, default: []].append(("\(message.kind) to \(message.recipient), HTML", bodies.html))
        }

        // Every template in Templates/ is covered; partials through their pages.
        let onDisk = try Self.templatesOnDisk()
        let covered = Set(rendered.keys).union(Self.partials.keys)
        #expect(onDisk.subtracting(covered).isEmpty, "templates not covered by this test: \(onDisk.subtracting(covered).sorted())")
        #expect(Set(PageRenderer.requiredTemplates.map { $0.replacingOccurrences(of: ".text", with: "").replacingOccurrences(of: ".html", with: "") })
                    .isSubset(of: covered))
        for (template, outputs) in rendered.sorted(by: { $0.key < $1.key }) {
            if template.hasPrefix("mail/") && !["mail/assignment", "mail/escalation", "mail/reporter-addition", "mail/reminder", "mail/password-reset", "mail/summary", "mail/owner-notification",
                                                      "mail/mail-refused"].contains(template) {
                // Reporter mails are in the report's language: both must be there.
                #expect(outputs.contains { $0.text.contains("Hej!") } && outputs.contains { $0.text.contains("Hello,") }, "\(template) in Swedish and English")
            }
            for output in outputs {
                let problems = Self.problems(in: output.text)
                #expect(problems.isEmpty, "\(template) (\(output.where)):\n\(problems.joined(separator: "\n"))")
            }
        }
    }
}
