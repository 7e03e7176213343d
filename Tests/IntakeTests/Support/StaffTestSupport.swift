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

/// Staff accounts made directly in a test database before the app starts, and a small
/// "browser" that keeps the session cookie and the CSRF token between requests.
enum StaffFixtures {
    static let password = "ett långt lösenord 2026"

    struct Account {
        var email: String
        var role: StaffRole
        var functions: [String] = []
    }

    static let admin = Account(email: "admin@example.se", role: .admin)
    /// Member of both LUS functions in Stockholm and of the Stockholm triage function.
    static let lusHandler = Account(email: "lus@example.se", role: .handlaggare, functions: ["sthlm-lus-region", "sthlm-lus-storsthlm", "stockholm-triage"])
    /// Member of an Örebro function only.
    static let orebroHandler = Account(email: "orebro@example.se", role: .handlaggare, functions: ["orebro-utskrivning-region"])
    static let analyst = Account(email: "analys@example.se", role: .analytiker)
    static let all = [admin, lusHandler, orebroHandler, analyst]

    /// Creates the accounts in the database file the app will open; returns their ids by e-mail.
    @discardableResult
    static func create(in directory: String, _ accounts: [Account] = all, bcryptCost: UInt8 = 4) async throws -> [String: Int64] {
        let database = try AppDatabase(path: directory + "/intake.sqlite")
        try database.migrate()
        let staff = StaffRepository(database: database, bcryptCost: bcryptCost)
        let catalogue = try TestSupport.catalogue()
        var ids: [String: Int64] = [:]
        for account in accounts {
            let name = account.email.split(separator: "@")[0].capitalized + " Testsson"
            let user = try await staff.create(.init(email: account.email, name: name, role: account.role, functionKeys: account.functions, password: password),
                                              catalogue: catalogue, by: .system, now: TestSupport.fixedNow)
            ids[account.email] = user.id
        }
        return ids
    }

    /// The test's own connection to the live server's database: it waits while the server writes.
    static func database(_ directory: String) throws -> DatabaseQueue {
        try TestSupport.openDatabase(directory + "/intake.sqlite")
    }
}

/// Keeps a staff session's cookie and CSRF token, like a browser would.
final class StaffBrowser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookie: String?
    var csrf: String?

    init(_ client: any TestClientProtocol) {
        self.client = client
    }

    /// Sent with every request, e.g. the X-Forwarded-For a proxy adds.
    var extraHeaders = HTTPFields()

    var headers: HTTPFields {
        var fields = extraHeaders
        if let cookie { fields[.cookie] = cookie }
        return fields
    }

    func get(_ path: String) async throws -> TestResponse {
        let response = try await client.execute(uri: path, method: .get, headers: headers)
        if let token = Self.csrfToken(in: response.text) { csrf = token }
        return response
    }

    /// Posts a form with the current CSRF token (unless `withCSRF` is false).
    func post(_ path: String, _ pairs: [(String, String)] = [], withCSRF: Bool = true) async throws -> TestResponse {
        var form = FormEncoder(pairs)
        if withCSRF, let csrf { form.add("csrf", csrf) }
        var fields = headers
        fields[.contentType] = "application/x-www-form-urlencoded"
        let response = try await client.execute(uri: path, method: .post, headers: fields, body: form.body)
        if let setCookie = response.headers[.setCookie], let value = setCookie.split(separator: ";").first {
            cookie = value.hasSuffix("=") ? nil : String(value)
        }
        return response
    }

    /// Logs in through the login page; returns the login POST's response.
    @discardableResult
    func login(_ email: String, password: String = StaffFixtures.password) async throws -> TestResponse {
        _ = try await get("/login")
        let response = try await post("/login", [("email", email), ("password", password)])
        if response.status == .seeOther { _ = try await get("/handlaggning") }
        return response
    }

    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}

extension TestSupport {
    /// Files a report through the public form and returns its tracking token.
    static func fileReport(_ client: some TestClientProtocol, _ form: FormEncoder = .validLUS, region: String = "stockholm") async throws -> String {
        let response = try await client.execute(uri: "/rapportera/\(region)", method: .post, headers: .form, body: form.body)
        #expect(response.status == .seeOther)
        let location = try #require(response.headers[.location])
        return String(location.dropFirst("/kvitto/".count).prefix { $0 != "?" })
    }
}

extension FormEncoder {
    /// A valid Örebro report about discharge from hospital.
    static var validOrebro: FormEncoder {
        validLUS.set("avtal", "orebro-utskrivning").set("organisation", "region-orebro-lan").set("other_parties", "orebro-kommun")
    }
}
