import Foundation
import HTTPTypes
import Hummingbird
import IntakeDomain
import IntakeStore
import Logging

/// Gives every request an id: the proxy's `X-Request-Id` when it is a sane token, a new one
/// otherwise. It is in every log line of the request and returned in the response header, so
/// a line in nginx's log, the app's log and a user's screenshot can be matched.
struct RequestIdMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let header = HTTPField.Name("X-Request-Id")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = request.headers[Self.header].flatMap(Self.accepted) ?? Self.generate()
        var context = context
        // Replaces Hummingbird's own counter, so `context.id` and the logs agree.
        context.logger[metadataKey: "hb.request.id"] = .string(id)
        // Errors become pages in ErrorPageMiddleware, which runs inside this one.
        var response = try await next(request, context)
        response.headers[Self.header] = id
        return response
    }

    /// 1–128 characters of letters, digits, `-`, `_`, `.`, `:`: anything else could forge log lines.
    static func accepted(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count),
              value.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || [0x2D, 0x5F, 0x2E, 0x3A].contains($0) })
        else { return nil }
        return value
    }

    static func generate() -> String {
        // 96 random bits as 24 lowercase hex digits.
        Digest.hex(SecretToken.randomBytes(12))
    }
}

/// Request latency and counts by route pattern (never the concrete path: it can hold tokens).
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: AppMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let method = request.method.rawValue
        do {
            let response = try await next(request, context)
            metrics.request(method: method, route: context.endpointPath ?? "(unmatched)", status: response.status.code,
                            duration: ContinuousClock.now - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.request(method: method, route: context.endpointPath ?? "(unmatched)", status: status, duration: ContinuousClock.now - start)
            throw error
        }
    }
}
