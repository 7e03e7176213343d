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
