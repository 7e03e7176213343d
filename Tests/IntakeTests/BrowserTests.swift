import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// The pages in a real headless Chromium: Tests/browser/check_site.py runs axe-core (WCAG 2.0
/// and 2.1, A and AA) on every page in Tests/browser/pages.py, checks languages, 320 px, text
/// at 200 % and the skip link, checks the HTML mails written meanwhile, and files a report with
/// the keyboard only. Screenshots go to
/// test-artifacts/browser/. Without Chromium or selenium these tests fail, they never skip:
/// `scripts/setup.sh --with-test-tools` installs both.
@Suite("Pages in a real browser", .serialized, .timeLimit(.minutes(10)))
struct BrowserTests {
    static var python: String {
        ProcessInfo.processInfo.environment["INTAKE_TEST_PYTHON"] ?? TestSupport.repositoryRoot + "/.venv/bin/python"
    }
    /// INTAKE_PUBLIC_URL in the browser run: not the loopback address the browser uses, so a
    /// link in a mail built from the request instead of the configuration is caught.
    static let publicURL = "https://samverkan.test.example.se"

    static var checker: String { TestSupport.repositoryRoot + "/Tests/browser/check_site.py" }

    struct Run {
        var status: Int32
        var output: String
        var report: [String: Any]
        var failures: [[String: Any]] { report["failures"] as? [[String: Any]] ?? [] }
    }

