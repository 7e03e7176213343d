import Foundation
import GRDB
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// Login and accounts under attack (issue #22, item 3), through HTTP against the real server
/// on loopback with a real database file.
@Suite("login hardening")
struct LoginHardeningTests {
    func app(_ directory: String, clock: TestSupport.Clock = .init(TestSupport.fixedNow),
             configure: @escaping (inout AppConfiguration) -> Void = { _ in }) async throws -> some ApplicationProtocol {
        try await TestSupport.application(directory: directory, clock: clock.function, configure: configure)
    }

    static let form: [(String, String)] = [("Content-Type", "application/x-www-form-urlencoded")]

    static func metric(_ exposition: String, _ line: String) -> Int? {
        exposition.split(separator: "\n").first { $0.hasPrefix(line + " ") }.flatMap { Int(Double($0.split(separator: " ").last ?? "") ?? -1) }
    }

    // MARK: parallel lockout

    @Test("60 parallel wrong passwords for one account: at most 5 are checked, the rest get 429; the right password is refused while locked")
    func parallelLockout() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        // A bcrypt cost above the suites' 4 makes each check take a while, so the attempts overlap.
        try await app(directory, clock: clock, configure: { $0.bcryptCost = 6 }).test(.live) { client in
            let port = try #require(client.port)
            let browser = StaffBrowser(client)
            _ = try await browser.get("/login")
            let csrf = try #require(browser.csrf)
            let body = Array(FormEncoder([("csrf", csrf), ("email", StaffFixtures.admin.email), ("password", "gissning gissning")]).encoded.utf8)
            let request = RawHTTP.request(method: "POST", path: "/login", host: "127.0.0.1:\(port)", headers: Self.form, body: body)
            // Each on its own connection and thread, all at once.
            let statuses = await withTaskGroup(of: Int?.self) { group in
                for _ in 0..<60 { group.addTask { await RawHTTP.exchange(port: port, [request]).status } }
                var all: [Int?] = []
                for await status in group { all.append(status) }
                return all
            }
            let checked = statuses.filter { $0 == 401 }.count
            let throttled = statuses.filter { $0 == 429 }.count
            #expect(checked <= 5 && checked >= 1, "password checks that passed the gate: \(checked)")
            #expect(checked + throttled == 60, "every attempt answered with 401 or 429: \(statuses)")

            // Locked: the right password is refused too, without a check.
            let right = try await browser.post("/login", [("email", StaffFixtures.admin.email), ("password", StaffFixtures.password)])
            #expect(right.status == .tooManyRequests)
            #expect(right.text.contains("För många försök"))
            #expect(right.headers[.setCookie] == nil)

            // The server's own count of password checks agrees.
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(Self.metric(metrics, #"intake_login_attempts_total{outcome="failed"}"#) == checked)
            #expect(Self.metric(metrics, #"intake_login_attempts_total{outcome="succeeded"}"#) == nil)
            #expect(Self.metric(metrics, #"intake_login_attempts_total{outcome="throttled"}"#) == throttled + 1)

            // Another account from the same address still logs in (5 failures < 20 per address),
            // and after the window the locked account does too.
            let colleague = StaffBrowser(client)
            #expect(try await colleague.login(StaffFixtures.lusHandler.email).status == .seeOther)
            clock.advance(15 * 60 + 1)
            let later = StaffBrowser(client)
            #expect(try await later.login(StaffFixtures.admin.email).status == .seeOther)
        }
    }

    // MARK: timing of unknown and known accounts

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    @Test("the dummy hash for unknown accounts is made with the configured bcrypt cost")
    func dummyHashCost() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = try AppDatabase(path: directory + "/intake.sqlite")
        try database.migrate()
        for cost: UInt8 in [4, 6] {
            let hash = await StaffRepository(database: database, bcryptCost: cost).dummyHash()
            #expect(hash.split(separator: "$").dropFirst().first.map { Int($0) } == Int(cost), "\(hash.prefix(7))")
        }
    }

