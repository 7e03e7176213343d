import IntakeDomain

/// The administration pages' UI text that Swift chooses (titles, messages); the rest is in the
/// templates, and the audit log's words are in `AuditText.Words`.
enum AdminTexts {
    static let usersTitle = LocalizedText(sv: "Konton", en: "Accounts")
    static let newAccount = LocalizedText(sv: "Nytt konto", en: "New account")
    static let logTitle = LocalizedText(sv: "Granskningslogg", en: "Audit log")
    static let outboxTitle = LocalizedText(sv: "Utkorg", en: "Outbox")
    static let tokensTitle = LocalizedText(sv: "API-nycklar", en: "API tokens")
    /// A token's scope in the list of tokens.
    static let readWrite = LocalizedText(sv: "Läsa och skriva", en: "Read and write")
    static let readOnly = LocalizedText(sv: "Bara läsa", en: "Read only")
    static let inactiveAccount = LocalizedText(
        sv: "Kontot är inte aktivt. En nyckel kan bara skapas för ett aktivt konto.",
        en: "The account is not active. A token can only be made for an active account.")
    static let chooseAccount = LocalizedText(sv: "Välj ett konto i listan.", en: "Choose an account in the list.")
}
