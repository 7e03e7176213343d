import Foundation
import Testing

/// CI-sized runs of the proofs that drive the real binary from outside (Tests/proof/proof_load.py)
/// and of the libFuzzer targets (scripts/fuzz.sh). Full runs: scripts/crash-test.sh, scripts/fuzz.sh.
@Suite("Proofs: kill -9 under load, mail outage, fuzzing", .serialized, .timeLimit(.minutes(10)))
struct ProofTests {
    /// Runs a command to the end; its output goes to a file that is shown when it fails.
    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval) async throws -> (Int32, String) {
        let directory = try TestSupport.temporaryDirectory("proof")
        let log = directory + "/output.log"
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = environment["PATH"] ?? "/usr/bin:/bin"
        let process = try ChildProcess.spawn(executable, arguments, environment: environment, logPath: log)
        let status = await process.exit(timeout: timeout) ?? -1
        process.stop()
        return (status, process.log)
    }

    static var python: String { SMTPTestServer.python }
    static var script: String { TestSupport.repositoryRoot + "/Tests/proof/proof_load.py" }

    @Test("kill -9 at random moments under load, 3 trials: every receipt stored once, integrity ok, every acknowledgement delivered",
          .requires(.smtpServer, .intakeBinary))
    func crashTrials() async throws {
        let (status, output) = try await Self.run(Self.python, [Self.script, "crash", "--trials", "3", "--workers", "8",
                                                                "--binary", ChildProcess.intakeBinary, "--seed", "\(TestSeed.value)"], timeout: 300)
        print("crash trials: seed \(TestSeed.value) for the kill moments (INTAKE_TEST_SEED replays them)")
        #expect(status == 0, "\(output.suffix(3000))")
        #expect(output.contains("\"lost_receipts\": 0"))
        #expect(output.contains("\"acks_lost\": 0"))
    }

    @Test("SMTP server down during load, then up: every mail delivered; refused recipients in dead letter, listed and on /admin/utkorg",
          .requires(.smtpServer, .intakeBinary))
    func mailOutage() async throws {
        let (status, output) = try await Self.run(Self.python, [Self.script, "outage", "--workers", "4", "--before", "1.5", "--down", "3",
                                                                "--after", "1.5", "--binary", ChildProcess.intakeBinary], timeout: 300)
        #expect(status == 0, "\(output.suffix(3000))")
        #expect(output.contains("\"acks_lost\": 0"))
        #expect(output.contains("\"dead_missing_from_admin_pages\": 0") && output.contains("\"admin_page_shows_dead\": true"),
                "every dead mail on /admin/utkorg: \(output.suffix(1500))")
    }

    /// Deterministic: `scripts/fuzz.sh --ci` runs a fixed seed (INTAKE_TEST_SEED, printed) for
    /// a fixed number of runs over Tests/fuzz/seeds and every saved crash input. Long random runs:
    /// scripts/fuzz.sh.
    @Test("libFuzzer: the form-body parser, the privacy check, the mail builder and the received-mail reader (MIME and .docx), fixed seed and runs over the seed corpus")
    func fuzzing() async throws {
        let (status, output) = try await Self.run("/bin/bash", [TestSupport.repositoryRoot + "/scripts/fuzz.sh", "--ci"], timeout: 540)
        print(output.split(separator: "\n").filter { $0.hasPrefix("fuzz: ") }.joined(separator: "\n"))
        #expect(status == 0, "\(output.suffix(3000))")
    }
}
