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

/// The staff side over real HTTP on loopback, with a real SQLite file (and a real SMTP server
/// where mail delivery is the point).
@Suite("Triage over HTTP", .serialized)
struct TriageHTTPTests {
    func app(_ directory: String, smtpURL: String? = nil, clock: TestSupport.Clock = .init(TestSupport.fixedNow)) async throws -> some ApplicationProtocol {
        try await TestSupport.application(directory: directory, smtpURL: smtpURL, clock: clock.function)
    }

    func outbox(_ directory: String) throws -> [Row] {
        try StaffFixtures.database(directory).read { db in try Row.fetchAll(db, sql: "SELECT * FROM outbox_message ORDER BY id") }
    }

    @Test("the whole loop: filed, handled, replied by mail, shown on the tracking page, reporter adds, handlers notified",
          .requires(.smtpServer))
    func wholeLoop() async throws {
        let smtp = try SMTPTestServer.started()
        defer { smtp.stop() }
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        try await app(directory, smtpURL: smtp.url).test(.live) { client in
            let token = try await TestSupport.fileReport(client)
            _ = try await smtp.waitFor(3) // acknowledgement + two owner notifications

            let staff = StaffBrowser(client)
            let login = try await staff.login(StaffFixtures.lusHandler.email)
            #expect(login.status == .seeOther)
            let queue = try await staff.get("/handlaggning/ko/sthlm-lus-region")
            #expect(queue.status == .ok)
            #expect(queue.text.contains("SB-2026-00001"))
            let page = try await staff.get("/handlaggning/rapporter/1")
            #expect(page.status == .ok)
            #expect(page.text.contains("asa.oberg@example.se"), "a handläggare sees the contact data")

            let state = try await staff.post("/handlaggning/rapporter/1/status", [("status", "under-utredning")])
            #expect(state.status == .seeOther)
            let reply = try await staff.post("/handlaggning/rapporter/1/svar", [("text", "Vi har tagit kontakt med Solna stad och utreder saken.")])
            #expect(reply.status == .seeOther)
            let note = try await staff.post("/handlaggning/rapporter/1/anteckning", [("text", "Internt: ring enhetschefen.")])
            #expect(note.status == .seeOther)

            let mails = try await smtp.waitFor(5)
            let toReporter = mails.filter { $0.envelope_to == ["asa.oberg@example.se"] }
            let status = try #require(toReporter.first { $0.subject.hasPrefix("Ny status för din rapport [SB-2026-00001]") })
            #expect(status.text?.contains("Under utredning") == true)
            let replyMail = try #require(toReporter.first { $0.subject == "Svar om din rapport [SB-2026-00001]" })
            #expect(replyMail.text?.contains("Vi har tagit kontakt med Solna stad") == true)
            #expect(replyMail.text?.contains("https://samverkan.example.se/arende/\(token)") == true)
            #expect(mails.allSatisfy { $0.text?.contains("ring enhetschefen") != true }, "internal notes are never mailed")

            let tracking = try await client.execute(uri: "/arende/\(token)", method: .get)
            #expect(tracking.status == .ok)
            #expect(tracking.text.contains("Vi har tagit kontakt med Solna stad"))
            #expect(tracking.text.contains("Under utredning"))
            #expect(!tracking.text.contains("ring enhetschefen"), "internal notes stay internal")
            #expect(!tracking.text.contains("Lus Testsson"), "staff names are not shown to reporters")
            #expect(tracking.headers[.setCookie] == nil)

            let add = try await client.execute(uri: "/arende/\(token)", method: .post, headers: .form,
                                               body: FormEncoder([("information", "Det hände igen i går kväll."), ("lang", "sv")]).body)
            #expect(add.status == .seeOther)
            let all = try await smtp.waitFor(7)
            let notified = all.filter { $0.subject.hasPrefix("Ny information från rapportören: SB-2026-00001") }
            #expect(Set(notified.flatMap(\.envelope_to)) == ["lus@storsthlm.example.se", "lus@regionstockholm.example.se"])
            #expect(notified.allSatisfy { $0.text?.contains("Det hände igen i går kväll.") == true })

            let after = try await staff.get("/handlaggning/rapporter/1")
            #expect(after.text.contains("Det hände igen i går kväll."))
            #expect(after.text.contains("Rapportören lade till information"))
            #expect(after.text.contains("Status ändrad"))
        }
        // The history is in the file, append-only.
        let queue = try StaffFixtures.database(directory)
        let actions = try await queue.read { db in try String.fetchAll(db, sql: "SELECT action FROM audit_log WHERE report_id = 1 ORDER BY id") }
        #expect(actions == ["report.received", "report.state", "report.reply", "report.note", "report.reporter-added"])
        await #expect(throws: (any Error).self) {
            try await queue.write { db in try db.execute(sql: "UPDATE audit_log SET actor = 'x'") }
        }
        await #expect(throws: (any Error).self) {
            try await queue.write { db in try db.execute(sql: "DELETE FROM audit_log") }
        }
    }

    @Test("access matrix: role × staff route × own or other function's report")
    func accessMatrix() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        try await app(directory).test(.live) { client in
            _ = try await TestSupport.fileReport(client)                          // report 1: Stockholm LUS
            _ = try await TestSupport.fileReport(client, .validOrebro, region: "orebro") // report 2: Örebro utskrivning

            enum Who: String, CaseIterable { case anonymous, admin, lus, orebro, analyst }
            let emails: [Who: String] = [.admin: StaffFixtures.admin.email, .lus: StaffFixtures.lusHandler.email,
                                         .orebro: StaffFixtures.orebroHandler.email, .analyst: StaffFixtures.analyst.email]
            // (method, path, expected status per role: anonymous, admin, lus, orebro, analyst)
            let matrix: [(HTTPRequest.Method, String, [Who: Int])] = [
                (.get, "/handlaggning", [.anonymous: 303, .admin: 200, .lus: 200, .orebro: 200, .analyst: 200]),
                (.get, "/handlaggning/ko/sthlm-lus-region", [.anonymous: 303, .admin: 200, .lus: 200, .orebro: 403, .analyst: 403]),
                (.get, "/handlaggning/ko/orebro-utskrivning-region", [.anonymous: 303, .admin: 200, .lus: 403, .orebro: 200, .analyst: 403]),
                (.get, "/handlaggning/rapporter/1", [.anonymous: 303, .admin: 200, .lus: 200, .orebro: 404, .analyst: 403]),
                (.get, "/handlaggning/rapporter/2", [.anonymous: 303, .admin: 200, .lus: 404, .orebro: 200, .analyst: 403]),
                (.get, "/handlaggning/rapporter/999", [.anonymous: 303, .admin: 404, .lus: 404, .orebro: 404, .analyst: 403]),
                (.post, "/handlaggning/rapporter/1/anteckning", [.anonymous: 303, .admin: 303, .lus: 303, .orebro: 404, .analyst: 403]),
                (.post, "/handlaggning/rapporter/2/anteckning", [.anonymous: 303, .admin: 303, .lus: 404, .orebro: 303, .analyst: 403]),
                (.post, "/handlaggning/rapporter/2/status", [.anonymous: 303, .admin: 422, .lus: 404, .orebro: 422, .analyst: 403]),
                (.get, "/admin/anvandare", [.anonymous: 303, .admin: 200, .lus: 403, .orebro: 403, .analyst: 403]),
                (.get, "/admin/anvandare/1", [.anonymous: 303, .admin: 200, .lus: 403, .orebro: 403, .analyst: 403]),
                (.get, "/admin/logg", [.anonymous: 303, .admin: 200, .lus: 403, .orebro: 403, .analyst: 403]),
                (.get, "/admin/utkorg", [.anonymous: 303, .admin: 200, .lus: 403, .orebro: 403, .analyst: 403]),
                (.post, "/admin/anvandare/1/losenord", [.anonymous: 303, .admin: 303, .lus: 403, .orebro: 403, .analyst: 403]),
            ]
            for who in Who.allCases {
                let browser = StaffBrowser(client)
                if let email = emails[who] {
                    #expect(try await browser.login(email).status == .seeOther)
                }
                for (method, path, expected) in matrix {
                    let response = method == .get
                        ? try await browser.get(path)
                        : try await browser.post(path, [("text", "En anteckning från \(who.rawValue)."), ("status", "mottagen")])
                    #expect(Int(response.status.code) == expected[who], "\(who) \(method) \(path)")
                    if who == .anonymous { #expect(response.headers[.location]?.hasPrefix("/login") == true) }
                    if who == .analyst {
                        #expect(!response.text.contains("asa.oberg"), "analysts never see contact data: \(path)")
                        #expect(!response.text.contains("Patienten skrevs ut"), "analysts never see report text: \(path)")
                    }
                }
            }
            // The analyst's start page shows aggregates only.
            let analyst = StaffBrowser(client)
            try await analyst.login(StaffFixtures.analyst.email)
            let home = try await analyst.get("/handlaggning")
            #expect(home.text.contains("Samverkan vid utskrivning"))
            #expect(!home.text.contains("SB-2026-0000"))
        }
    }

    @Test("CSRF: every unsafe staff route refuses a missing or wrong token and changes nothing")
    func csrf() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        try await app(directory).test(.live) { client in
            _ = try await TestSupport.fileReport(client)
            let unsafe = ["/login", "/logout", "/losenord/glomt", "/losenord/aterstall/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/konto/losenord",
                          "/admin/anvandare", "/admin/anvandare/1", "/admin/anvandare/1/losenord", "/admin/utkorg/1/forsok-igen"]
                + TriageController.Action.allCases.map { "/handlaggning/rapporter/1/\($0.rawValue)" } + ["/handlaggning/telefon/stockholm"]
            let admin = StaffBrowser(client)
            try await admin.login(StaffFixtures.admin.email)
            let before = try outbox(directory).count
            for path in unsafe {
                let missing = try await admin.post(path, [("text", "x"), ("status", "under-utredning"), ("email", "ny@example.se"), ("name", "Ny")], withCSRF: false)
                #expect(missing.status == .forbidden, "no token: \(path)")
                let saved = admin.csrf
                admin.csrf = "wrong-token"
                let wrong = try await admin.post(path, [("text", "x"), ("status", "under-utredning")])
                #expect(wrong.status == .forbidden, "wrong token: \(path)")
                admin.csrf = saved
            }
            // Another session's token is not this session's token.
            let other = StaffBrowser(client)
            try await other.login(StaffFixtures.lusHandler.email)
            let borrowed = StaffBrowser(client)
            borrowed.cookie = admin.cookie
            borrowed.csrf = other.csrf
            #expect(try await borrowed.post("/handlaggning/rapporter/1/anteckning", [("text", "x")]).status == .forbidden)
            // Nothing changed: still logged in, no state change, no notes, no mails.
            #expect(try await admin.get("/handlaggning").status == .ok)
            let queue = try StaffFixtures.database(directory)
            let (state, messages, users) = try await queue.read { db in
                (try String.fetchOne(db, sql: "SELECT state FROM report WHERE id = 1"),
                 try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report_message"),
                 try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM staff_user"))
            }
            #expect(state == "mottagen" && messages == 0 && users == StaffFixtures.all.count)
            #expect(try outbox(directory).count == before)
            // With the token it works.
            #expect(try await admin.post("/handlaggning/rapporter/1/anteckning", [("text", "Nu med token.")]).status == .seeOther)
        }
    }

    @Test("login: session cookie renewed at login, HttpOnly and SameSite; logout ends it; throttled per account")
    func loginAndThrottle() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        try await app(directory, clock: clock).test(.live) { client in
            let browser = StaffBrowser(client)
            let page = try await browser.get("/login")
            #expect(page.status == .ok && page.headers[.setCookie] == nil, "no cookie before login")
            browser.cookie = "intake_session=" + String(repeating: "A", count: 64) // a fixated id is never used
            let wrong = try await browser.post("/login", [("email", StaffFixtures.lusHandler.email), ("password", "fel lösenord här")])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("Fel e-postadress eller lösenord"))
            let ok = try await browser.post("/login", [("email", StaffFixtures.lusHandler.email), ("password", StaffFixtures.password)])
            #expect(ok.status == .seeOther)
            let cookie = try #require(ok.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"))
            #expect(!cookie.contains("AAAAAAAA"))
            let first = browser.cookie
            // Logging in again gives a new session id; the old one is gone.
            _ = try await browser.get("/login")
            let again = StaffBrowser(client)
            again.cookie = first
            _ = try await again.get("/handlaggning")
            let relogin = try await again.post("/login", [("email", StaffFixtures.lusHandler.email), ("password", StaffFixtures.password)])
            #expect(relogin.status == .seeOther && again.cookie != first)
            _ = try await again.get("/handlaggning") // the new session has its own CSRF token
            let stale = StaffBrowser(client)
            stale.cookie = first
            #expect(try await stale.get("/handlaggning").status == .seeOther, "the old session id no longer works")

            let out = try await again.post("/logout")
            #expect(out.status == .seeOther && out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await again.get("/handlaggning").status == .seeOther)

            // Five wrong passwords lock the account for 15 minutes, even for the right password.
            let attacker = StaffBrowser(client)
            _ = try await attacker.get("/login")
            for _ in 0..<5 {
                #expect(try await attacker.post("/login", [("email", StaffFixtures.admin.email), ("password", "gissning gissning")]).status == .unauthorized)
            }
            let locked = try await attacker.post("/login", [("email", StaffFixtures.admin.email), ("password", StaffFixtures.password)])
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] == "900")
            #expect(locked.text.contains("För många försök"))
            clock.advance(15 * 60 + 1)
            _ = try await attacker.get("/login")
            #expect(try await attacker.post("/login", [("email", StaffFixtures.admin.email), ("password", StaffFixtures.password)]).status == .seeOther)

            // Sessions end after 8 idle hours.
            clock.advance(8 * 3600 + 60)
            #expect(try await attacker.get("/handlaggning").status == .seeOther)
        }
    }

    @Test("a secure-cookie configuration marks the session cookie Secure")
    func secureCookie() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory, [StaffFixtures.admin])
        var config = TestSupport.configuration(directory: directory)
        config.secureCookies = true
        try await buildApplication(configuration: config, clock: { TestSupport.fixedNow }, logger: TestSupport.quietLogger, announce: { _ in }).test(.live) { client in
            let browser = StaffBrowser(client)
            let response = try await browser.login(StaffFixtures.admin.email)
            #expect(response.headers[.setCookie]?.hasSuffix("; Secure") == true)
        }
    }

    @Test("password reset: a mailed single-use link that expires; it ends the account's sessions")
    func passwordReset() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        try await app(directory, clock: clock).test(.live) { client in
            let logged = StaffBrowser(client)
            try await logged.login(StaffFixtures.lusHandler.email)

            let browser = StaffBrowser(client)
            _ = try await browser.get("/losenord/glomt")
            let unknown = try await browser.post("/losenord/glomt", [("email", "finns-inte@example.se")])
            _ = try await browser.get("/losenord/glomt")
            let known = try await browser.post("/losenord/glomt", [("email", StaffFixtures.lusHandler.email)])
            #expect(unknown.status == .ok && known.status == .ok)
            #expect(unknown.text == known.text.replacingOccurrences(of: browser.csrf ?? "-", with: browser.csrf ?? "-"), "the same answer either way")
            let mail = try #require(try outbox(directory).last { $0["kind"] == "password-reset" })
            #expect(mail["recipient"] == StaffFixtures.lusHandler.email)
            let text: String = mail["text_body"]
            let link = try #require(text.split(separator: "\n").first { $0.hasPrefix("https://samverkan.example.se/losenord/aterstall/") })
            let path = String(link.dropFirst("https://samverkan.example.se".count))

            #expect(try await browser.get(path).status == .ok)
            let mismatch = try await browser.post(path, [("password", "ett nytt långt lösenord"), ("password_repeat", "ett annat lösenord")])
            #expect(mismatch.status == .unprocessableContent)
            let weak = try await browser.post(path, [("password", "kort"), ("password_repeat", "kort")])
            #expect(weak.status == .unprocessableContent && weak.text.contains("minst 12 tecken"))
            let done = try await browser.post(path, [("password", "ett nytt långt lösenord"), ("password_repeat", "ett nytt långt lösenord")])
            #expect(done.status == .seeOther && done.headers[.location] == "/login?klart=losenord")
            #expect(try await browser.get(path).status == .notFound, "single use")
            #expect(try await logged.get("/handlaggning").status == .seeOther, "old sessions ended")
            let fresh = StaffBrowser(client)
            #expect(try await fresh.login(StaffFixtures.lusHandler.email, password: "ett nytt långt lösenord").status == .seeOther)

            // A link older than an hour no longer works.
            _ = try await browser.get("/losenord/glomt")
            _ = try await browser.post("/losenord/glomt", [("email", StaffFixtures.admin.email)])
            let second: String = try #require(try outbox(directory).last { $0["kind"] == "password-reset" })["text_body"]
            let secondPath = String(try #require(second.split(separator: "\n").first { $0.hasPrefix("https://") }).dropFirst("https://samverkan.example.se".count))
            clock.advance(3601)
            #expect(try await browser.get(secondPath).status == .notFound)
        }
    }

    @Test("admins create accounts on the web; the one-time password must be changed at first login")
    func adminCreatesAccount() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory, [StaffFixtures.admin])
        try await app(directory).test(.live) { client in
            let admin = StaffBrowser(client)
            try await admin.login(StaffFixtures.admin.email)
            _ = try await admin.get("/admin/anvandare/ny")
            let bad = try await admin.post("/admin/anvandare", [("email", "inte-en-adress"), ("name", "Ny"), ("role", "handlaggare")])
            #expect(bad.status == .unprocessableContent && bad.text.contains("e-postadress"))
            let noFunction = try await admin.post("/admin/anvandare", [("email", "ny@example.se"), ("name", "Nina Ny"), ("role", "handlaggare")])
            #expect(noFunction.status == .unprocessableContent)
            let created = try await admin.post("/admin/anvandare", [("email", "ny@example.se"), ("name", "Nina Ny"), ("role", "handlaggare"),
                                                                    ("functions", "orebro-triage")])
            #expect(created.status == .created)
            let password = try #require(created.text.firstMatch(of: /<code>([^<]+)<\/code>/)).1
            #expect(PasswordPolicy.problem(with: String(password)) == nil)

            let nina = StaffBrowser(client)
            let login = try await nina.login("ny@example.se", password: String(password))
            #expect(login.headers[.location] == "/konto/losenord")
            #expect(try await nina.get("/handlaggning").headers[.location] == "/konto/losenord", "must change first")
            _ = try await nina.get("/konto/losenord")
            let changed = try await nina.post("/konto/losenord", [("current_password", String(password)), ("password", "ninas egna lösenord"),
                                                                  ("password_repeat", "ninas egna lösenord")])
            #expect(changed.status == .seeOther)
            #expect(try await nina.get("/handlaggning/ko/orebro-triage").status == .ok)
            #expect(try await nina.get("/handlaggning/ko/sthlm-lus-region").status == .forbidden)

            // The admin deactivates the account: its session ends at once.
            _ = try await admin.get("/admin/anvandare/2")
            let off = try await admin.post("/admin/anvandare/2", [("name", "Nina Ny"), ("role", "handlaggare"), ("functions", "orebro-triage")])
            #expect(off.status == .seeOther)
            #expect(try await nina.get("/handlaggning").status == .seeOther)
            // The last admin cannot remove their own admin role.
            _ = try await admin.get("/admin/anvandare/1")
            let demote = try await admin.post("/admin/anvandare/1", [("name", "Admin"), ("role", "analytiker"), ("active", "1")])
            #expect(demote.status == .unprocessableContent)

            let log = try await admin.get("/admin/logg")
            #expect(log.text.contains("Konto skapat") && log.text.contains("Konto ändrat") && log.text.contains("Lösenord bytt"))
        }
    }

    @Test("reclassification re-routes and notifies the new owners; escalation climbs the ladder and mails each level")
    func reclassifyAndEscalate() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        try await app(directory).test(.live) { client in
            _ = try await TestSupport.fileReport(client, .triageOnly) // report 1 → stockholm-triage
            let handler = StaffBrowser(client)
            try await handler.login(StaffFixtures.lusHandler.email)
            #expect(try await handler.get("/handlaggning/ko/stockholm-triage").text.contains("SB-2026-00001"))
            _ = try await handler.get("/handlaggning/rapporter/1")
            let wrong = try await handler.post("/handlaggning/rapporter/1/klassificera", [("avtal", "orebro-utskrivning")])
            #expect(wrong.status == .unprocessableContent, "only the region's own agreements")
            let moved = try await handler.post("/handlaggning/rapporter/1/klassificera", [("avtal", "sthlm-lus")])
            #expect(moved.status == .seeOther)

            let queue = try StaffFixtures.database(directory)
            let routes = try await queue.read { db in
                try Row.fetchAll(db, sql: "SELECT function_key, active FROM report_route WHERE report_id = 1 ORDER BY id").map { "\($0["function_key"] as String):\($0["active"] as Int)" }
            }
            #expect(routes == ["stockholm-triage:0", "sthlm-lus-storsthlm:1", "sthlm-lus-region:1"])
            let notified = try outbox(directory).filter { ($0["subject"] as String).hasPrefix("Omklassificerad samverkansbrist SB-2026-00001") }
            #expect(Set(notified.map { $0["recipient"] as String }) == ["lus@storsthlm.example.se", "lus@regionstockholm.example.se"])
            #expect(notified.allSatisfy { ($0["text_body"] as String).contains("har klassificerat om") })
            #expect(try await handler.get("/handlaggning/ko/stockholm-triage").text.contains("Inga rapporter"))
            let page = try await handler.get("/handlaggning/rapporter/1")
            #expect(page.text.contains("Omklassificerad") && page.text.contains("Samverkan vid utskrivning"))

            for (step, mailbox) in ["lokal-samverkan@stockholm.example.se", "delregional-samverkan@stockholm.example.se",
                                    "vis-tjanstestyrgrupp@stockholm.example.se", "vis-politisk-styrgrupp@stockholm.example.se"].enumerated() {
                let response = try await handler.post("/handlaggning/rapporter/1/eskalera", Self.escalationForm)
                #expect(response.status == .seeOther, "step \(step)")
                let last = try #require(try outbox(directory).last)
                #expect(last["recipient"] == mailbox)
                #expect(last["kind"] == "escalation")
            }
            let top = try await handler.post("/handlaggning/rapporter/1/eskalera", Self.escalationForm)
            #expect(top.status == .unprocessableContent && top.text.contains("högsta nivån"))
        }
    }

    /// A complete escalation: reason, the sentence for the reporter, confirmed.
    static let escalationForm = [("orsak", "Parterna är oense om kostnadsansvaret och frågan behöver lösas på högre nivå."),
                                 ("besked", "Frågan har lyfts till ledningen för samverkan i länet."), ("bekrafta", "1")]

    @Test("reminders fire when the clock reaches the deadline, once per day they are for")
    func reminders() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        // A LUS report (30-day deadline) filed on 25 November: due 25 December, reminder on 18 December.
        try await app(directory).test(.live) { client in _ = try await TestSupport.fileReport(client) }
        @Sendable func reminders() throws -> [Row] { try StaffFixtures.database(directory).read { db in try Row.fetchAll(db, sql: "SELECT * FROM outbox_message WHERE kind = 'reminder' ORDER BY id") } }
        #expect(try reminders().isEmpty)

        // The reminder service runs at start with the injected clock.
        let dayBefore = TestSupport.Clock(CalendarDay(year: 2026, month: 12, day: 18).date)
        for _ in 0..<2 {
            try await app(directory, clock: dayBefore).test(.live) { client in
                let deadline = Date().addingTimeInterval(10)
                while try reminders().count < 2 && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
                #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            }
        }
        let first = try reminders()
        #expect(first.count == 2, "one per LUS function, and not again on a second start the same day")
        #expect(Set(first.map { $0["recipient"] as String }) == ["lus@storsthlm.example.se", "lus@regionstockholm.example.se"])
        #expect(first.allSatisfy { ($0["subject"] as String).hasPrefix("Påminnelse: återkoppling senast 25 december 2026 för SB-2026-00001") })

        // Overdue: the day after the deadline, and the assigned handläggare is told too.
        let services = try await AppServices.load(configuration: TestSupport.configuration(directory: directory), clock: { Date() }, logger: TestSupport.quietLogger)
        let handler = try #require(try await services.staff.user(email: StaffFixtures.lusHandler.email))
        try await services.triage.assign(1, to: handler.id, by: handler, now: TestSupport.fixedNow)
        let overdueDay = CalendarDay(year: 2026, month: 12, day: 26).date
        #expect(try await services.triage.sendDueReminders(now: overdueDay) == 3)
        #expect(try await services.triage.sendDueReminders(now: overdueDay.addingTimeInterval(3600)) == 0)
        #expect(try await services.triage.sendDueReminders(now: CalendarDay(year: 2027, month: 1, day: 2).date) == 3)
        let overdue = try reminders().dropFirst(2)
        #expect(overdue.allSatisfy { ($0["subject"] as String).hasPrefix("Försenad återkoppling: SB-2026-00001") })
        #expect(overdue.contains { $0["recipient"] == StaffFixtures.lusHandler.email })

        // A closed report gets no reminders, and the queue's overdue view counts it no longer.
        try await services.triage.changeState(1, to: "ej-samverkansbrist", message: "Händelsen gällde inte samarbetet mellan organisationerna.", by: handler, now: overdueDay)
        #expect(try await services.triage.sendDueReminders(now: CalendarDay(year: 2027, month: 1, day: 9).date) == 0)
    }

    @Test("a reminder pass reads what is due without the writer and queues it in batches, each reminder once")
    func reminderBatches() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        // Five LUS reports (due 25 December, reminder on 18 December); one is closed before the pass.
        try await app(directory).test(.live) { client in
            for _ in 0..<5 { _ = try await TestSupport.fileReport(client) }
        }
        let services = try await AppServices.load(configuration: TestSupport.configuration(directory: directory), clock: { Date() }, logger: TestSupport.quietLogger)
        let handler = try #require(try await services.staff.user(email: StaffFixtures.lusHandler.email))
        try await services.triage.changeState(3, to: "ej-samverkansbrist", message: "Händelsen gällde inte samarbetet mellan organisationerna.",
                                              by: handler, now: TestSupport.fixedNow)
        let dayBefore = CalendarDay(year: 2026, month: 12, day: 18)
        let policy = services.catalogue.reminders
        let open = Set(services.catalogue.lifecycle.states.filter(\.isOpen).map(\.key))
        func pending() async throws -> [Int64] {
            try await services.database.pool.read { db in try TriageService.pendingReminders(today: dayBefore, policy: policy, openStates: open, in: db) }
        }
        #expect(try await pending() == [1, 2, 4, 5])
        // Batches of two reports: three write transactions' worth, two mails (the two LUS functions) per report.
        #expect(try await services.triage.sendDueReminders(now: dayBefore.date, batch: 2) == 8)
        #expect(try await pending().isEmpty)
        #expect(try await services.triage.sendDueReminders(now: dayBefore.date.addingTimeInterval(3600), batch: 2) == 0)
        let recorded = try await services.database.pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT report_id FROM reminder_sent ORDER BY report_id")
        }
        #expect(recorded == [1, 2, 4, 5], "one record per report, none for the closed one")
        // The next overdue step is due again (26 December, the day after the deadline).
        #expect(try await services.triage.sendDueReminders(now: CalendarDay(year: 2026, month: 12, day: 26).date, batch: 3) == 8)
    }

    @Test("queues filter by state, agreement, party, period, assignee and overdue, with counts and paging")
    func queueFilters() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        try await app(directory, clock: clock).test(.live) { client in
            for i in 0..<30 {
                let form = i % 3 == 0 ? FormEncoder.validLUS.set("other_parties", "nacka-kommun") : FormEncoder.validLUS
                // Shown an hour before each filing: a render time is valid for a day, the clock runs 30 hours.
                _ = try await TestSupport.fileReport(client, form.shown(at: clock.now.addingTimeInterval(-3600)))
                clock.advance(3600)
            }
            let handler = StaffBrowser(client)
            try await handler.login(StaffFixtures.lusHandler.email)
            let all = try await handler.get("/handlaggning/ko/sthlm-lus-region")
            #expect(all.text.contains("30 öppna rapporter") && all.text.contains("Sida 1 av 2"), "a queue opens on the open reports")
            #expect(all.text.contains("SB-2026-00030") && !all.text.contains("SB-2026-00005<"), "newest first, 25 per page")
            let page2 = try await handler.get("/handlaggning/ko/sthlm-lus-region?sida=2")
            #expect(page2.text.contains("SB-2026-00001<") && page2.text.contains("Sida 2 av 2"))
            #expect(try await handler.get("/handlaggning/ko/sthlm-lus-region?part=nacka-kommun").text.contains("10 öppna rapporter"))

            _ = try await handler.get("/handlaggning/rapporter/3")
            _ = try await handler.post("/handlaggning/rapporter/3/status", [("status", "under-utredning")])
            _ = try await handler.post("/handlaggning/rapporter/3/tilldela", [("handlaggare", "2")])
            let investigating = try await handler.get("/handlaggning/ko/sthlm-lus-region?status=under-utredning")
            #expect(investigating.text.contains("1 rapport.") && investigating.text.contains("SB-2026-00003"))
            #expect(investigating.text.contains("Mottagen: 29") && investigating.text.contains("Under utredning: 1"))
            #expect(try await handler.get("/handlaggning/ko/sthlm-lus-region?handlaggare=jag").text.contains("1 öppen rapport."))
            #expect(try await handler.get("/handlaggning/ko/sthlm-lus-region?handlaggare=ingen").text.contains("29 öppna rapporter"))
            #expect(try await handler.get("/handlaggning/ko/sthlm-lus-region?fran=2026-11-26&till=2026-11-26").text.contains("16 öppna rapporter"), "filed hourly from 10:00 on 25 November")
            let ascending = try await handler.get("/handlaggning/ko/sthlm-lus-region?sortera=reference&ordning=stigande")
            let firstRef = ascending.text.firstMatch(of: /SB-2026-\d{5}/).map { String($0.0) }
            #expect(firstRef == "SB-2026-00001")
            #expect(try await handler.get("/handlaggning/ko/sthlm-lus-region?forsenad=1").text.contains("0 öppna rapporter"))
            clock.advance(40 * 86400)
            try await handler.login(StaffFixtures.lusHandler.email) // the old session has expired
            let overdue = try await handler.get("/handlaggning/ko/sthlm-lus-region?forsenad=1")
            #expect(overdue.text.contains("30 öppna rapporter") && overdue.text.contains("försenad"))
            let home = try await handler.get("/handlaggning")
            #expect(home.text.contains("/handlaggning/ko/sthlm-lus-region?forsenad=1"))
        }
    }

    @Test("tracking page: unknown and malformed tokens are the same 404; refused additions store nothing")
    func trackingPage() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await app(directory).test(.live) { client in
            let token = try await TestSupport.fileReport(client)
            let unknown = try await client.execute(uri: "/arende/" + String(repeating: "x", count: 32), method: .get)
            let malformed = try await client.execute(uri: "/arende/kort", method: .get)
            #expect(unknown.status == .notFound && malformed.status == .notFound)
            #expect(unknown.text == malformed.text)
            let post = try await client.execute(uri: "/arende/" + String(repeating: "x", count: 32), method: .post, headers: .form,
                                                body: FormEncoder([("information", "hej")]).body)
            #expect(post.status == .notFound)

            for text in ["", "Personnumret är 19121212-1212.", "patienten Karin Larsson fick vänta"] {
                let refused = try await client.execute(uri: "/arende/\(token)", method: .post, headers: .form,
                                                       body: FormEncoder([("information", text), ("lang", "sv")]).body)
                #expect(refused.status == .unprocessableContent, "\(text)")
                #expect(refused.text.contains("error-summary"))
            }
            let english = try await client.execute(uri: "/arende/\(token)", method: .post, headers: .form,
                                                   body: FormEncoder([("information", "19121212-1212"), ("lang", "en")]).body)
            #expect(english.text.contains("personal identity number"))
            let count = try await StaffFixtures.database(directory).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report_message") }
            #expect(count == 0)
        }
    }
}
