import Foundation

/// A problem with one field of a submitted form, in both languages.
public struct FieldError: Sendable, Hashable {
    public var fieldKey: String
    public var message: LocalizedText
    /// Lone first names the writer may confirm are not names of persons (the form shows a
    /// checkbox for each, posted as `inte_namn`).
    public var unconfirmedNames: [String]

    package init(fieldKey: String, message: LocalizedText, unconfirmedNames: [String] = []) {
        self.fieldKey = fieldKey
        self.message = message
        self.unconfirmedNames = unconfirmedNames
    }
}

/// The reasons a submission was refused; nothing is stored.
public struct FormRejection: Error, Sendable, Hashable {
    public var errors: [FieldError]
}

/// A validated report, ready to be stored. Holds no catalogue objects, only keys and versions.
public struct ReportDraft: Sendable, Hashable {
    public var regionKey: String
    public var agreementKey: String?
    public var agreementVersion: Int?
    public var formVersion: Int
    public var organisationKey: String
    public var otherPartyKeys: [String]
    public var occurredOn: CalendarDay
    public var whatHappened: String
    public var expected: String
    public var consequences: String?
    public var improvement: String?
    public var reporterName: String?
    public var reporterRole: String?
    public var reporterEmail: String?
    public var reporterPhone: String?
    /// Extra fields of the agreement's form: key → chosen or written values.
    public var extraFields: [String: [String]]
    public var language: Language
    public var routes: [Route]
    public var feedbackDays: Int
}

/// Submitted form values: field name → the values sent (several for multi-choice).
public typealias FormValues = [String: [String]]

/// The report form for one region and (optionally) one agreement: which fields it has and
/// how a submission is checked. Pure: no HTTP, no SQL.
public struct ReportForm: Sendable {
    public var catalogue: Catalogue
    public var region: Region
    public var agreement: Agreement?

    public init(catalogue: Catalogue, region: Region, agreement: Agreement?) {
        self.catalogue = catalogue
        self.region = region
        self.agreement = agreement
    }

    /// The name under which an extra field is posted, kept apart from the common fields.
    public static func extraFieldName(_ key: String) -> String { "x_\(key)" }

    /// The form parameter listing words the writer confirmed are not names of persons
    /// ("Är ”Karin” namnet på en person?" answered no). Never stored.
    public static let confirmedNotNamesField = "inte_namn"

    /// The confirmed words of a submission, lower-cased (one value per word, or several words
    /// separated by commas, as API clients may send them).
    public static func confirmedNotNames(_ values: FormValues) -> Set<String> {
        var words = Set<String>()
        for value in values[confirmedNotNamesField] ?? [] {
            for word in value.split(separator: ",") {
                let trimmed = word.trimmingCharacters(in: .whitespaces)
                if !trimmed.isEmpty && trimmed.utf8.count <= 64 { words.insert(trimmed.lowercased()) }
            }
        }
        return words
    }

    public var commonFields: [FieldDefinition] { catalogue.form.fields }

    /// The common fields about the event, in the order the form shows them (before the agreement's extra fields).
    public static let eventFields: [CommonField] = [.organisation, .otherParties, .occurredOn, .whatHappened, .expected, .consequences, .improvement]
    /// The reporter's contact fields, shown last.
    public static let contactFields: [CommonField] = [.reporterName, .reporterRole, .reporterEmail, .reporterPhone]

    /// Field names in the order the form shows them: event fields, extra fields, contact fields.
    public var pageOrder: [String] {
        Self.eventFields.map(\.rawValue) + extraFields.map { Self.extraFieldName($0.key) } + Self.contactFields.map(\.rawValue)
    }

