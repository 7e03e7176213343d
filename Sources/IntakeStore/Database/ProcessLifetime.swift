import Foundation
import Synchronization
import GRDB

/// Each start of `intake serve`, kept in the database, so a process that died and was started
/// again (systemd restarts it, without giving up) shows afterwards: on /metrics as the number
/// of starts, this process's start time and the number of earlier runs that never recorded a
/// clean stop (crash, kill -9, out of memory, power loss), and in the log as a warning.
public final class ProcessLifetime: Sendable {
    public struct Start: Sendable, Equatable {
        /// This start's row.
        public var id: Int64
        /// Every start ever recorded, this one included.
        public var starts: Int
        /// Earlier runs (among the kept rows) that ended without a clean stop.
        public var uncleanExits: Int
        /// Starts in the last `loopWindow`, this one included.
        public var recentStarts: Int
        /// The run before this one ended without a clean stop.
        public var previousEndedUncleanly: Bool
    }

    /// Rows kept; the start count stays exact beyond it (AUTOINCREMENT ids).
    static let keptRows: Int64 = 10_000
    /// This many starts within `loopWindow` are logged as a restart loop.
    public static let loopStarts = 3
    public static let loopWindow: TimeInterval = 300

    /// The database and row of this run, once recorded.
    private let run = Mutex<(database: AppDatabase, id: Int64)?>(nil)

    public init() {}

    /// Records this start. Called once, after the migrations.
    public func started(database: AppDatabase, now: Date) throws -> Start {
        let start = try database.pool.write { db -> Start in
            let previous = try Row.fetchOne(db, sql: "SELECT id, stopped_at FROM process_start ORDER BY id DESC LIMIT 1")
            try db.execute(sql: "INSERT INTO process_start (started_at) VALUES (?)", arguments: [now])
            let id = db.lastInsertedRowID
            try db.execute(sql: "DELETE FROM process_start WHERE id <= ?", arguments: [id - Self.keptRows])
            let unclean = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM process_start WHERE stopped_at IS NULL AND id < ?", arguments: [id]) ?? 0
            let recent = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM process_start WHERE started_at > ?",
                                          arguments: [now.addingTimeInterval(-Self.loopWindow)]) ?? 1
            let previousUnclean = previous.map { ($0["stopped_at"] as Date?) == nil } ?? false
            return Start(id: id, starts: Int(id), uncleanExits: unclean, recentStarts: recent, previousEndedUncleanly: previousUnclean)
        }
        run.withLock { $0 = (database, start.id) }
        return start
    }

    /// Records that this run stopped cleanly (after a graceful shutdown). A process that dies
    /// never gets here, and its row stays without a stop time.
    public func stoppedCleanly(now: Date) throws {
        guard let (database, id) = run.withLock({ $0 }) else { return }
        try database.pool.write { db in
            try db.execute(sql: "UPDATE process_start SET stopped_at = ? WHERE id = ?", arguments: [now, id])
        }
    }
}
