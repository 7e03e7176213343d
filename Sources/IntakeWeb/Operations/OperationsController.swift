import Foundation
import Hummingbird
import IntakeDomain
import IntakeServices

/// For the people who run the service: `/metrics` (Prometheus text; nginx lets only localhost
/// reach it) and `/ready` (can this instance take reports right now?). `/health` stays in
/// buildRouter: it says the process and database answer, and whether writes fail (a full disk).
struct OperationsController: Sendable {
    let services: AppServices

    func addRoutes(to router: RouteTable) {
        router.get("/metrics", use: metrics)
        router.get("/ready", use: ready)
    }

    @Sendable func metrics(_ request: Request, context: AppRequestContext) async throws -> Response {
        // The outbox depth is read at scrape time: always right, one small query.
        if let counts = try? await services.outbox.counts() {
            services.metrics.outboxDepth(counts)
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: services.metrics.exposition())))
    }

    /// Each check by name, "ok" or what is wrong; 503 unless all are ok.
    @Sendable func ready(_ request: Request, context: AppRequestContext) async throws -> Response {
        let checks: [(String, String)] = [
            ("database", await services.database.canStore() ? "ok" : "not writable"),
            ("catalogue", services.catalogue.regions.isEmpty || services.catalogue.agreements.isEmpty ? "empty" : "ok"),
            ("outbox_worker", services.outboxWorkerStatus.isRunning ? "ok" : "not running"),
        ]
        let ready = checks.allSatisfy { $0.1 == "ok" }
        var fields = checks.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",")
        // A mailbox that cannot be read does not stop this instance taking reports: a warning, still 200.
        if !services.configuration.imap.mailboxes.isEmpty {
            let problems = services.mailIntakeStatus.problems
            fields += ",\"mail_intake\":\"\(problems.isEmpty ? "ok" : "warning")\""
            if !problems.isEmpty {
                var warnings = ",\"warnings\":["
                for (index, item) in problems.enumerated() {
                    if index > 0 { warnings += "," }
                    let since = ISO8601DateFormatter().string(from: item.problem.since)
                    JSONText.append("mailbox \(item.mailbox) cannot be read since \(since) (\(item.problem.failures) failed polls, retrying): \(item.problem.reason)", to: &warnings)
                }
                fields += warnings + "]"
            }
        }
        let body = "{\"status\":\"\(ready ? "ready" : "not ready")\",\(fields)}"
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: ready ? .ok : .serviceUnavailable, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
