import IntakeDomain

/// The triage pages' UI text that Swift chooses (titles, option labels, names of people and kinds);
/// the rest is in the templates (staff-home, queue, case).
enum TriageTexts {
    static let homeTitle = LocalizedText(sv: "Handläggning", en: "Case handling")
    /// A report filed as "Vet inte / ingen passar": no agreement.
    static let notClassified = LocalizedText(sv: "Ej klassificerad", en: "Not classified")
    static let me = LocalizedText(sv: "Mig", en: "Me")
    static let nobody = LocalizedText(sv: "Ingen", en: "Nobody")

    // The queue's sort options.
    static let sortReceived = LocalizedText(sv: "Mottagen", en: "Received")
    static let sortDue = LocalizedText(sv: "Återkoppling senast", en: "Feedback due")
    static let sortReference = LocalizedText(sv: "Referensnummer", en: "Reference")
    static let sortState = LocalizedText(sv: "Status", en: "Status")

    // The language a report was written in.
    static let swedish = LocalizedText(sv: "svenska", en: "Swedish")
    static let english = LocalizedText(sv: "engelska", en: "English")
    static func languageName(_ written: Language) -> LocalizedText {
        switch written {
        case .sv: swedish
        case .en: english
        }
    }

    // Who wrote a message or did something in the history.
    static let theReporter = LocalizedText(sv: "Rapportören", en: "The reporter")
    static let theSystem = LocalizedText(sv: "Systemet", en: "The system")

    // The kinds of message on the case page.
    static let internalNote = LocalizedText(sv: "Intern anteckning", en: "Internal note")
    static let replyToReporter = LocalizedText(sv: "Svar till rapportören", en: "Reply to the reporter")
    static let fromReporter = LocalizedText(sv: "Från rapportören", en: "From the reporter")
}
