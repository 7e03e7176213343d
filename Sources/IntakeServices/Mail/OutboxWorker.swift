import Foundation
import NIOConcurrencyHelpers
import IntakeDomain
import IntakeMail
import IntakeStore
import Logging
import ServiceLifecycle

/// Sends due outbox messages. Marks each sent only after the server accepted it, so a crash in
/// between means a message may go twice, never that it is lost. Temporary failures are retried
/// with growing delays; permanent ones, or too many days of failures, go to dead letter. While the
/// database cannot be read or written (a full disk), the worker sends nothing and backs off.
public struct OutboxWorker: NamedService {
    let outbox: OutboxRepository
    let transport: any MailTransport
    let configuration: MailConfiguration
    /// Renders the messages queued as a template and context.
    let composer: MailComposer
    let clock: @Sendable () -> Date
    let logger: Logger
    let pollInterval: Duration
    let batchSize = 20
    var metrics: AppMetrics?
    var status: WorkerStatus?
    /// Set while the SMTP server cannot be reached: until then the worker only waits.
    private let pause = NIOLockedValueBox<Date?>(nil)

    /// How long delivery pauses after the server could not be reached at all: the first retry
    /// delay, at most 30 seconds. One message is tried, the rest of the queue is left as it is,
    /// so an outage costs one connection attempt per pause instead of one per queued mail.
    var unreachablePause: TimeInterval { TimeInterval(min(configuration.retryDelaysSeconds.first ?? 30, 30)) }

    public static func make(services: AppServices, pollInterval: Duration = .milliseconds(500)) throws -> OutboxWorker {
        let mail = services.configuration.mail
        let transport: any MailTransport
        if mail.isSMTPConfigured {
            transport = SMTPTransport(configuration: mail, logger: services.logger)
        } else if services.configuration.demo {
            let folder = mail.fileDirectory.hasPrefix("/") ? mail.fileDirectory
                : (services.configuration.dataDirectory as NSString).appendingPathComponent(mail.fileDirectory)
            transport = try FileMailTransport(directory: folder, logger: services.logger)
            services.logger.notice("no SMTP server configured: mails are written as .eml files", metadata: ["folder": .string(folder)])
        } else {
            throw ServiceError.configuration([
                "INTAKE_SMTP_URL is not set. Set it (smtp://host:port), or set INTAKE_DEMO=true to write mails to files instead.",
            ])
        }
        return OutboxWorker(outbox: services.outbox, transport: transport, configuration: mail, composer: services.mailComposer, clock: services.clock,
                            logger: services.logger, pollInterval: pollInterval,
                            metrics: services.metrics, status: services.outboxWorkerStatus)
    }

    public func run() async throws {
        logger.info("outbox worker started", metadata: ["transport": .string(transport.name)])
        status?.set(true)
        defer { status?.set(false) }
        // Graceful shutdown ends the loop after the batch in hand; cancellation (the service group
        // failing, e.g. when the port is taken) ends it too instead of spinning.
        try await PeriodicJob("outbox worker", every: pollInterval, storage: outbox.database.storage, logger: logger) { [self] in
            // The batch runs to the end even during shutdown: marking a message sent must not be
            // rolled back by a cancelled task.
            let result = await Task.detached { [self] in
                await self.processBatch()
            }.value
            switch result {
            case .handled(let count): return count > 0 ? .now : .interval
            case .databaseUnavailable: return .backOff
            }
        }.run()
        logger.info("outbox worker stopped")
    }

    /// Sends one batch of due messages; returns how many were handled.
    @discardableResult
    public func processDueBatch() async -> Int {
        if case .handled(let count) = await processBatch() { count } else { 0 }
    }

    enum BatchResult: Equatable {
        case handled(Int)
        /// The outbox could not be read, or the results not stored: wait before the next batch.
        case databaseUnavailable
    }

