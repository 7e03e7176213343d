/// Where a report goes: one row per owning function that must handle it.
public struct Route: Sendable, Hashable, Codable {
    public var functionKey: String
    public var isTriage: Bool

    package init(functionKey: String, isTriage: Bool) {
        self.functionKey = functionKey
        self.isTriage = isTriage
    }
}

public enum Routing {
    /// An agreement's reports go to every owning function it names; a report nobody could
    /// classify goes to the region's central triage function.
    public static func routes(for agreement: Agreement?, in region: Region, catalogue: Catalogue) -> [Route] {
        if let agreement, !agreement.ownerKeys.isEmpty {
            return agreement.ownerKeys.map { Route(functionKey: $0, isTriage: false) }
        }
        return [Route(functionKey: region.triageFunctionKey, isTriage: true)]
    }
}
