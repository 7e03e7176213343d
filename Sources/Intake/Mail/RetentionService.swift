import Foundation
import Logging
import ServiceLifecycle

/// Runs the retention job at start and then every `interval`.
struct RetentionService: Service {
    let services: AppServices
    var interval: Duration = .seconds(3600)

    func run() async throws {
        let job = RetentionJob(database: services.database, lifecycle: services.catalogue.lifecycle, configuration: services.configuration)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let result = try await job.run(now: services.clock())
                if !result.isEmpty {
                    services.logger.notice("retention run", metadata: [
                        "closed_reports": .stringConvertible(result.closedReports), "long_open_reports": .stringConvertible(result.longOpenReports),
                        "mails_purged": .stringConvertible(result.mailsPurged),
                    ])
                }
            } catch {
                services.logger.error("retention run failed", metadata: ["error": .string(String(reflecting: type(of: error)))])
            }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: interval)
            }
        }
    }
}
