import Foundation
import GRDB
import HummingbirdTesting
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// A process that dies comes back (systemd restarts it; here the test does), and the restart
/// shows: on /metrics after the restart and in the log. The real binary on a real database file.
@Suite("The intake binary: restarts are counted and a crash shows", .serialized, .timeLimit(.minutes(3)))
struct ProcessRestartTests {
    static func metrics(_ port: Int) async throws -> ParsedMetrics {
        let text = try await TestClient.withClient(host: "127.0.0.1", port: port) { http in
            try await http.get("/metrics").body.map { String(buffer: $0) } ?? ""
        }
        return try ParsedMetrics.parse(text)
    }

    @Test("kill -9, start again: intake_starts_total and intake_unclean_exits_total count it, the log warns; a clean stop is not counted as a crash")
    func crashIsCountedAfterRestart() async throws {
        let directory = try TestSupport.temporaryDirectory("restart")

        let (first, firstPort) = try await ShutdownTests.startServer(directory: directory)
        defer { first.stop() }
        let before = Date().timeIntervalSince1970
        let fresh = try await Self.metrics(firstPort)
        #expect(fresh.value("intake_starts_total") == 1)
        #expect(fresh.value("intake_unclean_exits_total") == 0)
        let started = try #require(fresh.value("intake_process_start_time_seconds"))
        #expect(started <= before + 1 && started > before - 120, "this process's start time: \(started)")
        #expect(!first.log.contains("without a clean shutdown"))

        // A crash: SIGKILL leaves no chance to record anything.
        first.send(SIGKILL)
        #expect(await first.exit(timeout: 30) == -SIGKILL)

        let (second, secondPort) = try await ShutdownTests.startServer(directory: directory)
        defer { second.stop() }
        let afterCrash = try await Self.metrics(secondPort)
        #expect(afterCrash.value("intake_starts_total") == 2)
        #expect(afterCrash.value("intake_unclean_exits_total") == 1)
        #expect(try #require(afterCrash.value("intake_process_start_time_seconds")) >= started)
        #expect(second.log.contains("the previous run of intake serve ended without a clean shutdown"), "\(second.log)")
        #expect(!second.log.contains("restart loop"))

        // A clean stop (SIGTERM, as systemctl stop sends) is recorded: the next start is not a crash.
        second.send(SIGTERM)
        #expect(await second.exit(timeout: 60) == 0)
        let (third, thirdPort) = try await ShutdownTests.startServer(directory: directory)
        defer { third.stop() }
        let afterStop = try await Self.metrics(thirdPort)
        #expect(afterStop.value("intake_starts_total") == 3)
        #expect(afterStop.value("intake_unclean_exits_total") == 1)
        #expect(!third.log.contains("without a clean shutdown"))
        // Three starts within five minutes: logged as a restart loop.
        #expect(third.log.contains("restart loop: intake serve started 3 times in the last 5 minutes"), "\(third.log)")
        third.send(SIGTERM)
        #expect(await third.exit(timeout: 60) == 0)

        let rows = try await TestSupport.openDatabase(directory + "/intake.sqlite").read { db in
            try Row.fetchAll(db, sql: "SELECT id, stopped_at IS NOT NULL AS clean FROM process_start ORDER BY id").map { $0["clean"] as Bool }
        }
        #expect(rows == [false, true, true])
    }
}
