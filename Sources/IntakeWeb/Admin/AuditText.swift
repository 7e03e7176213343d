import Foundation
import IntakeDomain
import IntakeStore

/// The audit log as people read it: who (the reporter, the system, a named person) and the values
/// before and after in words — state, agreement and level names from the catalogue instead of keys,
/// roles and functions by name — in the page's language. Used by the report page's history, the
/// admin log and an account's history.
struct AuditText: Sendable {
    let catalogue: Catalogue

    enum Words {
        static let reporter = LocalizedText(sv: "Rapportören", en: "The reporter")
        static let system = LocalizedText(sv: "Systemet", en: "The system")
        static let notClassified = LocalizedText(sv: "Ej klassificerad", en: "Not classified")
        static let overdue = LocalizedText(sv: "försenad", en: "overdue")
        static let beforeDeadline = LocalizedText(sv: "före sista dag", en: "before the deadline")
        static let yes = LocalizedText(sv: "ja", en: "yes")
        static let no = LocalizedText(sv: "nej", en: "no")
        static let inactive = LocalizedText(sv: "inaktivt", en: "inactive")
        static let readWrite = LocalizedText(sv: "läsa och skriva", en: "read and write")
        static let readOnly = LocalizedText(sv: "bara läsa", en: "read only")
        static let removedReport = LocalizedText(sv: "Rapport som inte finns kvar", en: "A report no longer kept")
        static let removedAccount = LocalizedText(sv: "Konto", en: "Account")
    }

    func actor(_ actor: AuditActor, language: Language) -> String {
        switch actor {
        case .reporter: Words.reporter[language]
        case .system: Words.system[language]
        case .user(_, let name): name
        }
    }

    /// A before or after value in words. `region` names the report's escalation levels.
    func value(_ value: String?, action: AuditAction, region: Region?, language: Language) -> String {
        guard let value else { return "" }
        switch action {
        case .received, .stateChanged: return catalogue.lifecycle.state(value)?.name[language] ?? value
        case .reclassified: return catalogue.agreement(value)?.name[language] ?? (value == "-" ? Words.notClassified[language] : value)
        case .escalated:
            let levels = region.map { [$0] } ?? catalogue.regions
            return levels.lazy.flatMap(\.escalation).first { $0.key == value }?.name[language] ?? value
        case .replied: return value.count > 80 ? String(value.prefix(80)) + "…" : value
        case .reminderSent: return value == Workflow.ReminderKind.overdue.rawValue ? Words.overdue[language] : Words.beforeDeadline[language]
        case .systemfel: return value == "ja" ? Words.yes[language] : value == "nej" ? Words.no[language] : value
        case .userCreated, .userChanged: return account(value, language: language)
        case .tokenCreated:
            return value.replacingOccurrences(of: "read-write", with: Words.readWrite[language])
                .replacingOccurrences(of: "read-only", with: Words.readOnly[language])
        case .retention: return retention(value, language: language)
        default: return value
        }
    }

    /// `Name <e-mail>, role, function keys, inaktiv` (as `StaffRepository.describe` writes it) with
    /// the role and the functions by name.
    func account(_ value: String, language: Language) -> String {
        guard let end = value.lastIndex(of: ">") else { return value }
        let person = value[...end]
        let parts = value[value.index(after: end)...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var words: [String] = []
        for (i, part) in parts.enumerated() {
            if i == 0, let role = StaffRole(rawValue: part) { words.append(role.name[language]) }
            else if part == "inaktiv" { words.append(Words.inactive[language]) }
            else { words.append(part.split(separator: " ").map { catalogue.function(String($0))?.name[language] ?? String($0) }.joined(separator: "; ")) }
        }
        return ([String(person)] + words).joined(separator: ", ")
    }

    nonisolated(unsafe) static let retentionPattern = /contact data erased from (\d+) closed and (\d+) long-open report\(s\); (\d+) old mail\(s\) purged/

    /// The retention job's English summary, in Swedish on Swedish pages.
    func retention(_ value: String, language: Language) -> String {
        guard language == .sv, let match = value.wholeMatch(of: Self.retentionPattern) else { return value }
        return "kontaktuppgifter raderade ur \(match.1) avslutade och \(match.2) länge öppna rapporter; \(match.3) gamla e-postmeddelanden rensade"
    }
}
