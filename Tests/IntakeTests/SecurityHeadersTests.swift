import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// Every response carries the security headers: each route the router knows, error pages,
/// the stylesheet and /health.
@Suite("Security headers")
struct SecurityHeadersTests {
    /// A concrete address for a route pattern: parameters get plausible values.
    static func concrete(_ pattern: String) -> String {
        pattern.split(separator: "/", omittingEmptySubsequences: false).map { component in
            switch component {
            case "{region}": "stockholm"
            case "{token}": String(repeating: "A", count: 32)
            default: component.hasPrefix("{") ? "1" : String(component)
            }
        }.joined(separator: "/")
    }

    static func expectSecurityHeaders(_ response: TestResponse, _ what: String) {
        let h = response.headers
        let csp = h[.contentSecurityPolicy] ?? ""
        #expect(csp.contains("default-src 'none'"), "\(what)")
        #expect(csp.contains("frame-ancestors 'none'"), "\(what)")
        #expect(!csp.contains("script-src"), "\(what): no script source at all")
        #expect(!csp.contains("unsafe-inline"), "\(what)")
        #expect(h[.xContentTypeOptions] == "nosniff", "\(what)")
        #expect(h[.referrerPolicy] == "same-origin", "\(what)")
        #expect(h[.xFrameOptions] == "DENY", "\(what)")
        #expect(h[.permissionsPolicy]?.contains("camera=()") == true, "\(what)")
    }

    @Test("every route, error page, the stylesheet and /health send the security headers")
    func everyRoute() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let services = try await AppServices.load(configuration: TestSupport.configuration(directory: directory), logger: TestSupport.quietLogger)
        let routes = buildRoutes(services: services).routes
        #expect(routes.count >= 9, "the route table has the routes: \(routes)")
        for known in ["/", "/health", "/static/app.css", "/rapportera/{region}", "/tillganglighet", "/personuppgifter"] {
            #expect(routes.contains { $0.path == known }, "\(known) is in the route list")
        }

        try await TestSupport.application(directory: directory, clock: { TestSupport.fixedNow }).test(.live) { client in
            for route in routes {
                let uri = Self.concrete(route.path)
                let method = HTTPRequest.Method(route.method)!
                let response = method == .post
                    ? try await client.execute(uri: uri, method: .post, headers: .form, body: FormEncoder.validLUS.body)
                    : try await client.execute(uri: uri, method: method)
                Self.expectSecurityHeaders(response, "\(route.method) \(route.path) → \(response.status.code)")
            }
            // Errors outside any route: 404, 405, and the pages from the form's protections.
            let extra: [(String, HTTPRequest.Method, HTTPFields, ByteBuffer?)] = [
                ("/finns-inte", .get, [:], nil),
                ("/tillganglighet", .post, .form, nil),
                ("/rapportera/stockholm", .post, [.contentType: "application/json"], ByteBuffer(string: "{}")),
                ("/rapportera/stockholm", .post, [.contentType: "application/x-www-form-urlencoded", .origin: "https://evil.example"], FormEncoder.validLUS.body),
                ("/rapportera/stockholm", .post, .form, FormEncoder.validLUS.withoutFillTime.body),
            ]
            for (uri, method, headers, body) in extra {
                let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
                #expect(response.status.code >= 400)
                Self.expectSecurityHeaders(response, "\(method) \(uri) → \(response.status.code)")
            }
        }
    }

    @Test("pages use no third-party assets and no inline script or style")
    func noThirdPartyAssets() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await TestSupport.application(directory: directory, clock: { TestSupport.fixedNow }).test(.live) { client in
            for uri in ["/", "/rapportera/stockholm", "/rapportera/stockholm?avtal=sthlm-lus", "/tillganglighet", "/personuppgifter", "/finns-inte"] {
                let page = try await client.execute(uri: uri, method: .get).text
                #expect(!page.contains("<script"), "\(uri)")
                #expect(!page.contains("style="), "\(uri)")
                #expect(!page.contains("<style"), "\(uri)")
                // The only resources a page loads are its own: src/href to other hosts are plain links.
                #expect(!page.contains(#"src="http"#), "\(uri)")
                #expect(!page.contains(#"<link rel="stylesheet" href="http"#), "\(uri)")
            }
        }
    }
}
