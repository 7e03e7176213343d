import Hummingbird
import IntakeDomain
import IntakeStore
import Logging
import NIOCore

public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer of the TCP connection (nginx's address behind a proxy).
    public let remoteAddress: SocketAddress?
    /// Set by `StaffSessionMiddleware` when the request carries a live session cookie.
    public var staffSession: StaffRepository.Session?
    /// An unsafe staff request's form, read once by `CSRFMiddleware` and checked there.
    public var form: FormValues = [:]
    /// Set by `APITokenMiddleware` for /api/v1 requests with a live bearer token (never from a cookie).
    public var apiToken: APIToken?

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The body limit is enforced by the controllers with a clear page; this is the hard cap.
    public var maxUploadSize: Int { 1024 * 1024 }
}
