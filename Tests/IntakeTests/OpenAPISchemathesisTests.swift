import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Intake

/// The served OpenAPI description is kept true by schemathesis (PyPI), run against the real
/// server on loopback with a real read-write token: no server errors, every status code, content
/// type, header and body as described.
@Suite("OpenAPI description", .serialized)
struct OpenAPISchemathesisTests {
    @Test("schemathesis run against /api/openapi.yaml: 0 failures",
          .requires(.smtpServer, .schemathesis),
          .timeLimit(.minutes(15)))
    func schemathesis() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let token = try await APITokens.create(in: directory, for: StaffFixtures.admin.email, readWrite: true)
        // A real clock: schemathesis's requests and the 90-day window use today's date.
        try await TestSupport.application(directory: directory, clock: { Date() }).test(.live) { client in
            let port = try #require(client.port)
            // Something to read: reports from the web form and from Open311.
            _ = try await TestSupport.fileReport(client, FormEncoder.validLUS.set("occurred_on", CalendarDay(Date()).description).shownAnHourAgo)
            _ = try await TestSupport.fileReport(client, FormEncoder.validOrebro.set("occurred_on", CalendarDay(Date()).description).shownAnHourAgo, region: "orebro")
            let filed = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: .form,
                                                 body: FormEncoder.open311LUS(apiKey: token).set("attribute[occurred_on]", CalendarDay(Date()).description).body)
            #expect(filed.status == .created)

            let output = directory + "/schemathesis.txt"
            let status = try await Self.run(SMTPTestServer.python, [
                "-m", "schemathesis.cli", "run", "http://127.0.0.1:\(port)/api/openapi.yaml",
                "--header", "Authorization: Bearer \(token)",
                // Every check but "schema-valid data must be accepted": what JSON Schema cannot say
                // (the 90-day window, lifecycle transitions, texts without a personnummer, a
                // service's attributes) is refused with a documented 400/422, as it should be.
                "--checks", "all", "--exclude-checks", "positive_data_acceptance",
                "--phases", "examples,coverage,fuzzing",
                "--max-examples", "25",
                "--seed", "20261125",
                "--workers", "1",
                "--request-timeout", "10",
                "--generation-database", "none",
                "--no-color",
            ], directory: directory, output: output)
            let report = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            #expect(status == 0, "schemathesis reported failures:\n\(report.suffix(12_000))")
        }
    }

    /// Runs a process off the cooperative pool (the server under test needs it), output to a file.
    static func run(_ executable: String, _ arguments: [String], directory: String, output: String) async throws -> Int32 {
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
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
            "/api/v1/reports/{id}/notes", "/open311/v2/discovery.json", "/open311/v2/services.json",
            "/open311/v2/services/{service_code}.json", "/open311/v2/requests.json", "/open311/v2/requests/{service_request_id}.json",
        ])
        #expect(text.hasPrefix("openapi: 3.1.0"))
    }
}
