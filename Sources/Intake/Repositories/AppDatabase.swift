import Foundation
import GRDB
import GRDBSQLite

/// Owns the SQLite connection pool. WAL, `synchronous = FULL`, foreign keys on, temporary
/// journals in memory, named migrations.
public final class AppDatabase: Sendable {
    public let pool: DatabasePool
    public let path: String
    /// The WAL's size after the last commit; group commit checkpoints from it (see WALMonitor).
    let wal = WALMonitor()

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
            wal.install(on: db)
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

/// Replaces SQLite's automatic checkpoint on the writer connection. That one runs inside the
/// commit that crosses 1,000 WAL frames, so the requests of that group commit waited for the
/// checkpoint too. Here a commit only records the WAL's size; the group commit writer
/// checkpoints once its requests have been answered (`checkpointIfDue`). Writes outside group
/// commit still checkpoint themselves once the WAL reaches twice the size.
final class WALMonitor: @unchecked Sendable {
    static let checkpointFrames: Int32 = 1000
    private let lock = NSLock()
    private var frames: Int32 = 0

    var framesInWAL: Int32 { lock.withLock { frames } }

    func install(on db: Database) {
        // Retained for good: the pool's writer connection may outlive the AppDatabase.
        let context = Unmanaged.passRetained(self).toOpaque()
        sqlite3_wal_hook(db.sqliteConnection, { context, connection, name, frames in
            Unmanaged<WALMonitor>.fromOpaque(context!).takeUnretainedValue().record(frames)
            if frames >= 2 * WALMonitor.checkpointFrames {
                sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            return SQLITE_OK
        }, context)
    }

    private func record(_ count: Int32) {
        lock.withLock { frames = count }
    }

    /// A passive checkpoint when the WAL has grown past `checkpointFrames` (run on the writer);
    /// returns how long it took, or nil when none was due.
    func checkpointIfDue(_ pool: DatabasePool) -> Duration? {
        guard framesInWAL >= Self.checkpointFrames else { return nil }
        let start = ContinuousClock.now
        try? pool.writeWithoutTransaction { db in
            try db.checkpoint(.passive)
        }
        record(0)
        return ContinuousClock.now - start
    }
}

extension CalendarDay: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { description.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> CalendarDay? {
        String.fromDatabaseValue(dbValue).flatMap(CalendarDay.init(iso:))
    }
}
