import IntakeDomain

/// The public pages' UI text that Swift chooses (titles, messages); the rest is in the templates.
enum PublicTexts {
    static let accessibilityTitle = LocalizedText(sv: "Tillgänglighetsredogörelse", en: "Accessibility statement")
    static let privacyTitle = LocalizedText(sv: "Så hanterar vi personuppgifter", en: "How we handle personal data")
}
