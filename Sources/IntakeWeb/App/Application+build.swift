import Foundation
import Hummingbird
import IntakeServices
import IntakeStore
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the whole application: services, router, background workers.
public func buildApplication(
    configuration: AppConfiguration,
    clock: @escaping @Sendable () -> Date = { Date() },
    logger: Logger? = nil,
    metrics: AppMetrics = AppMetrics(),
    lifetime: ProcessLifetime? = nil,
    announce: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
) async throws -> some ApplicationProtocol {
    let logger = logger ?? Logger(label: "samverkan-intake")
    let services = try await AppServices.load(configuration: configuration, clock: clock, logger: logger, metrics: metrics)
    if let lifetime {
        // `intake serve`: record this start, so a restart after a crash shows on /metrics and in the log.
        let now = clock()
        let start = try lifetime.started(database: services.database, now: now)
        metrics.processStarted(at: now, start)
        if start.previousEndedUncleanly {
            logger.warning("the previous run of intake serve ended without a clean shutdown (crash, kill or out of memory); started again",
                           metadata: ["starts": .stringConvertible(start.starts), "unclean_exits": .stringConvertible(start.uncleanExits)])
        }
        if start.recentStarts >= ProcessLifetime.loopStarts {
            logger.error("restart loop: intake serve started \(start.recentStarts) times in the last \(Int(ProcessLifetime.loopWindow / 60)) minutes; see the earlier log lines for the cause",
                         metadata: ["starts": .stringConvertible(start.starts), "unclean_exits": .stringConvertible(start.uncleanExits)])
        }
    }
    let demoAccounts = try await DemoAccounts.createIfNone(services: services)
    if !demoAccounts.isEmpty {
        // Printed, not logged: one-time passwords for a local demo, shown once.
        announce("Demo accounts (one-time passwords, to be changed at first login at \(configuration.publicURL)/login):\n"
                 + demoAccounts.map { "  \($0.role.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \($0.email)  \($0.password)" }.joined(separator: "\n"))
    }
    let mailWorker = try OutboxWorker.make(services: services)
    let router = buildRouter(services: services)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.hostname, port: configuration.port), serverName: "samverkan-intake"),
        logger: logger)
    app.addServices(mailWorker, ReminderService(services: services), RetentionService(services: services))
    if !configuration.imap.mailboxes.isEmpty {
        app.addServices(MailIntakeService(services: services, mailboxes: configuration.imap.mailboxes))
    }
    if configuration.summaryScheduler {
        app.addServices(SummaryService(services: services, interval: .milliseconds(Int64(configuration.summaryCheckSeconds * 1000))))
    }
    return app
}

public func buildRouter(services: AppServices) -> Router<AppRequestContext> {
    buildRoutes(services: services).router
}

/// The router with the table of every route in it: method, path and the values each reads
/// (`intake routes` prints it; the route sweep test sends every route hostile values).
public func buildRoutes(services: AppServices) -> RouteTable {
    let table = RouteTable(router: Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints))
    table.adding { router in
        router.add(middleware: RequestIdMiddleware())
        router.add(middleware: RequestMetricsMiddleware(metrics: services.metrics))
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: ErrorPageMiddleware(renderer: services.renderer, clock: services.clock, storage: services.database.storage))
        router.get("/health") { _, _ -> Response in
            // While writes are known to fail (a full disk), the probe write decides, so this
            // answers 200 again by itself once there is room.
            let database = services.database
            var state = "ok"
            if !(await database.isHealthy()) {
                state = "unavailable"
            } else if database.storage.isFailing, !(await database.probeWrites()) {
                state = "not writable"
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.cacheControl] = "no-store"
            return Response(status: state == "ok" ? .ok : .serviceUnavailable, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"\(state == "ok" ? "ok" : "error")\",\"database\":\"\(state)\"}")))
        }
        router.add(middleware: StaffSessionMiddleware(services: services))
        PublicReportController(services: services).addRoutes(to: router)
        OperationsController(services: services).addRoutes(to: router)
        StaffAuthController(services: services).addRoutes(to: router)
        TriageController(services: services).addRoutes(to: router)
        PhoneReportController(services: services).addRoutes(to: router)
        AdminController(services: services).addRoutes(to: router)
        APIController(services: services).addRoutes(to: router)
        Open311Controller(services: services).addRoutes(to: router)
        FollowUpController(services: services).addRoutes(to: router)
    }
    return table
}

/// The listen address is taken by another process (the error the server's bind throws).
public func isAddressInUse(_ error: any Error) -> Bool {
    (error as? IOError)?.errnoCode == EADDRINUSE
}
