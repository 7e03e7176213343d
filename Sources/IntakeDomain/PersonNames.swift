/// The word lists the name check needs, loaded from `Forms/privacy/` at start
/// (`IntakeForms/CatalogueLoader`). Every word is stored lower-cased.
public struct NameLexicon: Sendable {
    /// Common first names (Isof's top 500, through faker's sv_SE lists).
    public var firstNames: Set<String>
    /// Common surnames (Skatteverket's top 500, through faker's sv_SE lists).
    public var surnames: Set<String>
    /// Names that are also ordinary Swedish words (hunspell-sv): "per", "bo", "berg".
    public var ordinaryWords: Set<String>
    /// Words of place and organisation names spelt like names, or starting one: "nora", "region", "sankt".
    public var places: Set<String>
    /// Lower-case words that end a place name: "sjukhus", "gatan", "diakoni".
    public var placeWords: [String]

    public init(firstNames: Set<String> = [], surnames: Set<String> = [], ordinaryWords: Set<String> = [],
                places: Set<String> = [], placeWords: [String] = []) {
        self.firstNames = firstNames
        self.surnames = surnames
        self.ordinaryWords = ordinaryWords
        self.places = places
        self.placeWords = placeWords
    }

    public var isEmpty: Bool { firstNames.isEmpty && surnames.isEmpty }

    /// One word a line, `#` starts a comment line; lower-cased.
    public static func words(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let word = line.trimmingCharacters(in: .whitespaces)
            return word.isEmpty || word.hasPrefix("#") ? nil : word.lowercased()
        }
    }

    /// "karin", "karins", and double names: "jonas-erik" (each part a first name).
    func isFirstName(_ lower: String) -> Bool {
        if Self.lookup(lower, in: firstNames) { return true }
        guard lower.contains("-") else { return false }
        let parts = lower.split(separator: "-")
        return parts.count == 2 && parts.allSatisfy { Self.lookup(String($0), in: firstNames) }
    }
    func isSurname(_ lower: String) -> Bool { Self.lookup(lower, in: surnames) }
    func isPlace(_ lower: String) -> Bool { Self.lookup(lower, in: places) }

    /// The word, or without a genitive -s ("karins", "anderssons").
    static func lookup(_ lower: String, in set: Set<String>) -> Bool {
        if set.contains(lower) { return true }
        guard lower.count > 2, lower.hasSuffix("s") else { return false }
        return set.contains(String(lower.dropLast()))
    }

    /// "sjukhus", "barnsjukhus", "Sjukhuset"…: the word ends a place name.
    func isPlaceWord(_ word: Substring) -> Bool {
        let lower = word.lowercased()
        return placeWords.contains { lower.hasSuffix($0) }
    }
}

/// Something in a text that looks like a person's name.
public struct NameMatch: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A first name and a surname, a title or role and a name, or a name with an age: refused.
        case name
        /// A common first name on its own: asked about ("Är ”Karin” namnet på en person?").
        case possibleName
    }
    public var kind: Kind
    /// The words as written, e.g. "Karin Andersson, 84 år".
    public var words: String
}

/// Finds names of persons in free text with the word lists of `NameLexicon`:
/// - a first name followed by a capitalised word ("Karin Andersson", "Anna Lindqvist");
/// - a title or role word followed by a capitalised word ("Herr Svensson", "Dr. Berg", "patienten Andersson");
/// - a first name or surname followed by an age ("Karin, 84 år", "Andersson 84-årig");
/// - a common first name on its own (asked about, not refused), unless it is the start of a
///   sentence and also an ordinary word ("Per telefon …").
/// Place and organisation names pass: a name followed by a place word ("Sankt Görans sjukhus",
/// "Astrid Lindgrens barnsjukhus", "Karin Boyes gata"), after "Sankt"/"S:t", or listed as a place.
/// All-capital words (KAD, SIP, BUP) are never names.
///
/// Only capitalised words are looked up (lower-casing one word at a time), so ordinary text costs
/// a pass over its scalars and little else.
public enum PersonNames {
    /// Titles, and role words (those of `PrivacyCheck.containsPatientName` and a few more) that
    /// are followed by a name rather than a description.
    static let titles: Set<String> = [
        "herr", "herrn", "fru", "frun", "fröken", "dr", "doktor", "doktorn", "mr", "mrs", "ms", "syster",
        "patient", "patienten", "patientens", "pat", "pt", "brukare", "brukaren", "brukarens",
        "klient", "klienten", "klientens", "vårdtagare", "vårdtagaren", "vårdtagarens",
        "omsorgstagare", "omsorgstagaren", "omsorgstagarens", "eleven", "elevens", "barnet", "barnets",
        "mamma", "mamman", "pappa", "pappan", "dottern", "sonen", "maken", "makan", "hustrun",
        "anhörige", "anhöriga", "läkaren", "sjuksköterskan", "undersköterskan", "kuratorn", "handläggaren",
    ]

