import HTTPTypes
import Hummingbird

/// Adds the security headers to every response: pages, error pages, the stylesheet, /health.
/// Registered first, so it wraps the error page middleware and the router's 404.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Only our own stylesheet; no script at all, so nothing injected can run. Forms post only
    /// to us, no one may frame a page, and `<base>` cannot redirect relative links.
    static var contentSecurityPolicy: String {
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }

    /// `same-origin`, not `no-referrer`: no address (and so no tracking token) ever leaves the
    /// site in a Referer, while our own form posts still carry an `Origin` for the cross-site
    /// check. Under `no-referrer` Chromium sends `Origin: null` even on same-origin form posts.
    static var referrerPolicy: String { "same-origin" }

    static var permissionsPolicy: String {
        "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
    }

    static var headers: [(HTTPField.Name, String)] {
        [
            (.contentSecurityPolicy, contentSecurityPolicy),
            (.xContentTypeOptions, "nosniff"),
            (.referrerPolicy, referrerPolicy),
            (.xFrameOptions, "DENY"),
            (.permissionsPolicy, permissionsPolicy),
            (.crossOriginOpenerPolicy, "same-origin"),
            (.crossOriginResourcePolicy, "same-origin"),
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for field in SecurityHeaderFields.all { response.headers[field.name] = field.value }
        return response
    }
}

/// The headers made once: a header name checks and lower-cases its text when it is created.
enum SecurityHeaderFields {
    static let all: [HTTPField] = SecurityHeadersMiddleware<BasicRequestContext>.headers.map { HTTPField(name: $0.0, value: $0.1) }
}

extension HTTPField.Name {
    static var referrerPolicy: Self { .init("Referrer-Policy")! }
    static var xFrameOptions: Self { .init("X-Frame-Options")! }
    static var permissionsPolicy: Self { .init("Permissions-Policy")! }
    static var crossOriginOpenerPolicy: Self { .init("Cross-Origin-Opener-Policy")! }
    static var xForwardedFor: Self { .init("X-Forwarded-For")! }
}