    /// The errors in the order their fields come on the page (an error summary lists them so);
    /// errors about no field (sending) last, and the order of several errors on one field kept.
    public func inPageOrder(_ errors: [FieldError]) -> [FieldError] {
        let order = Dictionary(pageOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return errors.enumerated().sorted { a, b in
            let left = order[a.element.fieldKey] ?? Int.max, right = order[b.element.fieldKey] ?? Int.max
            return left != right ? left < right : a.offset < b.offset
        }.map(\.element)
    }
    public var extraFields: [FieldDefinition] { agreement?.fields ?? [] }

    public func validate(_ values: FormValues, language: Language, today: CalendarDay) -> Result<ReportDraft, FormRejection> {
        var errors: [FieldError] = []
        let confirmed = Self.confirmedNotNames(values)
        func single(_ name: String) -> String? {
            guard let raw = values[name]?.first else { return nil }
            let cleaned = Self.clean(raw)
            return cleaned.isEmpty ? nil : cleaned
        }
        func multiple(_ name: String) -> [String] {
            (values[name] ?? []).map(Self.clean).filter { !$0.isEmpty }
        }

        // A browser sends a single-valued field once; two values mean a hand-made post, and
        // silently keeping one of them would store something the sender may not have meant.
        func sentTwice(_ field: FieldDefinition, name: String) {
            errors.append(FieldError(fieldKey: name, message: LocalizedText(
                sv: "”\(field.label.sv)” skickades mer än en gång. Kontrollera fältet och skicka igen.",
                en: "“\(field.label.en)” was sent more than once. Check the field and send again.")))
        }
        for field in catalogue.form.fields where field.type != .parties && field.type != .multiChoice && (values[field.key]?.count ?? 0) > 1 {
            sentTwice(field, name: field.key)
        }
        for field in extraFields where field.type != .multiChoice {
            let name = Self.extraFieldName(field.key)
            if (values[name]?.count ?? 0) > 1 { sentTwice(field, name: name) }
        }
        if !errors.isEmpty { return .failure(FormRejection(errors: inPageOrder(errors))) }

        var texts: [CommonField: String] = [:]
        for common in CommonField.allCases where common.expectedType == .text || common.expectedType == .textarea {
            let field = catalogue.form.field(common)
            let value = single(common.rawValue)
            if let error = check(text: value, field: field, name: common.rawValue, isPhone: common == .reporterPhone,
                                 // The reporter's own contact details may carry the reporter's name.
                                 checkNames: ![.reporterName, .reporterEmail].contains(common), confirmed: confirmed) {
                errors.append(error)
            } else if let value {
                texts[common] = value
            }
        }
        if let email = texts[.reporterEmail], !Self.isPlausibleEmail(email) {
            // Too long or not ASCII: said as such, as the mail could not carry it (MailAddress).
            let specific = MailAddress.problem(email).flatMap { [.tooLong, .notASCII].contains($0) ? $0.message : nil }
            errors.append(FieldError(fieldKey: CommonField.reporterEmail.rawValue, message: specific ?? LocalizedText(
                sv: "Skriv e-postadressen som namn@exempel.se, eller lämna fältet tomt.",
                en: "Write the e-mail address as name@example.com, or leave the field empty.")))
            texts[.reporterEmail] = nil
        }
        if let phone = texts[.reporterPhone], !Self.isPlausiblePhone(phone) {
            errors.append(FieldError(fieldKey: CommonField.reporterPhone.rawValue, message: LocalizedText(
                sv: "Skriv telefonnumret med siffror, till exempel 08-123 456 78.",
                en: "Write the phone number with digits, for example +46 8 123 456 78.")))
            texts[.reporterPhone] = nil
        }

        // Own organisation and other parties come from the region's list only.
        let organisationField = catalogue.form.field(.organisation)
        let organisation = single(CommonField.organisation.rawValue)
        if organisation == nil {
            if organisationField.required { errors.append(Self.chooseError(organisationField)) }
        } else if !region.parties.contains(where: { $0.key == organisation }) {
            errors.append(FieldError(fieldKey: organisationField.key, message: LocalizedText(
                sv: "Välj din organisation i listan.", en: "Choose your organisation from the list.")))
        }
        let partiesField = catalogue.form.field(.otherParties)
        var otherParties: [String] = []
        for key in multiple(CommonField.otherParties.rawValue) where !otherParties.contains(key) { otherParties.append(key) }
        if otherParties.contains(where: { key in !region.parties.contains { $0.key == key } }) {
            errors.append(FieldError(fieldKey: partiesField.key, message: LocalizedText(
                sv: "Välj de andra parterna i listan.", en: "Choose the other parties from the list.")))
        } else if let organisation, otherParties == [organisation] {
            errors.append(FieldError(fieldKey: partiesField.key, message: LocalizedText(
                sv: "Välj minst en annan part än din egen organisation.",
                en: "Choose at least one party other than your own organisation.")))
        } else if otherParties.isEmpty && partiesField.required {
            errors.append(Self.chooseError(partiesField, multiple: true))
        }

        let dateField = catalogue.form.field(.occurredOn)
        var occurredOn: CalendarDay?
        if let error = checkDate(single(dateField.key), field: dateField, name: dateField.key, today: today, result: &occurredOn) {
            errors.append(error)
        }

        var extras: [String: [String]] = [:]
        for field in extraFields {
            let name = Self.extraFieldName(field.key)
            switch field.type {
            case .text, .textarea:
                let value = single(name)
                if let error = check(text: value, field: field, name: name, isPhone: false, checkNames: true, confirmed: confirmed) { errors.append(error) }
                else if let value { extras[field.key] = [value] }
            case .date:
                var day: CalendarDay?
                if let error = checkDate(single(name), field: field, name: name, today: today, result: &day) { errors.append(error) }
                else if let day { extras[field.key] = [day.description] }
            case .singleChoice, .multiChoice, .yesNo:
                let isMultiple = field.type == .multiChoice
                let allowed = Set(field.choices(in: language).map(\.key))
                let chosen = isMultiple ? multiple(name) : single(name).map { [$0] } ?? []
                if chosen.contains(where: { !allowed.contains($0) }) || (!isMultiple && (values[name]?.count ?? 0) > 1) {
                    errors.append(Self.chooseError(field, name: name, multiple: isMultiple))
                } else if chosen.isEmpty, field.required {
                    errors.append(Self.chooseError(field, name: name, multiple: isMultiple))
                } else if !chosen.isEmpty { extras[field.key] = chosen }
            case .party, .parties:
                break
            }
        }

        guard errors.isEmpty, let organisation, let occurredOn,
              let whatHappened = texts[.whatHappened], let expected = texts[.expected]
        else {
            if errors.isEmpty {
                // A required common field was configured as optional; still refuse an empty report.
                errors.append(FieldError(fieldKey: CommonField.whatHappened.rawValue, message: LocalizedText(
                    sv: "Beskriv vad som hände.", en: "Describe what happened.")))
            }
            return .failure(FormRejection(errors: inPageOrder(errors)))
        }
        let routes = Routing.routes(for: agreement, in: region, catalogue: catalogue)
        return .success(ReportDraft(
            regionKey: region.key, agreementKey: agreement?.key, agreementVersion: agreement?.version,
            formVersion: catalogue.form.version, organisationKey: organisation,
            otherPartyKeys: otherParties.filter { $0 != organisation }, occurredOn: occurredOn,
            whatHappened: whatHappened, expected: expected, consequences: texts[.consequences],
            improvement: texts[.improvement], reporterName: texts[.reporterName], reporterRole: texts[.reporterRole],
            reporterEmail: texts[.reporterEmail], reporterPhone: texts[.reporterPhone], extraFields: extras,
            language: language, routes: routes, feedbackDays: catalogue.feedbackDays(for: agreement)))
    }

    // MARK: checks

    private func check(text value: String?, field: FieldDefinition, name: String, isPhone: Bool, checkNames: Bool, confirmed: Set<String>) -> FieldError? {
        guard let value else {
            return field.required ? FieldError(fieldKey: name, message: LocalizedText(
                sv: "Fyll i ”\(field.label.sv)”.", en: "Fill in “\(field.label.en)”.")) : nil
        }
        // General category Cc is exactly U+0000–U+001F and U+007F–U+009F.
        if value.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7F...0x9F).contains($0.value) }) {
            return FieldError(fieldKey: name, message: LocalizedText(
                sv: "”\(field.label.sv)” innehåller tecken som inte går att spara. Skriv texten igen utan specialtecken.",
                en: "“\(field.label.en)” contains characters that cannot be stored. Type the text again without special characters."))
        }
        // On the UTF-8 bytes: String.contains(String) goes through Foundation's range(of:).
        if field.type == .text && value.utf8.contains(UInt8(ascii: "\n")) {
            return FieldError(fieldKey: name, message: LocalizedText(
                sv: "”\(field.label.sv)” ska vara en enda rad.", en: "“\(field.label.en)” must be a single line."))
        }
        // Counting characters walks the text; a text with fewer UTF-8 bytes than the limit cannot be over it.
        let length = value.utf8.count <= field.effectiveMaxLength ? 0 : value.count
        if length > field.effectiveMaxLength {
            return FieldError(fieldKey: name, message: LocalizedText(
                sv: "”\(field.label.sv)” får vara högst \(field.effectiveMaxLength) tecken. Nu är det \(length) tecken.",
                en: "“\(field.label.en)” can be at most \(field.effectiveMaxLength) characters. It is now \(length)."))
        }
        // A phone number starting with 0 or + is a phone number, not a personnummer (Swedish numbers always do).
        let skipIdentityCheck = isPhone && (value.hasPrefix("0") || value.hasPrefix("+"))
        let finding = checkNames
            ? PrivacyCheck.firstFinding(in: value, names: catalogue.names, confirmed: confirmed, identityNumbers: !skipIdentityCheck)
            : skipIdentityCheck ? nil : PrivacyCheck.identityNumber(in: value)
        if let finding {
            let unconfirmed: [String] = if case .possibleName(let words) = finding { words } else { [] }
            return FieldError(fieldKey: name, message: Self.privacyMessage(finding, field: field), unconfirmedNames: unconfirmed)
        }
        return nil
    }

    static func privacyMessage(_ finding: PrivacyFinding, field: FieldDefinition) -> LocalizedText {
        switch finding {
        case .personalIdentityNumber, .coordinationNumber:
            LocalizedText(
                sv: "”\(field.label.sv)” innehåller något som ser ut som ett personnummer eller samordningsnummer. Ta bort det. Rapporten ska handla om samverkan, inte om en enskild person.",
                en: "“\(field.label.en)” contains what looks like a personal identity number or coordination number. Please remove it. The report is about collaboration, not about an individual.")
        case .personName(let words):
            LocalizedText(
                sv: "”\(field.label.sv)” ser ut att innehålla namnet på en person: ”\(words)”. Ta bort namnet och skriv till exempel ”patienten” i stället. Rapporten ska handla om samverkan, inte om en enskild person.",
                en: "“\(field.label.en)” seems to contain the name of a person: “\(words)”. Please remove the name and write, for example, “the patient” instead. The report is about collaboration, not about an individual.")
        case .possibleName:
            LocalizedText(sv: "”\(field.label.sv)”: " + finding.message.sv, en: "“\(field.label.en)”: " + finding.message.en)
        }
    }

    private func checkDate(_ value: String?, field: FieldDefinition, name: String, today: CalendarDay, result: inout CalendarDay?) -> FieldError? {
        guard let value else {
            return field.required ? FieldError(fieldKey: name, message: LocalizedText(
                sv: "Fyll i ”\(field.label.sv)”, till exempel \(today.description).",
                en: "Fill in “\(field.label.en)”, for example \(today.description).")) : nil
        }
        guard let day = CalendarDay(iso: value) else {
            return FieldError(fieldKey: name, message: LocalizedText(
                sv: "Skriv datumet som år-månad-dag, till exempel \(today.description).",
                en: "Write the date as year-month-day, for example \(today.description)."))
        }
        if day > today {
            return FieldError(fieldKey: name, message: LocalizedText(
                sv: "Datumet kan inte vara senare än i dag.", en: "The date cannot be later than today."))
        }
        if day.year < today.year - 10 {
            return FieldError(fieldKey: name, message: LocalizedText(
                sv: "Datumet är mer än tio år gammalt. Kontrollera året.", en: "The date is more than ten years ago. Check the year."))
        }
        result = day
        return nil
    }

    static func chooseError(_ field: FieldDefinition, name: String? = nil, multiple: Bool = false) -> FieldError {
        FieldError(fieldKey: name ?? field.key, message: multiple
            ? LocalizedText(sv: "Välj minst ett alternativ under ”\(field.label.sv)”.", en: "Choose at least one option under “\(field.label.en)”.")
            : LocalizedText(sv: "Välj ett alternativ under ”\(field.label.sv)”.", en: "Choose an option under “\(field.label.en)”."))
    }

    /// Trims and unifies line breaks, so what is stored is what was meant.
    /// Whitespace is Unicode's White_Space property, the same set as Foundation's
    /// `.whitespacesAndNewlines`; done on scalars because the Foundation calls cost a tenth of a
    /// submission's CPU (benchmarks/RESULTS.md).
    static func clean(_ raw: String) -> String {
        let scalars = raw.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        let kept = scalars[first...last]
        // A carriage return is the byte 0x0D in UTF-8 and nothing else is: the bytes are searched,
        // not the scalars (which decoded every scalar of every field).
        guard raw.utf8.contains(0x0D) else {
            return first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) ? raw : String(Substring(kept))
        }
        var out = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in kept {
            if scalar == "\r" {
                out.append("\n")
                previousWasCR = true
            } else {
                if !(scalar == "\n" && previousWasCR) { out.append(scalar) }
                previousWasCR = false
            }
        }
        return String(out)
    }

    /// `local@label(.label)*.tld`: the local part of letters, digits and `._%+'-`, labels of
    /// letters, digits and `-`, a top-level domain of two or more letters; at most 254 bytes.
    /// Everything it accepts, `MailAddress.problem` accepts too (ASCII only, ≤ 254 octets).
    /// By hand, as the regular expression it replaces cost a percent of a submission.
    package static func isPlausibleEmail(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count <= 254, let at = bytes.firstIndex(of: 0x40), at > 0 else { return false }
        func isAlphanumeric(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
        guard bytes[..<at].allSatisfy({ isAlphanumeric($0) || "._%+'-".utf8.contains($0) }) else { return false }
        let labels = bytes[(at + 1)...].split(separator: 0x2E, omittingEmptySubsequences: false)
        guard labels.count >= 2, let tld = labels.last, tld.count >= 2,
              tld.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) })
        else { return false }
        return labels.dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy { isAlphanumeric($0) || $0 == 0x2D } }
    }

    static func isPlausiblePhone(_ value: String) -> Bool {
        value.wholeMatch(of: phonePattern) != nil && value.filter(\.isNumber).count >= 5
    }
}

nonisolated(unsafe) private let phonePattern = /\+?[0-9][0-9 ()-]{3,30}/
