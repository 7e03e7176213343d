/// The phone channel's own pages (Templates/pages/phone-*); the agreement choice and the form are
/// the public pages (`ChooseAgreementPage`, `ReportFormPage`) in the staff layout.

/// Registrera rapport från telefonsamtal: which county the call is about.
struct PhoneStartPage: PageModel {
    static let template = "pages/phone-start"
    let regions: [NamedLink]
}

/// The confirmation after registering: the reference to give the caller, where the report went,
/// whether a mail goes out, and the caller's link.
struct PhoneRegisteredPage: PageModel {
    static let template = "pages/phone-registered"
    let reference: String
    /// The agreement's name, "" when none was chosen (`hasAgreement`).
    let agreement: String
    let hasAgreement: Bool
    let functions: [NameItem]
    let feedbackDate: String
    let hasEmail: Bool
    let trackingURL: String
    /// Only for those who may open the report.
    let reportHref: String?
    let againHref: String
}
