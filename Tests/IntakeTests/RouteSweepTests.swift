import Foundation
import GRDB
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// Every route the router has (from `intake routes --json`, the router's own table, not a hand
/// list), as every role, each of its path, query, form and JSON values set in turn to extreme
/// and malformed values, against the real `intake` binary on loopback. Asserted: no response is
/// a 5xx, the process stays alive and answers `/health`, and a refused request (4xx) stored
/// nothing. A new route or a newly declared parameter is covered without editing this test.
@Suite("Route sweep: every route × parameter × role with hostile values", .serialized, .timeLimit(.minutes(20)))
struct RouteSweepTests {
    /// The values each parameter gets in turn (path values are percent-encoded in the path).
    static let hostileValues: [String] = [
        "0", "-1", "2147483648", "9223372036854775807", "-9223372036854775808", "18446744073709551616",
        "1e309", "NaN", "", String(repeating: "9", count: 2000), "١٢٣", "１２", "../", "../../etc/passwd", "\u{0}", "1\u{0}",
    ]

    struct Route: Decodable {
        var method: String
        var path: String
        var query: [String]
        var form: [String]
        var json: [String]
    }

    /// A session of one role: the cookie, its CSRF token and its API token.
    struct Role {
        var name: String
        var email: String?
        var cookie: String?
        var csrf: String?
        var apiToken: String?
    }

    struct Counts: Equatable, CustomStringConvertible {
        var values: [Int]
        var description: String { zip(Self.tables, values).map { "\($0) \($1)" }.joined(separator: ", ") }
        static let tables = ["report", "report_message", "report_route", "outbox_message", "staff_user", "api_token"]
    }

    static func counts(_ db: DatabaseQueue) throws -> Counts {
        try db.read { db in
            Counts(values: try Counts.tables.map { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") ?? -1 })
        }
    }

    static func percentEncoded(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    static func jsonString(_ value: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed])) ?? Data("[\"\"]".utf8)
        return String(decoding: data, as: UTF8.self).dropFirst().dropLast().description
    }

