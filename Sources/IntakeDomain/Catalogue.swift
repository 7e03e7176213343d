import Foundation

public struct TargetGroup: Sendable, Hashable {
    public var key: String
    public var name: LocalizedText

    package init(key: String, name: LocalizedText) {
        self.key = key
        self.name = name
    }
}

public enum PartyKind: String, Sendable, CaseIterable {
    case region, municipality, association
}

/// An organisation that is party to a region's agreements: the region, a municipality, an association.
public struct Party: Sendable, Hashable {
    public var key: String
    public var kind: PartyKind
    public var name: String
    public var regionKey: String

    package init(key: String, kind: PartyKind, name: String, regionKey: String) {
        self.key = key
        self.kind = kind
        self.name = name
        self.regionKey = regionKey
    }
}

/// A *förvaltande funktion*: owns one or more agreements and handles the reports against them.
public struct OwningFunction: Sendable, Hashable {
    public var key: String
    public var name: LocalizedText
    public var mailbox: String
    public var organisationKey: String?
    public var isTriage: Bool
    public var regionKey: String
    /// Periodic summary of this function's reports by mail (`summary:` in the region file).
    public var summary: SummaryFrequency? = nil

    package init(key: String, name: LocalizedText, mailbox: String, organisationKey: String? = nil, isTriage: Bool, regionKey: String, summary: SummaryFrequency? = nil) {
        self.key = key
        self.name = name
        self.mailbox = mailbox
        self.organisationKey = organisationKey
        self.isTriage = isTriage
        self.regionKey = regionKey
        self.summary = summary
    }
}

/// How often a periodic summary is mailed.
public enum SummaryFrequency: String, Sendable, CaseIterable {
    case weekly, monthly
}

/// One step on a region's escalation ladder (tvistetrappa).
public struct EscalationLevel: Sendable, Hashable {
    public var key: String
    public var name: LocalizedText
    public var mailbox: String
    /// Periodic summary of the region's reports to this steering group (`summary:`).
    public var summary: SummaryFrequency? = nil

    package init(key: String, name: LocalizedText, mailbox: String, summary: SummaryFrequency? = nil) {
        self.key = key
        self.name = name
        self.mailbox = mailbox
        self.summary = summary
    }
}

public struct Region: Sendable, Hashable {
    public var key: String
    public var name: LocalizedText
    public var triageFunctionKey: String
    public var parties: [Party]
    public var functions: [OwningFunction]
    public var escalation: [EscalationLevel]

    package init(key: String, name: LocalizedText, triageFunctionKey: String, parties: [Party], functions: [OwningFunction], escalation: [EscalationLevel]) {
        self.key = key
        self.name = name
        self.triageFunctionKey = triageFunctionKey
        self.parties = parties
        self.functions = functions
        self.escalation = escalation
    }
}

public enum FieldType: String, Sendable, CaseIterable {
    case text, textarea, date
    case singleChoice = "single_choice"
    case multiChoice = "multi_choice"
    case yesNo = "yes_no"
    /// One of the region's parties (common field `organisation`).
    case party
    /// One or more of the region's parties (common field `other_parties`).
    case parties
}

public struct FieldOption: Sendable, Hashable {
    public var key: String
    public var label: LocalizedText

    package init(key: String, label: LocalizedText) {
        self.key = key
        self.label = label
    }
}

public struct FieldDefinition: Sendable, Hashable {
    public var key: String
    public var type: FieldType
    public var required: Bool
    public var label: LocalizedText
    public var help: LocalizedText?
    public var maxLength: Int?
    public var options: [FieldOption]

    /// The values a choice field accepts with their labels: the configured options, or
    /// `ja`/`nej` for yes/no. Empty for other types.
    public func choices(in language: Language) -> [(key: String, label: String)] {
        switch type {
        case .singleChoice, .multiChoice: options.map { ($0.key, $0.label[language]) }
        case .yesNo: [("ja", Self.yes[language]), ("nej", Self.no[language])]
        default: []
        }
    }

