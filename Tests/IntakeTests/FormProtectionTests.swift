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

/// The public form's abuse protection over real HTTP: honeypot, minimum fill time, rate limit
/// per client address and the Origin/Referer check. The clock is moved, never slept on.
@Suite("Abuse protection on the public form")
struct FormProtectionTests {
    func app(_ directory: String, clock: TestSupport.Clock, configure: (inout AppConfiguration) -> Void = { _ in }) async throws -> some ApplicationProtocol {
        try await TestSupport.application(directory: directory, clock: clock.function, configure: configure)
    }

    func reportCount(_ directory: String) async throws -> Int {
        let queue = try DatabaseQueue(path: directory + "/intake.sqlite")
        return try await queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report")! }
    }

    func post(_ client: some TestClientProtocol, _ form: FormEncoder, headers: HTTPFields = [:]) async throws -> TestResponse {
        var all = HTTPFields.form
        all.append(contentsOf: headers)
        return try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: all, body: form.body)
    }

    // MARK: honeypot and fill time

    @Test("the form carries a labelled honeypot outside the tab order and a signed render time")
    func formMarkup() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await app(directory, clock: .init(TestSupport.fixedNow)).test(.live) { client in
            let page = try await client.execute(uri: "/rapportera/stockholm?avtal=sthlm-lus", method: .get).text
            #expect(page.contains(#"<label for="f-webbplats">Lämna det här fältet tomt</label>"#))
            #expect(page.contains(#"name="webbplats" value="" tabindex="-1" autocomplete="off""#))
            let token = FormGuard.fillTimeToken(shownAt: TestSupport.fixedNow, key: TestSupport.signingKey)
            #expect(page.contains(#"name="formulartid" value="\#(token)""#))
        }
    }

    @Test("a filled honeypot, a missing or forged render time, or an instant post: refused without saying why, nothing stored",
          arguments: ["honeypot", "missing", "forged", "instant", "future"])
    func bots(_ kind: String) async throws {
        let directory = try TestSupport.temporaryDirectory()
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        try await app(directory, clock: clock).test(.live) { client in
            let form: FormEncoder = switch kind {
            case "honeypot": FormEncoder.validLUS.set("webbplats", "https://cheap-pills.example")
            case "missing": FormEncoder.validLUS.withoutFillTime
            case "forged": FormEncoder.validLUS.shown(at: TestSupport.fixedNow.addingTimeInterval(-600), key: Array("guess".utf8))
            case "instant": FormEncoder.validLUS.shown(at: TestSupport.fixedNow.addingTimeInterval(-1))
            default: FormEncoder.validLUS.shown(at: TestSupport.fixedNow.addingTimeInterval(3600))
            }
            let response = try await post(client, form)
            #expect(response.status == .badRequest)
            #expect(response.text.contains("<h1>Rapporten kunde inte tas emot</h1>"))
            #expect(response.text.contains("Vi kunde inte ta emot rapporten. Ingenting har sparats."))
            for hint in ["webbplats", "honeypot", "snabbt", "fast", "token", "signatur"] {
                #expect(!response.text.contains(hint), "the page does not say why (\(hint))")
            }
        }
        #expect(try await reportCount(directory) == 0)
    }

    @Test("a person who sends too soon gets the form back with the values kept, and can send once the time has passed")
    func tooFast() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        try await app(directory, clock: clock).test(.live) { client in
            let form = FormEncoder.validLUS.shown(at: TestSupport.fixedNow.addingTimeInterval(-3))
            let response = try await post(client, form)
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("Rapporten skickades mycket snabbt"))
            #expect(response.text.contains(##"href="#f-skicka""##))
            #expect(response.text.contains("Enligt överenskommelsen ska kommunen få meddelande"), "values kept")
            // The render time is kept, so the wait is not started over.
            let token = FormGuard.fillTimeToken(shownAt: TestSupport.fixedNow.addingTimeInterval(-3), key: TestSupport.signingKey)
            #expect(response.text.contains(#"value="\#(token)""#))

            clock.advance(3)
            let again = try await post(client, form)
            #expect(again.status == .seeOther)
        }
        #expect(try await reportCount(directory) == 1)
    }

    @Test("the minimum fill time is configurable")
    func configurableFillTime() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        let application = try await app(directory, clock: clock, configure: { $0.minFillSeconds = 60 })
        try await application.test(.live) { client in
            let thirty = try await post(client, FormEncoder.validLUS.shown(at: TestSupport.fixedNow.addingTimeInterval(-40)))
            #expect(thirty.status == .unprocessableContent)
            let minute = try await post(client, FormEncoder.validLUS.shown(at: TestSupport.fixedNow.addingTimeInterval(-60)))
            #expect(minute.status == .seeOther)
        }
    }

    // MARK: rate limit

    @Test("after the hourly limit a client gets 429 with Retry-After and the time to try again; corrections do not count")
    func rateLimit() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        let application = try await app(directory, clock: clock, configure: { $0.rateLimitPerHour = 3 })
        try await application.test(.live) { client in
            for _ in 0..<3 {
                // A form with errors in between is given back to the person, not counted.
                let invalid = try await post(client, FormEncoder.validLUS.set("what_happened", nil))
                #expect(invalid.status == .unprocessableContent)
                #expect(try await post(client, FormEncoder.validLUS).status == .seeOther)
                clock.advance(600)
            }
            // 30 minutes after the first report: the first slot frees 30 minutes from now.
            let limited = try await post(client, FormEncoder.validLUS)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "1800")
            #expect(limited.text.contains("<h1>För många försök</h1>"))
            // Now 10:30; the first report (10:00) leaves the window at 11:00, shown as Swedish clock time.
            #expect(limited.text.contains("Försök igen efter klockan 11.00, om ungefär 30 minuter."))
            #expect(limited.text.contains("Din rapport är inte skickad."))

            let english = try await post(client, FormEncoder.validLUS.set("lang", "en"))
            #expect(english.status == .tooManyRequests)
            #expect(english.text.contains("Try again after 11:00 Swedish time"))

            clock.advance(1800)
            #expect(try await post(client, FormEncoder.validLUS).status == .seeOther)
        }
        #expect(try await reportCount(directory) == 4)
    }

    @Test("behind a trusted proxy the last X-Forwarded-For address is counted; otherwise the header is ignored")
    func forwardedFor() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        let application = try await app(directory, clock: clock, configure: { $0.rateLimitPerHour = 1; $0.trustProxy = true })
        try await application.test(.live) { client in
            let a: HTTPFields = [.xForwardedFor: "10.9.9.9, 198.51.100.1"]
            let spoofed: HTTPFields = [.xForwardedFor: "10.1.1.1, 198.51.100.1"]
            let b: HTTPFields = [.xForwardedFor: "198.51.100.2"]
            let first = try await post(client, FormEncoder.validLUS, headers: a)
            let sameClient = try await post(client, FormEncoder.validLUS, headers: spoofed)
            let otherClient = try await post(client, FormEncoder.validLUS, headers: b)
            #expect(first.status == .seeOther)
            #expect(sameClient.status == .tooManyRequests, "a client-supplied first entry does not make a new client")
            #expect(otherClient.status == .seeOther)
        }
        let direct = try TestSupport.temporaryDirectory()
        let directApp = try await app(direct, clock: clock, configure: { $0.rateLimitPerHour = 1 })
        try await directApp.test(.live) { client in
            let first = try await post(client, FormEncoder.validLUS, headers: [.xForwardedFor: "198.51.100.1"])
            let second = try await post(client, FormEncoder.validLUS, headers: [.xForwardedFor: "198.51.100.2"])
            #expect(first.status == .seeOther)
            #expect(second.status == .tooManyRequests, "without INTAKE_TRUST_PROXY the header is ignored")
        }
    }

    @Test("behind a trusted proxy, staff login throttling counts each client, not the proxy")
    func loginThrottleBehindProxy() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let application = try await app(directory, clock: .init(TestSupport.fixedNow), configure: { $0.trustProxy = true })
        try await application.test(.live) { client in
            let guesser = StaffBrowser(client)
            guesser.extraHeaders[.xForwardedFor] = "198.51.100.66"
            _ = try await guesser.get("/login")
            // 20 wrong passwords on 20 accounts from one client: the address limit.
            for index in 0..<20 {
                _ = try await guesser.post("/login", [("email", "nobody\(index)@example.se"), ("password", "gissning gissning")])
            }
            let blocked = try await guesser.post("/login", [("email", StaffFixtures.lusHandler.email), ("password", StaffFixtures.password)])
            #expect(blocked.status == .tooManyRequests)
            // A colleague behind the same nginx is another client.
            let colleague = StaffBrowser(client)
            colleague.extraHeaders[.xForwardedFor] = "198.51.100.67"
            _ = try await colleague.get("/login")
            let ok = try await colleague.post("/login", [("email", StaffFixtures.lusHandler.email), ("password", StaffFixtures.password)])
            #expect(ok.status == .seeOther)
        }
    }

    @Test("client keys: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 per /64")
    func clientKeys() {
        #expect(FormGuard.normalise("192.0.2.7") == "192.0.2.7")
        #expect(FormGuard.normalise("::ffff:192.0.2.7") == "192.0.2.7")
        #expect(FormGuard.normalise("2001:db8:1:2:aaaa::1") == "2001:0db8:0001:0002::/64")
        #expect(FormGuard.normalise("2001:db8:1:2:bbbb::9") == FormGuard.normalise("2001:db8:1:2:aaaa::1"))
    }

    // MARK: Origin and Referer

    @Test("posts from another site are refused with 403; our own origin, the request's host, or no header are accepted",
          arguments: [
            ("origin-evil", 403), ("origin-null", 403), ("referer-evil", 403), ("origin-lookalike", 403),
            ("origin-public", 303), ("origin-host", 303), ("referer-public", 303), ("none", 303),
          ])
    func origin(_ kind: String, _ expected: Int) async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await app(directory, clock: .init(TestSupport.fixedNow)).test(.live) { client in
            let headers: HTTPFields = switch kind {
            case "origin-evil": [.origin: "https://evil.example"]
            case "origin-null": [.origin: "null"]
            case "referer-evil": [.referer: "https://evil.example/rapportera/stockholm"]
            case "origin-lookalike": [.origin: "https://samverkan.example.se.evil.example"]
            case "origin-public": [.origin: "https://samverkan.example.se"]
            case "origin-host": [.origin: "http://localhost"]  // the test client's Host is "localhost"
            case "referer-public": [.referer: "https://samverkan.example.se/rapportera/stockholm?avtal=sthlm-lus"]
            default: [:]
            }
            var all = HTTPFields.form
            all.append(contentsOf: headers)
            let response = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: all, body: FormEncoder.validLUS.body)
            #expect(Int(response.status.code) == expected, "\(kind)")
            if expected == 403 {
                #expect(response.text.contains("Rapporten skickades från en annan webbplats än vår"))
                #expect(response.text.contains(#"href="/rapportera/stockholm""#))
            }
        }
        #expect(try await reportCount(directory) == (expected == 303 ? 1 : 0))
    }

    @Test("adding information on the tracking page is refused from another site")
    func trackingOrigin() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await app(directory, clock: .init(TestSupport.fixedNow)).test(.live) { client in
            let filed = try await post(client, FormEncoder.validLUS)
            let tracking = try #require(filed.headers[.location]).replacingOccurrences(of: "/kvitto/", with: "/arende/")
            var headers = HTTPFields.form
            headers[.origin] = "https://evil.example"
            let response = try await client.execute(uri: tracking, method: .post, headers: headers, body: FormEncoder([("information", "Mer om händelsen.")]).body)
            #expect(response.status == .forbidden)
            #expect(response.text.contains("från en annan webbplats än vår"))
            let page = try await client.execute(uri: tracking, method: .get)
            #expect(!page.text.contains("Mer om händelsen."))
        }
    }

    @Test("origins compare by scheme, host and port")
    func authorities() {
        #expect(FormGuard.authority(ofURL: "https://Samverkan.Example.se:443") == "https://samverkan.example.se")
        #expect(FormGuard.authority(ofURL: "http://127.0.0.1:8080/x?y") == "http://127.0.0.1:8080")
        #expect(FormGuard.authority(ofURL: "null") == nil)
        #expect(FormGuard.authority(ofURL: "ftp://samverkan.example.se") == nil)
        let allowed = FormGuard.allowedAuthorities(publicURL: "https://samverkan.example.se", host: "intake.internal:8080")
        #expect(allowed == ["https://samverkan.example.se", "http://intake.internal:8080", "https://intake.internal:8080"])
    }
}
