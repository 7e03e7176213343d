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

/// The privacy refusal on every free-text input of every channel, over real HTTP on loopback
/// with a real SQLite file: every web form field and every agreement's extra text field, staff
/// replies, notes and outcomes, the staff API's replies and notes, and every Open311 text
/// parameter and `attribute[...]` of every service. The fields are taken from the catalogue, so
/// a field added to Forms/ is covered without touching this file.
@Suite("Privacy refusal on every channel", .serialized)
struct PrivacyChannelTests {
    /// What must never be stored: a personnummer, a samordningsnummer, a patient's name.
    static let personnummer = "Gäller 19121212-1212 som väntade."
    static let samordningsnummer = "Samordningsnummer 701063-2391 fanns i remissen."
    static let patientName = "patienten Karin Larsson fick vänta"
    /// Names of persons (#20.5): a full name with an age, a title and a surname.
    static let nameWithAge = "Karin Andersson, 84 år, fick vänta"
    static let titleAndName = "Herr Svensson kom hem utan hjälpmedel"
    /// A lone common first name: asked about, accepted once confirmed.
    static let loneFirstName = "Vi ringde Karin men ingen svarade."

    /// The findings each kind of field is tried with (a name test makes no sense in an e-mail address).
    static func findings(for field: FieldDefinition, key: String) -> [String] {
        switch key {
        case CommonField.reporterEmail.rawValue: ["191212121212@example.se"]
        case CommonField.reporterPhone.rawValue: ["19121212-1212", "701063-2391"]
        // The reporter's own name is what the field is for.
        case CommonField.reporterName.rawValue: ["19121212-1212", "701063-2391"]
        default: field.type == .text
            ? ["19121212-1212", "701063-2391", "patienten Karin Larsson", "Karin, 84 år", "Fru Johansson"]
            : [personnummer, samordningsnummer, patientName, nameWithAge, titleAndName]
        }
    }

    /// A valid web form for an agreement (nil: "vet inte") in its region, every required field filled.
    static func webForm(_ agreement: Agreement?, region: Region) -> FormEncoder {
        let organisation = region.parties.first { $0.kind == .region } ?? region.parties[0]
        let other = region.parties.first { $0.kind == .municipality && $0.key != organisation.key } ?? region.parties[1]
        var form = FormEncoder([
            ("avtal", agreement?.key ?? "vet-inte"), ("lang", "sv"),
            ("organisation", organisation.key), ("other_parties", other.key),
            ("occurred_on", "2026-11-20"),
            ("what_happened", "Kommunen fick inget meddelande innan utskrivningen."),
            ("expected", "Meddelande inom ett dygn enligt överenskommelsen."),
        ])
        for field in agreement?.fields ?? [] where field.required {
            let name = ReportForm.extraFieldName(field.key)
            switch field.type {
            case .singleChoice, .multiChoice, .yesNo: form.add(name, field.choices(in: .sv)[0].key)
            case .date: form.add(name, "2026-11-20")
            case .text, .textarea: form.add(name, "Hjälp med läkemedel.")
            case .party, .parties: form.add(name, other.key)
            }
        }
        return form
    }

