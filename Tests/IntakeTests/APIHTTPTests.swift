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

/// The staff JSON API over real HTTP on loopback: bearer tokens only, the web's access rules,
/// and every change through TriageService (audit log, mails).
@Suite("Staff API", .serialized)
struct APIHTTPTests {
    func app(_ directory: String, clock: TestSupport.Clock = .init(TestSupport.fixedNow)) async throws -> some ApplicationProtocol {
        try await TestSupport.application(directory: directory, clock: clock.function)
    }

    func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

    @Test("no token, a wrong token or a session cookie: 401 problem+json with WWW-Authenticate, never an HTML page")
    func authentication() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        try await app(directory).test(.live) { client in
            for headers in [HTTPFields(), .bearer("sbk_nonsense"), [.authorization: "Basic YWRtaW46YWRtaW4="]] {
                let response = try await client.execute(uri: "/api/v1/reports", method: .get, headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(response.object["status"] as? Int == 401)
            }
            let browser = StaffBrowser(client)
            try await browser.login(StaffFixtures.admin.email)
            #expect(browser.cookie != nil)
            let withCookie = try await client.execute(uri: "/api/v1/reports", method: .get, headers: browser.headers)
            #expect(withCookie.status == .unauthorized, "the session cookie is not an API credential")
            let post = try await client.execute(uri: "/api/v1/reports/1/notes", method: .post, headers: [.cookie: browser.cookie ?? "", .contentType: "application/json"], body: body(#"{"text":"x"}"#))
            #expect(post.status == .unauthorized)

            let unknown = try await client.execute(uri: "/api/v1/finns-inte", method: .get)
            #expect(unknown.status == .notFound)
            #expect(unknown.headers[.contentType] == "application/problem+json")
            let open311 = try await client.execute(uri: "/open311/v2/finns-inte.xml", method: .get)
            #expect(open311.status == .notFound)
            #expect(open311.xmlTexts("code") == ["404"])

            let spec = try await client.execute(uri: "/api/openapi.yaml", method: .get)
            #expect(spec.status == .ok)
            #expect(spec.text.hasPrefix("openapi: 3.1.0"))
        }
    }

    @Test("a token sees only its user's functions: Stockholm LUS, Örebro, admin, analyst")
    func access() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let lus = try await APITokens.create(in: directory, for: StaffFixtures.lusHandler.email)
        let orebro = try await APITokens.create(in: directory, for: StaffFixtures.orebroHandler.email)
        let admin = try await APITokens.create(in: directory, for: StaffFixtures.admin.email)
        let analyst = try await APITokens.create(in: directory, for: StaffFixtures.analyst.email)
        try await app(directory).test(.live) { client in
            _ = try await TestSupport.fileReport(client)                                // 1: Stockholm LUS
            _ = try await TestSupport.fileReport(client, .validOrebro, region: "orebro") // 2: Örebro
            _ = try await TestSupport.fileReport(client, .triageOnly)                    // 3: Stockholm triage

            func references(_ token: String, _ query: String = "") async throws -> [String] {
                let response = try await client.execute(uri: "/api/v1/reports\(query)", method: .get, headers: .bearer(token))
                #expect(response.status == .ok)
                return (response.object["reports"] as? [[String: Any]] ?? []).compactMap { $0["reference"] as? String }.sorted()
            }
            #expect(try await references(lus) == ["SB-2026-00001", "SB-2026-00003"])
            #expect(try await references(orebro) == ["SB-2026-00002"])
            #expect(try await references(admin) == ["SB-2026-00001", "SB-2026-00002", "SB-2026-00003"])
            #expect(try await references(lus, "?function=stockholm-triage") == ["SB-2026-00003"])
            #expect(try await references(lus, "?agreement=none") == ["SB-2026-00003"])
            #expect(try await references(admin, "?region=orebro") == ["SB-2026-00002"])
            #expect(try await references(admin, "?status=under-utredning") == [])
            #expect(try await references(admin, "?open=true&sort=reference&order=asc&page_size=2") == ["SB-2026-00001", "SB-2026-00002"])

            let notMember = try await client.execute(uri: "/api/v1/reports?function=orebro-utskrivning-region", method: .get, headers: .bearer(lus))
            #expect(notMember.status == .forbidden)
            for bad in ["?status=finns-inte", "?page=0", "?page_size=1000", "?sort=namn", "?from=yesterday", "?overdue=ja", "?okand=1"] {
                let response = try await client.execute(uri: "/api/v1/reports\(bad)", method: .get, headers: .bearer(admin))
                #expect(response.status == .badRequest, "\(bad)")
            }

            let own = try await client.execute(uri: "/api/v1/reports/1", method: .get, headers: .bearer(lus))
            #expect(own.status == .ok)
            #expect(own.object["reference"] as? String == "SB-2026-00001")
            #expect(own.object["reporter_has_email"] as? Bool == true)
            #expect(!own.text.contains("asa.oberg") && !own.text.contains("Åsa Öberg") && !own.text.contains("Sjuksköterska"), "no contact data, ever")
            let byReference = try await client.execute(uri: "/api/v1/reports/SB-2026-00001", method: .get, headers: .bearer(lus))
            #expect(byReference.object["id"] as? Int == 1)
            let elsewhere = try await client.execute(uri: "/api/v1/reports/2", method: .get, headers: .bearer(lus))
            let missing = try await client.execute(uri: "/api/v1/reports/99", method: .get, headers: .bearer(lus))
            #expect(elsewhere.status == .notFound && missing.status == .notFound)
            #expect(elsewhere.object["detail"] as? String == missing.object["detail"] as? String, "routed elsewhere looks like missing")

            let analystList = try await client.execute(uri: "/api/v1/reports", method: .get, headers: .bearer(analyst))
            #expect(analystList.status == .forbidden)
            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: .bearer(analyst))
            #expect(me.status == .ok)
            #expect((me.object["user"] as? [String: Any])?["role"] as? String == "analytiker")
            #expect((me.object["token"] as? [String: Any])?["read_write"] as? Bool == false)
        }
    }