    /// Words after which a capitalised word is a place: "Sankt Göran", "S:t Erik".
    static let placeMarkers: Set<String> = ["sankt", "s:t", "s:ta", "st", "sancta"]

    /// Prepositions after which a lone first name is more likely a place ("i Nora", "från Maria").
    static let placePrepositions: Set<String> = ["i", "från", "inom", "utanför", "vid"]

    struct Token {
        var core: Substring          // letters, digits, hyphens, ':'; no surrounding punctuation
        var full: Substring          // as written, with punctuation
        var sentenceStart: Bool
        var endsClause: Bool         // followed by . ! ? ; or a line break
        var hasComma: Bool           // "Karin," – a comma after the word
        var isCapitalised: Bool
        var lower: String?           // only for capitalised words and short lower-case words
    }

    public static func matches(in text: String, lexicon: NameLexicon) -> [NameMatch] {
        matches(in: text, lexicon: lexicon, plain: BenchPlain.privacy)
    }

    /// `plain`: every word lower-cased, not only those that can matter (`PrivacyFastPaths.swift`).
    static func matches(in text: String, lexicon: NameLexicon, plain: Bool) -> [NameMatch] {
        let tokens = tokenise(text, plain: plain)
        var result: [NameMatch] = []
        var index = 0
        func lower(_ i: Int) -> String? { i >= 0 && i < tokens.count ? tokens[i].lower : nil }
        func isCapitalisedName(_ i: Int) -> Bool {
            guard i < tokens.count, tokens[i].isCapitalised, let l = tokens[i].lower else { return false }
            return !lexicon.isPlace(l) && !titles.contains(l)
        }
        func placeFollows(_ i: Int) -> Bool {
            i + 1 < tokens.count && !tokens[i].endsClause && lexicon.isPlaceWord(tokens[i + 1].core)
        }
        func words(_ from: Int, _ to: Int) -> String {
            // As written, with a comma kept between words: "Karin Andersson, 84 år".
            tokens[from...to].enumerated().map { offset, token in
                String(token.core) + (token.hasComma && from + offset < to ? "," : "")
            }.joined(separator: " ")
        }
        /// ", 84 år" / "84 år" / "84-årig" / "84år" after token i: the index of the last token of the age.
        func age(after i: Int) -> Int? {
            guard i + 1 < tokens.count, !tokens[i].endsClause else { return nil }
            let next = tokens[i + 1].core
            let digits = next.prefix(while: { $0.isASCII && $0.isNumber })
            guard (1...3).contains(digits.count), let years = Int(digits), years <= 120 else { return nil }
            let rest = next.dropFirst(digits.count).lowercased()
            if ["år", "års", "-årig", "-åring", "-årige", "-åriga", "årig", "åring", "-års"].contains(rest) { return i + 1 }
            guard rest.isEmpty, i + 2 < tokens.count, !tokens[i + 1].hasComma else { return nil }
            let unit = tokens[i + 2].core.lowercased()
            return ["år", "års", "åring", "årig"].contains(unit) ? i + 2 : nil
        }
        while index < tokens.count {
            let token = tokens[index]
            guard let l = token.lower else { index += 1; continue }
            // A title or role word and a capitalised word: "Herr Svensson", "patienten Andersson".
            if titles.contains(l), !token.hasComma, !token.endsClause,
               isCapitalisedName(index + 1), !placeFollows(index + 1) {
                var end = index + 1
                if isCapitalisedName(end + 1), !tokens[end].hasComma, !tokens[end].endsClause, !placeFollows(end + 1) { end += 1 }
                if let ageEnd = age(after: end) { end = ageEnd }
                result.append(NameMatch(kind: .name, words: words(index, end)))
                index = end + 1
                continue
            }
            guard token.isCapitalised, !lexicon.isPlace(l), !placeMarkers.contains(lower(index - 1) ?? "") else { index += 1; continue }
            let first = lexicon.isFirstName(l)
            // A first name and a capitalised word: "Karin Andersson" (not "Per Region …" at a sentence start).
            if first, !token.hasComma, !token.endsClause, isCapitalisedName(index + 1), !placeFollows(index + 1),
               !(token.sentenceStart && lexicon.ordinaryWords.contains(l) && !lexicon.isSurname(tokens[index + 1].lower ?? "")) {
                var end = index + 1
                if isCapitalisedName(end + 1), !tokens[end].hasComma, !tokens[end].endsClause, !placeFollows(end + 1),
                   lexicon.isSurname(tokens[end + 1].lower ?? "") { end += 1 }
                if let ageEnd = age(after: end) { end = ageEnd }
                result.append(NameMatch(kind: .name, words: words(index, end)))
                index = end + 1
                continue
            }
            // A name with an age: "Karin, 84 år", "Andersson 84-årig".
            if first || lexicon.isSurname(l), !(token.sentenceStart && lexicon.ordinaryWords.contains(l)), let end = age(after: index) {
                result.append(NameMatch(kind: .name, words: String(token.core) + (token.hasComma ? ", " : " ") + words(index + 1, end)))
                index = end + 1
                continue
            }
            // A lone common first name: asked about.
            // Not when it starts a place or organisation name: "Karin Boyes gata", "Maria Ungdom".
            let startsPlace = index + 1 < tokens.count && !token.endsClause && tokens[index + 1].isCapitalised
                && (placeFollows(index + 1) || lexicon.isPlace(tokens[index + 1].lower ?? ""))
            if first, !(token.sentenceStart && lexicon.ordinaryWords.contains(l)), !placeFollows(index), !startsPlace,
               !placePrepositions.contains(lower(index - 1) ?? "") {
                result.append(NameMatch(kind: .possibleName, words: String(token.core)))
            }
            index += 1
        }
        return result
    }

