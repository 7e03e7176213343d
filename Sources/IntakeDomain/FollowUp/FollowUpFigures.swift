import Foundation

/// Which reports a dashboard, export or summary covers. `from`/`to` are inclusive receipt days.
public struct FollowUpFilter: Sendable, Hashable {
    public var from: CalendarDay
    public var to: CalendarDay
    public var regionKey: String?
    /// An agreement key, or "" for reports not classified to any agreement.
    public var agreementKey: String?
    public var targetGroupKey: String?
    /// Only reports actively routed to one of these functions (a handläggare's scope); nil: all.
    public var functionKeys: Set<String>?

    public init(from: CalendarDay, to: CalendarDay, regionKey: String? = nil, agreementKey: String? = nil,
                targetGroupKey: String? = nil, functionKeys: Set<String>? = nil) {
        self.from = from
        self.to = to
        self.regionKey = regionKey
        self.agreementKey = agreementKey
        self.targetGroupKey = targetGroupKey
        self.functionKeys = functionKeys
    }

    /// The period of the same length just before this one.
    public var previous: FollowUpFilter {
        var copy = self
        let length = from.days(until: to) + 1
        copy.to = from.adding(days: -1)
        copy.from = from.adding(days: -length)
        return copy
    }

    /// The default: the twelve whole months up to and including the current month.
    public static func defaultPeriod(today: CalendarDay) -> (CalendarDay, CalendarDay) {
        let start = CalendarDay(dayNumber: today.firstOfMonth.dayNumber - 1).firstOfMonth
        var first = start
        for _ in 0..<10 { first = CalendarDay(dayNumber: first.dayNumber - 1).firstOfMonth }
        return (first, today)
    }
}

/// Median and 90th percentile (nearest rank) of durations in whole hours.
public struct DurationStats: Sendable, Equatable {
    public var count: Int
    public var medianHours: Int?
    public var p90Hours: Int?

    public init(count: Int, medianHours: Int?, p90Hours: Int?) {
        self.count = count
        self.medianHours = medianHours
        self.p90Hours = p90Hours
    }

    /// Nearest rank: the smallest value with at least ceil(p·n) values at or below it.
    public static func nearestRank(_ sorted: [Int], _ p: Double) -> Int? {
        guard !sorted.isEmpty else { return nil }
        let rank = max(1, Int((p * Double(sorted.count)).rounded(.up)))
        return sorted[min(rank, sorted.count) - 1]
    }

    static func fromHistogram(_ histogram: [Int], count: Int) -> DurationStats {
        guard count > 0 else { return DurationStats(count: 0, medianHours: nil, p90Hours: nil) }
        func rank(_ p: Double) -> Int {
            let wanted = max(1, Int((p * Double(count)).rounded(.up)))
            var seen = 0
            for (hours, n) in histogram.enumerated() {
                seen += n
                if seen >= wanted { return hours }
            }
            return histogram.count - 1
        }
        return DurationStats(count: count, medianHours: rank(0.5), p90Hours: rank(0.9))
    }
}

/// Everything the dashboard shows, computed from the facts for one filter.
public struct FollowUpFigures: Sendable {
    public struct Count: Sendable, Equatable {
        /// Catalogue key; "" for "not classified".
        public var key: String
        public var count: Int
        public var previous: Int
    }

    public struct PairCount: Sendable, Equatable {
        public var first: String
        public var second: String
        public var count: Int
    }

    /// One month of the period with its reports per channel.
    public struct ChannelMonth: Sendable, Equatable {
        /// `2026-03`.
        public var month: String
        /// Indexed by `ReportChannel.index` (`ReportChannel.allCases` order).
        public var counts: [Int]

        public func count(_ channel: ReportChannel) -> Int { counts[channel.index] }
    }

    /// Per agreement in the period: how many reports were escalated and how many marked systemfel.
    public struct AgreementProblems: Sendable, Equatable {
        /// Catalogue key; "" for "not classified".
        public var key: String
        public var reports: Int
        public var escalated: Int
        public var systemfel: Int
    }

