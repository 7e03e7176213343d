import Foundation

/// Turning a received e-mail into the same `ReportDraft` the web form makes: the text with
/// quoted replies and signatures cut, labelled values ("Vad hände?", "Datum", "Din organisation")
/// read into the form's fields, and the form's own checks run on them. What the mail could not
/// fill stays empty and is listed, so the report is marked "behöver kompletteras".
public enum MailReport {
    // MARK: cutting quoted text and signatures

    /// The sender's own words: stops at the first line that starts a quoted reply ("Den … skrev:",
    /// "On … wrote:", "-----Original Message-----", "Från:" header block) or a signature
    /// ("-- ", "Med vänlig hälsning", "Mvh", …); drops lines quoted with ">".
    public static func ownText(_ text: String) -> String {
        var kept: [Substring] = []
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let lower = trimmed.lowercased()
            if line == "-- " || line == "--" || trimmed == "__" || lower.hasPrefix("-----original message") || lower.hasPrefix("-----ursprungligt meddelande")
                || lower.hasPrefix("________________________________") {
                break
            }
            if lower.hasSuffix(":") && (lower.contains(" skrev") || lower.contains(" wrote")) && (lower.hasPrefix("den ") || lower.hasPrefix("on ") || lower.contains("@")) {
                break
            }
            if lower.hasPrefix("från:") || lower.hasPrefix("from:") {
                // An Outlook header block of the quoted message.
                break
            }
            // A closing alone, with a comma, or followed by a short name ("Mvh Åsa").
            if signatureOpenings.contains(where: { opening in
                lower == opening || lower.hasPrefix(opening + ",") || lower.hasPrefix(opening + "!")
                    || (lower.hasPrefix(opening + " ") && lower.count <= opening.count + 40 && !lower.contains(where: { ".?:;".contains($0) }))
            }) {
                break
            }
            if trimmed.hasPrefix(">") { continue }
            kept.append(line)
        }
        return kept.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static let signatureOpenings = [
        "med vänlig hälsning", "med vänliga hälsningar", "vänlig hälsning", "vänliga hälsningar", "hälsningar", "mvh", "mvh.",
        "hälsning", "bästa hälsningar", "best regards", "kind regards", "regards", "skickat från min iphone", "sent from my iphone",
        "skickat från outlook", "hämta outlook för ios", "get outlook for ios",
    ]

    // MARK: labelled values

    /// Extra names a mailed Word form or mail may use for a field, besides the form's labels.
    static let synonyms: [String: [String]] = [
        CommonField.organisation.rawValue: ["din organisation", "organisation", "min organisation", "rapporterande organisation", "verksamhet"],
        CommonField.otherParties.rawValue: ["andra parter", "annan part", "övriga parter", "berörda parter", "motpart"],
        CommonField.occurredOn.rawValue: ["datum", "händelsedatum", "när hände det", "datum för händelsen"],
        CommonField.whatHappened.rawValue: ["vad hände", "beskrivning", "händelsebeskrivning", "beskriv vad som hände"],
        CommonField.expected.rawValue: ["vad borde ha hänt", "vad borde ha hänt enligt överenskommelsen", "förväntat"],
        CommonField.consequences.rawValue: ["konsekvenser", "vilka blev konsekvenserna"],
        CommonField.improvement.rawValue: ["förslag på förbättring", "förbättringsförslag", "förslag"],
        CommonField.reporterName.rawValue: ["ditt namn", "namn", "rapportör"],
        CommonField.reporterRole.rawValue: ["din yrkesroll", "yrkesroll", "befattning", "titel"],
        CommonField.reporterPhone.rawValue: ["telefon", "telefonnummer", "ditt telefonnummer"],
    ]

    /// Label (normalised) → the form name it fills (common key or `x_<extra key>`).
    static func labels(for form: ReportForm) -> [String: String] {
        var map: [String: String] = [:]
        for field in form.commonFields {
            map[normalisedLabel(field.label.sv)] = field.key
            map[normalisedLabel(field.label.en)] = field.key
        }
        for field in form.extraFields {
            let name = ReportForm.extraFieldName(field.key)
            map[normalisedLabel(field.label.sv)] = name
            map[normalisedLabel(field.label.en)] = name
        }
        for (key, names) in synonyms where key != CommonField.reporterEmail.rawValue {
            for name in names where map[normalisedLabel(name)] == nil { map[normalisedLabel(name)] = key }
        }
        return map
    }

