import Foundation

/// The rules of handling a report: lifecycle transitions, escalation, reclassification,
/// reminders. Plain Swift: no HTTP, no SQL.
public enum Workflow {
    public enum Refusal: Error, Sendable, Equatable {
        case transitionNotAllowed(from: String, to: String)
        case unknownState(String)
        case topOfLadder
        case noLadder
        case unknownAgreement
        case sameAgreement
        case emptyText
        case textTooLong(Int)
        case controlCharacters
        case containsPersonalData(LocalizedText)
        /// Lone common first names (`PrivacyFinding.possibleName`): refused until the writer
        /// removes them or confirms they are not names (`ReportForm.confirmedNotNamesField`).
        case possibleNames(LocalizedText, [String])
        case unknownUser
        case unknownReport
        case linkToSelf
        /// Closing a report needs a final message to the reporter, written in the same step.
        case closingMessageRequired
        case escalationReasonRequired
        case escalationPublicTextRequired
        case escalationNotConfirmed

        public var message: LocalizedText {
            switch self {
            case .transitionNotAllowed(let from, let to):
                LocalizedText(sv: "Det går inte att byta status från ”\(from)” till ”\(to)”.", en: "The status cannot change from “\(from)” to “\(to)”.")
            case .unknownState:
                LocalizedText(sv: "Välj en status i listan.", en: "Choose a status from the list.")
            case .topOfLadder:
                LocalizedText(sv: "Rapporten är redan eskalerad till den högsta nivån.", en: "The report is already escalated to the highest level.")
            case .noLadder:
                LocalizedText(sv: "Länet har ingen eskaleringstrappa i katalogen.", en: "The county has no escalation ladder in the catalogue.")
            case .unknownAgreement:
                LocalizedText(sv: "Välj en överenskommelse i listan.", en: "Choose an agreement from the list.")
            case .sameAgreement:
                LocalizedText(sv: "Rapporten är redan klassificerad till den överenskommelsen.", en: "The report is already classified to that agreement.")
            case .emptyText:
                LocalizedText(sv: "Skriv en text först.", en: "Write a text first.")
            case .controlCharacters:
                LocalizedText(sv: "Texten innehåller tecken som inte går att spara. Skriv texten igen utan specialtecken.",
                              en: "The text contains characters that cannot be stored. Type the text again without special characters.")
            case .textTooLong(let max):
                LocalizedText(sv: "Texten får ha högst \(max) tecken.", en: "The text may have at most \(max) characters.")
            case .containsPersonalData(let text), .possibleNames(let text, _):
                text
            case .unknownUser:
                LocalizedText(sv: "Välj en handläggare i listan.", en: "Choose a case officer from the list.")
            case .unknownReport:
                LocalizedText(sv: "Det finns ingen rapport med det referensnumret som du kan se.", en: "There is no report with that reference number that you can see.")
            case .linkToSelf:
                LocalizedText(sv: "En rapport kan inte kopplas till sig själv.", en: "A report cannot be linked to itself.")
            case .closingMessageRequired:
                LocalizedText(sv: "Skriv ett slutligt besked till rapportören: vad rapporten ledde till, eller varför den inte gällde en samverkansbrist. Statusen är inte ändrad.",
                              en: "Write a final message to the reporter: what the report led to, or why it was not a collaboration failure. The status has not been changed.")
            case .escalationReasonRequired:
                LocalizedText(sv: "Skriv varför rapporten eskaleras. Rapporten är inte eskalerad.", en: "Write why the report is escalated. The report has not been escalated.")
            case .escalationPublicTextRequired:
                LocalizedText(sv: "Skriv en mening till rapportören om att rapporten har lyfts. Rapporten är inte eskalerad.",
                              en: "Write a sentence to the reporter saying that the report has been raised. The report has not been escalated.")
            case .escalationNotConfirmed:
                LocalizedText(sv: "Kryssa i rutan för att bekräfta eskaleringen. Rapporten är inte eskalerad.", en: "Tick the box to confirm the escalation. The report has not been escalated.")
            }
        }
    }