    public var filter: FollowUpFilter
    public var total = 0
    /// Reports of the period escalated / marked as systemic failures.
    public var escalated = 0
    public var systemfel = 0
    /// Agreements with reports in the period, the most escalations and systemfel first.
    public var problemsByAgreement: [AgreementProblems] = []
    public var previousTotal = 0
    public var byAgreement: [Count] = []
    public var byTargetGroup: [Count] = []
    public var byRegion: [Count] = []
    /// The reporting organisation.
    public var byOrganisation: [Count] = []
    /// Every party involved: the reporting organisation and the other parties.
    public var byParty: [Count] = []
    /// Unordered pairs (reporting organisation, other party), keys in alphabetical order.
    public var byPartyPair: [PairCount] = []
    /// One entry per month of the period, `2026-03`, in order (`previous`: 0).
    public var byMonth: [Count] = []
    /// How the reports came in (`ReportChannel` keys), every channel in `allCases` order.
    public var byChannel: [Count] = []
    /// One entry per month of the period, like `byMonth`, split by channel.
    public var byChannelMonth: [ChannelMonth] = []
    public var byState: [Count] = []
    /// Reports of the period still open with their feedback day passed (as of `today`).
    public var overdue = 0
    public var open = 0
    /// Reports closed during the period (whenever received).
    public var closedInPeriod = 0
    public var firstFeedback = DurationStats(count: 0, medianHours: nil, p90Hours: nil)
    public var closure = DurationStats(count: 0, medianHours: nil, p90Hours: nil)

    /// Change versus the previous period in percent; nil when the previous period had none.
    public var trendPercent: Int? {
        previousTotal == 0 ? nil : Int(((Double(total - previousTotal) / Double(previousTotal)) * 100).rounded())
    }
}

