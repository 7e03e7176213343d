import GRDB

/// Commits the writes of concurrent requests together: while one transaction is being written
/// and fsynced, new requests queue up and go into the next one. Each request still waits for
/// its own commit before it is answered, so a receipt always means "on disk". Each job runs in
/// its own savepoint, so one failing job does not take the others with it.
actor GroupCommitWriter {
    private final class Job: @unchecked Sendable {
        let run: (Database) throws -> Void
        let complete: ((any Error)?) -> Void
        init(run: @escaping (Database) throws -> Void, complete: @escaping ((any Error)?) -> Void) {
            self.run = run
            self.complete = complete
        }
    }

    private final class Box<T>: @unchecked Sendable {
        var value: T?
    }

    private let pool: DatabasePool
    private let maxBatch: Int
    private var pending: [Job] = []
    private var draining = false
    /// Told how long each batch's transaction took, commit included (metrics).
    private let onCommit: (@Sendable (Duration) -> Void)?

    init(pool: DatabasePool, maxBatch: Int = 256, onCommit: (@Sendable (Duration) -> Void)? = nil) {
        self.pool = pool
        self.maxBatch = maxBatch
        self.onCommit = onCommit
    }

    func perform<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let box = Box<T>()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            pending.append(Job(
                run: { db in box.value = try work(db) },
                complete: { error in
                    if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: box.value!) }
                }))
            if !draining {
                draining = true
                // Not a child task: a cancelled request must not roll back its neighbours' commit.
                Task.detached { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            var outcomes: [(any Error)?]
            let start = ContinuousClock.now
            do {
                outcomes = try await pool.write { db in
                    var outcomes: [(any Error)?] = []
                    outcomes.reserveCapacity(batch.count)
                    for job in batch {
                        do {
                            try db.inSavepoint {
                                try job.run(db)
                                return .commit
                            }
                            outcomes.append(nil)
                        } catch {
                            outcomes.append(error)
                        }
                    }
                    return outcomes
                }
            } catch {
                outcomes = Array(repeating: error, count: batch.count)
            }
            onCommit?(ContinuousClock.now - start)
            for (job, outcome) in zip(batch, outcomes) { job.complete(outcome) }
        }
        draining = false
    }
}