    /// Lower-cased, without a trailing ":" or "?" or "*", spaces collapsed.
    static func normalisedLabel(_ text: String) -> String {
        var value = text.lowercased().trimmingCharacters(in: .whitespaces)
        while let last = value.last, ":?*".contains(last) || last.isWhitespace { value.removeLast() }
        return value.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Reads "Label: value" lines and "Label" lines followed by their value (until the next label)
    /// into form values, by the names in `labels`. Lines that belong to no label are returned apart.
    public static func labelledValues(_ lines: [String], form: ReportForm) -> (values: [String: String], rest: [String]) {
        let labels = labels(for: form)
        var values: [String: String] = [:]
        var rest: [String] = []
        var current: String?
        var buffer: [String] = []
        func close() {
            if let current {
                let text = buffer.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty && values[current] == nil { values[current] = text }
            }
            buffer = []
        }
        for raw in lines.prefix(5000) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.utf8.count <= 120, let key = labels[normalisedLabel(line)] {
                close()
                current = key
                continue
            }
            if let colon = line.firstIndex(where: { $0 == ":" || $0 == "?" }), line.distance(from: line.startIndex, to: colon) <= 80 {
                let head = String(line[...colon])
                if let key = labels[normalisedLabel(head)] {
                    close()
                    current = key
                    let value = line[line.index(after: colon)...].drop { $0 == ":" || $0.isWhitespace }.trimmingCharacters(in: .whitespaces)
                    if !value.isEmpty { buffer.append(value) }
                    continue
                }
            }
            if current != nil { buffer.append(raw) } else { rest.append(raw) }
        }
        close()
        return (values, rest)
    }

    // MARK: privacy

