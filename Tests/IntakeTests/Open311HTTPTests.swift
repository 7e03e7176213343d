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

/// Open311 GeoReport v2 over real HTTP on loopback with a real SQLite file: every endpoint in
/// JSON and XML, filing with the web form's validation, privacy refusal and routing.
@Suite("Open311 GeoReport v2", .serialized)
struct Open311HTTPTests {
    func app(_ directory: String, clock: TestSupport.Clock = .init(TestSupport.fixedNow)) async throws -> some ApplicationProtocol {
        try await TestSupport.application(directory: directory, clock: clock.function)
    }

    /// A database with the staff fixtures and a read-write and a read-only token of the LUS handläggare.
    func setUp() async throws -> (directory: String, readWrite: String, readOnly: String) {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let readWrite = try await APITokens.create(in: directory, for: StaffFixtures.lusHandler.email, readWrite: true)
        let readOnly = try await APITokens.create(in: directory, for: StaffFixtures.lusHandler.email)
        return (directory, readWrite, readOnly)
    }

    func reportCount(_ directory: String) async throws -> Int {
        try await StaffFixtures.database(directory).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report") ?? 0 }
    }

    func post(_ client: some TestClientProtocol, _ form: FormEncoder, format: String = "json") async throws -> TestResponse {
        try await client.execute(uri: "/open311/v2/requests.\(format)", method: .post, headers: .form, body: form.body)
    }

    @Test("discovery names the GeoReport v2 endpoint in JSON and XML")
    func discovery() async throws {
        let (directory, _, _) = try await setUp()
        try await app(directory).test(.live) { client in
            let json = try await client.execute(uri: "/open311/v2/discovery.json", method: .get)
            #expect(json.status == .ok)
            #expect(json.headers[.contentType]?.hasPrefix("application/json") == true)
            let endpoints = try #require(json.object["endpoints"] as? [[String: Any]])
            #expect(endpoints.first?["specification"] as? String == "http://wiki.open311.org/GeoReport_v2")
            #expect(endpoints.first?["url"] as? String == "https://samverkan.example.se/open311/v2/")
            #expect(endpoints.first?["formats"] as? [String] == ["text/xml", "application/json"])

            let xml = try await client.execute(uri: "/open311/v2/discovery.xml", method: .get)
            #expect(xml.status == .ok)
            #expect(xml.headers[.contentType]?.hasPrefix("text/xml") == true)
            #expect(xml.isWellFormedXML)
            #expect(xml.xmlTexts("format") == ["text/xml", "application/json"])
            #expect(xml.xmlTexts("specification") == ["http://wiki.open311.org/GeoReport_v2"])
        }
    }

    @Test("services: one per agreement in force plus vet-inte per region; jurisdiction_id selects the region")
    func services() async throws {
        let (directory, _, _) = try await setUp()
        try await app(directory).test(.live) { client in
            let all = try await client.execute(uri: "/open311/v2/services.json", method: .get)
            #expect(all.status == .ok)
            let codes = all.array.compactMap { $0["service_code"] as? String }
            #expect(codes.contains("sthlm-lus"))
            #expect(codes.contains("orebro-utskrivning"))
            #expect(codes.contains("vet-inte-stockholm") && codes.contains("vet-inte-orebro") && codes.contains("vet-inte-varmland"))
            let lus = try #require(all.array.first { $0["service_code"] as? String == "sthlm-lus" })
            #expect(lus["metadata"] as? Bool == true)
            #expect(lus["type"] as? String == "realtime")
            #expect(lus["group"] as? String == "Vuxna inkl. äldre" || (lus["group"] as? String)?.isEmpty == false)
            #expect((lus["service_name"] as? String)?.lowercased().contains("utskrivning") == true)

            let orebro = try await client.execute(uri: "/open311/v2/services.json?jurisdiction_id=orebro", method: .get)
            let orebroCodes = orebro.array.compactMap { $0["service_code"] as? String }
            #expect(orebroCodes.contains("orebro-utskrivning") && orebroCodes.contains("vet-inte-orebro"))
            #expect(!orebroCodes.contains("sthlm-lus"))

            let xml = try await client.execute(uri: "/open311/v2/services.xml?jurisdiction_id=stockholm", method: .get)
            #expect(xml.status == .ok)
            #expect(xml.isWellFormedXML)
            #expect(xml.xmlTexts("service_code").contains("sthlm-lus"))
            #expect(xml.xmlTexts("metadata").allSatisfy { $0 == "true" })
            #expect(xml.xmlTexts("type").allSatisfy { $0 == "realtime" })
            #expect(xml.text.contains("<services><service><service_code>"))

            let unknown = try await client.execute(uri: "/open311/v2/services.json?jurisdiction_id=gotland", method: .get)
            #expect(unknown.status == .notFound)
            #expect(unknown.array.first?["code"] as? Int == 404)
            #expect((unknown.array.first?["description"] as? String)?.contains("jurisdiction_id") == true)
            let unknownXML = try await client.execute(uri: "/open311/v2/services.xml?jurisdiction_id=gotland", method: .get)
            #expect(unknownXML.status == .notFound)
            #expect(unknownXML.xmlTexts("code") == ["404"])
            #expect(unknownXML.text.contains("<errors><error><code>404</code><description>"))
        }
    }