    /// Runs the checker without blocking a concurrency thread (the server under test needs them).
    static func check(baseURL: String, arguments: [String], artifacts: String) async throws -> Run {
        let work = try TestSupport.temporaryDirectory("browser")
        let reportPath = work + "/report.json", outputPath = work + "/output.txt"
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [checker, "--base-url", baseURL, "--report", reportPath, "--artifacts", artifacts] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["SE_OFFLINE": "1"]) { _, new in new }
        process.standardOutput = output
        process.standardError = output
        let status: Int32 = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do { try process.run() } catch { continuation.resume(throwing: error) }
            }
        } onCancel: {
            process.terminate()  // a test that ran out of time leaves no browser behind
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let report = (try? Data(contentsOf: URL(fileURLWithPath: reportPath)))
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        return Run(status: status, output: text, report: report)
    }

    static func requireTools() throws {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ToolsMissing(message: "no Python at \(python): run scripts/setup.sh --with-test-tools (or scripts/test.sh)")
        }
    }

    struct ToolsMissing: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// One account per role, made before the server starts, as `--login ROLE=email:password`.
    static func createStaffAccounts(directory: String, configure: (inout AppConfiguration) -> Void) async throws -> [String] {
        var config = TestSupport.configuration(directory: directory)
        configure(&config)
        let services = try await AppServices.load(configuration: config, logger: TestSupport.quietLogger)
        let password = "Webbläsartest-2026-lösen"
        let accounts: [(StaffRole, [String])] = [
            (.admin, []), (.handlaggare, ["stockholm-triage", "sthlm-lus-region", "sthlm-lus-storsthlm"]), (.analytiker, []),
        ]
        var logins: [String] = []
        for (role, functions) in accounts {
            let email = "\(role.rawValue)@browser-test.example.se"
            _ = try await services.staff.create(.init(email: email, name: "Test \(role.rawValue)", role: role, functionKeys: functions, password: password),
                                                catalogue: services.catalogue, by: .system, now: Date())
            logins.append("\(role.rawValue)=\(email):\(password)")
        }
        return logins
    }

    @Test("every page, public and staff: 0 axe violations, right languages, 320 px, 200 % text, skip link; the report flow by keyboard only")
    func everyPage() async throws {
        try Self.requireTools()
        let directory = try TestSupport.temporaryDirectory()
        let limitedClient = "198.51.100.7"
        let configure: (inout AppConfiguration) -> Void = { config in
            config.minFillSeconds = 0  // the browser sends as fast as it can; the minimum has its own tests
            config.rateLimitPerHour = 10
            config.trustProxy = true  // so one "client" can be sent over its limit for the 429 page
            config.secureCookies = false  // the session cookie over http://127.0.0.1
            config.publicURL = Self.publicURL  // links in mails must use it, not the address asked
        }
        let logins = try await Self.createStaffAccounts(directory: directory, configure: configure)
        let app = try await TestSupport.application(directory: directory, clock: { Date() }, configure: configure)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // A stored report for the receipt and tracking pages.
            let filed = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: FormEncoder.validLUS.shownAnHourAgo.body)
            let receipt = try #require(filed.headers[.location])
            let tracking = receipt.replacingOccurrences(of: "/kvitto/", with: "/arende/")
            // One client address at its limit, for the 429 page.
            var headers = HTTPFields.form
            headers[.xForwardedFor] = limitedClient
            for _ in 0..<10 {
                _ = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: headers, body: FormEncoder.triageOnly.shownAnHourAgo.body)
            }

            // A report the handläggare registered from a phone call, for its confirmation page.
            let phone = StaffBrowser(client)
            try await phone.login("handlaggare@browser-test.example.se", password: "Webbläsartest-2026-lösen")
            _ = try await phone.get("/handlaggning/telefon/stockholm?avtal=sthlm-lus")
            let registered = try await phone.post("/handlaggning/telefon/stockholm", PhoneReportTests.fields().filter { $0.0 != "reporter_email" })
            let phoneRegistered = try #require(registered.headers[.location], "the phone report was registered")
            // Issue 19: a receipt without an e-mail address, and a report escalated and closed with a
            // final message and a published outcome (tracking page and staff page).
            let anonymous = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form,
                                                     body: FormEncoder.validLUS.set("reporter_email", nil).shownAnHourAgo.body)
            let receiptAnonymous = try #require(anonymous.headers[.location])
            let closedToken = try await TestSupport.fileReport(client, FormEncoder.validLUS.shownAnHourAgo)
            let closedId = try await TestSupport.openDatabase(directory + "/intake.sqlite").read { db in
                try Int64.fetchOne(db, sql: "SELECT id FROM report WHERE tracking_token = ?", arguments: [closedToken]) ?? 0
            }
            let staff = StaffBrowser(client)
            let login = try #require(logins.first { $0.hasPrefix("handlaggare=") }).dropFirst("handlaggare=".count).split(separator: ":", maxSplits: 1)
            #expect(try await staff.login(String(login[0]), password: String(login[1])).status == .seeOther)
            let base = "/handlaggning/rapporter/\(closedId)"
            _ = try await staff.get(base)
            #expect(try await staff.post(base + "/status", [("status", "under-utredning")]).status == .seeOther)
            #expect(try await staff.post(base + "/eskalera", [("orsak", "Parterna är oense om ansvaret."), ("besked", "Frågan har lyfts till ledningen för samverkan i kommunen."), ("bekrafta", "1")]).status == .seeOther)
            #expect(try await staff.post(base + "/utfall", [("utfall", "Rutinen för inskrivningsmeddelanden har ändrats."), ("publicera", "1")]).status == .seeOther)
            #expect(try await staff.post(base + "/status", [("status", "aterkopplad"), ("meddelande", "Regionen och kommunen har ändrat rutinen så att meddelandet skickas samma dag.")]).status == .seeOther)

            // The acknowledgement and owner mails of the seeded report, as the demo transport writes them.
            let mails = directory + "/mail-outbox"
            for _ in 0..<100 where ((try? FileManager.default.contentsOfDirectory(atPath: mails)) ?? []).filter({ $0.hasSuffix(".eml") }).count < 3 {
                try await Task.sleep(for: .milliseconds(100))
            }

            // Every agreement's form (and "vet inte") of every region, measured at 390 px.
            let catalogue = try TestSupport.catalogue()
            let today = CalendarDay(Date())
            let forms = catalogue.regions.flatMap { region in
                ["/rapportera/\(region.key)?avtal=vet-inte"] + catalogue.agreements
                    .filter { $0.regionKey == region.key && $0.isValid(on: today) }
                    .map { "/rapportera/\(region.key)?avtal=\($0.key)" }
            }.sorted { $0.contains("sthlm-lus") && !$1.contains("sthlm-lus") }
            #expect(forms.count > catalogue.regions.count)

            let run = try await Self.check(
                baseURL: "http://127.0.0.1:\(port)",
                arguments: ["--mails", mails, "--public-url", Self.publicURL, "--form-heights", forms.joined(separator: ","),
                            "--var", "receipt=\(receipt)", "--var", "tracking=\(tracking)", "--var", "limited_ip=\(limitedClient)",
                            "--var", "receipt_anonymous=\(receiptAnonymous)", "--var", "tracking_closed=/arende/\(closedToken)",
                            "--var", "case_closed=\(base)",
                            "--var", "phone_registered=\(phoneRegistered)"]
                    + logins.flatMap { ["--login", $0] },
                artifacts: TestSupport.repositoryRoot + "/test-artifacts/browser")
            if run.status == 2 {
                Issue.record("The browser could not start. Install the test tools: scripts/setup.sh --with-test-tools (apt chromium chromium-driver, selenium, axe-core).\n\(run.output)")
            }
            #expect(run.status == 0, "browser checks failed:\n\(run.output)")
            #expect(run.failures.isEmpty)
            #expect(run.report["passed"] as? Int ?? 0 >= 20, "pages and flows checked: \(run.report["passed"] ?? "none")")
        }
    }

    @Test("the harness catches a missing label: field.mustache without <label> fails axe with the 'label' rule")
    func harnessFailsWithoutLabels() async throws {
        try Self.requireTools()
        let directory = try TestSupport.temporaryDirectory()
        let templates = try TestSupport.temporaryDirectory("templates") + "/Templates"
        try FileManager.default.copyItem(atPath: TestSupport.templatesDirectory, toPath: templates)
        let fieldPath = templates + "/pages/field.mustache"
        let field = try String(contentsOfFile: fieldPath, encoding: .utf8)
        let stripped = field.replacing(#/<label for="\{\{id\}\}">.*?</label>/#, with: "")
        #expect(stripped != field)
        try stripped.write(toFile: fieldPath, atomically: true, encoding: .utf8)

        let app = try await TestSupport.application(directory: directory, clock: { Date() }, configure: { $0.templatesDirectory = templates })
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let run = try await Self.check(baseURL: "http://127.0.0.1:\(port)", arguments: ["--pages", "form", "--checks", "axe"],
                                           artifacts: try TestSupport.temporaryDirectory("artifacts"))
            #expect(run.status == 1, "the checker must fail:\n\(run.output)")
            let rules = run.failures.compactMap { $0["rule"] as? String }
            #expect(rules.contains("label"), "axe reports the missing labels: \(rules)\n\(run.output)")
            #expect(run.output.contains("FAIL form [axe] label"))
        }
    }
}
