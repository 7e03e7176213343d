import ServiceLifecycle

/// A background service that ServiceLifecycle names by its type. Without a description of its own,
/// ServiceLifecycle names each service with `"\(service)"` at every start, which describes every
/// stored property by reflection: the whole `AppServices`, catalogue and word lists included.
public protocol NamedService: Service, CustomStringConvertible {}

extension NamedService {
    public var description: String { String(describing: Self.self) }
}