    static let yes = LocalizedText(sv: "Ja", en: "Yes")
    static let no = LocalizedText(sv: "Nej", en: "No")

    /// How a stored value is shown: its choice label where it has one, else the value itself.
    public func displayValue(_ value: String, in language: Language) -> String {
        choices(in: language).first { $0.key == value }?.label ?? value
    }

    /// Default cap for free text so one field cannot fill the body limit alone.
    public var effectiveMaxLength: Int {
        maxLength ?? (type == .textarea ? 4000 : 200)
    }

    package init(key: String, type: FieldType, required: Bool, label: LocalizedText, help: LocalizedText? = nil, maxLength: Int? = nil, options: [FieldOption]) {
        self.key = key
        self.type = type
        self.required = required
        self.label = label
        self.help = help
        self.maxLength = maxLength
        self.options = options
    }
}

/// The common fields every report has; the report stores them in their own columns.
public enum CommonField: String, CaseIterable, Sendable {
    case organisation
    case otherParties = "other_parties"
    case occurredOn = "occurred_on"
    case whatHappened = "what_happened"
    case expected
    case consequences
    case improvement
    case reporterName = "reporter_name"
    case reporterRole = "reporter_role"
    case reporterEmail = "reporter_email"
    case reporterPhone = "reporter_phone"

    public var expectedType: FieldType {
        switch self {
        case .organisation: .party
        case .otherParties: .parties
        case .occurredOn: .date
        case .whatHappened, .expected, .consequences, .improvement: .textarea
        case .reporterName, .reporterRole, .reporterEmail, .reporterPhone: .text
        }
    }

    public var isContactField: Bool {
        switch self {
        case .reporterName, .reporterRole, .reporterEmail, .reporterPhone: true
        default: false
        }
    }
}

public struct FormDefinition: Sendable, Hashable {
    public var version: Int
    public var fields: [FieldDefinition] { didSet { common = Self.index(fields) } }
    /// The common fields by kind, looked up for every field of every submission.
    private var common: [CommonField: FieldDefinition]

    public init(version: Int, fields: [FieldDefinition]) {
        self.version = version
        self.fields = fields
        common = Self.index(fields)
    }

    private static func index(_ fields: [FieldDefinition]) -> [CommonField: FieldDefinition] {
        var index: [CommonField: FieldDefinition] = [:]
        for field in fields {
            if let kind = CommonField(rawValue: field.key), index[kind] == nil { index[kind] = field }
        }
        return index
    }

    public func field(_ common: CommonField) -> FieldDefinition {
        self.common[common]!
    }
}

/// An agreement (överenskommelse or riktlinje) between a region and its municipalities.
public struct Agreement: Sendable, Hashable {
    public var key: String
    public var version: Int
    public var regionKey: String
    public var name: LocalizedText
    public var summary: LocalizedText
    public var targetGroupKey: String
    public var validFrom: CalendarDay
    public var validTo: CalendarDay?
    public var nextRevision: CalendarDay?
    public var demoDates: Bool
    public var ownerKeys: [String]
    public var feedbackDays: Int?
    public var fields: [FieldDefinition]
    /// Everyday words a reporter might use for what this agreement covers (`keywords:`), for the
    /// agreement finder (`AgreementFinder`). Single words or short phrases.
    public var keywords: [String] = []

    public func isValid(on day: CalendarDay) -> Bool {
        validFrom <= day && (validTo.map { day <= $0 } ?? true)
    }

    package init(key: String, version: Int, regionKey: String, name: LocalizedText, summary: LocalizedText, targetGroupKey: String, validFrom: CalendarDay, validTo: CalendarDay? = nil, nextRevision: CalendarDay? = nil, demoDates: Bool, ownerKeys: [String], feedbackDays: Int? = nil, fields: [FieldDefinition], keywords: [String] = []) {
        self.key = key
        self.version = version
        self.regionKey = regionKey
        self.name = name
        self.summary = summary
        self.targetGroupKey = targetGroupKey
        self.validFrom = validFrom
        self.validTo = validTo
        self.nextRevision = nextRevision
        self.demoDates = demoDates
        self.ownerKeys = ownerKeys
        self.feedbackDays = feedbackDays
        self.fields = fields
        self.keywords = keywords
    }
}

