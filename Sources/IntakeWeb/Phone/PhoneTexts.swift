import IntakeDomain

/// The phone channel's UI text that Swift chooses (titles); the rest is in the templates.
enum PhoneTexts {
    /// The start page's and the phone form's title.
    static let startTitle = LocalizedText(sv: "Registrera rapport från telefonsamtal", en: "Register a report from a phone call")
    static let registeredTitle = LocalizedText(sv: "Rapporten är registrerad", en: "The report is registered")
}
