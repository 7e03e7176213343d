import Foundation
import GRDB
import IntakeDomain

/// What `intake verify` finds in a database file.
public struct DatabaseVerification: Sendable {
    public var path: String
    public var integrity: [String] = []
    public var foreignKeyViolations: [String] = []
    public var appliedMigrations: [String] = []
    public var unknownMigrations: [String] = []
    public var problems: [String] = []
    /// (label, count) in print order.
    public var counts: [(String, Int)] = []

    public var isHealthy: Bool {
        problems.isEmpty && integrity == ["ok"] && foreignKeyViolations.isEmpty && unknownMigrations.isEmpty
    }

    public func count(_ label: String) -> Int? { counts.first { $0.0 == label }?.1 }

    /// Human-readable lines, ending with the verdict.
    public var lines: [String] {
        var lines = ["database: \(path)"]
        lines.append("integrity_check: " + integrity.prefix(10).joined(separator: "; "))
        lines.append("foreign_key_check: " + (foreignKeyViolations.isEmpty ? "ok" : "\(foreignKeyViolations.count) violation(s): "
                                               + foreignKeyViolations.prefix(10).joined(separator: "; ")))
        lines.append("migrations: " + (appliedMigrations.isEmpty ? "(none)" : appliedMigrations.joined(separator: ", ")))
        if !unknownMigrations.isEmpty {
            lines.append("unknown migrations (made by a newer version): " + unknownMigrations.joined(separator: ", "))
        }
        for (label, n) in counts { lines.append("\(label): \(n)") }
        for problem in problems { lines.append("problem: \(problem)") }
        lines.append(isHealthy ? "OK" : "NOT OK")
        return lines
    }
}

/// Online backup, restore and verification of the SQLite file.
public enum DatabaseMaintenance {
    /// Copies the live database with SQLite's backup API into `destination`. The copy is read
    /// inside one read transaction, so it is the database as it was when the backup started,
    /// even while the server keeps writing (WAL: the writer is never blocked). The copy is a
    /// single self-contained file (rollback journal mode), verified before it gets its name.
    /// `progress` gets (pages copied, total pages).
    @discardableResult
    public static func backup(
        databasePath: String, to destination: String, overwrite: Bool = false, pagesPerStep: Int32 = 64,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> DatabaseVerification {
        guard FileManager.default.fileExists(atPath: databasePath) else { throw StoreError.maintenance("no database at \(databasePath)") }
        if FileManager.default.fileExists(atPath: destination) && !overwrite {
            throw StoreError.maintenance("\(destination) exists; choose another name (or --force to replace it)")
        }
        let partial = destination + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            let source = try DatabasePool(path: databasePath, configuration: configuration)
            let target = try DatabaseQueue(path: partial)
            try withoutActuallyEscaping(progress) { progress in
                try source.backup(to: target, pagesPerStep: pagesPerStep) { step in
                    progress(step.totalPageCount - step.remainingPageCount, step.totalPageCount)
                }
            }
            try target.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
            }
            try target.close()
            try source.close()
            let verification = try verify(path: partial)
            guard verification.isHealthy else {
                throw StoreError.maintenance("the copy does not verify:\n" + verification.lines.joined(separator: "\n"))
            }
            if overwrite { try? FileManager.default.removeItem(atPath: destination) }
            try FileManager.default.moveItem(atPath: partial, toPath: destination)
            var result = verification
            result.path = destination
            return result
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// Integrity and foreign-key checks, migrations, and counts of what the file holds.
    public static func verify(path: String) throws -> DatabaseVerification {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.maintenance("no database at \(path)") }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            var result = DatabaseVerification(path: path)
            result.integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            result.foreignKeyViolations = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row in
                "\(row[0] as String? ?? "?") row \(row[1] as Int64? ?? -1) → \(row[2] as String? ?? "?")"
            }
            guard try db.tableExists("report"), try db.tableExists("outbox_message") else {
                result.problems.append("not a samverkan-intake database (tables report and outbox_message missing)")
                return result
            }
            let migrator = AppMigrations.migrator
            result.appliedMigrations = try migrator.appliedMigrations(db)
            let known = Set(migrator.migrations)
            result.unknownMigrations = try migrator.appliedIdentifiers(db).filter { !known.contains($0) }.sorted()
            result.counts.append(("reports", try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report") ?? 0))
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM report GROUP BY state ORDER BY state") {
                result.counts.append(("reports in state \(row["state"] as String)", row["n"]))
            }
            for row in try Row.fetchAll(db, sql: "SELECT region_key, COUNT(*) AS n FROM report GROUP BY region_key ORDER BY region_key") {
                result.counts.append(("reports in region \(row["region_key"] as String)", row["n"]))
            }
            result.counts.append(("reports with contact e-mail", try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report WHERE reporter_email IS NOT NULL") ?? 0))
            // Tables of later migrations are counted when the file has them: a backup made before
            // them still verifies.
            for (label, table) in [("report messages", "report_message"), ("audit log entries", "audit_log"),
                                   ("staff accounts", "staff_user")] where try db.tableExists(table) {
                result.counts.append((label, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0))
            }
            for status in OutboxMessage.Status.allCases {
                result.counts.append(("outbox \(status.rawValue)",
                                      try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message WHERE status = ?", arguments: [status.rawValue]) ?? 0))
            }
            return result
        }
    }

    /// Replaces the database at `databasePath` with the backup at `backupPath`. Refuses while a
    /// server holds the database (its lock file), and refuses a backup that does not verify.
    /// The database being replaced is first saved next to it; the path is returned.
    public static func restore(backupPath: String, databasePath: String, now: Date = Date()) throws -> (verification: DatabaseVerification, savedPrevious: String?) {
        let backupCheck = try verify(path: backupPath)
        guard backupCheck.isHealthy else {
            throw StoreError.maintenance("the backup does not verify; nothing was changed:\n" + backupCheck.lines.joined(separator: "\n"))
        }
        let lock = try ServerLock.acquire(databasePath: databasePath, purpose: "restore")
        defer { lock.release() }

        var savedPrevious: String?
        if FileManager.default.fileExists(atPath: databasePath) {
            let stamp = ISO8601DateFormatter.compactUTC.string(from: now)
            let saved = databasePath + ".before-restore-" + stamp
            try backup(databasePath: databasePath, to: saved)
            savedPrevious = saved
        } else {
            let directory = (databasePath as NSString).deletingLastPathComponent
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        }
        // Built beside the target, then renamed over it: never a half-written database.
        let staging = databasePath + ".restoring"
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: staging + suffix) }
        var readonly = Configuration()
        readonly.readonly = true
        let source = try DatabaseQueue(path: backupPath, configuration: readonly)
        let target = try DatabaseQueue(path: staging)
        try source.backup(to: target)
        try target.writeWithoutTransaction { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
        }
        try target.close()
        try source.close()
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
        if FileManager.default.fileExists(atPath: databasePath) { try FileManager.default.removeItem(atPath: databasePath) }
        try FileManager.default.moveItem(atPath: staging, toPath: databasePath)
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: staging + suffix) }
        return (try verify(path: databasePath), savedPrevious)
    }
}

extension ISO8601DateFormatter {
    /// 20261125T101500Z: sorts, and is safe in a file name.
    static var compactUTC: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withYear, .withMonth, .withDay, .withTime, .withTimeZone]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter
    }
}
