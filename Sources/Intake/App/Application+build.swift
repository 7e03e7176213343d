import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Builds the whole application: services, router, background workers.
public func buildApplication(
    configuration: AppConfiguration,
    clock: @escaping @Sendable () -> Date = { Date() },
    logger: Logger? = nil,
    metrics: AppMetrics = AppMetrics()
) async throws -> some ApplicationProtocol {
    let logger = logger ?? Logger(label: "samverkan-intake")
    let services = try await AppServices.load(configuration: configuration, clock: clock, logger: logger, metrics: metrics)
    let mailWorker = try OutboxWorker.make(services: services)
    let router = buildRouter(services: services)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.hostname, port: configuration.port), serverName: "samverkan-intake"),
        logger: logger)
    app.addServices(mailWorker)
    return app
}

public func buildRouter(services: AppServices) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestIdMiddleware())
    router.add(middleware: RequestMetricsMiddleware(metrics: services.metrics))
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ErrorPageMiddleware(renderer: services.renderer))
    router.get("/health") { _, _ -> Response in
        let healthy = await services.database.isHealthy()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: healthy ? .ok : .serviceUnavailable, headers: headers,
                        body: .init(byteBuffer: ByteBuffer(string: healthy ? #"{"status":"ok","database":"ok"}"# : #"{"status":"error","database":"unavailable"}"#)))
    }
    PublicReportController(services: services).addRoutes(to: router)
    OperationsController(services: services).addRoutes(to: router)
    return router
}
