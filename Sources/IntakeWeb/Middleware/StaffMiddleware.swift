import Foundation
import Hummingbird
import IntakeDomain
import IntakeServices
import IntakeStore

/// The session cookie of staff. Only staff sessions set cookies; reporters never get one.
enum SessionCookie {
    static let name = "intake_session"

    static func set(_ id: String, secure: Bool) -> String {
        "\(name)=\(id); Path=/; Max-Age=\(Int(StaffRepository.sessionMaximum)); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    static func clear(secure: Bool) -> String {
        "\(name)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }
}

/// Finds the staff session for the request's cookie, if any, and puts it in the context.
struct StaffSessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let services: AppServices

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let id = request.cookies[SessionCookie.name]?.value, !id.isEmpty {
            context.staffSession = try await services.staff.session(id: id, now: services.clock())
        }
        return try await next(request, context)
    }
}

/// Lets through only logged-in staff with one of the roles. Not logged in: to the login page.
/// A staff member who must change their password is sent to do that first.
struct RequireStaffMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let roles: Set<StaffRole>
    var allowPendingPasswordChange = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let session = context.staffSession else {
            let next = request.method == .get ? "?next=" + PageContext.escape(request.uri.path) : ""
            return Response(status: .seeOther, headers: [.location: "/login" + next])
        }
        if session.user.mustChangePassword && !allowPendingPasswordChange {
            return Response(status: .seeOther, headers: [.location: "/konto/losenord"])
        }
        guard roles.contains(session.user.role) else { throw AppError.forbidden }
        return try await next(request, context)
    }
}

/// Refuses an unsafe request sent from another website (Origin, else Referer, of another
/// origin; the same rule as the public form, `FormGuard.isSameSite`), then reads the form once
/// and checks its `csrf` field: the session's token when logged in, otherwise a signed,
/// time-limited token from the page (login, password reset). The origin check is what stops
/// login CSRF: the anonymous token alone can be fetched by anyone.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let services: AppServices

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method != .get && request.method != .head else { return try await next(request, context) }
        guard FormGuard.isSameSite(request.headers, host: request.head.authority, publicURL: services.configuration.publicURL) else {
            context.logger.notice("staff form refused: cross-site post")
            throw AppError.crossSite
        }
        var context = context
        context.form = try await PublicReportController.readForm(request, limit: services.configuration.maxBodyBytes)
        let token = context.form["csrf"]?.first ?? ""
        let valid: Bool = if let session = context.staffSession {
            Digest.constantTimeEquals(Array(token.utf8), Array(session.csrfToken.utf8))
        } else {
            AnonymousFormToken.verify(token, key: services.signingKey, now: services.clock())
        }
        guard valid else { throw AppError.csrfRejected }
        return try await next(request, context)
    }
}

/// A signed, time-limited token for forms shown before login (`issued.signature`). No state, no cookie.
enum AnonymousFormToken {
    static let validity: TimeInterval = 2 * 3600

    static func make(key: [UInt8], now: Date) -> String {
        let issued = String(Int(now.timeIntervalSince1970))
        return issued + "." + signature(issued, key: key)
    }

    static func verify(_ token: String, key: [UInt8], now: Date) -> Bool {
        let parts = token.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let issued = Int(parts[0]) else { return false }
        let age = now.timeIntervalSince1970 - TimeInterval(issued)
        guard age >= -60, age <= validity else { return false }
        return Digest.constantTimeEquals(Array(parts[1].utf8), Array(signature(parts[0], key: key).utf8))
    }

    private static func signature(_ issued: String, key: [UInt8]) -> String {
        Digest.hex(Digest.hmacSHA256(key: key, message: Array("staff-form|\(issued)".utf8)))
    }
}
