import Foundation
import Synchronization
import Hummingbird

/// One route as the router has it: method, path pattern (`/handlaggning/ko/{function}`) and the
/// request values its handler reads. `intake routes` prints these; the route sweep test sends
/// every one of them hostile values, so a new route or parameter is covered without a test edit.
public struct RouteDescription: Codable, Sendable, Hashable {
    public var method: String
    public var path: String
    /// Query parameters read (besides `lang`, which every page reads).
    public var query: [String]
    /// `application/x-www-form-urlencoded` fields read.
    public var form: [String]
    /// JSON body members read.
    public var json: [String]
}

/// The request values one handler reads, declared where its route is added.
public struct RouteParameters: Sendable {
    public var query: [String] = []
    public var form: [String] = []
    public var json: [String] = []

    public init(query: [String] = [], form: [String] = [], json: [String] = []) {
        self.query = query
        self.form = form
        self.json = json
    }

    public static let none = RouteParameters()
}

/// The application's router, recording every route added to it (also through groups, which add
/// their routes here with the full path). Routes are declared with the values their handler
/// reads (`get(_:reads:use:)`); the declaration travels to this table through `pending`.
// Unchecked only for Hummingbird's `Router`, which is built on one task before the server starts.
public final class RouteTable: RouterMethods, @unchecked Sendable {
    public typealias Context = AppRequestContext
    public let router: Router<AppRequestContext>
    /// The routes added so far, and the declaration waiting for the next one.
    private struct Recorded {
        var entries: [RouteDescription] = []
        var pending: RouteParameters?
    }
    private let recorded = Mutex(Recorded())

    /// The table routes are being added to on this task, with the next route's declaration.
    @TaskLocal static var current: RouteTable?

    public init(router: Router<AppRequestContext>) {
        self.router = router
    }

    /// Every route added so far, in the order added.
    public var routes: [RouteDescription] { recorded.withLock { $0.entries } }

    /// Adds routes with this table as the current one (so `reads:` declarations reach it).
    public func adding(_ body: (RouteTable) -> Void) {
        Self.$current.withValue(self) { body(self) }
    }

    static func declare(_ parameters: RouteParameters) {
        guard let table = current else { return }
        table.recorded.withLock { $0.pending = parameters }
    }

    @discardableResult public func on<Responder: HTTPResponder>(
        _ path: RouterPath, method: HTTPRequest.Method, responder: Responder
    ) -> Self where Responder.Context == AppRequestContext {
        recorded.withLock { recorded in
            let declared = recorded.pending ?? .none
            recorded.pending = nil
            recorded.entries.append(RouteDescription(method: method.rawValue, path: path.description, query: declared.query, form: declared.form, json: declared.json))
        }
        router.on(path, method: method, responder: responder)
        return self
    }

    @discardableResult public func add(middleware: any MiddlewareProtocol<Request, Response, AppRequestContext>) -> Self {
        router.add(middleware: middleware)
        return self
    }
}

extension RouterMethods where Context == AppRequestContext {
    /// A GET route with the request values its handler reads.
    @discardableResult func get(_ path: RouterPath = "", reads parameters: RouteParameters,
                                use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator) -> Self {
        RouteTable.declare(parameters)
        return on(path, method: .get, use: handler)
    }

    /// A POST route with the request values its handler reads.
    @discardableResult func post(_ path: RouterPath = "", reads parameters: RouteParameters,
                                 use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator) -> Self {
        RouteTable.declare(parameters)
        return on(path, method: .post, use: handler)
    }
}
