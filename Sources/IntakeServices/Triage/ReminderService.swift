import Foundation
import Logging
import ServiceLifecycle

/// Sends the feedback-deadline reminders: at start, then every `interval`. A reminder is
/// recorded when it is queued, so restarts and several runs a day never send one twice.
package struct ReminderService: Service {
    let services: AppServices
    var interval: Duration = .seconds(15 * 60)

    package func run() async throws {
        var backoff = RetryBackoff()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var wait = interval
            do {
                let queued = try await services.triage.sendDueReminders(now: services.clock())
                if queued > 0 { services.logger.info("reminders queued", metadata: ["mails": .stringConvertible(queued)]) }
                backoff.reset()
            } catch {
                // A full disk: again sooner than the interval, backing off (1 s, 2 s, … 60 s), not in a loop.
                if services.database.storage.noteFailure(error, during: "reminder run") { wait = min(backoff.next(), interval) }
                services.logger.error("reminder run failed", metadata: [
                    "error": .string(String(reflecting: type(of: error))), "retry_in_s": .stringConvertible(RetryBackoff.seconds(wait)),
                ])
            }
            let delay = wait
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: delay)
            }
        }
    }

    package init(services: AppServices, interval: Duration = .seconds(15 * 60)) {
        self.services = services
        self.interval = interval
    }
}
