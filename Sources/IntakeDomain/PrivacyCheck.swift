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

    // The search for candidates is in PrivacyFastPaths.swift (a byte scan and its plain twin).

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

    // MARK: patient names

    private static let roleWords: Set<String> = [
        "patient", "patienten", "patientens", "pat", "pt",
        "brukare", "brukaren", "brukarens",
        "klient", "klienten", "klientens",
        "vårdtagare", "vårdtagaren", "vårdtagarens",
        "omsorgstagare", "omsorgstagaren", "omsorgstagarens",
        "eleven", "elevens", "barnet", "barnets",
    ]

    /// A role word followed directly by a capitalised word ("brukaren Karin", "pat. Ali").
    /// All-capital words (abbreviations such as KAD, SIP, BUP) are not names.
    /// Works on Unicode scalars, and only words that can be role words are lowercased: this runs
    /// on every text field of every report.
    public static func containsPatientName(_ text: String) -> Bool {
        let scalars = text.unicodeScalars
        var previousIsRole = false
        var wordStart: String.UnicodeScalarView.Index?
        var index = scalars.startIndex
        // One pass over the words, looking at each one together with the word before it.
        while true {
            let atEnd = index == scalars.endIndex
            if atEnd || isWhitespace(scalars[index]) {
                if let start = wordStart {
                    let word = scalars[start..<index]
                    if previousIsRole && isName(word) { return true }
                    previousIsRole = isRoleWord(word)
                    wordStart = nil
                }
                if atEnd { return false }
            } else if wordStart == nil {
                wordStart = index
            }
            index = scalars.index(after: index)
        }
    }

    /// "patienten", "pat.", "Brukaren:", but not "patienten," or "Barnet." (ends a sentence).
    private static func isRoleWord(_ word: Substring.UnicodeScalarView) -> Bool {
        // Every role word starts with one of these letters (after any of the trimmed ".:,").
        guard let initial = word.first, roleInitials.contains(initial), word.last != "," else { return false }
        let core = trimmed(word, removing: { ".:,".unicodeScalars.contains($0) })
        // Every role word starts with one of a few letter pairs: most words stop here, before a
        // lower-cased copy is made.
        var pair = core.makeIterator()
        guard let a = pair.next(), let b = pair.next(), rolePrefixes.contains(lowerPair(a, b)) else { return false }
        let role = String(Substring(core)).lowercased()
        guard roleWords.contains(role) else { return false }
        return word.last != "." || role == "pat" || role == "pt"
    }

    /// A capitalised word of letters (and hyphens) with a lower-case second letter: "Karin", "Jonas-Erik".
    private static func isName(_ word: Substring.UnicodeScalarView) -> Bool {
        let next = String(Substring(trimmed(word, removing: isPunctuation)))
        guard next.count >= 2, let first = next.first, first.isUppercase,
              next.dropFirst().first?.isLowercase == true,
              next.allSatisfy({ $0.isLetter || $0 == "-" })
        else { return false }
        return true
    }

    /// Unicode's White_Space, answered without a property lookup for ASCII.
    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? scalar == " " || (0x09...0x0D).contains(scalar.value) : scalar.properties.isWhitespace
    }

    private static let roleInitials = Set("pbkvoePBKVOE.:,".unicodeScalars)

    /// The first two letters of every role word, lower-cased (checked in the tests).
    static let rolePrefixes: Set<UInt64> = Set(roleWords.map { word in
        var scalars = word.unicodeScalars.makeIterator()
        return lowerPair(scalars.next()!, scalars.next()!)
    })

    /// Two scalars, lower-cased for A–Z and Latin-1 capitals, as one number.
    static func lowerPair(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> UInt64 {
        func lower(_ s: Unicode.Scalar) -> UInt64 {
            let v = s.value
            return UInt64((0x41...0x5A).contains(v) || ((0xC0...0xDE).contains(v) && v != 0xD7) ? v + 0x20 : v)
        }
        return lower(a) << 32 | lower(b)
    }

    /// Unicode general category P* (Foundation's `.punctuationCharacters`).
    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: true
        default: false
        }
    }

    private static func trimmed(_ word: Substring.UnicodeScalarView, removing: (Unicode.Scalar) -> Bool) -> Substring.UnicodeScalarView {
        guard let first = word.firstIndex(where: { !removing($0) }), let last = word.lastIndex(where: { !removing($0) }) else {
            return word[word.startIndex..<word.startIndex]
        }
        return word[first...last]
    }
}

import Foundation
