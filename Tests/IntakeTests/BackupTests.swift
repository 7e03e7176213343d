import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// A counter shared between the writers and the backup's progress callback.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var tokens: [String] = []
    func add(_ token: String) { lock.withLock { tokens.append(token) } }
    var all: [String] { lock.withLock { tokens } }
    var count: Int { lock.withLock { tokens.count } }
}

@Suite("Backup, restore and verify", .timeLimit(.minutes(3)))
struct BackupTests {
    static func trackingTokens(_ path: String) throws -> Set<String> {
        let queue = try TestSupport.openDatabase(path)
        return try queue.read { db in Set(try String.fetchAll(db, sql: "SELECT tracking_token FROM report")) }
    }

    /// Files `count` reports through a live application on `directory`'s database.
    static func fileReports(_ count: Int, directory: String) async throws {
        let app = try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function)
        try await app.test(.live) { client in
            for _ in 0..<count {
                let response = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: FormEncoder.validLUS.body)
                #expect(response.status == .seeOther)
            }
        }
    }

    @Test("a backup taken while reports are being filed verifies and holds every report committed before it started")
    func backupDuringWrites() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = directory + "/intake.sqlite"
        let backupPath = directory + "/backup.sqlite"
        let app = try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function)
        let (before, verification, duringBackup) = try await app.test(.live) { client in
            let port = try #require(client.port)
            let committed = Tally()
            let stop = NIOLockedValueBox(false)
            // Four connections file reports until told to stop (at most 400 each).
            let writers = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            try await TestClient.withClient(host: "127.0.0.1", port: port) { http in
                                for _ in 0..<400 where !stop.withLockedValue({ $0 }) {
                                    let response = try await http.post("/rapportera/stockholm", headers: .form, body: FormEncoder.validLUS.body)
                                    guard response.status == .seeOther, let location = response.headers[.location] else { continue }
                                    committed.add(String(location.dropFirst("/kvitto/".count).prefix(32)))
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let deadline = Date().addingTimeInterval(60)
            while committed.count < 40 && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
            try #require(committed.count >= 40, "the writers are filing reports")

            let before = Set(committed.all)
            let startCount = committed.count
            let verification = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<DatabaseVerification, any Error>) in
                // A plain thread: the backup blocks, and its first step waits for the writers.
                Thread.detachNewThread {
                    var waited = false
                    let result = Result {
                        try DatabaseMaintenance.backup(databasePath: database, to: backupPath, pagesPerStep: 1) { _, _ in
                            // Make sure writes really happen while the copy is in progress.
                            guard !waited else { return }
                            waited = true
                            let deadline = Date().addingTimeInterval(20)
                            while committed.count < startCount + 10 && Date() < deadline { usleep(5_000) }
                        }
                    }
                    continuation.resume(with: result)
                }
            }
            let duringBackup = committed.count - startCount
            stop.withLockedValue { $0 = true }
            try await writers.value
            return (before, verification, duringBackup)
        }

        #expect(duringBackup >= 10, "reports were committed while the backup ran")
        #expect(verification.isHealthy)
        #expect(verification.integrity == ["ok"])
        #expect(verification.foreignKeyViolations.isEmpty)
        let inBackup = try Self.trackingTokens(backupPath)
        #expect(before.isSubset(of: inBackup), "every report answered before the backup started is in it")
        #expect(verification.count("reports") == inBackup.count)
        let live = try Self.trackingTokens(database)
        #expect(inBackup.isSubset(of: live))
        // Three mails per LUS report, queued in the report's transaction: the copy holds them too.
        #expect(verification.count("outbox queued").map { $0 + verification.count("outbox sent")! + verification.count("outbox dead")! } == inBackup.count * 3)
        #expect(!FileManager.default.fileExists(atPath: backupPath + ".partial"))
    }

    @Test("backup refuses to overwrite a file unless asked, and a missing database is an error")
    func backupRefusals() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await Self.fileReports(1, directory: directory)
        let target = directory + "/b.sqlite"
        try DatabaseMaintenance.backup(databasePath: directory + "/intake.sqlite", to: target)
        #expect(throws: StoreError.self) { try DatabaseMaintenance.backup(databasePath: directory + "/intake.sqlite", to: target) }
        #expect(try DatabaseMaintenance.backup(databasePath: directory + "/intake.sqlite", to: target, overwrite: true).count("reports") == 1)
        #expect(throws: StoreError.self) { try DatabaseMaintenance.backup(databasePath: directory + "/none.sqlite", to: directory + "/c.sqlite") }
        #expect(!FileManager.default.fileExists(atPath: directory + "/none.sqlite"))
    }

    @Test("restore replaces the database with the backup and keeps the replaced one")
    func restore() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = directory + "/intake.sqlite"
        try await Self.fileReports(2, directory: directory)
        let backupPath = directory + "/backup.sqlite"
        try DatabaseMaintenance.backup(databasePath: database, to: backupPath)
        try await Self.fileReports(3, directory: directory)
        #expect(try Self.trackingTokens(database).count == 5)

        let (verification, saved) = try DatabaseMaintenance.restore(backupPath: backupPath, databasePath: database)
        #expect(verification.isHealthy)
        #expect(verification.count("reports") == 2)
        #expect(try Self.trackingTokens(database) == Self.trackingTokens(backupPath))
        let previous = try #require(saved)
        #expect(try Self.trackingTokens(previous).count == 5)
        // The restored file is a working database in WAL mode: the application starts on it.
        let mode = try await TestSupport.openDatabase(database).read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        try await Self.fileReports(1, directory: directory)
        #expect(try Self.trackingTokens(database).count == 3)
    }

    @Test("restore refuses while a server holds the database, and changes nothing")
    func restoreRefusedWhileServing() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = directory + "/intake.sqlite"
        try await Self.fileReports(1, directory: directory)
        let backupPath = directory + "/backup.sqlite"
        try DatabaseMaintenance.backup(databasePath: database, to: backupPath)
        try await Self.fileReports(1, directory: directory)

        let lock = try ServerLock.acquire(databasePath: database, purpose: "intake serve")
        #expect(ServerLock.isHeld(databasePath: database))
        let error = #expect(throws: StoreError.self) {
            try DatabaseMaintenance.restore(backupPath: backupPath, databasePath: database)
        }
        #expect(error?.description.contains("intake serve (pid \(getpid()))") == true)
        #expect(try Self.trackingTokens(database).count == 2)
        // A second server on the same file is refused the same way.
        #expect(throws: StoreError.self) { try ServerLock.acquire(databasePath: database, purpose: "intake serve") }
        lock.release()
        #expect(!ServerLock.isHeld(databasePath: database))
        #expect(try DatabaseMaintenance.restore(backupPath: backupPath, databasePath: database).verification.count("reports") == 1)
    }

    @Test("restore refuses a backup that does not verify, and changes nothing")
    func restoreRefusesBrokenBackup() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = directory + "/intake.sqlite"
        try await Self.fileReports(1, directory: directory)
        let garbage = directory + "/garbage.sqlite"
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: garbage))
        #expect(throws: (any Error).self) { try DatabaseMaintenance.restore(backupPath: garbage, databasePath: database) }
        let empty = directory + "/empty.sqlite"
        try await TestSupport.openDatabase(empty).write { db in try db.execute(sql: "CREATE TABLE t(x)") }
        #expect(throws: StoreError.self) { try DatabaseMaintenance.restore(backupPath: empty, databasePath: database) }
        #expect(try Self.trackingTokens(database).count == 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains("before-restore") || $0.contains("restoring") }
        #expect(leftovers.isEmpty)
    }

    @Test("a backup made by an older version (fewer migrations) still verifies")
    func verifyOlderSchema() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let old = directory + "/v2.sqlite"
        try AppMigrations.migrator.migrate(try TestSupport.openDatabase(old), upTo: "v2-outbox")

        let result = try DatabaseMaintenance.verify(path: old)

        #expect(result.isHealthy, "\(result.lines)")
        #expect(result.appliedMigrations == ["v1-reports", "v2-outbox"])
        #expect(result.count("reports") == 0)
        #expect(result.count("audit log entries") == nil)
    }

    @Test("verify finds foreign-key violations and prints counts")
    func verifyFindsViolations() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await Self.fileReports(2, directory: directory)
        let copy = directory + "/copy.sqlite"
        let healthy = try DatabaseMaintenance.backup(databasePath: directory + "/intake.sqlite", to: copy)
        #expect(healthy.lines.last == "OK")
        #expect(healthy.lines.contains("reports: 2"))
        #expect(healthy.lines.contains("reports in region stockholm: 2"))
        #expect(healthy.lines.contains("outbox queued: \(healthy.count("outbox queued")!)"))

        try await TestSupport.openDatabase(copy).writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "INSERT INTO report_route (report_id, function_key, routed_at) VALUES (999, 'x', '2026-01-01')")
        }
        let broken = try DatabaseMaintenance.verify(path: copy)
        #expect(!broken.isHealthy)
        #expect(broken.foreignKeyViolations.count == 1)
        #expect(broken.lines.last == "NOT OK")
    }
}
