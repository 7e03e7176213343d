import Foundation
import Hummingbird
import IntakeDomain
import IntakeServices

/// Errors of the machine interfaces: Open311's error list under /open311/, RFC 9457 problem
/// details under /api/. Nil for every other path (those get the HTML error page).
enum MachineError {
    static func response(status: HTTPResponse.Status, message: LocalizedText, request: Request) -> Response? {
        let path = request.uri.path
        if path.hasPrefix("/open311/") {
            // The web form's wording ("send it from the form page") would mislead a client system.
            let text = status == .unsupportedMediaType ? "Skicka parametrarna som application/x-www-form-urlencoded." : message.sv
            return Open311Document.errorResponse(status, [text], format: path.hasSuffix(".xml") ? .xml : .json)
        }
        if path.hasPrefix("/api/") {
            return problem(status, detail: message[APIController.language(request)])
        }
        return nil
    }

    /// `application/problem+json` (RFC 9457): type, title, status, detail, and field errors when there are some.
    static func problem(_ status: HTTPResponse.Status, detail: String, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        let body = "{\"type\":\"about:blank\",\"title\":\(JSONText.quote(status.reasonPhrase)),\"status\":\(status.code),\"detail\":\(JSONText.quote(detail))}"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Authenticates /api/v1 requests by `Authorization: Bearer <token>` only. A session cookie is
/// never accepted here, so the API needs no CSRF protection. Writes need a read-write token.
struct APITokenMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let services: AppServices

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.staffSession = nil
        let language = APIController.language(request)
        guard let header = request.headers[.authorization], header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            return MachineError.problem(.unauthorized, detail: APITexts.tokenRequired[language],
                                        headers: [.wwwAuthenticate: #"Bearer realm="samverkan-intake""#])
        }
        let secret = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        guard let token = try await services.apiTokens.authenticate(secret, now: services.clock()) else {
            return MachineError.problem(.unauthorized, detail: APITexts.tokenInvalid[language],
                                        headers: [.wwwAuthenticate: #"Bearer realm="samverkan-intake", error="invalid_token""#])
        }
        if request.method != .get && request.method != .head && !token.readWrite {
            return MachineError.problem(.forbidden, detail: APITexts.tokenReadOnly[language],
                                        headers: [.wwwAuthenticate: #"Bearer realm="samverkan-intake", error="insufficient_scope""#])
        }
        if let lang = request.uri.queryParameters["lang"], lang != "sv", lang != "en" {
            return MachineError.problem(.badRequest, detail: "lang ska vara sv eller en. / lang must be sv or en.")
        }
        context.apiToken = token
        return try await next(request, context)
    }
}

extension RouterMethods where Context == AppRequestContext {
    /// Answers every other method on a machine route with 405 and an `Allow` header, in the
    /// route's error format (instead of the router's 404).
    @discardableResult
    func methodNotAllowed(_ path: RouterPath, allowed: [HTTPRequest.Method],
                          respond: @escaping @Sendable (Request, AppRequestContext, String) -> Response) -> Self {
        let all: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!]
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        for method in all where !allowed.contains(method) {
            on(path, method: method) { request, context in respond(request, context, allow) }
        }
        return self
    }
}

extension MachineError {
    static func apiMethodNotAllowed(_ request: Request, _ context: AppRequestContext, _ allow: String) -> Response {
        problem(.methodNotAllowed, detail: AppError.methodNotAllowed.message[APIController.language(request)], headers: [.allow: allow])
    }
}
