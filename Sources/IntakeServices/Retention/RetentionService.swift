import Foundation
import Logging
import ServiceLifecycle

/// Runs the retention job at start and then every `interval`.
package struct RetentionService: NamedService {
    let services: AppServices
    var interval: Duration = .seconds(3600)

    package func run() async throws {
        let job = RetentionJob(database: services.database, lifecycle: services.catalogue.lifecycle, configuration: services.configuration)
        try await PeriodicJob("retention run", every: interval, storage: services.database.storage, logger: services.logger) { [services] in
            let result = try await job.run(now: services.clock())
            if !result.isEmpty {
                services.logger.notice("retention run", metadata: [
                    "closed_reports": .stringConvertible(result.closedReports), "long_open_reports": .stringConvertible(result.longOpenReports),
                    "mails_purged": .stringConvertible(result.mailsPurged),
                ])
            }
            return .interval
        }.run()
    }

    package init(services: AppServices, interval: Duration = .seconds(3600)) {
        self.services = services
        self.interval = interval
    }
}
