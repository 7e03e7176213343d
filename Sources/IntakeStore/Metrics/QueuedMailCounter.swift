import GRDB
import Synchronization

/// Counts the mails queued in the outbox (`intake_mail_queued_total`) when their transaction
/// commits: it watches inserts into `outbox_message` on the database's writer, so the many
/// places that queue a mail inside their own transaction need no metrics of their own, and a
/// rolled-back transaction (or a group-commit batch run again job by job) counts nothing twice.
final class QueuedMailCounter: TransactionObserver, Sendable {
    private let metrics: AppMetrics
    /// Inserts of the transaction in progress; only the writer's queue touches it.
    private let pending = Mutex(0)

    init(metrics: AppMetrics) {
        self.metrics = metrics
    }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        if case .insert(let table) = eventKind { return table == "outbox_message" }
        return false
    }

    func databaseDidChange(with event: DatabaseEvent) {
        pending.withLock { $0 += 1 }
    }

    func databaseDidCommit(_ db: Database) {
        let count = pending.withLock { count in
            defer { count = 0 }
            return count
        }
        if count > 0 { metrics.mailsQueued(count) }
    }

    func databaseDidRollback(_ db: Database) {
        pending.withLock { $0 = 0 }
    }
}

extension AppDatabase {
    /// Counts this database's queued mails in `metrics` from now on.
    public func countQueuedMails(in metrics: AppMetrics) {
        pool.add(transactionObserver: QueuedMailCounter(metrics: metrics), extent: .databaseLifetime)
    }
}
