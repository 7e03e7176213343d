import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// The real `intake` binary as a child process: SIGTERM under load, the server lock, JSON logs.
@Suite("The intake binary: graceful shutdown and operations commands", .serialized, .timeLimit(.minutes(3)))
struct ShutdownTests {
    struct ServerDidNotStart: Error, CustomStringConvertible {
        var log: String
        var description: String { "intake serve did not start:\n\(log)" }
    }

    /// Starts `intake serve --demo` on a free port with JSON logs; returns the process and port.
    static func startServer(directory: String) async throws -> (ChildProcess, Int) {
        let binary = ChildProcess.intakeBinary
        #expect(FileManager.default.isExecutableFile(atPath: binary), "run `swift build` first: \(binary) is missing")
        // The known signing key, so the test's forms carry a valid render time.
        try TestSupport.useTestSigningKey(databasePath: directory + "/intake.sqlite")
        let server = try ChildProcess.spawn(binary, ["serve", "--demo", "--port", "0"], environment: environment(directory: directory),
                                            logPath: directory + "/serve.log")
        // Hummingbird logs the bound address; port 0 means the kernel picked a free one.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let match = server.log.firstMatch(of: /listening on 127\.0\.0\.1:(\d+)/), let port = Int(match.1) {
                return (server, port)
            }
            if server.waitForExit(timeout: 0) != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.stop()
        throw ServerDidNotStart(log: server.log)
    }

    static func environment(directory: String) -> [String: String] {
        [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "INTAKE_DATABASE": directory + "/intake.sqlite",
            "INTAKE_FORMS": TestSupport.formsDirectory,
            "INTAKE_TEMPLATES": TestSupport.templatesDirectory,
            "INTAKE_PUBLIC_URL": "https://samverkan.example.se",
            "INTAKE_LOG_FORMAT": "json",
            // These tests load the server from one address; the form guard is tested elsewhere.
            "INTAKE_RATE_LIMIT_PER_HOUR": "0",
            // These tests count mails exactly; periodic summaries have their own suite.
            "INTAKE_SUMMARIES": "false",
        ]
    }

    /// Runs an `intake` command to the end; returns its exit code and output.
    static func intake(_ arguments: [String], directory: String) async throws -> (Int32, String) {
        let log = directory + "/cli-\(UUID().uuidString.prefix(6)).log"
        let process = try ChildProcess.spawn(ChildProcess.intakeBinary, arguments, environment: environment(directory: directory), logPath: log)
        let status = await process.exit(timeout: 60) ?? -1
        return (status, process.log)
    }

    @Test("SIGTERM under load: requests in flight finish, mails in hand are recorded, exit 0, nothing lost")
    func sigtermUnderLoad() async throws {
        let directory = try TestSupport.temporaryDirectory("sigterm")
        let (server, port) = try await Self.startServer(directory: directory)
        defer { server.stop() }

        // While it runs: a backup over the live server works, a restore is refused.
        let (backupStatus, backupOutput) = try await Self.intake(["backup", directory + "/live-backup.sqlite"], directory: directory)
        #expect(backupStatus == 0, "\(backupOutput)")
        #expect(backupOutput.contains("pages (100%)"))
        let (restoreStatus, restoreOutput) = try await Self.intake(["restore", directory + "/live-backup.sqlite"], directory: directory)
        #expect(restoreStatus == 1)
        #expect(restoreOutput.contains("is in use by intake serve (pid \(server.pid))"), "\(restoreOutput)")

        let answered = Tally()
        let loadStarted = Tally()
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        // Each connection files reports until the server goes away (at most 300).
                        try? await TestClient.withClient(host: "127.0.0.1", port: port) { http in
                            for _ in 0..<300 {
                                loadStarted.add("")
                                let response = try await http.post("/rapportera/stockholm", headers: .form, body: FormEncoder.validLUS.shownAnHourAgo.body)
                                guard response.status == .seeOther, let location = response.headers[.location] else { return }
                                answered.add(String(location.dropFirst("/kvitto/".count).prefix(32)))
                            }
                        }
                    }
                }
            }
        }
        let deadline = Date().addingTimeInterval(60)
        while answered.count < 30 && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try #require(answered.count >= 30, "the server answers reports; log:\n\(server.log.suffix(2000))")
        server.send(SIGTERM)
        let status = await server.exit(timeout: 60)
        await load.value

        #expect(status == 0, "exit status after SIGTERM; log:\n\(server.log.suffix(2000))")
        // Every report the server answered with a receipt is on disk, with its three mails.
        let database = directory + "/intake.sqlite"
        let verification = try DatabaseMaintenance.verify(path: database)
        #expect(verification.isHealthy, "\(verification.lines)")
        let stored = try BackupTests.trackingTokens(database)
        #expect(Set(answered.all).isSubset(of: stored))
        let (sent, total) = try await TestSupport.openDatabase(database).read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message WHERE status = 'sent'")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message")!)
        }
        #expect(total == stored.count * 3)
        // The outbox worker recorded every mail it handed to the transport: one file per sent mail.
        let files = try FileManager.default.contentsOfDirectory(atPath: directory + "/mail-outbox").filter { $0.hasSuffix(".eml") }
        #expect(files.count == sent)
        #expect(!ServerLock.isHeld(databasePath: database), "the lock went with the process")

        // With the server stopped: verify, then restore the backup taken while it ran.
        let (verifyStatus, verifyOutput) = try await Self.intake(["verify"], directory: directory)
        #expect(verifyStatus == 0)
        #expect(verifyOutput.contains("reports: \(stored.count)\n"))
        #expect(verifyOutput.hasSuffix("OK\n"))
        let (restoredStatus, restoredOutput) = try await Self.intake(["restore", directory + "/live-backup.sqlite"], directory: directory)
        #expect(restoredStatus == 0, "\(restoredOutput)")
        #expect(restoredOutput.contains("the previous database was saved as \(database).before-restore-"))
        #expect(try BackupTests.trackingTokens(database).isEmpty, "the backup was taken before any report")
        try "not a database".write(toFile: directory + "/broken.sqlite", atomically: true, encoding: .utf8)
        #expect(try await Self.intake(["verify", directory + "/broken.sqlite"], directory: directory).0 == 1)

        // The log: JSON lines, request ids, the shutdown, and no personal data from the form.
        // Demo mode prints the demo accounts' one-time passwords to standard output once: not log lines.
        let lines = server.log.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("Demo accounts") && !$0.hasPrefix("  ") }
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "every log line is a JSON object")
        #expect(objects.contains { $0["msg"] as? String == "report filed" && ($0["request_id"] as? String)?.isEmpty == false })
        #expect(objects.contains { $0["msg"] as? String == "outbox worker stopped" })
        #expect(objects.last?["msg"] as? String == "samverkan-intake stopped")
        for secret in ["asa.oberg", "Åsa", "Öberg", "inskrivningsmeddelande", "Sjuksköterska"] {
            #expect(!server.log.contains(secret), "\(secret) must not be logged")
        }
    }

    @Test("/metrics of the binary includes the mail counters (swift-metrics through the application's Prometheus factory)")
    func binaryMetrics() async throws {
        let directory = try TestSupport.temporaryDirectory("metrics-bin")
        let (server, port) = try await Self.startServer(directory: directory)
        defer { server.stop() }
        let text = try await TestClient.withClient(host: "127.0.0.1", port: port) { http in
            let response = try await http.post("/rapportera/stockholm", headers: .form, body: FormEncoder.validLUS.shownAnHourAgo.body)
            #expect(response.status == .seeOther)
            let metrics = try await http.get("/metrics")
            return metrics.body.map { String(buffer: $0) } ?? ""
        }
        let parsed = try ParsedMetrics.parse(text)
        #expect(parsed.value("intake_mail_queued_total") == 3)
        #expect(parsed.value("intake_reports_received_total", ["agreement": "sthlm-lus"]) == 1)
        server.send(SIGINT)
        #expect(await server.exit(timeout: 60) == 0)
    }

    @Test("a second server on the same database is refused with a clear message")
    func secondServerRefused() async throws {
        let directory = try TestSupport.temporaryDirectory("second")
        let (server, _) = try await Self.startServer(directory: directory)
        defer { server.stop() }
        let (status, output) = try await Self.intake(["serve", "--demo", "--port", "0"], directory: directory)
        #expect(status == 1)
        #expect(output.contains("is in use by intake serve (pid \(server.pid))"))
        server.send(SIGTERM)
        #expect(await server.exit(timeout: 60) == 0)
    }

    @Test("config check prints the effective configuration with secrets masked, and exits 1 on problems")
    func configCheck() async throws {
        let directory = try TestSupport.temporaryDirectory("config-check")
        try "INTAKE_SMTP_URL=smtp://mail.example.se:587\nINTAKE_SMTP_USERNAME=intake\nINTAKE_SMTP_PASSWORD=hemligt\nINTAKE_SMTP_PASWORD=typo\n"
            .write(toFile: directory + "/intake.env", atomically: true, encoding: .utf8)
        var environment = Self.environment(directory: directory)
        environment["INTAKE_CONFIG_FILE"] = directory + "/intake.env"
        let log = directory + "/check.log"
        let ok = try ChildProcess.spawn(ChildProcess.intakeBinary, ["config", "check"], environment: environment, logPath: log)
        #expect(await ok.exit() == 0)
        let output = ok.log
        #expect(output.contains("INTAKE_SMTP_PASSWORD=******** (set)\t# file"))
        #expect(output.contains("INTAKE_LOG_FORMAT=json\t# environment"))
        #expect(output.contains("INTAKE_PORT=8080\t# default"))
        #expect(output.contains("# warning: INTAKE_SMTP_PASWORD is not a known variable"))
        #expect(!output.contains("hemligt"))

        environment["INTAKE_PORT"] = "åttio"
        environment["INTAKE_LOG_LEVEL"] = "loud"
        let bad = try ChildProcess.spawn(ChildProcess.intakeBinary, ["config", "check"], environment: environment, logPath: log)
        #expect(await bad.exit() == 1)
        #expect(bad.log.contains("The configuration has 2 problem(s):"))
        #expect(bad.log.contains("INTAKE_PORT=åttio"))
        #expect(bad.log.contains("INTAKE_LOG_LEVEL=loud"))
    }

    @Test("a port already in use ends serve with exit 1 and a plain message (no spinning, no hang)")
    func portInUse() async throws {
        let directory = try TestSupport.temporaryDirectory("port")
        let other = try TestSupport.temporaryDirectory("port-holder")
        try await TestSupport.application(directory: other, clock: { TestSupport.fixedNow }).test(.live) { client in
            let port = try #require(client.port)
            let (status, output) = try await Self.intake(["serve", "--demo", "--port", String(port)], directory: directory)
            #expect(status == 1, "\(output)")
            #expect(output.contains("127.0.0.1:\(port) is already in use by another process"))
        }
    }
}