    @Test("a wrong password costs one bcrypt check of the configured cost whether or not the account exists: the stored hash, or the dummy hash for an unknown e-mail")
    func sameWork() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory, bcryptCost: 6)
        let database = try AppDatabase(path: directory + "/intake.sqlite")
        let checked = Mutex<[String]>([])
        let staff = StaffRepository(database: database, bcryptCost: 6, passwordCheck: { _, hash in
            checked.withLock { $0.append(hash) }
            return false
        })
        #expect(try await staff.authenticate(email: StaffFixtures.lusHandler.email, password: "gissning gissning") == nil)
        #expect(try await staff.authenticate(email: "finns-inte@example.se", password: "gissning gissning") == nil)
        let hashes = checked.withLock { $0 }
        try #require(hashes.count == 2, "one check per attempt")
        let stored = try await database.pool.read { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM staff_user WHERE email = ?", arguments: [StaffFixtures.lusHandler.email])
        }
        #expect(hashes[0] == stored)
        #expect(hashes[1] == (await staff.dummyHash()))
        // The cost is the work: both "$2b$06$…".
        #expect(hashes.map { $0.split(separator: "$").dropFirst().first.map(String.init) } == ["06", "06"])
    }

    @Test("over HTTP a wrong password is refused alike for an unknown account and a known one; asking for a reset link answers alike, never before its floor, and mails only the account that exists")
    func refusedAlike() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory, bcryptCost: 6)
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        try await app(directory, clock: clock, configure: { $0.bcryptCost = 6 }).test(.live) { client in
            let browser = StaffBrowser(client)
            var pages: [String] = []
            for round in 0..<2 {
                _ = try await browser.get("/login")
                for email in [StaffFixtures.lusHandler.email, "finns-inte-\(round)@example.se"] {
                    let response = try await browser.post("/login", [("email", email), ("password", "gissning gissning")])
                    #expect(response.status == .unauthorized)
                    pages.append(response.text.replacingOccurrences(of: email, with: "E-POST"))
                }
                clock.advance(16 * 60) // a new throttling window each round
            }
            #expect(pages[0] == pages[1], "the same page whether or not the account exists")

            // The reset page waits at least its floor for both (the behaviour that hides which
            // addresses exist); how much longer is load, not a test: timings are benchmarks' business.
            let floor = Self.seconds(StaffAuthController.forgotResponseTime)
            var answers: [String] = []
            for round in 0..<3 {
                _ = try await browser.get("/losenord/glomt")
                for email in [StaffFixtures.lusHandler.email, "finns-inte-\(round)@example.se"] {
                    let start = ContinuousClock.now
                    let response = try await browser.post("/losenord/glomt", [("email", email)])
                    #expect(Self.seconds(ContinuousClock.now - start) >= floor)
                    #expect(response.status == .ok)
                    answers.append(response.text.replacingOccurrences(of: email, with: "E-POST"))
                }
                clock.advance(16 * 60)
            }
            #expect(answers[0] == answers[1], "the same answer whether or not the account exists")
            let mails = try await StaffFixtures.database(directory).read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message WHERE kind = 'password-reset'")
            }
            #expect(mails == 3, "a link only for the account that exists")
        }
    }

    @Test("reset-link requests are limited per e-mail and per client address, under keys of their own")
    func resetRequestsLimited() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        try await app(directory, configure: { $0.trustProxy = true }).test(.live) { client in
            let asker = StaffBrowser(client)
            asker.extraHeaders[.xForwardedFor] = "198.51.100.20"
            _ = try await asker.get("/losenord/glomt")
            for index in 0..<20 {
                #expect(try await asker.post("/losenord/glomt", [("email", "nobody\(index)@example.se")]).status == .ok)
            }
            let limited = try await asker.post("/losenord/glomt", [("email", "nobody-else@example.se")])
            #expect(limited.status == .tooManyRequests && limited.text.contains("För många försök"))
            // Reset requests do not count against the address's logins, nor the other way round.
            _ = try await asker.get("/login")
            #expect(try await asker.post("/login", [("email", StaffFixtures.admin.email), ("password", StaffFixtures.password)]).status == .seeOther)
            // Per e-mail address: five requests, from any client.
            let other = StaffBrowser(client)
            other.extraHeaders[.xForwardedFor] = "198.51.100.21"
            _ = try await other.get("/losenord/glomt")
            for _ in 0..<5 { #expect(try await other.post("/losenord/glomt", [("email", StaffFixtures.analyst.email)]).status == .ok) }
            #expect(try await other.post("/losenord/glomt", [("email", StaffFixtures.analyst.email)]).status == .tooManyRequests)
        }
    }

    // MARK: next after login

    @Test("after login, next is followed only to a local path", arguments: [
        ("/handlaggning/rapporter/1", "/handlaggning/rapporter/1"),
        ("/handlaggning?ko=sthlm-lus-region&sida=2", "/handlaggning?ko=sthlm-lus-region&sida=2"),
        ("/%09/evil.example", nil), ("/\t/evil.example", nil), ("/\t/evil", nil), ("/\\evil.example", nil),
        ("//evil.example", nil), ("https://evil.example", nil), ("%2F%2Fevil", nil), ("/%2F/evil.example", nil),
        ("/%5Cevil.example", nil), ("/%252F/evil.example", nil), ("/\n/evil.example", nil), ("/\r\n//evil.example", nil),
        (" //evil.example", nil), ("/ /evil.example", nil), ("/\u{3000}/evil.example", nil), ("/\u{200B}/evil.example", nil),
        ("\\\\evil.example", nil), ("http:evil.example", nil), ("/%zz/x", nil), ("", nil),
    ] as [(String, String?)])
    func next(_ value: String, _ expected: String?) async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory, [StaffFixtures.admin])
        try await app(directory).test(.live) { client in
            let browser = StaffBrowser(client)
            // The login page carries next on only when it is safe (the query is decoded once).
            let page = try await browser.get("/login?next=" + value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"name="next" value="/"#) == (expected != nil), "login page for next=\(value.debugDescription)")
            #expect(!page.text.contains("evil"))
            let response = try await browser.post("/login", [("email", StaffFixtures.admin.email), ("password", StaffFixtures.password), ("next", value)])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == (expected ?? "/handlaggning"), "next=\(value.debugDescription)")
        }
    }

    // MARK: login CSRF

    @Test("POST /login from another origin is refused with a Swedish 403 page; our own origin logs in", arguments: [
        ("Origin", "https://evil.example", 403), ("Origin", "null", 403), ("Referer", "https://evil.example/login", 403),
        ("Origin", "https://samverkan.example.se.evil.example", 403),
        ("Origin", "https://samverkan.example.se", 303), ("Referer", "https://samverkan.example.se/login", 303), ("none", "", 303),
    ])
    func loginOrigin(_ header: String, _ value: String, _ expected: Int) async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory, [StaffFixtures.admin])
        try await app(directory).test(.live) { client in
            let browser = StaffBrowser(client)
            _ = try await browser.get("/login")
            if header != "none" { browser.extraHeaders[HTTPField.Name(header)!] = value }
            let response = try await browser.post("/login", [("email", StaffFixtures.admin.email), ("password", StaffFixtures.password)])
            #expect(response.status.code == expected)
            if expected == 403 {
                #expect(response.headers[.setCookie] == nil, "no session")
                #expect(response.text.contains("Formuläret skickades från en annan webbplats än vår"))
                #expect(response.text.contains("<html"))
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            }
        }
    }

    @Test("the request's own host is our origin too; the reset forms are checked the same way")
    func ownHostAndResetForms() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory, [StaffFixtures.admin])
        try await app(directory).test(.live) { client in
            let port = try #require(client.port)
            let browser = StaffBrowser(client)
            _ = try await browser.get("/login")
            let body = FormEncoder([("csrf", try #require(browser.csrf)), ("email", StaffFixtures.admin.email), ("password", StaffFixtures.password)]).encoded
            let own = await RawHTTP.exchange(port: port, [RawHTTP.request(method: "POST", path: "/login", host: "127.0.0.1:\(port)",
                                                                          headers: Self.form + [("Origin", "http://127.0.0.1:\(port)")], body: Array(body.utf8))])
            #expect(own.status == 303, "\(own.head)")
            let stranger = StaffBrowser(client)
            _ = try await stranger.get("/losenord/glomt")
            stranger.extraHeaders[.origin] = "https://evil.example"
            let forgot = try await stranger.post("/losenord/glomt", [("email", StaffFixtures.admin.email)])
            #expect(forgot.status == .forbidden && forgot.text.contains("annan webbplats"))
            let queued = try await StaffFixtures.database(directory).read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message WHERE kind = 'password-reset'")
            }
            #expect(queued == 0)
        }
    }

    // MARK: reset links die with a password change

    static func resetPath(_ directory: String) async throws -> String {
        let text = try await StaffFixtures.database(directory).read { db in
            try String.fetchOne(db, sql: "SELECT text_body FROM outbox_message WHERE kind = 'password-reset' ORDER BY id DESC LIMIT 1")
        }
        let link = try #require(text?.split(separator: "\n").first { $0.hasPrefix("https://samverkan.example.se/losenord/aterstall/") })
        return String(link.dropFirst("https://samverkan.example.se".count))
    }

    @Test("a password change invalidates open reset links: by the user, and by an admin with intake user set-password",
          .requires(.intakeBinary))
    func resetLinkDiesOnPasswordChange() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        try await app(directory).test(.live) { client in
            let anonymous = StaffBrowser(client)
            _ = try await anonymous.get("/losenord/glomt")
            #expect(try await anonymous.post("/losenord/glomt", [("email", StaffFixtures.lusHandler.email)]).status == .ok)
            let first = try await Self.resetPath(directory)
            #expect(try await anonymous.get(first).status == .ok, "the link works before the change")

            // The user changes the password while logged in.
            let user = StaffBrowser(client)
            try await user.login(StaffFixtures.lusHandler.email)
            _ = try await user.get("/konto/losenord")
            let changed = try await user.post("/konto/losenord", [("current_password", StaffFixtures.password),
                                                                  ("password", "ett helt nytt lösenord"), ("password_repeat", "ett helt nytt lösenord")])
            #expect(changed.status == .seeOther)
            #expect(try await anonymous.get(first).status == .notFound)
            let reused = try await anonymous.post(first, [("password", "angriparens lösenord"), ("password_repeat", "angriparens lösenord")])
            #expect(reused.status == .notFound && reused.text.contains("Länken har redan använts eller gått ut"))

            // An admin sets a password on the command line.
            _ = try await anonymous.get("/losenord/glomt")
            #expect(try await anonymous.post("/losenord/glomt", [("email", StaffFixtures.lusHandler.email)]).status == .ok)
            let second = try await Self.resetPath(directory)
            #expect(second != first)
            #expect(try await anonymous.get(second).status == .ok)
            let set = try TokenCommandTests.intake(["user", "set-password", "--email", StaffFixtures.lusHandler.email], directory: directory)
            #expect(set.status == 0, "\(set.stderr)")
            #expect(try await anonymous.get(second).status == .notFound)

            // No open link is left for the account.
            let open = try await StaffFixtures.database(directory).read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM password_reset WHERE used_at IS NULL")
            }
            #expect(open == 0)
        }
    }

    // MARK: the public form's signed render time

    @Test("a signed form time older than a day is refused; the form comes back kept, with a new token that works")
    func oldFormTimeRefused() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        try await app(directory, clock: clock).test(.live) { client in
            // FormEncoder signs "shown an hour before the fixed time": 23 hours later it is still fine.
            clock.advance(22 * 3600)
            let fine = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: FormEncoder.validLUS.body)
            #expect(fine.status == .seeOther)

            clock.advance(2 * 3600) // now 25 hours after the form was shown
            let old = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: FormEncoder.validLUS.body)
            #expect(old.status == .unprocessableContent)
            #expect(old.text.contains("Formuläret har varit öppet i mer än ett dygn"))
            #expect(old.text.contains("Patienten skrevs ut från sjukhuset"), "the values are kept")
            func reports() async throws -> Int? {
                try await StaffFixtures.database(directory).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report") }
            }
            #expect(try await reports() == 1, "nothing stored")

            let renewed = try #require(old.text.firstMatch(of: /name="formulartid" value="([^"]+)"/).map { String($0.1) })
            #expect(renewed != FormGuard.fillTimeToken(shownAt: TestSupport.fixedNow.addingTimeInterval(-3600), key: TestSupport.signingKey))
            let again = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form,
                                                  body: FormEncoder.validLUS.set(FormGuard.fillTimeField, renewed).body)
            #expect(again.status == .seeOther, "sent again at once with the new token")
            #expect(try await reports() == 2)

            // A token signed far in the past (replayed) is refused the same way, never filed.
            let replay = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form,
                                                  body: FormEncoder.validLUS.shown(at: TestSupport.fixedNow.addingTimeInterval(-30 * 86_400)).body)
            #expect(replay.status == .unprocessableContent)
            #expect(try await reports() == 2)
        }
    }
}