    static func count(_ directory: String, _ sql: String) throws -> Int {
        try TestSupport.openDatabase(directory + "/intake.sqlite").read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    @Test("web form: every common text field and every agreement's extra text field refuses identity numbers and names, storing nothing")
    func webForm() async throws {
        let catalogue = try TestSupport.catalogue()
        let directory = try TestSupport.temporaryDirectory()
        try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            // (region, agreement, form field name, field definition)
            var inputs: [(Region, Agreement?, String, FieldDefinition)] = []
            let stockholm = try #require(catalogue.region("stockholm"))
            for field in catalogue.form.fields where field.type == .text || field.type == .textarea {
                inputs.append((stockholm, catalogue.agreement("sthlm-lus"), field.key, field))
            }
            for agreement in catalogue.agreements where agreement.isValid(on: CalendarDay(TestSupport.fixedNow)) {
                let region = try #require(catalogue.region(agreement.regionKey))
                for field in agreement.fields where field.type == .text || field.type == .textarea {
                    inputs.append((region, agreement, ReportForm.extraFieldName(field.key), field))
                }
            }
            #expect(inputs.count >= 9, "the form's eight text fields and at least one agreement's extra text field")
            #expect(inputs.contains { $0.2.hasPrefix("x_") }, "an extra text field is covered")

            for (region, agreement, name, field) in inputs {
                let valid = Self.webForm(agreement, region: region)
                for value in Self.findings(for: field, key: name) {
                    let response = try await client.execute(uri: "/rapportera/\(region.key)", method: .post, headers: .form, body: valid.set(name, value).body)
                    #expect(response.status == .unprocessableContent, "\(agreement?.key ?? "vet-inte") \(name) = \(value)")
                    #expect(response.text.contains("error-summary"))
                    let named = response.text.contains("personnummer eller samordningsnummer") || response.text.contains("namnet på en person")
                    #expect(named && response.text.contains(field.label.sv.replacingOccurrences(of: "\"", with: "&quot;")),
                            "the message names the field and the finding: \(name) = \(value)")
                }
            }
            #expect(try Self.count(directory, "SELECT COUNT(*) FROM report") == 0, "nothing was stored")
            #expect(try Self.count(directory, "SELECT COUNT(*) FROM outbox_message") == 0)
            // The same forms without the finding are accepted (so each refusal was the privacy check).
            var tried = Set<String>()
            for (region, agreement, _, _) in inputs where tried.insert("\(region.key)|\(agreement?.key ?? "")").inserted {
                let response = try await client.execute(uri: "/rapportera/\(region.key)", method: .post, headers: .form, body: Self.webForm(agreement, region: region).body)
                #expect(response.status == .seeOther, "\(agreement?.key ?? "vet-inte") valid form")
            }
        }
    }

    @Test("web form: a lone first name is asked about with a checkbox; confirmed, the report is filed")
    func webFormConfirmsLoneName() async throws {
        let catalogue = try TestSupport.catalogue()
        let directory = try TestSupport.temporaryDirectory()
        try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            let stockholm = try #require(catalogue.region("stockholm"))
            let form = Self.webForm(catalogue.agreement("sthlm-lus"), region: stockholm).set("what_happened", Self.loneFirstName)
            let asked = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: form.body)
            #expect(asked.status == .unprocessableContent)
            #expect(asked.text.contains("Är ”Karin” namnet på en person? Ta bort det, eller bekräfta att det inte är det."))
            #expect(asked.text.contains(#"<input type="checkbox" id="f-what_happened-inte-namn-0" name="inte_namn" value="Karin">"#))
            #expect(asked.text.contains(#"<label for="f-what_happened-inte-namn-0">”Karin” är inte namnet på en person</label>"#))
            #expect(try Self.count(directory, "SELECT COUNT(*) FROM report") == 0)
            // Confirmed, but another field still has an error: the confirmation is kept as a hidden field.
            let other = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form,
                                                 body: form.set("inte_namn", "Karin").set("expected", "").body)
            #expect(other.status == .unprocessableContent && other.text.contains(#"<input type="hidden" name="inte_namn" value="karin">"#))
            #expect(!other.text.contains("Är ”Karin”"))
            let filed = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: form.set("inte_namn", "Karin").body)
            #expect(filed.status == .seeOther)
            #expect(try Self.count(directory, "SELECT COUNT(*) FROM report") == 1)
            // A full name cannot be confirmed away.
            let full = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form,
                                                body: form.set("what_happened", Self.nameWithAge).set("inte_namn", "Karin").set("inte_namn", "Andersson").body)
            #expect(full.status == .unprocessableContent && full.text.contains("”Karin Andersson, 84 år”"))
        }
    }

    @Test("staff replies, notes and outcomes over HTTP, and the staff API's replies and notes, refuse identity numbers and names")
    func staffTexts() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let token = try await APITokens.create(in: directory, for: StaffFixtures.lusHandler.email, readWrite: true)
        try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            _ = try await TestSupport.fileReport(client)
            try await DatabaseSnapshot.waitForQuietOutbox(directory)
            let staff = StaffBrowser(client)
            try await staff.login(StaffFixtures.lusHandler.email)
            _ = try await staff.get("/handlaggning/rapporter/1")
            let before = try DatabaseSnapshot.take(directory)
            for text in [Self.personnummer, Self.samordningsnummer, Self.patientName, Self.nameWithAge, Self.titleAndName, Self.loneFirstName] {
                for (action, field) in [("svar", "text"), ("anteckning", "text"), ("utfall", "utfall")] {
                    let response = try await staff.post("/handlaggning/rapporter/1/\(action)", [(field, text), ("publicera", "1")])
                    #expect(response.status == .unprocessableContent, "\(action): \(text)")
                    #expect(response.text.contains("error-summary"), "\(action): the page says why")
                    #expect(response.text.contains(">\(text)</textarea>"), "\(action): what was typed comes back to be corrected")
                }
                for path in ["replies", "notes"] {
                    let json = String(data: try JSONSerialization.data(withJSONObject: ["text": text]), encoding: .utf8)!
                    let response = try await client.execute(uri: "/api/v1/reports/1/\(path)", method: .post, headers: .bearerJSON(token), body: ByteBuffer(string: json))
                    #expect(response.status == .unprocessableContent, "API \(path): \(text)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                    #expect(!response.text.contains("19121212") && !response.text.contains("701063"), "not echoed")
                    #expect(response.text.contains(text == Self.loneFirstName ? "namnet på en person?" : text.contains("Karin") || text.contains("Svensson") ? "namnet på en person" : "personnummer"))
                }
            }
            // The staff page shows the text again with a checkbox for the lone first name.
            let asked = try await staff.post("/handlaggning/rapporter/1/anteckning", [("text", Self.loneFirstName)])
            #expect(asked.text.contains(#"name="inte_namn" value="Karin""#) && asked.text.contains(Self.loneFirstName))
            DatabaseSnapshot.expectEqual(before, try DatabaseSnapshot.take(directory), "after refused staff texts")
            // Confirmed not to be a name, the same text is accepted on every staff channel.
            for (action, field) in [("svar", "text"), ("anteckning", "text"), ("utfall", "utfall")] {
                let response = try await staff.post("/handlaggning/rapporter/1/\(action)", [(field, Self.loneFirstName), ("inte_namn", "Karin")])
                #expect(response.status == .seeOther, "\(action) with inte_namn")
            }
            for path in ["replies", "notes"] {
                let json = #"{"text":"Vi ringde Karin men ingen svarade.","not_names":["Karin"]}"#
                let response = try await client.execute(uri: "/api/v1/reports/1/\(path)", method: .post, headers: .bearerJSON(token), body: ByteBuffer(string: json))
                #expect(response.status == .ok, "API \(path) with not_names")
            }
            // The message of a state change (on the page and in the API) asks and accepts the same way;
            // the chosen state and the message come back with the checkbox.
            let status = try await staff.post("/handlaggning/rapporter/1/status", [("status", "under-utredning"), ("meddelande", Self.loneFirstName)])
            #expect(status.status == .unprocessableContent)
            #expect(status.text.contains(#"<input type="checkbox" id="f-status-inte-namn-0" name="inte_namn" value="Karin">"#))
            #expect(status.text.contains(">\(Self.loneFirstName)</textarea>") && status.text.contains(#"value="under-utredning" checked"#))
            #expect(try await staff.post("/handlaggning/rapporter/1/status", [("status", "under-utredning"), ("meddelande", Self.loneFirstName),
                                                                          ("inte_namn", "Karin")]).status == .seeOther)
            let refusedState = try await client.execute(uri: "/api/v1/reports/1/state", method: .post, headers: .bearerJSON(token),
                                                        body: ByteBuffer(string: #"{"state":"atgard-pagar","message":"Vi ringde Karin men ingen svarade."}"#))
            #expect(refusedState.status == .unprocessableContent && refusedState.text.contains("namnet på en person?"))
            let confirmedState = try await client.execute(uri: "/api/v1/reports/1/state", method: .post, headers: .bearerJSON(token),
                body: ByteBuffer(string: #"{"state":"atgard-pagar","message":"Vi ringde Karin men ingen svarade.","not_names":["Karin"]}"#))
            #expect(confirmedState.status == .ok)
            // The same channels accept a text without personal data.
            #expect(try await staff.post("/handlaggning/rapporter/1/anteckning", [("text", "Patienten fick vänta på hemtjänsten.")]).status == .seeOther)
            let note = try await client.execute(uri: "/api/v1/reports/1/notes", method: .post, headers: .bearerJSON(token), body: ByteBuffer(string: #"{"text":"Kommunen är kontaktad."}"#))
            #expect(note.status == .ok)
        }
    }

    @Test("Open311: description, names, e-mail, phone and every text attribute of every service refuse identity numbers and names")
    func open311() async throws {
        let catalogue = try TestSupport.catalogue()
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let key = try await APITokens.create(in: directory, for: StaffFixtures.admin.email, readWrite: true)
        try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            let services = Open311.services(catalogue, today: CalendarDay(TestSupport.fixedNow))
            #expect(services.count > catalogue.regions.count)
            var tried = Set<String>()
            for service in services {
                let base = Self.open311Form(service, apiKey: key)
                // Open311's own parameters, then the service's free-text attributes.
                var parameters: [(String, [String])] = [
                    ("description", [Self.personnummer, Self.samordningsnummer, Self.patientName, Self.nameWithAge, Self.titleAndName, Self.loneFirstName]),
                    ("first_name", ["19121212-1212"]), ("last_name", ["701063-2391"]),
                    ("email", ["191212121212@example.se"]), ("phone", ["19121212-1212"]),
                ]
                for attribute in Open311.attributes(for: service, catalogue: catalogue) where attribute.datatype == .string || attribute.datatype == .text {
                    parameters.append(("attribute[\(attribute.code)]", attribute.datatype == .text
                        ? [Self.personnummer, Self.samordningsnummer, Self.patientName, Self.nameWithAge, Self.titleAndName]
                        : ["19121212-1212", "701063-2391", "patienten Karin Larsson", "Karin, 84 år", "Fru Johansson"]))
                }
                for (name, values) in parameters {
                    tried.insert(name)
                    for value in values {
                        let response = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: .form, body: base.set(name, value).body)
                        #expect(response.status == .badRequest, "\(service.code) \(name) = \(value)")
                        let descriptions = response.array.compactMap { $0["description"] as? String }
                        let parameter = name == "first_name" || name == "last_name" ? "first_name/last_name" : name
                        #expect(descriptions.contains { $0.hasPrefix(parameter + ":") && ($0.contains("personnummer") || $0.contains("namnet")) },
                                "\(service.code) \(name): \(descriptions)")
                        #expect(!response.text.contains("19121212") && !response.text.contains("701063"), "the number is not echoed")
                    }
                }
            }
            for attribute in ["attribute[expected]", "attribute[consequences]", "attribute[improvement]", "attribute[reporter_role]", "attribute[x_selfcare_task]"] {
                #expect(tried.contains(attribute), "\(attribute) was tried")
            }
            #expect(try Self.count(directory, "SELECT COUNT(*) FROM report") == 0, "nothing was stored")
            // A lone first name is refused with how to confirm it, and accepted with not_names.
            let first = try #require(services.first)
            let asked = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: .form,
                                                 body: Self.open311Form(first, apiKey: key).set("description", Self.loneFirstName).body)
            #expect(asked.status == .badRequest && asked.text.contains("not_names=Karin"), "\(asked.text.prefix(400))")
            let confirmed = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: .form,
                                                     body: Self.open311Form(first, apiKey: key).set("description", Self.loneFirstName).set("not_names", "Karin").body)
            #expect(confirmed.status == .created, "\(confirmed.text.prefix(300))")
            // Each service's base request is valid: one accepted per service.
            for service in services {
                let response = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: .form, body: Self.open311Form(service, apiKey: key).body)
                #expect(response.status == .created, "\(service.code): \(response.text.prefix(300))")
            }
        }
    }

    /// A valid Open311 request for a service: every required attribute given.
    static func open311Form(_ service: Open311.Service, apiKey: String) -> FormEncoder {
        let region = service.region
        let organisation = region.parties.first { $0.kind == .region } ?? region.parties[0]
        let other = region.parties.first { $0.kind == .municipality && $0.key != organisation.key } ?? region.parties[1]
        var form = FormEncoder([
            ("api_key", apiKey), ("service_code", service.code), ("jurisdiction_id", region.key),
            ("description", "Kommunen fick inget meddelande innan utskrivningen."),
            ("attribute[organisation]", organisation.key), ("attribute[other_parties][]", other.key),
            ("attribute[occurred_on]", "2026-11-20"), ("attribute[expected]", "Meddelande inom ett dygn enligt överenskommelsen."),
            ("email", "asa.oberg@example.se"), ("first_name", "Åsa"), ("last_name", "Öberg"), ("phone", "08-123 456 78"),
        ])
        form.includesFillTime = false
        for field in service.agreement?.fields ?? [] where field.required {
            let name = "attribute[\(ReportForm.extraFieldName(field.key))]"
            switch field.type {
            case .singleChoice, .yesNo: form.add(name, field.choices(in: .sv)[0].key)
            case .multiChoice: form.add(name + "[]", field.choices(in: .sv)[0].key)
            case .date: form.add(name, "2026-11-20")
            case .text, .textarea: form.add(name, "Hjälp med läkemedel.")
            case .party, .parties: form.add(name, other.key)
            }
        }
        return form
    }
}
