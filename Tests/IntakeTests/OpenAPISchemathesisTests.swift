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

/// The served OpenAPI description is kept true by schemathesis (PyPI), run against the real
/// server on loopback with a real read-write token: no server errors, every status code, content
/// type, header and body as described.
@Suite("OpenAPI description", .serialized)
struct OpenAPISchemathesisTests {
    /// Fixed, so a failure can be reproduced: `--seed 20261125` with the same hooks and reports.
    static let seed = "20261125"
    /// Per operation, for the fuzzing phase (examples and coverage add their own cases). 100:
    /// the Open311 POST has 16 form properties plus free attributes, and the hooks steer every
    /// second positive case to a complete report, so with seed 20261125 the run files about 65
    /// reports (201, response schema checked) and sees about 40 refusals (400), a dozen missing or
    /// wrong keys (403) and unknown services (404); each staff write gets 30–50 answers of 200
    /// besides 400/404/415/422. 50 examples reached the same status codes with half the
    /// successes; 100 takes about 25 s here (1,600 cases in all), well inside the time limit.
    static let maxExamples = 100

    @Test("schemathesis run against /api/openapi.yaml with a real api_key and bearer token: writes reach 201/200, 0 failures",
          .requires(.smtpServer, .schemathesis),
          .timeLimit(.minutes(15)))
    func schemathesis() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        // Two real read-write tokens: the staff API's bearer token, and the Open311 api_key.
        let bearer = try await APITokens.create(in: directory, for: StaffFixtures.admin.email, readWrite: true)
        let apiKey = try await APITokens.create(in: directory, for: StaffFixtures.admin.email, readWrite: true)
        // A real clock: schemathesis's requests and the 90-day window use today's date.
        try await TestSupport.application(directory: directory, clock: { Date() }).test(.live) { client in
            let port = try #require(client.port)
            // Something to read and to write to: reports from the web form and from Open311.
            let yesterday = CalendarDay(Date()).adding(days: -1).description
            _ = try await TestSupport.fileReport(client, FormEncoder.validLUS.set("occurred_on", yesterday).shownAnHourAgo)
            _ = try await TestSupport.fileReport(client, FormEncoder.validOrebro.set("occurred_on", yesterday).shownAnHourAgo, region: "orebro")
            let filed = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: .form,
                                                 body: FormEncoder.open311LUS(apiKey: apiKey).set("attribute[occurred_on]", yesterday).body)
            #expect(filed.status == .created)
            let before = try await Self.counts(directory)

            let output = directory + "/schemathesis.txt"
            let tally = directory + "/tally.txt"
            let catalogue = try TestSupport.catalogue()
            var environment = ProcessInfo.processInfo.environment
            environment["SCHEMATHESIS_HOOKS"] = "schemathesis_hooks"
            environment["PYTHONPATH"] = TestSupport.repositoryRoot + "/Tests/api"
            environment["INTAKE_OPEN311_API_KEY"] = apiKey
            environment["INTAKE_REPORT_IDS"] = "1,2,3,SB-2026-00001"
            environment["INTAKE_STATES"] = catalogue.lifecycle.states.map(\.key).joined(separator: ",")
            environment["INTAKE_TALLY"] = tally
            print("schemathesis: --seed \(Self.seed), --max-examples \(Self.maxExamples), output in \(output)")
            let status = try await Self.run(SMTPTestServer.python, [
                "-m", "schemathesis.cli", "run", "http://127.0.0.1:\(port)/api/openapi.yaml",
                "--header", "Authorization: Bearer \(bearer)",
                // Every check but "schema-valid data must be accepted": what JSON Schema cannot say
                // (the 90-day window, lifecycle transitions, texts without a personnummer, a
                // service's attributes) is refused with a documented 400/422, as it should be.
                "--checks", "all", "--exclude-checks", "positive_data_acceptance",
                "--phases", "examples,coverage,fuzzing",
                "--max-examples", "\(Self.maxExamples)",
                "--seed", Self.seed,
                "--workers", "1",
                "--request-timeout", "10",
                "--generation-database", "none",
                "--no-color",
            ], directory: directory, output: output, environment: environment)
            let report = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            #expect(status == 0, "schemathesis (seed \(Self.seed)) reported failures:\n\(report.suffix(12_000))")
            #expect(report.contains(Self.seed), "the seed is in the output")

            // The writes reached the server's success answers, so their response schemas were checked.
            let answered = ((try? String(contentsOfFile: tally, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            func count(_ operation: String, _ code: Int) -> Int { answered.filter { $0 == "\(operation) \(code)" }.count }
            let summary = Dictionary(grouping: answered, by: { $0 }).mapValues(\.count).sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
            print("schemathesis answers (seed \(Self.seed)):\n\(summary)")
            #expect(count("POST /open311/v2/requests.json", 201) >= 20, "Open311 filings accepted:\n\(summary)")
            #expect(count("POST /open311/v2/requests.json", 403) >= 1, "and refused without a live key:\n\(summary)")
            for write in ["state", "replies", "notes"] {
                #expect(count("POST /api/v1/reports/{id}/\(write)", 200) >= 10, "staff API \(write) accepted:\n\(summary)")
            }
            let after = try await Self.counts(directory)
            #expect(after.reports - before.reports == count("POST /open311/v2/requests.json", 201), "every 201 stored a report")
            #expect(after.messages > before.messages, "replies and notes were stored")
        }
    }

    static func counts(_ directory: String) async throws -> (reports: Int, messages: Int) {
        try await StaffFixtures.database(directory).read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report") ?? 0, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report_message") ?? 0)
        }
    }

    /// Runs a process off the cooperative pool (the server under test needs it), output to a file.
    static func run(_ executable: String, _ arguments: [String], directory: String, output: String,
                    environment: [String: String]? = nil) async throws -> Int32 {
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let status = TestProcess.waitForExit(process, timeout: 840)
                try? handle.close()
                continuation.resume(returning: status)
            }
        }
    }
}

extension OpenAPISchemathesisTests {
    @Test("the description names every staff API route and every Open311 JSON route, and no other")
    func describesEveryRoute() throws {
        let text = try String(contentsOfFile: TestSupport.templatesDirectory + "/api/openapi.yaml", encoding: .utf8)
        let paths = text.split(separator: "\n").filter { $0.hasPrefix("  /") && $0.hasSuffix(":") }.map { String($0.dropFirst(2).dropLast()) }
        #expect(Set(paths) == [
            "/api/v1/me", "/api/v1/reports", "/api/v1/reports/{id}", "/api/v1/reports/{id}/state", "/api/v1/reports/{id}/replies",
            "/api/v1/reports/{id}/notes", "/api/v1/reports/{id}/escalations", "/open311/v2/discovery.json", "/open311/v2/services.json",
            "/open311/v2/services/{service_code}.json", "/open311/v2/requests.json", "/open311/v2/requests/{service_request_id}.json",
        ])
        #expect(text.hasPrefix("openapi: 3.1.0"))
    }
}
