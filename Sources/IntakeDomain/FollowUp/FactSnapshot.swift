import Foundation

/// Catalogue keys as small numbers, so a million facts stay compact and are counted in arrays.
/// Keys no longer in the catalogue (a retired agreement) are added as they are met.
public struct FactKeys: Sendable {
    public static let none = UInt16.max

    public private(set) var regions: [String] = []
    public private(set) var agreements: [String] = []
    public private(set) var parties: [String] = []
    public private(set) var states: [String] = []
    public private(set) var functions: [String] = []
    public private(set) var targetGroups: [String] = []
    /// Target group index per agreement index (`none` for agreements not in the catalogue).
    public private(set) var agreementTargetGroup: [UInt16] = []
    public private(set) var stateIsOpen: [Bool] = []
    private var index: [String: UInt16] = [:]

    public init(catalogue: Catalogue) {
        targetGroups = catalogue.targetGroups.map(\.key)
        for region in catalogue.regions {
            _ = intern(region.key, kind: .region)
            for party in region.parties { _ = intern(party.key, kind: .party) }
            for function in region.functions { _ = intern(function.key, kind: .function) }
        }
        for agreement in catalogue.agreements {
            let i = intern(agreement.key, kind: .agreement)
            agreementTargetGroup[Int(i)] = targetGroups.firstIndex(of: agreement.targetGroupKey).map(UInt16.init) ?? Self.none
        }
        for state in catalogue.lifecycle.states {
            let i = intern(state.key, kind: .state)
            stateIsOpen[Int(i)] = state.isOpen
        }
    }

    public enum Kind: String, Sendable { case region, agreement, party, state, function }

    public mutating func intern(_ key: String, kind: Kind) -> UInt16 {
        let compound = kind.rawValue + ":" + key
        if let i = index[compound] { return i }
        let i: Int
        switch kind {
        case .region: i = regions.count; regions.append(key)
        case .agreement: i = agreements.count; agreements.append(key); agreementTargetGroup.append(Self.none)
        case .party: i = parties.count; parties.append(key)
        case .state: i = states.count; states.append(key); stateIsOpen.append(true)
        case .function: i = functions.count; functions.append(key)
        }
        index[compound] = UInt16(i)
        return UInt16(i)
    }

    public func find(_ key: String, kind: Kind) -> UInt16? {
        index[kind.rawValue + ":" + key]
    }
}

/// What the follow-up needs from one report, in about 40 bytes. Never text or contact data.
public struct ReportFact: Sendable {
    public var id: Int64
    public var region: UInt16
    public var agreement: UInt16
    public var agreementVersion: UInt16
    public var organisation: UInt16
    public var state: UInt16
    /// Swedish day numbers (`CalendarDay.dayNumber`).
    public var received: Int32
    public var due: Int32
    /// -1: not closed.
    public var closedDay: Int32
    /// Whole hours from receipt to first feedback / closing; -1: none yet.
    public var feedbackHours: Int32
    public var closeHours: Int32
    /// The first two active routes and other parties inline; more are in the snapshot's overflow.
    public var route0: UInt16
    public var route1: UInt16
    public var party0: UInt16
    public var party1: UInt16
    public var deleted: Bool = false
    /// More than two routes / other parties: the rest are in the snapshot's overflow.
    public var moreRoutes: Bool = false
    public var moreParties: Bool = false
    /// `ReportChannel.index`; `unknownChannel` for a key this version does not know.
    public var channel: UInt8 = 0
    public static let unknownChannel = UInt8.max
    /// Marked as a systemic failure; escalated to some level of the region's ladder.
    public var systemfel: Bool = false
    public var escalated: Bool = false

    package init(id: Int64, region: UInt16, agreement: UInt16, agreementVersion: UInt16, organisation: UInt16, state: UInt16, received: Int32, due: Int32, closedDay: Int32, feedbackHours: Int32, closeHours: Int32, route0: UInt16, route1: UInt16, party0: UInt16, party1: UInt16, deleted: Bool = false, moreRoutes: Bool = false, moreParties: Bool = false, systemfel: Bool = false, escalated: Bool = false, channel: UInt8 = 0) {
        self.id = id
        self.region = region
        self.agreement = agreement
        self.agreementVersion = agreementVersion
        self.organisation = organisation
        self.state = state
        self.received = received
        self.due = due
        self.closedDay = closedDay
        self.feedbackHours = feedbackHours
        self.closeHours = closeHours
        self.route0 = route0
        self.route1 = route1
        self.party0 = party0
        self.party1 = party1
        self.deleted = deleted
        self.moreRoutes = moreRoutes
        self.moreParties = moreParties
        self.channel = channel
        self.systemfel = systemfel
        self.escalated = escalated
    }
}

/// Every report as a fact, read from the database and kept up to date from new ids and `report_change`.
public struct FactSnapshot: Sendable {
    public var keys: FactKeys
    public var facts: [ReportFact] = []
    package var indexById: [Int32] = []
    package var extraRoutes: [Int64: [UInt16]] = [:]
    package var extraParties: [Int64: [UInt16]] = [:]
    /// The last `report_change.seq` this snapshot includes.
    public var lastChange: Int64 = 0
    /// The newest report id this snapshot includes.
    public var lastReport: Int64 = 0

    public init(keys: FactKeys) {
        self.keys = keys
    }

    public func routes(_ fact: ReportFact) -> [UInt16] {
        var list: [UInt16] = []
        if fact.route0 != FactKeys.none { list.append(fact.route0) }
        if fact.route1 != FactKeys.none { list.append(fact.route1) }
        if fact.moreRoutes, let more = extraRoutes[fact.id] { list += more }
        return list
    }

    public func otherParties(_ fact: ReportFact) -> [UInt16] {
        var list: [UInt16] = []
        if fact.party0 != FactKeys.none { list.append(fact.party0) }
        if fact.party1 != FactKeys.none { list.append(fact.party1) }
        if fact.moreParties, let more = extraParties[fact.id] { list += more }
        return list
    }

    package mutating func upsert(_ fact: ReportFact, routes: [UInt16], parties: [UInt16]) {
        var fact = fact
        fact.route0 = routes.count > 0 ? routes[0] : FactKeys.none
        fact.route1 = routes.count > 1 ? routes[1] : FactKeys.none
        extraRoutes[fact.id] = routes.count > 2 ? Array(routes[2...]) : nil
        fact.moreRoutes = routes.count > 2
        fact.party0 = parties.count > 0 ? parties[0] : FactKeys.none
        fact.party1 = parties.count > 1 ? parties[1] : FactKeys.none
        extraParties[fact.id] = parties.count > 2 ? Array(parties[2...]) : nil
        fact.moreParties = parties.count > 2
        let id = Int(fact.id)
        if id >= indexById.count {
            indexById.append(contentsOf: repeatElement(-1, count: max(id + 1 - indexById.count, indexById.count / 2)))
        }
        if indexById[id] >= 0 {
            facts[Int(indexById[id])] = fact
        } else {
            indexById[id] = Int32(facts.count)
            facts.append(fact)
        }
    }

    package mutating func markDeleted(_ id: Int64) {
        guard Int(id) < indexById.count, indexById[Int(id)] >= 0 else { return }
        facts[Int(indexById[Int(id)])].deleted = true
    }
}
