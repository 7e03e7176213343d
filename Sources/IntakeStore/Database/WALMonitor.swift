import Foundation
import GRDB
import GRDBSQLite
import Logging
import Synchronization

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
final class WALMonitor: Sendable {
    static let backgroundFrames: Int32 = 1000
    static let restartFrames: Int32 = 4000
    static let restartRemainder: Int32 = 300
    static let writerFrames: Int32 = 8000
    private let path: String
    /// What the writer's commits and the background copy tell each other.
    private struct State {
        var frames: Int32 = 0
        var copiedUpTo: Int32 = 0
        var copying = false
        var inGroupCommit = false
        var closed = false

        /// What is due now. `mayRestart`: the caller may copy the last frames itself.
        mutating func next(mayRestart: Bool) -> Step {
            if copying || closed { return .none }
            let uncopied = frames - copiedUpTo
            if frames >= WALMonitor.restartFrames && uncopied <= WALMonitor.restartRemainder {
                return mayRestart && uncopied > 0 ? .restart : .none
            }
            guard uncopied >= (frames >= WALMonitor.restartFrames ? 1 : WALMonitor.backgroundFrames) else { return .none }
            copying = true
            copiedUpTo = frames
            return .background
        }
    }
    private let state = Mutex(State())
    /// The background connection, only used on `queue`.
    private let checkpointer = Mutex<DatabaseQueue?>(nil)
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
        state.withLock { state in
            if count < state.frames { state.copiedUpTo = 0 }  // the WAL started over
            state.frames = count
            return count >= Self.writerFrames ? .everything : state.next(mayRestart: !state.inGroupCommit)
        }
    }

    private func copyInBackground() {
        queue.async { [self] in
            checkpointer.withLock { checkpointer in
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
            }
            state.withLock { $0.copying = false }
        }
    }

    /// Runs a group commit's transaction: the commit leaves the last frames for `checkpointIfDue`.
    func groupCommit<T>(_ body: () throws -> T) rethrows -> T {
        state.withLock { $0.inGroupCommit = true }
        defer { state.withLock { $0.inGroupCommit = false } }
        return try body()
    }

    /// Run by the group commit writer once a batch's requests are answered. Returns how long the
    /// writer itself spent checkpointing, or nil when it did not.
    func checkpointIfDue(_ pool: DatabasePool) -> Duration? {
        switch state.withLock({ $0.next(mayRestart: true) }) {
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
        state.withLock { $0.closed = true }
        queue.sync { checkpointer.withLock { $0 = nil } }
    }
}
