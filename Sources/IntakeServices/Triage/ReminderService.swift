import Foundation
import Logging
import ServiceLifecycle

/// Sends the feedback-deadline reminders: at start, then every `interval`. A reminder is
/// recorded when it is queued, so restarts and several runs a day never send one twice.
package struct ReminderService: NamedService {
    let services: AppServices
    var interval: Duration = .seconds(15 * 60)

    package func run() async throws {
        try await PeriodicJob("reminder run", every: interval, storage: services.database.storage, logger: services.logger) { [services] in
            let queued = try await services.triage.sendDueReminders(now: services.clock())
            if queued > 0 { services.logger.info("reminders queued", metadata: ["mails": .stringConvertible(queued)]) }
            return .interval
        }.run()
    }

    package init(services: AppServices, interval: Duration = .seconds(15 * 60)) {
        self.services = services
        self.interval = interval
    }
}
