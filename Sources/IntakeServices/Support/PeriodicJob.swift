import Foundation
import IntakeStore
import Logging
import ServiceLifecycle

/// The one loop of every background job (outbox, reminders, retention, summaries): run the work
/// at start, then again after what the run asks for, until graceful shutdown or cancellation.
///
/// A run that throws is logged with its error's type only (never its text: it may quote data);
/// if the error is a storage error (a full disk) the next run comes sooner, backing off 1 s, 2 s,
/// … 60 s but never later than `interval`, so the job neither spins nor waits an hour after
/// room is made.
package struct PeriodicJob: Service {
    /// When the next run comes.
    package enum Next: Sendable, Equatable {
        /// After the job's interval.
        case interval
        /// At once (a batch job that found a full batch).
        case now
        /// After the backoff's next wait: the run could not do its work (e.g. no database).
        case backOff
    }

    /// Names the job in log lines ("reminder run").
    let name: String
    let interval: Duration
    let storage: StorageHealth
    let logger: Logger
    let work: @Sendable () async throws -> Next

    package init(_ name: String, every interval: Duration, storage: StorageHealth, logger: Logger,
                 work: @escaping @Sendable () async throws -> Next) {
        self.name = name
        self.interval = interval
        self.storage = storage
        self.logger = logger
        self.work = work
    }

    package func run() async throws {
        var backoff = RetryBackoff()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let wait: Duration
            do {
                switch try await work() {
                case .now:
                    backoff.reset()
                    continue
                case .interval:
                    backoff.reset()
                    wait = interval
                case .backOff:
                    wait = backoff.next()
                    logger.warning("\(name) paused: the database cannot be written or read", metadata: [
                        "retry_in_s": .stringConvertible(RetryBackoff.seconds(wait)),
                    ])
                }
            } catch {
                wait = storage.noteFailure(error, during: name) ? min(backoff.next(), interval) : interval
                logger.error("\(name) failed", metadata: [
                    "error": .string(String(reflecting: type(of: error))), "retry_in_s": .stringConvertible(RetryBackoff.seconds(wait)),
                ])
            }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: wait)
            }
        }
    }
}
