import Foundation
import GRDB
import Synchronization

/// Commits the writes of concurrent requests together: while one transaction is being written
/// and fsynced, new requests queue up and go into the next one. Each request still waits for
/// its own commit before it is answered, so a receipt always means "on disk". One failing job
/// does not take the others with it: the batch is then run again with a savepoint per job.
/// A storage error (full disk, size cap, unwritable file) is no single job's fault: then every
/// job of the batch gets it and nothing of the batch is stored.
///
/// The loop runs on its own serial queue, outside Swift's cooperative pool, and calls GRDB's
/// blocking `write` there: no task hops between batches. Waking the waiting requests is handed
/// to a second queue, so the next batch starts at once instead of after every wake-up (on two
/// cores, each wake-up could preempt the loop; see benchmarks/RESULTS.md).
final class GroupCommitWriter: Sendable {
    // Sendable by hand: a job is created by one request and then only touched by the loop and the completion queue, one after the other.
    private struct Job: @unchecked Sendable {
        let run: (Database) throws -> Void
        let complete: ((any Error)?) -> Void
    }

    private final class Box<T>: @unchecked Sendable {
        var value: T?
    }

    private let pool: DatabasePool
    private let wal: WALMonitor?
    /// Told when a batch failed for lack of room (only the probe says when there is room again:
    /// a small batch that still fits would make the state flap while the disk is nearly full).
    private let storage: StorageHealth?
    private let maxBatch: Int
    /// Told how long each batch's transaction took, commit included (metrics).
    private let onCommit: (@Sendable (Duration) -> Void)?
    /// Told how long each checkpoint took (metrics).
    private let onCheckpoint: (@Sendable (Duration) -> Void)?
    /// Jobs waiting for the next batch, and whether the loop is running.
    private struct Queue {
        var pending: [Job] = []
        var draining = false
    }
    private let queue = Mutex(Queue())
    private let loopQueue = DispatchQueue(label: "samverkan-intake.group-commit")
    private let completionQueue = DispatchQueue(label: "samverkan-intake.group-commit.completion")

    init(pool: DatabasePool, wal: WALMonitor? = nil, storage: StorageHealth? = nil, maxBatch: Int = 256,
         onCommit: (@Sendable (Duration) -> Void)? = nil, onCheckpoint: (@Sendable (Duration) -> Void)? = nil) {
        self.onCheckpoint = onCheckpoint
        self.pool = pool
        self.wal = wal
        self.storage = storage
        self.maxBatch = maxBatch
        self.onCommit = onCommit
    }

    func perform<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let box = Box<T>()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { db in box.value = try work(db) },
                complete: { error in
                    if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: box.value!) }
                })
            let start = queue.withLock { queue in
                queue.pending.append(job)
                if queue.draining { return false }
                queue.draining = true
                return true
            }
            // Not a child task: a cancelled request must not roll back its neighbours' commit.
            if start { loopQueue.async { self.drain() } }
        }
    }

    private func nextBatch() -> [Job]? {
        queue.withLock { queue in
            guard !queue.pending.isEmpty else {
                queue.draining = false
                return nil
            }
            let batch = Array(queue.pending.prefix(maxBatch))
            queue.pending.removeFirst(batch.count)
            return batch
        }
    }

    private func drain() {
        while let batch = nextBatch() {
            let start = ContinuousClock.now
            let outcomes: [(any Error)?]
            do {
                // Jobs almost never fail: all of them run in one transaction without a savepoint
                // each. If one does fail, the whole transaction is rolled back and the batch runs
                // again with a savepoint per job, so only the failing job gets the error.
                try inGroupCommit {
                    try pool.write { db in
                        for job in batch { try job.run(db) }
                    }
                }
                outcomes = Array(repeating: nil, count: batch.count)
            } catch where StorageFailure.isStorageError(error) {
                // The whole transaction was rolled back: every request hears so, none gets a receipt.
                storage?.noteFailure(error, during: "group commit")
                outcomes = Array(repeating: error, count: batch.count)
            } catch {
                outcomes = isolated(batch)
            }
            onCommit?(ContinuousClock.now - start)
            completionQueue.async {
                for (job, outcome) in zip(batch, outcomes) { job.complete(outcome) }
            }
            // After the answers are on their way: only requests still queued wait for it.
            if let wal, let duration = wal.checkpointIfDue(pool) { onCheckpoint?(duration) }
        }
    }

    private func inGroupCommit<T>(_ body: () throws -> T) rethrows -> T {
        if let wal { try wal.groupCommit(body) } else { try body() }
    }

    /// The batch again, each job in its own savepoint.
    private func isolated(_ batch: [Job]) -> [(any Error)?] {
        do {
            return try inGroupCommit { try pool.write { db in
                var outcomes: [(any Error)?] = []
                outcomes.reserveCapacity(batch.count)
                for job in batch {
                    do {
                        try db.inSavepoint {
                            try job.run(db)
                            return .commit
                        }
                        outcomes.append(nil)
                    } catch where StorageFailure.isStorageError(error) {
                        // SQLite may have rolled back the whole transaction already: the batch fails as one.
                        throw error
                    } catch {
                        outcomes.append(error)
                    }
                }
                return outcomes
            } }
        } catch {
            storage?.noteFailure(error, during: "group commit")
            return Array(repeating: error, count: batch.count)
        }
    }
}
