import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Hummingbird
import HummingbirdTesting
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// API tokens made directly in a test database (like `intake token create`), and small helpers
/// for JSON and XML answers.
enum APITokens {
    /// Makes a token for an account that StaffFixtures created; returns the secret.
    static func create(in directory: String, for email: String, readWrite: Bool = false) async throws -> String {
        let database = try AppDatabase(path: directory + "/intake.sqlite")
        try database.migrate()
        return try await APITokenRepository(database: database).create(userEmail: email, readWrite: readWrite, label: "test", by: .system, now: TestSupport.fixedNow).secret
    }

    static func revoke(in directory: String, _ idOrPrefix: String) async throws {
        let database = try AppDatabase(path: directory + "/intake.sqlite")
        _ = try await APITokenRepository(database: database).revoke(idOrPrefix, by: .system, now: TestSupport.fixedNow)
    }
}

extension HTTPFields {
    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }
    static func bearerJSON(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }
}

extension TestResponse {
    /// The body parsed as JSON (object or array).
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8)) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var array: [[String: Any]] { json as? [[String: Any]] ?? [] }

    /// The texts of every `<name>` element in an XML body (parsed with Foundation's XMLParser).
    func xmlTexts(_ name: String) -> [String] {
        XMLCollector.texts(of: name, in: Data(String(buffer: body).utf8))
    }

    var isWellFormedXML: Bool { XMLParser(data: Data(String(buffer: body).utf8)).parse() }
}

final class XMLCollector: NSObject, XMLParserDelegate {
    let name: String
    var texts: [String] = []
    var current: String?

    init(name: String) { self.name = name }

    static func texts(of name: String, in data: Data) -> [String] {
        let collector = XMLCollector(name: name)
        let parser = XMLParser(data: data)
        parser.delegate = collector
        _ = parser.parse()
        return collector.texts
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if elementName == name { current = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        current? += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if elementName == name, let text = current {
            texts.append(text)
            current = nil
        }
    }
}

/// An Open311 POST body: a valid LUS report from Region Stockholm about Solna.
extension FormEncoder {
    static func open311LUS(apiKey: String) -> FormEncoder {
        FormEncoder([
            ("api_key", apiKey), ("service_code", "sthlm-lus"), ("jurisdiction_id", "stockholm"),
            ("description", "Patienten skrevs ut från sjukhuset en fredag utan att kommunen fått inskrivningsmeddelande."),
            ("attribute[organisation]", "region-stockholm"),
            ("attribute[other_parties][]", "solna-stad"), ("attribute[other_parties][]", "sundbybergs-stad"),
            ("attribute[occurred_on]", "2026-11-20T14:30:00+01:00"),
            ("attribute[expected]", "Enligt överenskommelsen ska kommunen få meddelande inom ett dygn efter inskrivning."),
            ("attribute[x_discharge_step]", "inskrivningsmeddelande"),
            ("email", "asa.oberg@example.se"), ("first_name", "Åsa"), ("last_name", "Öberg"), ("phone", "08-123 456 78"),
            ("lat", "59.33"), ("long", "18.06"),
        ])
    }
}
