import Foundation
import GRDB
import GRDBSQLite

/// Owns the SQLite connection pool. WAL, `synchronous = FULL`, foreign keys on, temporary
/// journals in memory, named migrations.
public final class AppDatabase: Sendable {
    public let pool: DatabasePool
    public let path: String
    /// The WAL's size after the last commit; group commit checkpoints from it (see WALMonitor).
    let wal: WALMonitor

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

    /// Used by /health: the file answers a query.
    public func isHealthy() async -> Bool {
        (try? await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }
}

/// Replaces SQLite's automatic checkpoint on the writer connection, which ran inside the commit
/// that crossed 1,000 WAL frames: every request of that group commit, and every one queued
/// behind it, waited for the copy into the database file.
///
/// Here a commit only records the WAL's size. Every `backgroundFrames` new frames, a connection
/// of its own copies the WAL into the database on a background queue while the writer goes on.
/// Once the WAL holds `restartFrames` and the background has copied all but a few hundred, the
/// writer copies those itself (after its requests have been answered), so the WAL starts over
/// from its beginning. Writes outside
/// group commit checkpoint themselves at `writerFrames`, as SQLite's own checkpoint would.
final class WALMonitor: @unchecked Sendable {
    static let backgroundFrames: Int32 = 1000
    static let restartFrames: Int32 = 4000
    /// At most this many frames left for the writer to copy itself before the WAL starts over.
    static let restartRemainder: Int32 = 300
    static let writerFrames: Int32 = 8000
    private let path: String
    private let lock = NSLock()
    private var frames: Int32 = 0
    private var copiedUpTo: Int32 = 0
    private var copying = false
    private var closed = false
    private var checkpointer: DatabaseQueue?
    private let queue = DispatchQueue(label: "samverkan-intake.wal-checkpoint")

    init(path: String) {
        self.path = path
    }

    /// Installed on the pool's writer connection.
    func install(on db: Database) {
        // Retained for good: the pool's writer connection may outlive the AppDatabase.
        let context = Unmanaged.passRetained(self).toOpaque()
        sqlite3_wal_hook(db.sqliteConnection, { context, connection, name, frames in
            Unmanaged<WALMonitor>.fromOpaque(context!).takeUnretainedValue().committed(frames: frames)
            if frames >= WALMonitor.writerFrames {
                sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            return SQLITE_OK
        }, context)
    }

    private func committed(frames count: Int32) {
        lock.withLock {
            if count < frames { copiedUpTo = 0 }  // the WAL started over
            frames = count
        }
    }

    var framesInWAL: Int32 { lock.withLock { frames } }

    /// Run by the group commit writer between batches. Returns how long the writer itself
    /// spent checkpointing, or nil when it did not.
    func checkpointIfDue(_ pool: DatabasePool) -> Duration? {
        enum Step { case none, background, restart }
        let step: Step = lock.withLock {
            if copying || closed { return .none }
            let uncopied = frames - copiedUpTo
            // At restart size: first let the background copy nearly everything, then copy the rest.
            if frames >= Self.restartFrames && uncopied <= Self.restartRemainder {
                return .restart
            }
            guard uncopied >= (frames >= Self.restartFrames ? 1 : Self.backgroundFrames) else { return .none }
            copying = true
            copiedUpTo = frames
            return .background
        }
        switch step {
        case .none:
            return nil
        case .background:
            queue.async { [self] in
                do {
                    if checkpointer == nil {
                        var configuration = Configuration()
                        configuration.busyMode = .timeout(10)
                        checkpointer = try DatabaseQueue(path: path, configuration: configuration)
                    }
                    try checkpointer?.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                } catch {
                    // Busy or unopenable: the writer's own checkpoint at restartFrames copies it all.
                }
                lock.withLock { copying = false }
            }
            return nil
        case .restart:
            let start = ContinuousClock.now
            try? pool.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            return ContinuousClock.now - start
        }
    }

    /// Closes the background connection (the database is going away).
    func close() {
        lock.withLock { closed = true }
        queue.sync { checkpointer = nil }
    }
}

extension CalendarDay: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { description.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> CalendarDay? {
        String.fromDatabaseValue(dbValue).flatMap(CalendarDay.init(iso:))
    }
}
