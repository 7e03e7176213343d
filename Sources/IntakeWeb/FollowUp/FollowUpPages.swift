/// The follow-up pages' models (Templates/pages/…), each built in one function of `FollowUpController`.

/// Uppföljning: the filter, the exports, the key figures and the charts with their tables.
struct DashboardPage: PageModel {
    static let template = "pages/dashboard"
    let problems: [String]
    let hasProblems: Bool
    let from: String
    let to: String
    let scoped: Bool
    let scopeFunctions: String
    let regionOptions: [Option]
    let agreementOptions: [Option]
    let targetGroupOptions: [Option]
    let csvHref: String
    let csvSemicolonHref: String
    let aggregatesHref: String
    let aggregatesSemicolonHref: String
    let previousFrom: String
    let previousTo: String
    let total: Int
    let previousTotal: Int
    let trend: String
    let open: Int
    let overdue: Int
    let closedInPeriod: Int
    let escalated: Int
    let systemfel: Int
    let problemRows: [ProblemRow]
    let hasProblemRows: Bool
    let feedbackCount: Int
    let feedbackMedian: String
    let feedbackP90: String
    let closureCount: Int
    let closureMedian: String
    let closureP90: String
    let charts: [Chart]

    /// A choice in one of the filter's `<select>`s.
    typealias Option = SelectOption

    /// Escalations and systemfel per agreement.
    struct ProblemRow: Sendable {
        let label: String
        let reports: Int
        let escalated: Int
        let systemfel: Int
    }

    /// A chart (inline SVG) and its table: a row per bar, or (`matrix`) a row per month with a
    /// column per channel.
    struct Chart: Sendable {
        let id: String
        let title: String
        let svg: String
        let dimension: String
        let hasPrevious: Bool
        let caption: String?
        let rows: [Row]
        let empty: Bool
        let matrix: Bool
        let matrixHeaders: [Header]
    }

    struct Header: Sendable {
        let name: String
    }

    /// A table row: `count`, `hasPrevious`, `previous`, `change` for a bar; `cells`, `total`,
    /// `isSum` for a matrix row.
    struct Row: Sendable {
        let label: String
        let count: Int?
        let hasPrevious: Bool?
        let previous: Int?
        let change: String?
        let cells: [Cell]?
        let total: Int?
        let isSum: Bool?

        /// A bar's row.
        init(label: String, count: Int, hasPrevious: Bool, previous: Int?, change: String?) {
            self.label = label
            self.count = count
            self.hasPrevious = hasPrevious
            self.previous = previous
            self.change = change
            cells = nil
            total = nil
            isSum = nil
        }

        /// A matrix row (a month, or the sum over the period).
        init(label: String, cells: [Int], total: Int, isSum: Bool? = nil) {
            self.label = label
            self.cells = cells.map(Cell.init)
            self.total = total
            self.isSum = isSum
            count = nil
            hasPrevious = nil
            previous = nil
            change = nil
        }
    }

    struct Cell: Sendable {
        let value: Int
    }
}

/// The register of agreements (staff): per region, every agreement with its counts and warnings.
struct RegisterPage: PageModel {
    static let template = "pages/register"
    let scoped: Bool
    let regions: [Region]
    let warnings: Int
    let today: String

    struct Region: Sendable {
        let name: String
        let agreements: [Agreement]
    }

    struct Agreement: Sendable {
        let key: String
        let name: String
        let version: Int
        let targetGroup: String
        let validFrom: String
        let validTo: String
        let nextRevision: String
        let demoDates: Bool
        let owners: String
        let sinceRevision: Int
        let escalated: Int
        let systemfel: Int
        let last90: Int
        let previous90: Int
        let trend: String
        let pastRevision: Bool
        let expired: Bool
        let rising: Bool
        let hasWarning: Bool
        let versions: [Version]
        let hasHistory: Bool
        let dashboardHref: String
    }

    struct Version: Sendable {
        let version: Int
        let validFrom: String
        let validTo: String
        let reports: Int
        let current: Bool
    }
}

/// Vad rapporterna har lett till (public): published outcomes, and counts per agreement and quarter.
struct LearningPage: PageModel {
    static let template = "pages/learning"
    let quarters: [Quarter]
    let threshold: Int
    let fewer: String
    let outcomeRegions: [OutcomeRegion]
    let hasOutcomes: Bool
    let regions: [CountRegion]

    struct Quarter: Sendable {
        let label: String
    }

    struct OutcomeRegion: Sendable {
        let name: String
        let agreements: [OutcomeAgreement]
    }

    struct OutcomeAgreement: Sendable {
        let name: String
        let outcomes: [Outcome]
    }

    struct Outcome: Sendable {
        let text: String
        let quarter: String
    }

    struct CountRegion: Sendable {
        let name: String
        let agreements: [CountAgreement]
    }

    struct CountAgreement: Sendable {
        let name: String
        let counts: [Count]
    }

    struct Count: Sendable {
        let count: String
        let suppressed: Bool
    }
}
