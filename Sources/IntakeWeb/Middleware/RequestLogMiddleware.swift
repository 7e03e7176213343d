import Foundation
import Hummingbird
import Logging

/// Logs method, route pattern, status and duration. Never the query string, the body or the
/// concrete path: paths can hold secret tracking tokens, bodies personal data.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        // Tenths of a millisecond, formatted without String(format:).
        let tenths = Int(elapsed.components.seconds) * 10_000 + Int(elapsed.components.attoseconds / 100_000_000_000_000)
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue),
            "route": .string(context.endpointPath ?? "(no route)"),
            "status": .stringConvertible(response.status.code),
            "ms": .string("\(tenths / 10).\(tenths % 10)"),
        ])
        return response
    }
}
