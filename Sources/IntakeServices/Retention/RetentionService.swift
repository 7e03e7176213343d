import Foundation
import Logging
import ServiceLifecycle

/// Runs the retention job at start and then every `interval`.
package struct RetentionService: Service {
    let services: AppServices
    var interval: Duration = .seconds(3600)

    package func run() async throws {
        let job = RetentionJob(database: services.database, lifecycle: services.catalogue.lifecycle, configuration: services.configuration)
        var backoff = RetryBackoff()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var wait = interval
            do {
                let result = try await job.run(now: services.clock())
                if !result.isEmpty {
                    services.logger.notice("retention run", metadata: [
                        "closed_reports": .stringConvertible(result.closedReports), "long_open_reports": .stringConvertible(result.longOpenReports),
                        "mails_purged": .stringConvertible(result.mailsPurged),
                    ])
                }
                backoff.reset()
            } catch {
                // A full disk: again sooner than the interval, backing off (1 s, 2 s, … 60 s), not in a loop.
                if services.database.storage.noteFailure(error, during: "retention run") { wait = min(backoff.next(), interval) }
                services.logger.error("retention run failed", metadata: [
                    "error": .string(String(reflecting: type(of: error))), "retry_in_s": .stringConvertible(RetryBackoff.seconds(wait)),
                ])
            }
            let delay = wait
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: delay)
            }
        }
    }

    package init(services: AppServices, interval: Duration = .seconds(3600)) {
        self.services = services
        self.interval = interval
    }
}
