/// What a privacy check found in a text. Reports describe failures between organisations, not
/// patients, so any of these makes the report refused before anything is stored.
public enum PrivacyFinding: Sendable, Hashable {
    /// A Swedish personnummer (10 or 12 digits, valid date and Luhn check digit).
    case personalIdentityNumber
    /// A samordningsnummer: like a personnummer with 60 added to the day.
    case coordinationNumber
    /// A person's name: first name and surname, title or role and name, or a name with an age
    /// (`PersonNames`); the words as written.
    case personName(String)
    /// Common first names on their own, not confirmed as something else: the writer is asked.
    case possibleName([String])

    /// Only `possibleName` can be confirmed away; everything else must be removed.
    public var needsConfirmation: Bool {
        if case .possibleName = self { true } else { false }
    }

    /// The message for a text that is not a form field (a reply, a note, added information).
    public var message: LocalizedText {
        switch self {
        case .personalIdentityNumber, .coordinationNumber:
            LocalizedText(sv: "Texten innehåller något som ser ut som ett personnummer eller samordningsnummer. Ta bort det.",
                          en: "The text contains what looks like a personal identity number or coordination number. Please remove it.")
        case .personName(let words):
            LocalizedText(sv: "Texten ser ut att innehålla namnet på en person: ”\(words)”. Ta bort namnet och skriv till exempel ”patienten” i stället.",
                          en: "The text seems to contain the name of a person: “\(words)”. Please remove the name and write, for example, “the patient” instead.")
        case .possibleName(let words):
            Self.question(words)
        }
    }

    /// "Är ”Karin” namnet på en person? Ta bort det, eller bekräfta att det inte är det."
    static func question(_ words: [String]) -> LocalizedText {
        let sv = words.map { "”\($0)”" }, en = words.map { "“\($0)”" }
        func list(_ items: [String], and: String) -> String {
            items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " \(and) " + (items.last ?? "")
        }
        return words.count == 1
            ? LocalizedText(sv: "Är \(list(sv, and: "och")) namnet på en person? Ta bort det, eller bekräfta att det inte är det.",
                            en: "Is \(list(en, and: "and")) the name of a person? Remove it, or confirm that it is not.")
            : LocalizedText(sv: "Är \(list(sv, and: "och")) namn på personer? Ta bort dem, eller bekräfta att de inte är det.",
                            en: "Are \(list(en, and: "and")) names of persons? Remove them, or confirm that they are not.")
    }
}

/// Detects personal identity numbers and names of persons in free text.
///
/// Organisation numbers (month 20+), dates, phone numbers with their usual grouping and
/// postcodes are not refused: only a digit group shaped as `[CC]YYMMDD[-+ ]NNNC` whose date and
/// Luhn check digit are valid counts. Names are found with the word lists of `Forms/privacy/`
/// (`NameLexicon`, `PersonNames`); a lone common first name is a finding only while it is not in
/// `confirmed` (lower-cased words the writer confirmed are not names).
public enum PrivacyCheck {
    public static func findings(in text: String, names: NameLexicon, confirmed: Set<String> = [], identityNumbers: Bool = true) -> [PrivacyFinding] {
        var result: [PrivacyFinding] = []
        if identityNumbers, let number = identityNumber(in: text) { result.append(number) }
        var possible: [String] = []
        for match in PersonNames.matches(in: text, lexicon: names) {
            switch match.kind {
            case .name: result.append(.personName(match.words))
            case .possibleName:
                if !confirmed.contains(match.words.lowercased()) && !possible.contains(match.words) { possible.append(match.words) }
            }
        }
        if !possible.isEmpty { result.append(.possibleName(possible)) }
        return result
    }

    /// The most serious finding: an identity number, then a name, then lone first names.
    public static func firstFinding(in text: String, names: NameLexicon, confirmed: Set<String> = [], identityNumbers: Bool = true) -> PrivacyFinding? {
        findings(in: text, names: names, confirmed: confirmed, identityNumbers: identityNumbers).first
    }

    // MARK: identity numbers

    /// A personnummer or samordningsnummer in the text. Candidates are found by a regular
    /// expression — a run of 10 or 12 digits, or of 6 or 8 digits, a separator ('-', '+', space,
    /// no-break space, en dash, non-breaking hyphen) and 4 digits, runs bounded by non-digits — and
    /// count when their date and Luhn check digit are valid (`classify`). Fails closed: should the
    /// pattern not compile, every text is refused (the server checks it at start,
    /// `identityNumberPatternCompiles`, and does not start without it).
    public static func identityNumber(in text: String) -> PrivacyFinding? {
        guard let identityNumberPattern else { return .personalIdentityNumber }
        let range = NSRange(text.startIndex..., in: text)
        for match in identityNumberPattern.matches(in: text, range: range) {
            var digits = ""
            for group in 1...3 {
                if let part = Range(match.range(at: group), in: text) { digits += text[part] }
            }
            if let finding = classify(digits.unicodeScalars.map { Int($0.value) - 0x30 }) { return finding }
        }
        return nil
    }

    /// False if the identity-number pattern did not compile (then `identityNumber` refuses every text).
    public static var identityNumberPatternCompiles: Bool { identityNumberPattern != nil }

    private static let identityNumberPattern = try? NSRegularExpression(
        pattern: #"(?<![0-9])(?:([0-9]{6}|[0-9]{8})(?:[-+ ]|\u00A0|\u2013|\u2011)([0-9]{4})|([0-9]{10}|[0-9]{12}))(?![0-9])"#)

    /// `digits` is 10 (YYMMDDNNNC) or 12 (CCYYMMDDNNNC) digits.
    static func classify(_ digits: [Int]) -> PrivacyFinding? {
        var ten = digits
        var century: Int?
        if digits.count == 12 {
            century = digits[0] * 10 + digits[1]
            guard (18...20).contains(century!) else { return nil }
            ten = Array(digits[2...])
        }
        guard ten.count == 10 else { return nil }
        let yy = ten[0] * 10 + ten[1]
        let month = ten[2] * 10 + ten[3]
        var day = ten[4] * 10 + ten[5]
        var coordination = false
        if day > 60 {
            day -= 60
            coordination = true
        }
        guard (1...12).contains(month), day >= 1 else { return nil }
        // Without a century, 29 February is possible whenever YY is divisible by 4.
        let year = century.map { $0 * 100 + yy } ?? (yy % 4 == 0 ? 2000 + yy : 1900 + yy)
        guard day <= CalendarDay.daysIn(month: month, year: year) else { return nil }
        guard luhnIsValid(ten) else { return nil }
        return coordination ? .coordinationNumber : .personalIdentityNumber
    }

    static func luhnIsValid(_ digits: [Int]) -> Bool {
        var sum = 0
        for (index, digit) in digits.enumerated() {
            var value = digit
            if index % 2 == 0 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }
}

import Foundation
