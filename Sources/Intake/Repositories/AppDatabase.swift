import Foundation
import GRDB

/// Owns the SQLite connection pool. WAL, `synchronous = FULL`, foreign keys on, temporary
/// journals in memory, named migrations.
public final class AppDatabase: Sendable {
    public let pool: DatabasePool
    public let path: String

    public init(path: String) throws {
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
        }
        self.path = path
        pool = try DatabasePool(path: path, configuration: configuration)
        // DatabasePool sets synchronous=NORMAL for WAL after prepareDatabase; the writer needs FULL
        // so that a report answered with a receipt survives a power cut.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
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
