import Foundation
import GRDB
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// The hostile-input corpus (Tests/corpus/*.jsonl, see generate.py there) against the real
/// `intake` binary on loopback, byte for byte over a plain socket. Every refused case gets a 4xx
/// with a message and stores nothing; every accepted case is stored once and stays inert: never
/// verbatim on a page, never a header in a mail. Nothing ever gets a 5xx.
@Suite("Hostile input corpus against the live server", .serialized, .timeLimit(.minutes(5)))
struct HostileInputTests {
    struct Case {
        var file: String
        var name: String
        var method: String
        var path: String
        var headers: [(String, String)]
        var body: [UInt8]
        var chunks: [String]?
        var expect: String
        var status: Int?
        var message: String?
        var marker: String?
        var forbiddenText: [String]
        var host: String?
        /// Sent with the admin's session cookie.
        var asAdmin: Bool
        /// Malformed HTTP: the HTTP parser refuses it with a bare 4xx, no page (no browser sends it).
        var protocolError: Bool

        var title: String { "\(file): \(name)" }
    }

    static var corpusDirectory: String { TestSupport.repositoryRoot + "/Tests/corpus" }

    static func loadCorpus() throws -> [Case] {
        let files = try FileManager.default.contentsOfDirectory(atPath: corpusDirectory).filter { $0.hasSuffix(".jsonl") }.sorted()
        var cases: [Case] = []
        for file in files {
            let text = try String(contentsOfFile: corpusDirectory + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") where !line.isEmpty {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let body: [UInt8]
                if let b64 = object["body_b64"] as? String { body = Array(try #require(Data(base64Encoded: b64))) }
                else { body = Array(((object["body"] as? String) ?? "").utf8) }
                cases.append(Case(
                    file: file, name: object["name"] as! String, method: object["method"] as! String, path: object["path"] as! String,
                    headers: ((object["headers"] as? [[String]]) ?? []).map { ($0[0], $0[1]) }, body: body,
                    chunks: object["body_chunks"] as? [String], expect: object["expect"] as! String, status: object["status"] as? Int,
                    message: object["message"] as? String, marker: object["marker"] as? String,
                    forbiddenText: (object["forbidden_text"] as? [String]) ?? [], host: object["host"] as? String,
                    asAdmin: object["session"] as? String == "admin", protocolError: object["protocol"] as? Bool ?? false))
            }
        }
        return cases
    }

    struct Counts: Equatable, CustomStringConvertible {
        var reports: Int, outbox: Int, messages: Int
        var description: String { "reports \(reports), outbox \(outbox), reporter messages \(messages)" }
    }

    static func counts(_ database: String) throws -> Counts {
        try TestSupport.openDatabase(database).read { db in
            Counts(reports: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report")!,
                   outbox: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message")!,
                   messages: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report_message")!)
        }
    }

    @Test("the corpus has at least 200 cases, each named once")
    func corpusSize() throws {
        let cases = try Self.loadCorpus()
        #expect(cases.count >= 200)
        #expect(Set(cases.map(\.title)).count == cases.count)
    }

    @Test("every corpus case: a 4xx with a message and nothing stored, or stored once and inert; never a 5xx")
    func corpus() async throws {
        let cases = try Self.loadCorpus()
        let directory = try TestSupport.temporaryDirectory("corpus")
        try await StaffFixtures.create(in: directory, [StaffFixtures.admin])
        let (server, port) = try await ShutdownTests.startServer(directory: directory)
        defer { server.stop() }
        let database = directory + "/intake.sqlite"
        let host = "127.0.0.1:\(port)"
        let formTime = FormGuard.fillTimeToken(shownAt: Date().addingTimeInterval(-3600), key: TestSupport.signingKey)
        // The binary runs on the real clock: the report's day is yesterday, whatever the date.
        let occurredOn = CalendarDay(Date()).adding(days: -1).description

        func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: String = "") async -> RawHTTP.Response {
            await RawHTTP.exchange(port: port, [RawHTTP.request(method: method, path: path, host: host, headers: headers, body: Array(body.utf8))])
        }
        // Setup: one report to add information to, an admin session to read stored reports, a login token.
        let filed = await send("POST", "/rapportera/stockholm", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                               body: FormEncoder.validLUS.set(FormGuard.fillTimeField, formTime).set("occurred_on", occurredOn).encoded)
        let tracking = try #require(filed.header("Location")?.split(separator: "/").last.map { String($0.prefix { $0 != "?" }) },
                                    "a valid report is filed: \(filed.head)")
        func csrfToken() async throws -> String {
            let page = await send("GET", "/login")
            return try #require(page.body.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.1) })
        }
        let login = await send("POST", "/login", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                               body: FormEncoder([("csrf", try await csrfToken()), ("email", StaffFixtures.admin.email),
                                                  ("password", StaffFixtures.password)]).encoded)
        let cookie = try #require(login.header("Set-Cookie")?.split(separator: ";").first.map(String.init), "admin logs in: \(login.head)")
        let csrf = try await csrfToken()

        var accepted = 0
        for item in cases {
            func fill(_ text: String) -> String {
                text.replacingOccurrences(of: "{formulartid}", with: FormEncoder.escape(formTime))
                    .replacingOccurrences(of: "{occurred_on}", with: occurredOn)
                    .replacingOccurrences(of: "{csrf}", with: FormEncoder.escape(csrf))
                    .replacingOccurrences(of: "{tracking}", with: tracking)
            }
            let path = fill(item.path)
            let headers = item.headers + (item.asAdmin ? [("Cookie", cookie)] : [])
            var chunks: [[UInt8]]
            if let parts = item.chunks {
                let chunked = parts.map { part -> [UInt8] in Array((String(part.utf8.count, radix: 16) + "\r\n" + part + "\r\n").utf8) } + [Array("0\r\n\r\n".utf8)]
                chunks = [RawHTTP.request(method: item.method, path: path, host: item.host ?? host, headers: headers, body: [])] + chunked
            } else {
                let body = String(validating: item.body, as: UTF8.self).map { Array(fill($0).utf8) } ?? item.body
                chunks = [RawHTTP.request(method: item.method, path: path, host: item.host ?? host, headers: headers, body: body)]
            }
            let before = try Self.counts(database)
            let response = await RawHTTP.exchange(port: port, chunks)
            let after = try Self.counts(database)
            let status = try #require(response.status, "\(item.title): no HTTP response (\(response.raw.count) bytes)")
            #expect(status < 500, "\(item.title): \(status)\n\(response.body.prefix(300))")

            if let marker = item.marker { #expect(!response.body.contains(marker), "\(item.title): the page shows \(marker) unescaped") }
            for text in item.forbiddenText { #expect(!response.body.contains(text), "\(item.title): the page shows \(text)") }
            #expect(response.header("X-Request-Id")?.contains("<") != true, "\(item.title): a hostile request id is echoed")

            if item.expect == "refuse" {
                #expect((400..<500).contains(status), "\(item.title): expected a 4xx, got \(status)")
                if let expected = item.status { #expect(status == expected, "\(item.title): expected \(expected), got \(status)") }
                // A clear message: the Swedish error page (or the form with its error summary).
                #expect(response.body.contains("<main") || item.protocolError, "\(item.title): \(status) without a page\n\(response.head)")
                if let message = item.message { #expect(response.body.contains(message), "\(item.title): page lacks “\(message)”") }
                #expect(after == before, "\(item.title): stored something: \(before) → \(after)")
            } else {
                accepted += 1
                #expect(status == 303, "\(item.title): expected 303, got \(status)\n\(response.body.prefix(500))")
                if path.hasPrefix("/arende/") {
                    #expect(after.messages == before.messages + 1, "\(item.title): \(before) → \(after)")
                } else {
                    #expect(after.reports == before.reports + 1, "\(item.title): \(before) → \(after)")
                }
                // Inert where it is rendered: the reporter's pages and the staff case page.
                let (id, token) = try await TestSupport.openDatabase(database).read { db in
                    let row = try Row.fetchOne(db, sql: path.hasPrefix("/arende/")
                        ? "SELECT id, tracking_token FROM report WHERE tracking_token = ?" : "SELECT id, tracking_token FROM report ORDER BY id DESC LIMIT 1",
                        arguments: path.hasPrefix("/arende/") ? [tracking] : [])!
                    return (row["id"] as Int64, row["tracking_token"] as String)
                }
                var pages = [await send("GET", "/arende/\(token)"), await send("GET", "/kvitto/\(token)")]
                pages.append(await send("GET", "/handlaggning/rapporter/\(id)", headers: [("Cookie", cookie)]))
                #expect(pages[2].status == 200, "\(item.title): staff case page \(pages[2].head)")
                for page in pages {
                    #expect(page.status.map { $0 < 500 } == true)
                    if let marker = item.marker { #expect(!page.body.contains(marker), "\(item.title): \(marker) unescaped on a page") }
                }
            }
        }
        #expect(accepted > 0)

        // Every mail the run produced: no header that came from a reporter's text.
        let outbox = directory + "/mail-outbox"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let queued = try await TestSupport.openDatabase(database).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM outbox_message WHERE status = 'queued'")! }
            if queued == 0 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let mails = try FileManager.default.contentsOfDirectory(atPath: outbox).filter { $0.hasSuffix(".eml") }
        #expect(mails.count >= accepted)
        for mail in mails {
            let text = try String(contentsOfFile: outbox + "/" + mail, encoding: .utf8)
            let head = text.components(separatedBy: "\r\n\r\n").first ?? text
            for line in head.components(separatedBy: "\r\n") {
                #expect(!line.lowercased().hasPrefix("bcc:") && !line.lowercased().hasPrefix("x-injected"), "\(mail): injected header \(line)")
            }
            #expect(!head.contains("\n") || !head.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "\(mail): a bare LF in the header")
        }
        server.send(SIGTERM)
        #expect(await server.exit(timeout: 60) == 0, "the server survived the corpus and stops cleanly")
    }
}
