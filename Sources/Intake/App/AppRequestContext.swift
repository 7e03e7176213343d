import Hummingbird
import Logging

public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The body limit is enforced by the controllers with a clear page; this is the hard cap.
    public var maxUploadSize: Int { 1024 * 1024 }
}