extension FactSnapshot {
    /// Counts everything in one pass over the facts, into arrays indexed by the keys' numbers.
    public func figures(_ filter: FollowUpFilter, today: CalendarDay, closedDuring: Bool = true) -> FollowUpFigures {
        let keys = keys
        let none = FactKeys.none
        let from = Int32(filter.from.dayNumber), to = Int32(filter.to.dayNumber)
        let previous = filter.previous
        let previousFrom = Int32(previous.from.dayNumber), previousTo = Int32(previous.to.dayNumber)
        let todayNumber = Int32(today.dayNumber)
        let impossible = UInt16.max - 1
        let region: UInt16? = filter.regionKey.map { keys.find($0, kind: .region) ?? impossible }
        let agreement: UInt16? = filter.agreementKey.map { $0.isEmpty ? none : (keys.find($0, kind: .agreement) ?? impossible) }
        let targetGroup: UInt16? = filter.targetGroupKey.map { key in keys.targetGroups.firstIndex(of: key).map(UInt16.init) ?? impossible }
        var scope: [Bool]? = nil
        if let functionKeys = filter.functionKeys {
            var allowed = [Bool](repeating: false, count: keys.functions.count)
            for key in functionKeys { if let i = keys.find(key, kind: .function) { allowed[Int(i)] = true } }
            scope = allowed
        }

        let agreementSlots = keys.agreements.count + 1 // last: not classified
        var agreementNow = [Int](repeating: 0, count: agreementSlots), agreementBefore = agreementNow
        var escalatedNow = agreementNow, systemfelNow = agreementNow
        var groupNow = [Int](repeating: 0, count: keys.targetGroups.count + 1), groupBefore = groupNow
        var regionNow = [Int](repeating: 0, count: keys.regions.count), regionBefore = regionNow
        let partyCount = keys.parties.count
        var organisationNow = [Int](repeating: 0, count: partyCount), organisationBefore = organisationNow
        var partyNow = [Int](repeating: 0, count: partyCount), partyBefore = partyNow
        var pairs = [Int](repeating: 0, count: partyCount * partyCount)
        var stateNow = [Int](repeating: 0, count: keys.states.count), stateBefore = stateNow
        let firstMonth = filter.from.monthNumber
        var months = [Int](repeating: 0, count: max(0, filter.to.monthNumber - firstMonth + 1))
        let channelCount = ReportChannel.allCases.count
        var channelMonths = [Int](repeating: 0, count: months.count * channelCount)
        var channelNow = [Int](repeating: 0, count: channelCount), channelBefore = channelNow
        let cap = 24 * 366 * 3
        var feedbackHistogram = [Int](repeating: 0, count: cap + 1), closeHistogram = feedbackHistogram
        var feedbackCount = 0, closeCount = 0
        var result = FollowUpFigures(filter: filter)

        for fact in facts where !fact.deleted {
            if let region, fact.region != region { continue }
            if let agreement, fact.agreement != agreement { continue }
            if let targetGroup {
                guard fact.agreement != none, keys.agreementTargetGroup[Int(fact.agreement)] == targetGroup else { continue }
            }
            if let scope {
                var visible = false
                if fact.route0 != none, scope[Int(fact.route0)] { visible = true }
                else if fact.route1 != none, scope[Int(fact.route1)] { visible = true }
                else if fact.moreRoutes, let more = extraRoutes[fact.id] { visible = more.contains { scope[Int($0)] } }
                guard visible else { continue }
            }
            if closedDuring, fact.closedDay >= from, fact.closedDay <= to { result.closedInPeriod += 1 }
            let current: Bool
            if fact.received >= from && fact.received <= to {
                current = true
            } else if fact.received >= previousFrom && fact.received <= previousTo {
                current = false
            } else {
                continue
            }
            let agreementSlot = fact.agreement == none ? agreementSlots - 1 : Int(fact.agreement)
            let group = fact.agreement == none ? none : keys.agreementTargetGroup[Int(fact.agreement)]
            let groupSlot = group == none ? groupNow.count - 1 : Int(group)
            if current {
                result.total += 1
                agreementNow[agreementSlot] += 1
                if fact.escalated { escalatedNow[agreementSlot] += 1; result.escalated += 1 }
                if fact.systemfel { systemfelNow[agreementSlot] += 1; result.systemfel += 1 }
                groupNow[groupSlot] += 1
                regionNow[Int(fact.region)] += 1
                organisationNow[Int(fact.organisation)] += 1
                partyNow[Int(fact.organisation)] += 1
                stateNow[Int(fact.state)] += 1
                let month = CalendarDay(dayNumber: Int(fact.received)).monthNumber - firstMonth
                if month >= 0 && month < months.count { months[month] += 1 }
                if fact.channel < channelCount {
                    channelNow[Int(fact.channel)] += 1
                    if month >= 0 && month < months.count { channelMonths[month * channelCount + Int(fact.channel)] += 1 }
                }
                let isOpen = keys.stateIsOpen[Int(fact.state)]
                if isOpen {
                    result.open += 1
                    if fact.due < todayNumber { result.overdue += 1 }
                }
                if fact.feedbackHours >= 0 { feedbackHistogram[min(Int(fact.feedbackHours), cap)] += 1; feedbackCount += 1 }
                if fact.closeHours >= 0 && !isOpen { closeHistogram[min(Int(fact.closeHours), cap)] += 1; closeCount += 1 }
                let organisation = Int(fact.organisation)
                func pair(_ other: UInt16) {
                    let o = Int(other)
                    guard o != organisation else { return }
                    partyNow[o] += 1
                    let (a, b) = keys.parties[organisation] < keys.parties[o] ? (organisation, o) : (o, organisation)
                    pairs[a * partyCount + b] += 1
                }
                if fact.party0 != none { pair(fact.party0) }
                if fact.party1 != none { pair(fact.party1) }
                if fact.moreParties, let more = extraParties[fact.id] { for p in more { pair(p) } }
            } else {
                result.previousTotal += 1
                agreementBefore[agreementSlot] += 1
                groupBefore[groupSlot] += 1
                regionBefore[Int(fact.region)] += 1
                organisationBefore[Int(fact.organisation)] += 1
                partyBefore[Int(fact.organisation)] += 1
                stateBefore[Int(fact.state)] += 1
                if fact.channel < channelCount { channelBefore[Int(fact.channel)] += 1 }
                if fact.party0 != none, fact.party0 != fact.organisation { partyBefore[Int(fact.party0)] += 1 }
                if fact.party1 != none, fact.party1 != fact.organisation { partyBefore[Int(fact.party1)] += 1 }
                if fact.moreParties, let more = extraParties[fact.id] { for p in more where p != fact.organisation { partyBefore[Int(p)] += 1 } }
            }
        }

        func counts(_ now: [Int], _ before: [Int], key: (Int) -> String) -> [FollowUpFigures.Count] {
            now.indices.compactMap { i in
                now[i] + before[i] == 0 ? nil : FollowUpFigures.Count(key: key(i), count: now[i], previous: before[i])
            }.sorted { ($0.count, $0.previous, $1.key) > ($1.count, $1.previous, $0.key) }
        }
        result.byAgreement = counts(agreementNow, agreementBefore) { $0 == agreementSlots - 1 ? "" : keys.agreements[$0] }
        result.problemsByAgreement = agreementNow.indices.compactMap { i -> FollowUpFigures.AgreementProblems? in
            guard agreementNow[i] > 0 else { return nil }
            return .init(key: i == agreementSlots - 1 ? "" : keys.agreements[i], reports: agreementNow[i], escalated: escalatedNow[i], systemfel: systemfelNow[i])
        }.sorted { ($0.escalated + $0.systemfel, $0.reports, $1.key) > ($1.escalated + $1.systemfel, $1.reports, $0.key) }
        result.byTargetGroup = counts(groupNow, groupBefore) { $0 == keys.targetGroups.count ? "" : keys.targetGroups[$0] }
        result.byRegion = counts(regionNow, regionBefore) { keys.regions[$0] }
        result.byOrganisation = counts(organisationNow, organisationBefore) { keys.parties[$0] }
        result.byParty = counts(partyNow, partyBefore) { keys.parties[$0] }
        // States in lifecycle order, not by size: the order of the process.
        result.byState = stateNow.indices.map { FollowUpFigures.Count(key: keys.states[$0], count: stateNow[$0], previous: stateBefore[$0]) }
        result.byMonth = months.indices.map { i in
            let n = firstMonth + i
            return FollowUpFigures.Count(key: String(format: "%04d-%02d", n / 12, n % 12 + 1), count: months[i], previous: 0)
        }
        // Channels in a fixed order, also those with no reports: the figure compares them over time.
        result.byChannel = ReportChannel.allCases.map { FollowUpFigures.Count(key: $0.key, count: channelNow[$0.index], previous: channelBefore[$0.index]) }
        result.byChannelMonth = result.byMonth.indices.map { i in
            FollowUpFigures.ChannelMonth(month: result.byMonth[i].key, counts: Array(channelMonths[(i * channelCount)..<((i + 1) * channelCount)]))
        }
        var pairList: [FollowUpFigures.PairCount] = []
        for a in 0..<partyCount { for b in 0..<partyCount where pairs[a * partyCount + b] > 0 {
            pairList.append(.init(first: keys.parties[a], second: keys.parties[b], count: pairs[a * partyCount + b]))
        } }
        result.byPartyPair = pairList.sorted { ($0.count, $1.first, $1.second) > ($1.count, $0.first, $0.second) }
        result.firstFeedback = .fromHistogram(feedbackHistogram, count: feedbackCount)
        result.closure = .fromHistogram(closeHistogram, count: closeCount)
        return result
    }

    /// Reports received per agreement and quarter (`2026-Q1` style keys), for the learning page
    /// and the register; no scope: these are public counts.
    public func countsByAgreement(from: CalendarDay, to: CalendarDay, bucket: (CalendarDay) -> String) -> [String: [String: Int]] {
        var result: [String: [String: Int]] = [:]
        let lower = Int32(from.dayNumber), upper = Int32(to.dayNumber)
        var cache: [Int32: String] = [:]
        for fact in facts where !fact.deleted && fact.agreement != FactKeys.none && fact.received >= lower && fact.received <= upper {
            let label: String
            if let cached = cache[fact.received] { label = cached } else {
                label = bucket(CalendarDay(dayNumber: Int(fact.received)))
                cache[fact.received] = label
            }
            result[keys.agreements[Int(fact.agreement)], default: [:]][label, default: 0] += 1
        }
        return result
    }
}
