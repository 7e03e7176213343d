import Hummingbird
import Logging
import NIOCore

public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connected peer (nginx when behind a proxy); used for the public form's rate limit.
    public let remoteAddress: SocketAddress?

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The body limit is enforced by the controllers with a clear page; this is the hard cap.
    public var maxUploadSize: Int { 1024 * 1024 }
}