    public static func checkTransition(_ lifecycle: Lifecycle, from: String, to: String) -> Result<ReportState, Refusal> {
        guard let target = lifecycle.state(to) else { return .failure(.unknownState(to)) }
        guard lifecycle.canTransition(from: from, to: to) else {
            let fromName = lifecycle.state(from)?.name.sv ?? from
            return .failure(.transitionNotAllowed(from: fromName, to: target.name.sv))
        }
        return .success(target)
    }

    /// The next step up the region's ladder from the current level (nil: not escalated yet).
    public static func nextEscalation(in region: Region, current: String?) -> Result<EscalationLevel, Refusal> {
        guard let first = region.escalation.first else { return .failure(.noLadder) }
        guard let current else { return .success(first) }
        guard let index = region.escalation.firstIndex(where: { $0.key == current }) else { return .success(first) }
        let next = region.escalation.index(after: index)
        guard next < region.escalation.endIndex else { return .failure(.topOfLadder) }
        return .success(region.escalation[next])
    }

    /// The final message a state change carries. Required when the target state is closed
    /// (nil target: an unknown state, refused by `checkTransition`); optional otherwise, and then
    /// nil when left empty. Checked like every text written after filing.
    public static func checkStateMessage(_ raw: String?, closing: Bool, names: NameLexicon, confirmed: Set<String> = []) -> Result<String?, Refusal> {
        let text = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return closing ? .failure(.closingMessageRequired) : .success(nil) }
        return checkText(text, names: names, confirmed: confirmed).map { Optional($0) }
    }

    /// Text written by staff or the reporter after filing: not empty, not too long, no personal identity numbers or patient names.
    /// `names`: the catalogue's word lists; `confirmed`: lower-cased words the writer confirmed
    /// are not names (a lone first name is refused until confirmed).
    public static func checkText(_ raw: String, maxLength: Int = 4000, names: NameLexicon, confirmed: Set<String> = []) -> Result<String, Refusal> {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return .failure(.emptyText) }
        guard text.count <= maxLength else { return .failure(.textTooLong(maxLength)) }
        // As on the report form: line breaks and tabs, no other control characters.
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\r" && $0 != "\t" }) {
            return .failure(.controlCharacters)
        }
        if let finding = PrivacyCheck.firstFinding(in: text, names: names, confirmed: confirmed) {
            if case .possibleName(let words) = finding { return .failure(.possibleNames(finding.message, words)) }
            return .failure(.containsPersonalData(finding.message))
        }
        return .success(text)
    }

    public enum ReminderKind: String, Sendable, Equatable {
        case beforeDeadline = "before-deadline"
        case overdue
    }

    /// The reminder due today for an open report, keyed by the day it is for so it is sent once.
    /// Before the deadline: on `due - daysBefore` (or later, until the deadline, if the server was down).
    /// Overdue: the day after the deadline, then every `overdueEveryDays` days.
    public static func reminderDue(feedbackDue: CalendarDay, today: CalendarDay, policy: ReminderPolicy) -> (kind: ReminderKind, forDay: CalendarDay)? {
        if today > feedbackDue {
            let firstOverdue = feedbackDue.adding(days: 1)
            let daysOverdue = firstOverdue.days(until: today)
            let step = max(policy.overdueEveryDays, 1)
            return (.overdue, firstOverdue.adding(days: (daysOverdue / step) * step))
        }
        guard policy.daysBeforeDeadline > 0 else { return nil }
        let remindOn = feedbackDue.adding(days: -policy.daysBeforeDeadline)
        return today >= remindOn ? (.beforeDeadline, remindOn) : nil
    }
}

extension CalendarDay {
    /// Whole days from this day to another (negative when the other is earlier).
    public func days(until other: CalendarDay) -> Int {
        Int(((other.date.timeIntervalSince(date)) / 86_400).rounded())
    }
}
