import IntakeDomain

/// The staff API's and Open311's texts that Swift chooses (problem details).
enum APITexts {
    static let tokenRequired = LocalizedText(sv: "En API-nyckel krävs: Authorization: Bearer <nyckel>.", en: "An API token is required: Authorization: Bearer <token>.")
    static let tokenInvalid = LocalizedText(sv: "API-nyckeln är ogiltig eller återkallad.", en: "The API token is invalid or revoked.")
    static let tokenReadOnly = LocalizedText(sv: "API-nyckeln får bara läsa.", en: "The API token is read-only.")
}
