import Foundation
import GRDB
import GRDBSQLite
import IntakeDomain
import Logging

/// Owns the SQLite connection pool. WAL, `synchronous = FULL`, foreign keys on, temporary
/// journals in memory, named migrations, an optional size cap.
public final class AppDatabase: Sendable {
    public let pool: DatabasePool
    public let path: String
    /// Whether writes are failing for lack of room or a broken disk (/health, /ready, workers).
    public let storage: StorageHealth
    /// Checkpoints the WAL in place of SQLite's automatic checkpoint (see WALMonitor).
    let wal: WALMonitor

    /// `maxSizeMB` (`INTAKE_DATABASE_MAX_MB`) caps the database with `PRAGMA max_page_count` on
    /// every connection: a write that needs more room fails with SQLITE_FULL, as on a full disk.
    public init(path: String, maxSizeMB: Int? = nil, logger: Logger? = nil) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        // Other processes (the CLI, a backup) may hold the file briefly.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // Statement and savepoint journals (each report is filed in its own savepoint inside a
            // group commit) in memory: in a temporary file they cost ten writes per WAL write.
            // They only hold a transaction's undo data, which a crash discards anyway.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            if let maxSizeMB {
                let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
                // SQLite keeps the cap at least at the database's current size.
                _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(max(1, maxSizeMB * 1024 * 1024 / pageSize))")
            }
        }
        self.path = path
        storage = StorageHealth(logger: logger)
        wal = WALMonitor(path: path)
        pool = try DatabasePool(path: path, configuration: configuration)
        // DatabasePool sets synchronous=NORMAL for WAL after prepareDatabase; the writer needs FULL
        // so that a report answered with a receipt survives a power cut.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            wal.install(on: db)
        }
    }

    deinit {
        wal.close()
    }

    public func migrate() throws {
        try AppMigrations.migrator.migrate(pool)
    }

    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try AppMigrations.migrator.appliedMigrations(db) }
    }

    public func synchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// The database's own random signing key (made by migration v3-server-secret).
    public func signingKey() throws -> [UInt8] {
        try pool.read { db in
            guard let data = try Data.fetchOne(db, sql: "SELECT value FROM server_secret WHERE name = 'signing-key'") else {
                throw DatabaseError(message: "server_secret has no signing-key: run the migrations")
            }
            return [UInt8](data)
        }
    }

    /// Used by /ready: a write transaction can start (takes the write lock, writes nothing).
    public func isWritable() async -> Bool {
        do {
            try await pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) { .rollback }
            }
            return true
        } catch {
            return false
        }
    }

    /// A write that needs new room, more than a report does: a 64 kB row (sixteen pages, and as
    /// many WAL frames) inserted and committed, then deleted and committed. A smaller probe could
    /// fit in the last few kB of a full disk while every report still fails. Run while `storage`
    /// says writes fail; success clears that.
    public func probeWrites() async -> Bool {
        do {
            try await pool.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO storage_probe (id, filler) VALUES (1, zeroblob(65536))")
            }
            try await pool.write { db in try db.execute(sql: "DELETE FROM storage_probe") }
            storage.noteSuccess()
            return true
        } catch {
            storage.noteFailure(error, during: "probe")
            return false
        }
    }

    /// Whether reports can be stored now: while writes are known to fail, the probe decides
    /// (so the answer recovers by itself once there is room); otherwise whether the write lock
    /// can be taken.
    public func canStore() async -> Bool {
        storage.isFailing ? await probeWrites() : await isWritable()
    }

    /// Used by /health: the file answers a query.
    public func isHealthy() async -> Bool {
        (try? await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }
}

extension CalendarDay: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { description.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> CalendarDay? {
        String.fromDatabaseValue(dbValue).flatMap(CalendarDay.init(iso:))
    }
}
