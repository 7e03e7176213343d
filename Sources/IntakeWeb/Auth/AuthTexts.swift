import IntakeDomain

/// The login and password pages' UI text that Swift chooses (titles, messages); the rest is in the templates.
enum AuthTexts {
    static let loginTitle = LocalizedText(sv: "Logga in", en: "Log in")
    static let loggedOut = LocalizedText(sv: "Du är utloggad.", en: "You are logged out.")
    static let passwordSavedLogIn = LocalizedText(sv: "Ditt nya lösenord är sparat. Logga in med det.", en: "Your new password is saved. Log in with it.")
    static let wrongCredentials = LocalizedText(
        sv: "Fel e-postadress eller lösenord. Kontrollera och försök igen.",
        en: "Wrong e-mail address or password. Check and try again.")

    static let forgotTitle = LocalizedText(sv: "Glömt lösenordet", en: "Forgotten password")
    static let resetTitle = LocalizedText(sv: "Välj ett nytt lösenord", en: "Choose a new password")
    static let changeTitle = LocalizedText(sv: "Byt lösenord", en: "Change password")
    static let linkExpired = LocalizedText(
        sv: "Länken har redan använts eller gått ut. Be om en ny länk nedan.",
        en: "The link has already been used or has expired. Ask for a new link below.")
    static let mismatch = LocalizedText(
        sv: "Lösenorden är inte likadana. Skriv samma lösenord två gånger.",
        en: "The passwords do not match. Type the same password twice.")
    static let wrongCurrentPassword = LocalizedText(sv: "Det nuvarande lösenordet stämmer inte.", en: "The current password is not correct.")
    static let sameAsCurrent = LocalizedText(sv: "Välj ett annat lösenord än det nuvarande.", en: "Choose a password other than the current one.")
}