    /// Splits on white space; records sentence starts, commas and clause ends; lower-cases only
    /// capitalised words and words short enough to be a title, a role word or a place marker.
    static func tokenise(_ text: String, plain: Bool = BenchPlain.privacy) -> [Token] {
        var tokens: [Token] = []
        var sentenceStart = true
        var lineBreak = false
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        var start: String.UnicodeScalarView.Index?
        func finish(_ end: String.UnicodeScalarView.Index) {
            guard let s = start else { return }
            start = nil
            let full = Substring(scalars[s..<end])
            let core = full.trimmingPunctuation
            let last = full.unicodeScalars.last
            let endsClause = last.map { ".!?;…".unicodeScalars.contains($0) } ?? false
            let hasComma = last == ","
            var capitalised = false
            var iterator = core.unicodeScalars.makeIterator()
            if let a = iterator.next(), let b = iterator.next(), a.properties.isUppercase, b.properties.isLowercase,
               core.allSatisfy({ $0.isLetter || $0 == "-" }) {
                capitalised = true
            }
            let lower = lowered(core, capitalised: capitalised, plain: plain)
            // "Dr." and "pat." do not end the sentence.
            let abbreviation = lower.map { ["dr", "pat", "pt", "st", "s:t"].contains($0) } ?? false
            if var previous = tokens.last, lineBreak { previous.endsClause = true; tokens[tokens.count - 1] = previous }
            tokens.append(Token(core: core, full: full, sentenceStart: sentenceStart || lineBreak, endsClause: endsClause && !abbreviation,
                                hasComma: hasComma, isCapitalised: capitalised, lower: lower))
            sentenceStart = endsClause && !abbreviation || last == ":"
            lineBreak = false
        }
        while index != scalars.endIndex {
            let scalar = scalars[index]
            if scalar.isASCII ? scalar == " " || (0x09...0x0D).contains(scalar.value) : scalar.properties.isWhitespace {
                finish(index)
                if scalar == "\n" || scalar == "\r" || scalar == "\u{2028}" || scalar == "\u{2029}" { lineBreak = true }
            } else if start == nil {
                start = index
            }
            index = scalars.index(after: index)
        }
        finish(scalars.endIndex)
        return tokens
    }
}

extension Substring {
    /// Without leading and trailing punctuation (keeps inner hyphens and colons: "Jonas-Erik", "S:t").
    var trimmingPunctuation: Substring {
        func isPunctuation(_ c: Character) -> Bool {
            c.unicodeScalars.allSatisfy { scalar in
                switch scalar.properties.generalCategory {
                case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                     .initialPunctuation, .finalPunctuation, .otherPunctuation, .mathSymbol, .otherSymbol: true
                default: false
                }
            }
        }
        guard let first = firstIndex(where: { !isPunctuation($0) }), let last = lastIndex(where: { !isPunctuation($0) }) else {
            return self[startIndex..<startIndex]
        }
        return self[first...last]
    }
}

import Foundation