    /// A personnummer, samordningsnummer or name in what would be stored: the subject, the
    /// sender's own text and the attachment's text. The values of the contact fields
    /// ("Ditt namn", "Din e-postadress", …) are the reporter's own and are left out of the check,
    /// as on the web form.
    public static func privacyFinding(subject: String, text: String, attachmentLines: [String], form: ReportForm) -> PrivacyFinding? {
        let contact = Set(CommonField.allCases.filter(\.isContactField).map(\.rawValue))
        var texts = [subject]
        for lines in [text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), attachmentLines] {
            let read = labelledValues(lines, form: form)
            texts += read.rest
            texts += read.values.filter { !contact.contains($0.key) }.map(\.value)
            // A phone number is checked as on the form: one starting with 0 or + is not an identity number.
            if let phone = read.values[CommonField.reporterPhone.rawValue], !(phone.hasPrefix("0") || phone.hasPrefix("+")) { texts.append(phone) }
        }
        for text in texts {
            // A lone first name cannot be confirmed by mail: only certain findings refuse a mail.
            if let finding = PrivacyCheck.findings(in: text, names: form.catalogue.names).first(where: { if case .possibleName = $0 { false } else { true } }) {
                return finding
            }
        }
        return nil
    }

    // MARK: dates and parties

    static let months = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"]

    /// `2026-11-20`, `20/11/2026`, `20.11.2026`, `20 november 2026`, `20 nov 2026`.
    public static func day(_ text: String) -> CalendarDay? {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if let day = CalendarDay(iso: String(value.prefix(10))) { return day }
        let numbers = value.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        if numbers.count == 3, value.contains("/") || value.contains(".") {
            let (d, m, y) = (numbers[0], numbers[1], numbers[2])
            return valid(year: y, month: m, day: d)
        }
        let words = value.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "." })
        if words.count >= 3, let d = Int(words[0]), let y = Int(words[2]),
           let m = months.firstIndex(where: { $0 == words[1] || (words[1].count >= 3 && $0.hasPrefix(words[1])) }) {
            return valid(year: y, month: m + 1, day: d)
        }
        return nil
    }

    static func valid(year: Int, month: Int, day: Int) -> CalendarDay? {
        guard (1900...2200).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        let candidate = CalendarDay(year: year, month: month, day: day)
        return CalendarDay(iso: candidate.description) == candidate ? candidate : nil
    }

    /// Parties of the region named in the text ("Region Stockholm, Solna stad"), by name or key.
    static func parties(_ text: String, region: Region) -> [String] {
        let lower = text.lowercased()
        var found: [(Int, String)] = []
        for party in region.parties {
            for name in [party.name.lowercased(), party.key.lowercased()] {
                if let range = lower.range(of: name) {
                    found.append((lower.distance(from: lower.startIndex, to: range.lowerBound), party.key))
                    break
                }
            }
        }
        var keys: [String] = []
        for (_, key) in found.sorted(by: { $0.0 < $1.0 }) where !keys.contains(key) { keys.append(key) }
        return keys
    }

    // MARK: the draft

    /// A mail's draft and the required fields it could not fill (form names, e.g. `organisation`).
    public struct Result: Sendable {
        public var draft: ReportDraft
        public var missing: [String]
    }

    /// Builds the draft through the form's own checks. A value the mail gives but the form would
    /// refuse (an unknown party, a date in the future, a text too long) is dropped and listed as
    /// missing; what a required field lacks gets a stand-in for the check and is emptied after.
    /// The caller has already refused mails with identity numbers or names (`PrivacyCheck`).
    /// `receivedOn` stands in for the date when the mail gives none.
    public static func draft(subject: String, text: String, attachmentLines: [String], senderAddress: String?, senderName: String?,
                             form: ReportForm, receivedOn: CalendarDay, today: CalendarDay) -> Result {
        let own = ownText(text)
        let fromBody = labelledValues(own.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), form: form)
        let fromAttachment = labelledValues(attachmentLines, form: form)
        var given = fromAttachment.values.merging(fromBody.values) { attachment, _ in attachment }

        // "Vad hände?" is the subject and the mail's own text when no label says otherwise.
        if given[CommonField.whatHappened.rawValue] == nil {
            let body = fromBody.rest.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            let attachment = fromAttachment.values.isEmpty ? attachmentLines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines) : ""
            let parts = [subject.trimmingCharacters(in: .whitespaces), body, attachment].filter { !$0.isEmpty }
            if !parts.isEmpty { given[CommonField.whatHappened.rawValue] = parts.joined(separator: "\n\n") }
        }
        if given[CommonField.reporterName.rawValue] == nil, let senderName { given[CommonField.reporterName.rawValue] = senderName }
        if let senderAddress { given[CommonField.reporterEmail.rawValue] = senderAddress }

        var values: FormValues = [:]
        for (key, value) in given {
            if key == CommonField.organisation.rawValue {
                if let party = parties(value, region: form.region).first { values[key] = [party] }
            } else if key == CommonField.otherParties.rawValue {
                let keys = parties(value, region: form.region)
                if !keys.isEmpty { values[key] = keys }
            } else if key == CommonField.occurredOn.rawValue {
                if let day = day(value) { values[key] = [day.description] }
            } else if let extra = form.extraFields.first(where: { ReportForm.extraFieldName($0.key) == key }) {
                values[key] = extraValue(value, field: extra)
            } else {
                values[key] = [truncated(value, to: maxLength(key, form: form))]
            }
        }
        if let other = values[CommonField.otherParties.rawValue], let own = values[CommonField.organisation.rawValue]?.first {
            values[CommonField.otherParties.rawValue] = other.filter { $0 != own }
            if values[CommonField.otherParties.rawValue]?.isEmpty == true { values[CommonField.otherParties.rawValue] = nil }
        }

        var missing: [String] = []
        var standIns: Set<String> = []
        attempts: for _ in 0..<8 {
            var trial = values
            // Stand-ins for what is missing, so the form's checks run on everything else.
            for field in form.commonFields where field.required && trial[field.key] == nil {
                trial[field.key] = standIn(for: field.key, type: field.type, form: form, values: trial, today: receivedOn)
                standIns.insert(field.key)
            }
            for field in form.extraFields where field.required && trial[ReportForm.extraFieldName(field.key)] == nil {
                trial[ReportForm.extraFieldName(field.key)] = standIn(for: field.key, type: field.type, form: form, values: trial, today: receivedOn, extra: field)
                standIns.insert(ReportForm.extraFieldName(field.key))
            }
            switch form.validate(trial, language: .sv, today: today) {
            case .success(var draft):
                for key in standIns {
                    switch key {
                    case CommonField.organisation.rawValue: draft.organisationKey = ""
                    case CommonField.otherParties.rawValue: draft.otherPartyKeys = []
                    case CommonField.whatHappened.rawValue: draft.whatHappened = ""
                    case CommonField.expected.rawValue: draft.expected = ""
                    case CommonField.occurredOn.rawValue: break // the day the mail came, listed as missing
                    default:
                        if key.hasPrefix("x_") { draft.extraFields[String(key.dropFirst(2))] = nil }
                    }
                    if !missing.contains(key) { missing.append(key) }
                }
                if draft.organisationKey.isEmpty == false, draft.otherPartyKeys.isEmpty, !missing.contains(CommonField.otherParties.rawValue) {
                    missing.append(CommonField.otherParties.rawValue)
                }
                let order = form.commonFields.map(\.key) + form.extraFields.map { ReportForm.extraFieldName($0.key) }
                missing.sort { (order.firstIndex(of: $0) ?? 99) < (order.firstIndex(of: $1) ?? 99) }
                return Result(draft: draft, missing: missing)
            case .failure(let rejection):
                // Drop what the form refuses; it then counts as missing (or, if optional, is left out).
                var dropped = false
                for error in rejection.errors {
                    let key = error.fieldKey
                    if values[key] != nil {
                        values[key] = nil
                        dropped = true
                        if isRequired(key, form: form), !missing.contains(key) { missing.append(key) }
                    } else if standIns.contains(key) {
                        // A stand-in refused (should not happen): give up on that field's stand-in.
                        dropped = true
                    }
                }
                if !dropped { break attempts }
            }
        }
        // The form cannot be satisfied at all (a catalogue with unusual required fields): the
        // region's triage still gets the text, everything else listed as missing.
        let required = (form.commonFields.filter(\.required).map(\.key) + form.extraFields.filter(\.required).map { ReportForm.extraFieldName($0.key) })
        let routes = Routing.routes(for: form.agreement, in: form.region, catalogue: form.catalogue)
        let draft = ReportDraft(
            regionKey: form.region.key, agreementKey: form.agreement?.key, agreementVersion: form.agreement?.version,
            formVersion: form.catalogue.form.version, organisationKey: "", otherPartyKeys: [], occurredOn: receivedOn,
            whatHappened: truncated(given[CommonField.whatHappened.rawValue] ?? "", to: maxLength(CommonField.whatHappened.rawValue, form: form)),
            expected: "", consequences: nil, improvement: nil, reporterName: nil, reporterRole: nil,
            reporterEmail: senderAddress.flatMap { ReportForm.isPlausibleEmail($0) ? $0 : nil }, reporterPhone: nil,
            extraFields: [:], language: .sv, routes: routes, feedbackDays: form.catalogue.feedbackDays(for: form.agreement))
        return Result(draft: draft, missing: required)
    }

    static func isRequired(_ key: String, form: ReportForm) -> Bool {
        if let field = form.commonFields.first(where: { $0.key == key }) { return field.required }
        if let field = form.extraFields.first(where: { ReportForm.extraFieldName($0.key) == key }) { return field.required }
        return false
    }

    static func maxLength(_ key: String, form: ReportForm) -> Int {
        form.commonFields.first(where: { $0.key == key })?.effectiveMaxLength
            ?? form.extraFields.first(where: { ReportForm.extraFieldName($0.key) == key })?.effectiveMaxLength ?? 4000
    }

    /// Cut at the field's length, marked with "…".
    package static func truncated(_ text: String, to length: Int) -> String {
        guard text.count > length, length > 1 else { return text }
        return String(text.prefix(length - 1)) + "…"
    }

    static func extraValue(_ text: String, field: FieldDefinition) -> [String]? {
        switch field.type {
        case .text, .textarea: return [truncated(text, to: field.effectiveMaxLength)]
        case .date: return day(text).map { [$0.description] }
        case .singleChoice, .yesNo, .multiChoice:
            let lower = text.lowercased()
            let chosen = field.choices(in: .sv).filter { lower.contains($0.label.lowercased()) || lower == $0.key }.map(\.key)
            if chosen.isEmpty { return nil }
            return field.type == .multiChoice ? chosen : [chosen[0]]
        case .party, .parties: return nil
        }
    }

    static func standIn(for key: String, type: FieldType, form: ReportForm, values: FormValues, today: CalendarDay, extra: FieldDefinition? = nil) -> [String] {
        switch type {
        case .party:
            let avoid = Set(values[CommonField.otherParties.rawValue] ?? [])
            return [form.region.parties.first { !avoid.contains($0.key) }?.key ?? ""]
        case .parties:
            let own = values[CommonField.organisation.rawValue]?.first
            return [form.region.parties.first { $0.key != own }?.key ?? ""]
        case .date: return [today.description]
        case .singleChoice, .multiChoice, .yesNo: return [(extra ?? form.catalogue.form.fields.first { $0.key == key })?.choices(in: .sv).first?.key ?? ""]
        case .text, .textarea: return ["–"]
        }
    }
}
