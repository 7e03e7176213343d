import IntakeDomain

/// The mails' text that Swift chooses (subjects, names for what is missing); the bodies' text is
/// in Templates/mail/. Subjects of mails to staff are in both languages in one line.
enum MailTexts {
    // MARK: to the reporter, in the report's language

    /// Before the reference in the acknowledgement's subject, which ends with "]".
    static let acknowledgementSubject = LocalizedText(sv: "Vi har tagit emot din rapport [", en: "We have received your report [")

    static func statusOpenSubject(_ tag: String, state: LocalizedText) -> LocalizedText {
        LocalizedText(sv: "Ny status för din rapport \(tag): \(state.sv)", en: "New status for your report \(tag): \(state.en)")
    }

    static func statusClosedSubject(_ tag: String, state: LocalizedText) -> LocalizedText {
        LocalizedText(sv: "Din rapport \(tag) är avslutad: \(state.sv)", en: "Your report \(tag) is closed: \(state.en)")
    }

    static func replySubject(_ tag: String) -> LocalizedText {
        LocalizedText(sv: "Svar om din rapport \(tag)", en: "Reply about your report \(tag)")
    }

    static func escalationNoticeSubject(_ tag: String) -> LocalizedText {
        LocalizedText(sv: "Din rapport \(tag) har lyfts till en högre nivå", en: "Your report \(tag) has been raised to a higher level")
    }

    // MARK: to staff

    /// Before the reference in a notification's subject: a report for the triage function to classify.
    static let triageSubject = LocalizedText(sv: "Ny samverkansbrist att klassificera: ", en: "New collaboration failure to classify: ")
    /// Before the reference in a notification's subject, which then names the agreement after ": ".
    static let newReportSubject = LocalizedText(sv: "Ny samverkansbrist ", en: "New collaboration failure ")
    static let reclassifiedReportSubject = LocalizedText(sv: "Omklassificerad samverkansbrist ", en: "Reclassified collaboration failure ")

    static func escalationSubject(_ reference: String, level: LocalizedText) -> LocalizedText {
        LocalizedText(sv: "Eskalerad samverkansbrist \(reference) till \(level.sv)",
                      en: "Escalated collaboration failure \(reference) to \(level.en)")
    }

    /// The agreement of a report nobody classified, in the report's facts.
    static let unclassified = LocalizedText(sv: "Ej klassificerad (vet inte / ingen passar)", en: "Not classified (don’t know / none fits)")
    /// The same in a sentence (assignment and reminder).
    static let unclassifiedShort = LocalizedText(sv: "ej klassificerad", en: "not classified")

    static func assignmentSubject(_ reference: String) -> String { "Tilldelad: \(reference) / Assigned: \(reference)" }

    static func reporterAdditionSubject(_ reference: String) -> String {
        "Ny information från rapportören: \(reference) / New information from the reporter"
    }

    static func overdueSubject(_ reference: String) -> String { "Försenad återkoppling: \(reference) / Feedback overdue" }

    static func reminderSubject(_ reference: String, feedbackDue: CalendarDay) -> String {
        "Påminnelse: återkoppling senast \(feedbackDue.formatted(.sv)) för \(reference) / Reminder"
    }

    static let mailRefusedSubject = "Din rapport kunde inte tas emot / Your report could not be received"
    static let passwordResetSubject = "Nytt lösenord för Samverkansbrister / New password"
}
