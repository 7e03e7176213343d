import Foundation
import Logging
import ServiceLifecycle

/// Sends the feedback-deadline reminders: at start, then every `interval`. A reminder is
/// recorded when it is queued, so restarts and several runs a day never send one twice.
struct ReminderService: Service {
    let services: AppServices
    var interval: Duration = .seconds(15 * 60)

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let queued = try await services.triage.sendDueReminders(now: services.clock())
                if queued > 0 { services.logger.info("reminders queued", metadata: ["mails": .stringConvertible(queued)]) }
            } catch {
                services.logger.error("reminder run failed", metadata: ["error": .string(String(reflecting: type(of: error)))])
            }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: interval)
            }
        }
    }
}