    @Test("a service definition lists the form's fields as attributes with GeoReport datatypes and values")
    func serviceDefinition() async throws {
        let (directory, _, _) = try await setUp()
        try await app(directory).test(.live) { client in
            let json = try await client.execute(uri: "/open311/v2/services/sthlm-lus.json", method: .get)
            #expect(json.status == .ok)
            #expect(json.object["service_code"] as? String == "sthlm-lus")
            let attributes = try #require(json.object["attributes"] as? [[String: Any]])
            func attribute(_ code: String) -> [String: Any]? { attributes.first { $0["code"] as? String == code } }
            #expect(attribute("organisation")?["datatype"] as? String == "singlevaluelist")
            #expect(attribute("organisation")?["required"] as? Bool == true)
            let parties = (attribute("other_parties")?["values"] as? [[String: Any]])?.compactMap { $0["key"] as? String } ?? []
            #expect(attribute("other_parties")?["datatype"] as? String == "multivaluelist")
            #expect(parties.contains("solna-stad") && parties.contains("region-stockholm"))
            #expect(attribute("occurred_on")?["datatype"] as? String == "datetime")
            #expect(attribute("expected")?["datatype"] as? String == "text")
            #expect(attribute("expected")?["required"] as? Bool == true)
            #expect(attribute("reporter_role")?["datatype"] as? String == "string")
            #expect(attribute("x_discharge_step")?["datatype"] as? String == "singlevaluelist")
            #expect((attribute("x_discharge_step")?["values"] as? [[String: Any]])?.count == 5)
            #expect(attribute("x_discharge_date")?["datatype"] as? String == "datetime")
            #expect(attributes.allSatisfy { $0["variable"] as? Bool == true })
            #expect(attributes.map { $0["order"] as? Int ?? 0 } == Array(1...attributes.count))
            // Carried by Open311's own parameters, not attributes.
            #expect(attribute("what_happened") == nil && attribute("reporter_email") == nil && attribute("reporter_phone") == nil)

            let xml = try await client.execute(uri: "/open311/v2/services/sthlm-lus.xml", method: .get)
            #expect(xml.status == .ok)
            #expect(xml.isWellFormedXML)
            #expect(xml.text.contains("<service_definition><service_code>sthlm-lus</service_code><attributes><attribute>"))
            #expect(xml.xmlTexts("code").contains("x_discharge_step"))
            #expect(xml.xmlTexts("key").contains("inskrivningsmeddelande"))

            let unknown = try await client.execute(uri: "/open311/v2/services/vet-inte-stockholm.json", method: .get)
            #expect(unknown.status == .ok)
            #expect((unknown.object["attributes"] as? [[String: Any]])?.contains { $0["code"] as? String == "organisation" } == true)

            for path in ["/open311/v2/services/finns-inte.json", "/open311/v2/services/sthlm-lus.json?jurisdiction_id=orebro"] {
                let missing = try await client.execute(uri: path, method: .get)
                #expect(missing.status == .notFound)
                #expect(missing.array.first?["code"] as? Int == 404)
            }
            let missingXML = try await client.execute(uri: "/open311/v2/services/finns-inte.xml", method: .get)
            #expect(missingXML.status == .notFound)
            #expect(missingXML.xmlTexts("code") == ["404"])
            let noFormat = try await client.execute(uri: "/open311/v2/services/sthlm-lus.html", method: .get)
            #expect(noFormat.status == .notFound)
            #expect(noFormat.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test("POST requests files a report like the web form: routed, stored, mailed; contact details from Open311's fields")
    func file() async throws {
        let (directory, readWrite, _) = try await setUp()
        try await app(directory).test(.live) { client in
            let response = try await post(client, .open311LUS(apiKey: readWrite))
            #expect(response.status == .created)
            let created = try #require(response.array.first)
            #expect(created["service_request_id"] as? String == "SB-2026-00001")
            #expect((created["service_notice"] as? String)?.contains("2026-12-25") == true)
            #expect(created.keys.contains("account_id"))

            let xml = try await post(client, .open311LUS(apiKey: readWrite).set("service_code", "vet-inte-stockholm").set("attribute[x_discharge_step]", nil), format: "xml")
            #expect(xml.status == .created)
            #expect(xml.xmlTexts("service_request_id") == ["SB-2026-00002"])
            #expect(xml.text.contains("<service_requests><request><service_request_id>"))
        }
        let rows = try StaffFixtures.database(directory).read { db in try Row.fetchAll(db, sql: "SELECT * FROM report ORDER BY id") }
        #expect(rows.count == 2)
        let lus = rows[0]
        #expect(lus["agreement_key"] as String? == "sthlm-lus")
        #expect(lus["occurred_on"] as String == "2026-11-20")
        #expect(lus["reporter_email"] as String? == "asa.oberg@example.se")
        #expect(lus["reporter_name"] as String? == "Åsa Öberg")
        #expect(lus["reporter_phone"] as String? == "08-123 456 78")
        #expect((lus["extra_fields"] as String).contains("inskrivningsmeddelande"))
        #expect(lus["filed_with_token_id"] as Int64? == 1)
        #expect(rows[1]["agreement_key"] as String? == nil)
        let routes = try await StaffFixtures.database(directory).read { db in
            try Row.fetchAll(db, sql: "SELECT report_id, function_key FROM report_route ORDER BY id").map { "\($0["report_id"] as Int64):\($0["function_key"] as String)" }
        }
        #expect(Set(routes) == ["1:sthlm-lus-region", "1:sthlm-lus-storsthlm", "2:stockholm-triage"])
        let recipients = try await StaffFixtures.database(directory).read { db in try String.fetchAll(db, sql: "SELECT recipient FROM outbox_message WHERE report_id = 1") }
        #expect(recipients.count == 3, "acknowledgement and the two owners, as from the web form")
        #expect(recipients.contains("asa.oberg@example.se"))
    }

    @Test("a personnummer in description is refused with a 400 error body, in JSON and XML, and nothing is stored")
    func personnummerRefused() async throws {
        let (directory, readWrite, _) = try await setUp()
        try await app(directory).test(.live) { client in
            let form = FormEncoder.open311LUS(apiKey: readWrite).set("description", "Patienten 19121212-1212 skrevs ut utan meddelande.")
            let json = try await post(client, form)
            #expect(json.status == .badRequest)
            let error = try #require(json.array.first)
            #expect(error["code"] as? Int == 400)
            #expect((error["description"] as? String)?.hasPrefix("description:") == true)
            #expect((error["description"] as? String)?.contains("personnummer") == true)
            #expect(!json.text.contains("19121212"), "the refused number is not echoed")

            let xml = try await post(client, form, format: "xml")
            #expect(xml.status == .badRequest)
            #expect(xml.xmlTexts("code") == ["400"])
            #expect(xml.xmlTexts("description").first?.contains("personnummer") == true)
        }
        #expect(try await reportCount(directory) == 0)
        let mails = try await StaffFixtures.database(directory).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message") ?? 0 }
        #expect(mails == 0)
    }

    @Test("attributes are validated like the web form's fields: values, required, dates, unknown codes")
    func attributeValidation() async throws {
        let (directory, readWrite, _) = try await setUp()
        try await app(directory).test(.live) { client in
            let base = FormEncoder.open311LUS(apiKey: readWrite)
            let cases: [(FormEncoder, String)] = [
                (base.set("attribute[x_discharge_step]", "gissning"), "attribute[x_discharge_step]:"),
                (base.set("attribute[expected]", nil), "attribute[expected]:"),
                (base.set("attribute[occurred_on]", "2030-01-01"), "attribute[occurred_on]:"),
                (base.set("attribute[occurred_on]", "igår"), "attribute[occurred_on]:"),
                (base.set("attribute[organisation]", "gotlands-kommun"), "attribute[organisation]:"),
                (base.set("attribute[x_discharge_date]", "2026-13-45"), "attribute[x_discharge_date]:"),
                (base.set("attribute[beslut]", "ja"), "attribute[beslut]"),
                (base.set("description", nil), "description:"),
                (base.set("email", "inte en adress"), "email:"),
            ]
            for (form, expected) in cases {
                let response = try await post(client, form)
                #expect(response.status == .badRequest, "\(expected)")
                let descriptions = response.array.compactMap { $0["description"] as? String }
                #expect(descriptions.contains { $0.hasPrefix(expected) }, "\(expected) in \(descriptions)")
            }
            let xml = try await post(client, base.set("attribute[x_discharge_step]", "gissning"), format: "xml")
            #expect(xml.status == .badRequest)
            #expect(xml.xmlTexts("description").first?.hasPrefix("attribute[x_discharge_step]:") == true)

            let notForm = try await client.execute(uri: "/open311/v2/requests.xml", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}"))
            #expect(notForm.status == .unsupportedMediaType)
            #expect(notForm.xmlTexts("code") == ["415"])
            #expect(notForm.xmlTexts("description").first?.contains("x-www-form-urlencoded") == true)
            let wrongMethod = try await client.execute(uri: "/open311/v2/services.json", method: .post, headers: .form, body: base.body)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "GET")
            let noService = try await post(client, base.set("service_code", nil))
            #expect(noService.status == .badRequest)
            let unknownService = try await post(client, base.set("service_code", "finns-inte"))
            #expect(unknownService.status == .notFound)
            let wrongRegion = try await post(client, base.set("jurisdiction_id", "orebro"))
            #expect(wrongRegion.status == .badRequest)
        }
        #expect(try await reportCount(directory) == 0)
    }

    @Test("POST requests needs a live read-write api_key")
    func apiKeyRequired() async throws {
        let (directory, readWrite, readOnly) = try await setUp()
        let revoked = try await APITokens.create(in: directory, for: StaffFixtures.admin.email, readWrite: true)
        try await APITokens.revoke(in: directory, String(revoked.dropFirst(4).prefix(8)))
        try await app(directory).test(.live) { client in
            for key in [nil, "", "sbk_nonsense", readOnly, revoked] as [String?] {
                let response = try await post(client, .open311LUS(apiKey: readWrite).set("api_key", key))
                #expect(response.status == .forbidden)
                #expect(response.array.first?["code"] as? Int == 403)
            }
            let xml = try await post(client, .open311LUS(apiKey: readOnly), format: "xml")
            #expect(xml.status == .forbidden)
            #expect(xml.xmlTexts("code") == ["403"])
        }
        #expect(try await reportCount(directory) == 0)
    }

    @Test("GET requests: status, agency, dates and deadline; text and replies only to the filing key; never contact data")
    func requests() async throws {
        let (directory, readWrite, _) = try await setUp()
        let orebroKey = try await APITokens.create(in: directory, for: StaffFixtures.orebroHandler.email)
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        try await app(directory, clock: clock).test(.live) { client in
            #expect(try await post(client, .open311LUS(apiKey: readWrite)).status == .created)
            _ = try await TestSupport.fileReport(client, .validOrebro, region: "orebro")
            let reply = try await client.execute(uri: "/api/v1/reports/SB-2026-00001/replies", method: .post, headers: .bearerJSON(readWrite),
                                                 body: ByteBuffer(string: #"{"text":"Vi har kontaktat Solna stad och utreder."}"#))
            #expect(reply.status == .ok)
            _ = try await client.execute(uri: "/api/v1/reports/SB-2026-00001/notes", method: .post, headers: .bearerJSON(readWrite),
                                         body: ByteBuffer(string: #"{"text":"Internt: ring enhetschefen."}"#))

            let open = try await client.execute(uri: "/open311/v2/requests.json", method: .get)
            #expect(open.status == .ok)
            #expect(open.array.count == 2)
            let first = try #require(open.array.first { $0["service_request_id"] as? String == "SB-2026-00001" })
            #expect(first["status"] as? String == "open")
            #expect(first["service_code"] as? String == "sthlm-lus")
            #expect((first["agency_responsible"] as? String)?.contains(";") == true)
            #expect(first["requested_datetime"] as? String == "2026-11-25T10:00:00+01:00")
            #expect(first["expected_datetime"] as? String == "2026-12-25T23:59:59+01:00")
            #expect(first["description"] is NSNull, "no text without a key")
            #expect(first["status_notes"] is NSNull)

            let withKey = try await client.execute(uri: "/open311/v2/requests.json?api_key=\(readWrite)", method: .get)
            let mine = try #require(withKey.array.first { $0["service_request_id"] as? String == "SB-2026-00001" })
            #expect(mine["status_notes"] as? String == "Vi har kontaktat Solna stad och utreder.")
            #expect((mine["description"] as? String)?.contains("inskrivningsmeddelande") == true)
            let theirs = try #require(withKey.array.first { $0["service_request_id"] as? String == "SB-2026-00002" })
            #expect(theirs["description"] is NSNull, "a Stockholm key does not read an Örebro report")
            let orebro = try await client.execute(uri: "/open311/v2/requests.json?api_key=\(orebroKey)&service_request_id=SB-2026-00001,SB-2026-00002", method: .get)
            #expect(orebro.array.first { $0["service_request_id"] as? String == "SB-2026-00001" }?["status_notes"] is NSNull)
            #expect(orebro.array.first { $0["service_request_id"] as? String == "SB-2026-00002" }?["description"] is String)
            for body in [open.text, withKey.text] {
                #expect(!body.contains("asa.oberg") && !body.contains("Öberg") && !body.contains("123 456"), "no contact data")
                #expect(!body.contains("ring enhetschefen"), "internal notes stay internal")
            }

            let byCode = try await client.execute(uri: "/open311/v2/requests.json?service_code=orebro-utskrivning", method: .get)
            #expect(byCode.array.compactMap { $0["service_request_id"] as? String } == ["SB-2026-00002"])
            let byRegion = try await client.execute(uri: "/open311/v2/requests.json?jurisdiction_id=stockholm", method: .get)
            #expect(byRegion.array.compactMap { $0["service_request_id"] as? String } == ["SB-2026-00001"])
            let closed = try await client.execute(uri: "/open311/v2/requests.json?status=closed", method: .get)
            #expect(closed.array.isEmpty)
            let badStatus = try await client.execute(uri: "/open311/v2/requests.json?status=pending", method: .get)
            #expect(badStatus.status == .badRequest)
            let badKey = try await client.execute(uri: "/open311/v2/requests.json?api_key=sbk_nonsense", method: .get)
            #expect(badKey.status == .forbidden)

            let state = try await client.execute(uri: "/api/v1/reports/1/state", method: .post, headers: .bearerJSON(readWrite), body: ByteBuffer(string: #"{"state":"ej-samverkansbrist","message":"Händelsen gällde inte samarbetet mellan organisationerna."}"#))
            #expect(state.status == .ok)
            let nowClosed = try await client.execute(uri: "/open311/v2/requests.json?status=closed", method: .get)
            #expect(nowClosed.array.compactMap { $0["service_request_id"] as? String } == ["SB-2026-00001"])
            #expect(nowClosed.array.first?["status"] as? String == "closed")

            let xml = try await client.execute(uri: "/open311/v2/requests.xml?api_key=\(readWrite)", method: .get)
            #expect(xml.status == .ok)
            #expect(xml.isWellFormedXML)
            #expect(Set(xml.xmlTexts("service_request_id")) == ["SB-2026-00001", "SB-2026-00002"])
            // Closed with a final message: that message is now the newest reply, the status notes.
            #expect(xml.xmlTexts("status_notes").contains("Händelsen gällde inte samarbetet mellan organisationerna."))
            #expect(xml.text.contains("<service_requests><request>"))

            let one = try await client.execute(uri: "/open311/v2/requests/SB-2026-00001.json", method: .get)
            #expect(one.status == .ok)
            #expect(one.array.count == 1)
            #expect(one.array.first?["status"] as? String == "closed")
            let oneXML = try await client.execute(uri: "/open311/v2/requests/SB-2026-00002.xml", method: .get)
            #expect(oneXML.status == .ok)
            #expect(oneXML.xmlTexts("service_code") == ["orebro-utskrivning"])
            let missing = try await client.execute(uri: "/open311/v2/requests/SB-2026-09999.json", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.array.first?["code"] as? Int == 404)
            let missingXML = try await client.execute(uri: "/open311/v2/requests/SB-2026-09999.xml", method: .get)
            #expect(missingXML.status == .notFound)
            #expect(missingXML.xmlTexts("code") == ["404"])
        }
    }

    @Test("GET requests covers at most 90 days: the last 90 by default, a longer start_date..end_date is refused")
    func ninetyDayWindow() async throws {
        let (directory, readWrite, _) = try await setUp()
        let clock = TestSupport.Clock(TestSupport.fixedNow)
        try await app(directory, clock: clock).test(.live) { client in
            #expect(try await post(client, .open311LUS(apiKey: readWrite)).status == .created)
            func ids(_ query: String) async throws -> [String] {
                let response = try await client.execute(uri: "/open311/v2/requests.json?\(query)", method: .get)
                #expect(response.status == .ok, "\(query)")
                return response.array.compactMap { $0["service_request_id"] as? String }
            }
            #expect(try await ids("") == ["SB-2026-00001"])
            clock.advance(91 * 86_400)
            #expect(try await ids("") == [], "older than the default 90 days")
            #expect(try await ids("start_date=2026-11-01T00:00:00%2B01:00&end_date=2027-01-29T00:00:00%2B01:00") == ["SB-2026-00001"])
            #expect(try await ids("start_date=2026-11-01T00:00:00Z") == ["SB-2026-00001"], "start_date alone: 90 days from it")
            #expect(try await ids("end_date=2026-12-01T00:00:00Z") == ["SB-2026-00001"], "end_date alone: 90 days up to it")
            #expect(try await ids("start_date=2026-11-26T00:00:00Z&end_date=2026-12-01T00:00:00Z") == [])
            #expect(try await ids("service_request_id=SB-2026-00001") == ["SB-2026-00001"], "ids ignore the window")
            for query in ["start_date=2026-08-01T00:00:00Z&end_date=2026-11-30T00:00:00Z", "start_date=2026-12-01T00:00:00Z&end_date=2026-11-01T00:00:00Z", "start_date=nyss"] {
                let response = try await client.execute(uri: "/open311/v2/requests.json?\(query)", method: .get)
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.array.first?["code"] as? Int == 400)
            }
            let xml = try await client.execute(uri: "/open311/v2/requests.xml?start_date=2026-08-01T00:00:00Z&end_date=2026-11-30T00:00:00Z", method: .get)
            #expect(xml.status == .badRequest)
            #expect(xml.xmlTexts("description").first?.contains("90") == true)
        }
    }
}