public struct ReportState: Sendable, Hashable {
    public var key: String
    public var name: LocalizedText
    public var description: LocalizedText
    public var isOpen: Bool
    public var notifiesReporter: Bool

    package init(key: String, name: LocalizedText, description: LocalizedText, isOpen: Bool, notifiesReporter: Bool) {
        self.key = key
        self.name = name
        self.description = description
        self.isOpen = isOpen
        self.notifiesReporter = notifiesReporter
    }
}

public struct Lifecycle: Sendable, Hashable {
    public var initialKey: String
    public var states: [ReportState]
    public var transitions: [String: [String]]

    public func state(_ key: String) -> ReportState? { states.first { $0.key == key } }
    public var initial: ReportState { state(initialKey)! }

    public func canTransition(from: String, to: String) -> Bool {
        transitions[from]?.contains(to) ?? false
    }

    package init(initialKey: String, states: [ReportState], transitions: [String: [String]]) {
        self.initialKey = initialKey
        self.states = states
        self.transitions = transitions
    }
}

/// When the owning functions are reminded of a report's feedback deadline (catalog.yaml `reminders`).
public struct ReminderPolicy: Sendable, Hashable {
    /// One reminder this many days before the deadline (0: none).
    public var daysBeforeDeadline = 7
    /// Once overdue: a reminder on the first day after the deadline, then every this many days.
    public var overdueEveryDays = 7
    public init() {}
}

/// Everything in Forms/, loaded and cross-checked. Immutable once loaded.
public struct Catalogue: Sendable {
    public var defaultFeedbackDays: Int
    public var reminders = ReminderPolicy()
    public var targetGroups: [TargetGroup]
    public var form: FormDefinition
    public var lifecycle: Lifecycle
    public var regions: [Region]
    public var agreements: [Agreement]
    /// The word lists of the name check (Forms/privacy/); empty only in hand-built test catalogues.
    public var names = NameLexicon()

    public init(defaultFeedbackDays: Int, targetGroups: [TargetGroup], form: FormDefinition, lifecycle: Lifecycle, regions: [Region], agreements: [Agreement]) {
        self.defaultFeedbackDays = defaultFeedbackDays
        self.targetGroups = targetGroups
        self.form = form
        self.lifecycle = lifecycle
        self.regions = regions
        self.agreements = agreements
        self.functionsByKey = Dictionary(regions.flatMap(\.functions).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        self.partiesByKey = Dictionary(regions.flatMap(\.parties).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        self.agreementsByKey = Dictionary(agreements.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    }

    private let functionsByKey: [String: OwningFunction]
    private let partiesByKey: [String: Party]
    private let agreementsByKey: [String: Agreement]

    public func region(_ key: String) -> Region? { regions.first { $0.key == key } }
    public func agreement(_ key: String) -> Agreement? { agreementsByKey[key] }
    public func function(_ key: String) -> OwningFunction? { functionsByKey[key] }
    public func party(_ key: String) -> Party? { partiesByKey[key] }
    public func targetGroup(_ key: String) -> TargetGroup? { targetGroups.first { $0.key == key } }

    public var allFunctions: [OwningFunction] { regions.flatMap(\.functions) }

    /// The agreements of a region in force on a day, grouped by target group in catalogue order.
    public func agreementsByTargetGroup(region: String, on day: CalendarDay) -> [(TargetGroup, [Agreement])] {
        targetGroups.compactMap { group in
            let list = agreements
                .filter { $0.regionKey == region && $0.targetGroupKey == group.key && $0.isValid(on: day) }
                .sorted { $0.name.sv.localizedStandardCompare($1.name.sv) == .orderedAscending }
            return list.isEmpty ? nil : (group, list)
        }
    }

    public func feedbackDays(for agreement: Agreement?) -> Int {
        agreement?.feedbackDays ?? defaultFeedbackDays
    }
}