    @Test("no route answers 5xx or stops the process, whatever a parameter holds; refused requests store nothing")
    func sweep() async throws {
        let directory = try TestSupport.temporaryDirectory("sweep")
        let ids = try await StaffFixtures.create(in: directory)
        // A spare account and token the admin routes may change or revoke without ending the sweep's own sessions.
        let spare = try await StaffFixtures.create(in: directory, [.init(email: "reserv@example.se", role: .handlaggare, functions: ["sthlm-lus-region"])])
        _ = try await APITokens.create(in: directory, for: "reserv@example.se", readWrite: true)
        var tokens: [String: String] = [:]
        for account in StaffFixtures.all {
            tokens[account.email] = try await APITokens.create(in: directory, for: account.email, readWrite: account.role != .analytiker)
        }
        let (listStatus, listOutput) = try await ShutdownTests.intake(["routes", "--json"], directory: directory)
        #expect(listStatus == 0, "intake routes --json: \(listOutput)")
        let jsonLine = try #require(listOutput.split(separator: "\n").first { $0.hasPrefix("[") }, "routes JSON in: \(listOutput)")
        let routes = try JSONDecoder().decode([Route].self, from: Data(jsonLine.utf8))
        #expect(routes.count >= 40, "the route table lists the routes: \(routes.count)")
        for known in ["/handlaggning/ko/{function}", "/api/v1/reports", "/open311/v2/{file}", "/rapportera/{region}", "/admin/logg"] {
            #expect(routes.contains { $0.path == known }, "\(known) is in the route table")
        }

        let (server, port) = try await ShutdownTests.startServer(directory: directory)
        defer { server.stop() }
        let host = "127.0.0.1:\(port)"
        let database = try TestSupport.openDatabase(directory + "/intake.sqlite")

        func send(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) async -> RawHTTP.Response {
            await RawHTTP.exchange(port: port, [RawHTTP.request(method: method, path: target, host: host, headers: headers, body: body)])
        }
        func csrf(in body: String) -> String? { body.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.1) } }
        func cookie(of response: RawHTTP.Response) -> String? {
            response.header("Set-Cookie")?.split(separator: ";").first.map(String.init)
        }

        // Setup: a report to work on, every role logged in.
        let formTime = FormGuard.fillTimeToken(shownAt: Date().addingTimeInterval(-3600), key: TestSupport.signingKey)
        let filed = await send("POST", "/rapportera/stockholm", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                               body: Array(FormEncoder.validLUS.set(FormGuard.fillTimeField, formTime).encoded.utf8))
        let tracking = try #require(filed.header("Location")?.split(separator: "/").last.map { String($0.prefix { $0 != "?" }) },
                                    "a valid report is filed: \(filed.head)")
        let (reportId, reference) = try await database.read { db -> (Int64, String) in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT id, reference FROM report WHERE tracking_token = ?", arguments: [tracking]))
            return (row["id"], row["reference"])
        }
        let spareTokenId = try await database.read { db in
            try Int64.fetchOne(db, sql: "SELECT t.id FROM api_token t JOIN staff_user u ON u.id = t.user_id WHERE u.email = 'reserv@example.se'")
        }

        func login(_ role: inout Role) async throws {
            guard let email = role.email else {
                role.csrf = csrf(in: await send("GET", "/login").body)
                return
            }
            let page = await send("GET", "/login")
            let body = FormEncoder([("csrf", csrf(in: page.body) ?? ""), ("email", email), ("password", StaffFixtures.password)]).encoded
            let response = await send("POST", "/login", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8))
            role.cookie = try #require(cookie(of: response), "\(email) logs in: \(response.head)")
            let home = await send("GET", "/handlaggning", headers: [("Cookie", role.cookie!)])
            role.csrf = csrf(in: home.body)
            #expect(role.csrf != nil, "\(email): a CSRF token on the start page")
        }
        var roles = [Role(name: "anonym")] + [StaffFixtures.admin, StaffFixtures.lusHandler, StaffFixtures.analyst].map {
            Role(name: $0.role.rawValue, email: $0.email, apiToken: tokens[$0.email])
        }
        for index in roles.indices { try await login(&roles[index]) }

        /// A value that reaches past the first check, per parameter name; others start absent.
        func baseline(_ name: String, role: Role) -> String? {
            switch name {
            case "csrf": role.csrf
            case FormGuard.fillTimeField: formTime
            case "api_key": role.apiToken
            case "lang": "sv"
            case "avtal": "sthlm-lus"
            case "service_code": "sthlm-lus"
            case "jurisdiction_id": "stockholm"
            default: nil
            }
        }
        func pathValue(_ name: String, route: String) -> String {
            switch name {
            case "region": "stockholm"
            case "token": route.hasPrefix("/losenord") ? String(repeating: "A", count: 43) : tracking
            case "function": "sthlm-lus-region"
            case "file":
                if route.hasPrefix("/open311/v2/services/") { "sthlm-lus.json" }
                else if route.hasPrefix("/open311/v2/requests/") { "\(reference).json" }
                else { "requests.json" }
            case "id":
                if route.hasPrefix("/admin/anvandare") { String(spare["reserv@example.se"] ?? 0) }
                else if route.hasPrefix("/admin/nycklar") { String(spareTokenId ?? 0) }
                else if route.hasPrefix("/admin/utkorg") { "1" }
                else { String(reportId) }
            default: "1"
            }
        }

        // Routes that end or lock sessions go last, logout at the very end.
        let ordered = routes.sorted { a, b in
            func rank(_ r: Route) -> Int { r.path == "/logout" ? 3 : (r.path.hasPrefix("/login") || r.path.hasPrefix("/losenord") || r.path.hasPrefix("/konto") ? 2 : 1) }
            return rank(a) < rank(b)
        }
        var sent = 0, refused = 0, serverErrors: [String] = []
        for (position, route) in ordered.enumerated() {
            let pathNames = route.path.split(separator: "/").compactMap { $0.hasPrefix("{") ? String($0.dropFirst().dropLast()) : nil }
            let isForm = route.method == "POST" && !route.form.isEmpty
            let isJSON = route.method == "POST" && !route.json.isEmpty
            // (kind, name): every value the route reads, and `lang`, which every page reads.
            var parameters: [(String, String)] = pathNames.map { ("path", $0) } + route.query.map { ("query", $0) } + [("query", "lang")]
            if isForm { parameters += route.form.map { ("form", $0) } }
            if isJSON { parameters += route.json.map { ("json", $0) } }

            for role in roles {
                for (kind, name) in parameters {
                    for value in Self.hostileValues {
                        func valueFor(_ k: String, _ n: String) -> String? {
                            (k, n) == (kind, name) ? value : (k == "path" ? pathValue(n, route: route.path) : baseline(n, role: role))
                        }
                        var target = "/" + route.path.split(separator: "/").map { part -> String in
                            guard part.hasPrefix("{") else { return String(part) }
                            return Self.percentEncoded(valueFor("path", String(part.dropFirst().dropLast())) ?? "")
                        }.joined(separator: "/")
                        let query = (route.query + ["lang"]).compactMap { n in valueFor("query", n).map { "\(Self.percentEncoded(n))=\(Self.percentEncoded($0))" } }
                        if !query.isEmpty { target += "?" + query.joined(separator: "&") }
                        var headers: [(String, String)] = []
                        if let cookie = role.cookie { headers.append(("Cookie", cookie)) }
                        if let token = role.apiToken, route.path.hasPrefix("/api/") { headers.append(("Authorization", "Bearer \(token)")) }
                        var body: [UInt8] = []
                        if isForm {
                            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
                            let pairs = route.form.compactMap { n in valueFor("form", n).map { "\(Self.percentEncoded(n))=\(Self.percentEncoded($0))" } }
                            body = Array(pairs.joined(separator: "&").utf8)
                        } else if isJSON {
                            headers.append(("Content-Type", "application/json"))
                            let members = route.json.compactMap { n in valueFor("json", n).map { "\(Self.jsonString(n)):\(Self.jsonString($0))" } }
                            body = Array(("{" + members.joined(separator: ",") + "}").utf8)
                        }
                        var attempts = [body]
                        // JSON numbers as the raw token too (1e309, 2^64, NaN as a bare word).
                        if isJSON && kind == "json" && !value.isEmpty && !value.contains("\u{0}") {
                            attempts.append(Array(("{\(Self.jsonString(name)):\(value)}").utf8))
                        }
                        for attempt in attempts {
                            let before = try Self.counts(database)
                            let response = await send(route.method, target, headers: headers, body: attempt)
                            let after = try Self.counts(database)
                            sent += 1
                            let what = "\(role.name) \(route.method) \(route.path) \(kind) \(name)=\(value.prefix(20).debugDescription)"
                            guard let status = response.status else {
                                serverErrors.append("\(what): no HTTP response")
                                continue
                            }
                            if status >= 500 { serverErrors.append("\(what): \(status) \(response.body.prefix(200))") }
                            if (400..<500).contains(status) {
                                refused += 1
                                #expect(after == before, "\(what): refused with \(status) but stored something: \(before) → \(after)")
                            }
                        }
                    }
                }
            }
            // After each route: the process is alive and healthy.
            #expect(server.waitForExit(timeout: 0) == nil, "the server died during \(route.method) \(route.path)\n\(server.log.suffix(2000))")
            let health = await send("GET", "/health")
            #expect(health.status == 200, "/health after \(route.method) \(route.path): \(health.head)")
            if server.waitForExit(timeout: 0) != nil { break }
            // A staff session a route ended (logout, password change) is renewed for the next route.
            for index in roles.indices where roles[index].cookie != nil && position < ordered.count - 1 {
                let home = await send("GET", "/handlaggning", headers: [("Cookie", roles[index].cookie!)])
                if home.status != 200 { try await login(&roles[index]) }
            }
        }
        #expect(serverErrors.isEmpty, "\(serverErrors.count) responses were 5xx or missing:\n\(serverErrors.prefix(30).joined(separator: "\n"))")
        print("route sweep: \(routes.count) routes, \(roles.count) roles, \(sent) requests, \(refused) refused, \(serverErrors.count) server errors")
        #expect(sent > 10_000)
        server.send(SIGTERM)
        #expect(await server.exit(timeout: 60) == 0, "the server survived the sweep and stops cleanly")
    }
}