    func processBatch() async -> BatchResult {
        let now = clock()
        if let until = pause.withLockedValue({ $0 }), now < until { return .handled(0) }
        // While writes fail, nothing is sent: a result that cannot be recorded means the mail goes again.
        let database = outbox.database
        if database.storage.isFailing, !(await database.probeWrites()) { return .databaseUnavailable }
        let due: [OutboxMessage]
        do {
            due = try await outbox.due(now: now, limit: batchSize)
        } catch {
            database.storage.noteFailure(error, during: "outbox read")
            logger.error("outbox could not be read", metadata: ["error": .string(String(reflecting: type(of: error)))])
            return .databaseUnavailable
        }
        guard !due.isEmpty else { return .handled(0) }
        // A message whose template is gone cannot be sent by retrying: dead letter, with the reason.
        var unrenderable: [(message: OutboxMessage, result: DeliveryResult)] = []
        var sendable: [(message: OutboxMessage, data: String)] = []
        // So is one with an address a header cannot carry (the reason names no address).
        for message in due {
            guard let mail = render(message) else {
                unrenderable.append((message, .permanentFailure("template mail/\(message.template ?? "?") is missing or its context unreadable")))
                continue
            }
            do {
                sendable.append((message, try mail.rendered()))
            } catch {
                unrenderable.append((message, .permanentFailure(error.description)))
            }
        }
        let results = await transport.send(sendable.map { (envelopeFrom: configuration.fromAddress, recipient: $0.message.recipient, data: $0.data) })
        var attempted = unrenderable
        for (item, result) in zip(sendable, results) {
            attempted.append((item.message, result))
            if case .unreachable = result { break }
        }
        if case .unreachable = attempted.last?.result {
            let until = now.addingTimeInterval(unreachablePause)
            pause.withLockedValue { $0 = until }
            logger.warning("SMTP server not reachable: delivery paused", metadata: [
                "pause_s": .stringConvertible(Int(unreachablePause)), "waiting": .stringConvertible(due.count - attempted.count),
            ])
        } else {
            pause.withLockedValue { $0 = nil }
        }
        let decided = attempted.map { decide($0.result, for: $0.message) }
        do {
            let outcomes = zip(attempted, decided).map { (id: $0.message.id, outcome: $1.outcome) }
            if let metrics {
                try await metrics.timeWrite("outbox_update") { try await outbox.record(outcomes) }
            } else {
                try await outbox.record(outcomes)
            }
            for item in decided { item.report() }
        } catch {
            database.storage.noteFailure(error, during: "outbox update")
            // These go again once the database can be written: a mail may arrive twice, none is lost.
            logger.error("outbox results could not be stored", metadata: ["outbox_ids": .string(attempted.map { String($0.message.id) }.joined(separator: ","))])
            return .databaseUnavailable
        }
        return .handled(attempted.count)
    }

    func render(_ message: OutboxMessage) -> MailMessage? {
        guard let bodies = composer.bodies(of: message) else { return nil }
        return MailMessage(fromName: configuration.fromName, fromAddress: configuration.fromAddress, to: message.recipient,
                           replyTo: configuration.replyTo, subject: message.subject, date: message.createdAt,
                           messageId: "\(message.messageId)@\(configuration.messageIdDomain)",
                           textBody: bodies.text, htmlBody: bodies.html)
    }

    /// The outcome of one attempt to store, and what to log and count once it is stored.
    func decide(_ result: DeliveryResult, for message: OutboxMessage) -> (outcome: OutboxRepository.Outcome, report: () -> Void) {
        let now = clock()
        // Log ids and kinds only: recipients are personal data.
        let metadata: Logger.Metadata = ["outbox_id": .stringConvertible(message.id), "kind": .string(message.kind), "attempt": .stringConvertible(message.attempts + 1)]
        switch result {
        case .sent:
            return (.sent(at: now), {
                metrics?.mailSent()
                logger.info("mail sent", metadata: metadata)
            })
        case .temporaryFailure(let error), .unreachable(let error):
            if let delay = configuration.retryDelay(afterAttempts: message.attempts + 1, firstQueuedAt: message.createdAt, now: now) {
                return (.retry(error: error, nextAttempt: now.addingTimeInterval(delay)), {
                    metrics?.mailRetried()
                    metrics?.outboxFailure(permanent: false)
                    logger.warning("mail delivery failed, will retry", metadata: metadata.merging(["error": .string(error), "retry_in_s": .stringConvertible(Int(delay))]) { a, _ in a })
                })
            } else {
                return (.dead(error: "gave up after \(message.attempts + 1) attempts: \(error)"), {
                    metrics?.mailDead()
                    metrics?.outboxFailure(permanent: false)
                    logger.error("mail moved to dead letter after repeated failures", metadata: metadata.merging(["error": .string(error)]) { a, _ in a })
                })
            }
        case .permanentFailure(let error):
            return (.dead(error: error), {
                metrics?.mailDead()
                metrics?.outboxFailure(permanent: true)
                logger.error("mail refused permanently, moved to dead letter", metadata: metadata.merging(["error": .string(error)]) { a, _ in a })
            })
        }
    }
}

