/// The public pages' models (Templates/pages/…), each built in one function of `PublicReportController`.

/// Tillgänglighetsredogörelse.
struct AccessibilityPage: PageModel {
    static let template = "pages/accessibility"
    let homeHref: String
    let contactEmail: String
}

/// Så hanterar vi personuppgifter.
struct PrivacyPage: PageModel {
    static let template = "pages/privacy"
    let homeHref: String
    let retentionDays: Int
    let openMaxDays: Int
    let contactEmail: String
    let dataController: String?
}

/// A link with a name, e.g. a county on the start page.
struct NamedLink: Sendable {
    let name: String
    let href: String
}

/// A name in a list, e.g. an owning function that handles a report.
struct NameItem: Sendable {
    let name: String
}

/// ”Är ”Karin” namnet på en person?”: one checkbox per word to confirm it is not.
struct ConfirmName: Sendable {
    let word: String
    let confirmId: String

    /// The checkboxes for `words`, with ids `<idPrefix>-inte-namn-<index>`.
    static func list(_ words: [String], idPrefix: String) -> [ConfirmName] {
        words.enumerated().map { ConfirmName(word: $1, confirmId: "\(idPrefix)-inte-namn-\($0)") }
    }
}

/// Rapportera en samverkansbrist: the counties to start from.
struct HomePage: PageModel {
    static let template = "pages/home"
    let regions: [NamedLink]
}

/// Vilken överenskommelse gäller det? Without a search the agreements grouped by target group
/// (`groups`); with one the finder's suggestions, then the others in ranked order.
struct ChooseAgreementPage: PageModel {
    static let template = "pages/choose-agreement"
    let regionName: String
    let action: String
    let homeHref: String
    let searchField: String
    let continueField: String
    let searchMaxLength: Int
    let unknownKey: String
    // With a search:
    let searched: Bool
    let searchText: String?
    let searchShortened: Bool
    let hasSuggestions: Bool
    let suggestionCount: Int?
    let oneSuggestion: Bool
    let suggestions: [Option]?
    let others: [Option]?
    let clearHref: String?
    // Without one:
    let groups: [Group]?
    // "Fortsätt" without a (valid) choice:
    let hasErrors: Bool
    let errorMessage: String?
    let errorHref: String?

    struct Option: Sendable {
        let key: String
        let id: String
        let name: String
        let summary: String
        /// The search words the agreement matched (at most five), "" when none.
        let matched: String
        let hasMatched: Bool
    }

    struct Group: Sendable {
        let name: String
        let agreements: [Option]
    }
}

/// The report form, public or (`phone`) in the staff layout for a phone call.
struct ReportFormPage: PageModel {
    static let template = "pages/report-form"
    let phone: Bool
    let homeHref: String
    let regionName: String
    let action: String
    let agreementKey: String
    let agreementName: String
    let agreementSummary: String
    let changeHref: String
    let retentionDays: Int
    let hasErrors: Bool
    let errorCount: Int
    let oneError: Bool
    let errors: [ErrorLink]
    /// The public form's protections: the fill-time token, the honeypot, and the words confirmed
    /// earlier not to be names (they stay confirmed while the form goes back and forth).
    let guarded: Bool
    let fillTimeField: String?
    let fillTimeToken: String?
    let honeypotField: String?
    let confirmedNotNames: [String]
    let eventFields: [FormField]
    let extraFields: [FormField]
    let hasExtraFields: Bool
    let contactFields: [FormField]
    /// The contact details' disclosure is open when something is filled in or wrong there.
    let contactOpen: Bool

    struct ErrorLink: Sendable {
        let href: String
        let message: String
    }
}

/// One form field for Templates/pages/field.mustache: its type decides the control, its state the
/// error and values. Built by `FieldView.model`.
struct FormField: Sendable {
    let id: String
    let name: String
    let label: String
    let required: Bool
    let value: String
    let help: String?
    let helpId: String?
    let error: String?
    let errorId: String?
    /// The ids of the help and the error, "" when neither.
    let describedBy: String
    let confirmNames: [ConfirmName]
    let maxLength: Int?
    // The control:
    let isInput: Bool
    let inputType: String?
    let autocomplete: String?
    let isTextarea: Bool
    let isSelect: Bool
    let isRadios: Bool
    let isCheckboxes: Bool
    let options: [Option]?
    /// Parties: the region and the association shown, the municipalities in a disclosure.
    let isPartyGroups: Bool
    let mainOptions: [Option]?
    let groupOptions: [Option]?
    let hasGroup: Bool
    let groupCount: Int?
    /// How many municipalities are ticked, when any are.
    let groupChosen: Int?
    let groupChosenOne: Bool
    let groupOpen: Bool

    struct Option: Sendable {
        let value: String
        let label: String
        let id: String
        let checked: Bool
    }
}

/// The receipt after filing (`tracking` false) and the reporter's tracking page at the secret
/// link (`tracking` true) share Templates/pages/receipt.mustache.
struct ReceiptPage: PageModel {
    static let template = "pages/receipt"
    let tracking: Bool
    let reference: String
    /// The agreement's name, "" when none was chosen (`hasAgreement`).
    let agreement: String
    let hasAgreement: Bool
    let functions: [NameItem]
    let triage: Bool
    let feedbackDate: String
    let receivedDate: String
    let stateName: String
    let stateDescription: String?
    let hasEmail: Bool
    let homeHref: String
    // The receipt:
    let trackingHref: String?
    let trackingURL: String?
    // The tracking page:
    let isOpen: Bool
    let closedDate: String?
    let steps: [Step]
    let closingMessage: Message?
    let outcome: String?
    let hasResult: Bool
    let messages: [Message]
    let hasMessages: Bool
    let action: String?
    let information: String?
    let confirmNames: [ConfirmName]
    let added: Bool
    let hasErrors: Bool
    let error: String?

    /// A step of the timeline, oldest first; the last reached one is `current`.
    struct Step: Sendable {
        let name: String
        let date: String
        let text: String?
        let current: Bool
        let upcoming: Bool
    }

    struct Message: Sendable {
        let fromReporter: Bool
        let date: String
        let body: String
    }
}
