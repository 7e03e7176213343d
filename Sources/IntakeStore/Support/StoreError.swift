import IntakeDomain

/// What the store refuses or cannot do, for every caller of IntakeStore (web, services, CLI): the
/// store's one error type. `message` is what a person is shown (Swedish and English); the command
/// line prints `description` (the English text). Errors of GRDB itself pass through unchanged;
/// `StorageFailure` tells the ones that mean "cannot store anything now".
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    // Staff accounts
    case emailTaken
    case invalidEmail
    /// An address a mail header cannot carry (not ASCII, over 254 octets, …).
    case unwritableEmail(MailAddress.Problem)
    case emptyName
    case unknownFunction(String)
    case functionsOnlyForHandlaggare
    case weakPassword(LocalizedText)
    case accountNotFound
    case lastAdmin
    // API tokens
    case unknownUser
    case inactiveUser
    case tokenNotFound
    case ambiguousToken
    /// The database cannot be written right now (a full disk): nothing was changed.
    case storageUnavailable
    /// Another process (`intake serve`, `intake restore`) holds the database's lock file.
    case databaseInUse(databasePath: String, holder: String)
    /// Backup, restore or the lock file failed; the text says how (English, for the command line).
    case maintenance(String)

    public var message: LocalizedText {
        switch self {
        case .emailTaken: LocalizedText(sv: "Det finns redan ett konto med den e-postadressen.", en: "There is already an account with that e-mail address.")
        case .invalidEmail: LocalizedText(sv: "Skriv en e-postadress som namn@exempel.se.", en: "Write an e-mail address such as name@example.se.")
        case .unwritableEmail(let problem): problem.message
        case .emptyName: LocalizedText(sv: "Skriv personens namn.", en: "Write the person's name.")
        case .unknownFunction(let key): LocalizedText(sv: "Funktionen ”\(key)” finns inte i katalogen.", en: "The function “\(key)” is not in the catalogue.")
        case .functionsOnlyForHandlaggare: LocalizedText(sv: "Bara handläggare är medlemmar i förvaltande funktioner. Välj minst en funktion för en handläggare.", en: "Only case officers are members of owning functions. Choose at least one function for a case officer.")
        case .weakPassword(let text): text
        case .accountNotFound: LocalizedText(sv: "Kontot finns inte.", en: "The account does not exist.")
        case .lastAdmin: LocalizedText(sv: "Det måste finnas minst en aktiv administratör.", en: "There must be at least one active administrator.")
        case .unknownUser: LocalizedText(sv: "Det finns inget konto med den e-postadressen.", en: "No account with that e-mail address.")
        case .inactiveUser: LocalizedText(sv: "Kontot är inte aktivt.", en: "The account is not active.")
        case .tokenNotFound: LocalizedText(sv: "Nyckeln finns inte.", en: "No such token.")
        case .ambiguousToken: LocalizedText(sv: "Flera nycklar börjar så; ange id eller en längre början.", en: "Several tokens start like that; give the id or a longer prefix.")
        case .storageUnavailable: LocalizedText(sv: "Det går inte att spara just nu. Ingenting har ändrats. Försök igen om en stund.", en: "Nothing can be saved right now. Nothing was changed. Try again in a while.")
        case .databaseInUse(let path, let holder):
            LocalizedText(sv: "\(path) används av \(holder). Stoppa servern först (systemctl stop samverkan-intake) och försök igen.",
                          en: "\(path) is in use by \(holder). Stop the server first (systemctl stop samverkan-intake), then try again.")
        case .maintenance(let text): LocalizedText(sv: text, en: text)
        }
    }

    public var description: String { message.en }
}