    @Test("a read-write token changes state, replies, notes and escalates through TriageService: audit log as the user, mails to the reporter")
    func actions() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let ids = try await StaffFixtures.create(in: directory)
        let token = try await APITokens.create(in: directory, for: StaffFixtures.lusHandler.email, readWrite: true)
        try await app(directory).test(.live) { client in
            let trackingToken = try await TestSupport.fileReport(client)
            let state = try await client.execute(uri: "/api/v1/reports/1/state", method: .post, headers: .bearerJSON(token), body: body(#"{"state":"under-utredning"}"#))
            #expect(state.status == .ok)
            #expect(state.object["state"] as? String == "under-utredning")
            let reply = try await client.execute(uri: "/api/v1/reports/SB-2026-00001/replies", method: .post, headers: .bearerJSON(token),
                                                 body: body(#"{"text":"Vi har tagit kontakt med Solna stad."}"#))
            #expect(reply.status == .ok)
            let note = try await client.execute(uri: "/api/v1/reports/1/notes", method: .post, headers: .bearerJSON(token), body: body(#"{"text":"Internt: ring enhetschefen."}"#))
            #expect(note.status == .ok)
            let messages = note.object["messages"] as? [[String: Any]] ?? []
            #expect(messages.compactMap { $0["kind"] as? String } == ["reply", "note"])

            let notAllowed = try await client.execute(uri: "/api/v1/reports/1/state", method: .post, headers: .bearerJSON(token), body: body(#"{"state":"uppfoljning"}"#))
            #expect(notAllowed.status == .unprocessableContent)
            #expect(notAllowed.headers[.contentType] == "application/problem+json")
            let personnummer = try await client.execute(uri: "/api/v1/reports/1/replies", method: .post, headers: .bearerJSON(token), body: body(#"{"text":"Gäller 19121212-1212."}"#))
            #expect(personnummer.status == .unprocessableContent)
            let empty = try await client.execute(uri: "/api/v1/reports/1/notes", method: .post, headers: .bearerJSON(token), body: body(#"{"text":"  "}"#))
            #expect(empty.status == .unprocessableContent)
            let notJSON = try await client.execute(uri: "/api/v1/reports/1/notes", method: .post, headers: [.authorization: "Bearer \(token)", .contentType: "text/plain"], body: body("hej"))
            #expect(notJSON.status == .unsupportedMediaType)
            let badJSON = try await client.execute(uri: "/api/v1/reports/1/notes", method: .post, headers: .bearerJSON(token), body: body(#"{"txt":"hej"}"#))
            #expect(badJSON.status == .badRequest)

            // Escalation, as on the report page: reason, public text and confirm are all needed.
            let unconfirmed = try await client.execute(uri: "/api/v1/reports/1/escalations", method: .post, headers: .bearerJSON(token),
                                                       body: body(#"{"reason":"Kommunen svarar inte.","public_text":"Rapporten lyfts till lokal samverkan."}"#))
            #expect(unconfirmed.status == .unprocessableContent && unconfirmed.headers[.contentType] == "application/problem+json")
            let withName = try await client.execute(uri: "/api/v1/reports/1/escalations", method: .post, headers: .bearerJSON(token),
                                                    body: body(#"{"reason":"Herr Svensson svarar inte.","public_text":"Rapporten lyfts.","confirm":true}"#))
            #expect(withName.status == .unprocessableContent)
            let escalated = try await client.execute(uri: "/api/v1/reports/1/escalations", method: .post, headers: .bearerJSON(token),
                                                     body: body(#"{"reason":"Kommunen svarar inte.","public_text":"Rapporten lyfts till lokal samverkan.","confirm":true}"#))
            #expect(escalated.status == .ok)
            #expect(escalated.object["escalation_level"] as? String == "lokal")
            let escalations = escalated.object["escalations"] as? [[String: Any]] ?? []
            #expect(escalations.count == 1 && escalations.first?["level"] as? String == "lokal")
            #expect(escalations.first?["reason"] as? String == "Kommunen svarar inte." && escalations.first?["public_text"] as? String == "Rapporten lyfts till lokal samverkan.")
            #expect((try await client.execute(uri: "/api/v1/reports/1", method: .get, headers: .bearer(token))).object["escalations"] is [Any])

            let tracking = try await client.execute(uri: "/arende/\(trackingToken)", method: .get)
            #expect(tracking.text.contains("Rapporten lyfts till lokal samverkan.") && !tracking.text.contains("Kommunen svarar inte."))
            #expect(tracking.text.contains("Vi har tagit kontakt med Solna stad."))
            #expect(!tracking.text.contains("ring enhetschefen"))
        }
        let database = try StaffFixtures.database(directory)
        let audit = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT actor_user_id, action FROM audit_log WHERE report_id = 1 ORDER BY id").map { ($0["actor_user_id"] as Int64?, $0["action"] as String) }
        }
        let lusId = ids[StaffFixtures.lusHandler.email]
        #expect(audit.filter { $0.0 == lusId }.map(\.1) == ["report.state", "report.reply", "report.note", "report.escalated"])
        let toReporter = try await database.read { db in try String.fetchAll(db, sql: "SELECT kind FROM outbox_message WHERE recipient = 'asa.oberg@example.se' ORDER BY id") }
        #expect(toReporter == ["acknowledgement", "status-change", "reply", "escalation-notice"])
    }

    @Test("a read-only token cannot write; a revoked token is refused; tokens are listed and revoked on the admin page")
    func scopesAndRevocation() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let readOnly = try await APITokens.create(in: directory, for: StaffFixtures.lusHandler.email)
        let readWrite = try await APITokens.create(in: directory, for: StaffFixtures.lusHandler.email, readWrite: true)
        try await app(directory).test(.live) { client in
            _ = try await TestSupport.fileReport(client)
            let write = try await client.execute(uri: "/api/v1/reports/1/state", method: .post, headers: .bearerJSON(readOnly), body: body(#"{"state":"under-utredning"}"#))
            #expect(write.status == .forbidden)
            #expect(write.headers[.wwwAuthenticate]?.contains("insufficient_scope") == true)
            let read = try await client.execute(uri: "/api/v1/reports/1", method: .get, headers: .bearer(readOnly))
            #expect(read.object["state"] as? String == "mottagen", "nothing changed")

            let admin = StaffBrowser(client)
            try await admin.login(StaffFixtures.admin.email)
            let page = try await admin.get("/admin/nycklar")
            #expect(page.status == .ok)
            let prefix = "sbk_" + readWrite.dropFirst(4).prefix(8)
            #expect(page.text.contains(prefix + "…"))
            #expect(!page.text.contains(readWrite), "the secret is never shown again")
            let revoke = try await admin.post("/admin/nycklar/2/aterkalla")
            #expect(revoke.status == .seeOther)
            let refused = try await client.execute(uri: "/api/v1/reports", method: .get, headers: .bearer(readWrite))
            #expect(refused.status == .unauthorized)
            let open311 = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: .form, body: FormEncoder.open311LUS(apiKey: readWrite).body)
            #expect(open311.status == .forbidden)
            let after = try await admin.get("/admin/nycklar")
            #expect(after.text.contains("Återkallad"))
            let log = try await admin.get("/admin/logg")
            #expect(log.text.contains("API-nyckel återkallad"))
            let noCSRF = try await admin.post("/admin/nycklar/1/aterkalla", withCSRF: false)
            #expect(noCSRF.status == .forbidden)
        }
    }
}
