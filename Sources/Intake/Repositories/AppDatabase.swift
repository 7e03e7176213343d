import Foundation
import GRDB
import GRDBSQLite
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

/// Replaces SQLite's automatic checkpoint on the writer connection, which ran inside the commit
/// that crossed 1,000 WAL frames: every request of that group commit, and every one queued
/// behind it, waited for the copy into the database file.
///
/// Here every `backgroundFrames` new frames, a connection of its own copies the WAL into the
/// database on a background queue while the writer goes on. Once the WAL holds `restartFrames`
/// and all but `restartRemainder` frames are copied, the writer copies those itself, so the WAL
/// starts over from its beginning: a group commit does that after its requests have been
/// answered (`checkpointIfDue`), any other write right in its commit. At `writerFrames` the
/// writer copies everything itself, as SQLite's own checkpoint would (the fallback if the
/// background connection cannot work).
final class WALMonitor: @unchecked Sendable {
    static let backgroundFrames: Int32 = 1000
    static let restartFrames: Int32 = 4000
    static let restartRemainder: Int32 = 300
    static let writerFrames: Int32 = 8000
    private let path: String
    private let lock = NSLock()
    private var frames: Int32 = 0
    private var copiedUpTo: Int32 = 0
    private var copying = false
    private var inGroupCommit = false
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
            let monitor = Unmanaged<WALMonitor>.fromOpaque(context!).takeUnretainedValue()
            switch monitor.committed(frames: frames) {
            case .background: monitor.copyInBackground()
            case .restart, .everything: sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            case .none: break
            }
            return SQLITE_OK
        }, context)
    }

    /// `restart`: copy the last frames; `everything`: the fallback at `writerFrames`.
    private enum Step { case none, background, restart, everything }

    /// Called in every commit on the writer connection.
    private func committed(frames count: Int32) -> Step {
        lock.withLock {
            if count < frames { copiedUpTo = 0 }  // the WAL started over
            frames = count
            return count >= Self.writerFrames ? .everything : next(mayRestart: !inGroupCommit)
        }
    }

    /// What is due now (under the lock). `mayRestart`: the caller may copy the last frames itself.
    private func next(mayRestart: Bool) -> Step {
        if copying || closed { return .none }
        let uncopied = frames - copiedUpTo
        if frames >= Self.restartFrames && uncopied <= Self.restartRemainder {
            return mayRestart && uncopied > 0 ? .restart : .none
        }
        guard uncopied >= (frames >= Self.restartFrames ? 1 : Self.backgroundFrames) else { return .none }
        copying = true
        copiedUpTo = frames
        return .background
    }

    private func copyInBackground() {
        queue.async { [self] in
            do {
                if checkpointer == nil {
                    var configuration = Configuration()
                    configuration.busyMode = .timeout(10)
                    // A checkpoint fsyncs the WAL before copying and the database file after,
                    // before the copied frames count as done: never with synchronous = OFF.
                    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
                    checkpointer = try DatabaseQueue(path: path, configuration: configuration)
                }
                try checkpointer?.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            } catch {
                // Busy or unopenable: the writer copies it all itself at `writerFrames`.
            }
            lock.withLock { copying = false }
        }
    }

    /// Runs a group commit's transaction: the commit leaves the last frames for `checkpointIfDue`.
    func groupCommit<T>(_ body: () throws -> T) rethrows -> T {
        lock.withLock { inGroupCommit = true }
        defer { lock.withLock { inGroupCommit = false } }
        return try body()
    }

    /// Run by the group commit writer once a batch's requests are answered. Returns how long the
    /// writer itself spent checkpointing, or nil when it did not.
    func checkpointIfDue(_ pool: DatabasePool) -> Duration? {
        switch lock.withLock({ next(mayRestart: true) }) {
        case .none:
            return nil
        case .background:
            copyInBackground()
            return nil
        case .restart, .everything:
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
