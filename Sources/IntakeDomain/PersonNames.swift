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
        guard lower.utf8.contains(UInt8(ascii: "-")) else { return false }
        let parts = lower.split(separator: "-")
        return parts.count == 2 && parts.allSatisfy { Self.lookup(String($0), in: firstNames) }
    }
    func isSurname(_ lower: String) -> Bool { Self.lookup(lower, in: surnames) }
    func isPlace(_ lower: String) -> Bool { Self.lookup(lower, in: places) }

    /// The word, or without a genitive -s ("karins", "anderssons").
    static func lookup(_ lower: String, in set: Set<String>) -> Bool {
        if set.contains(lower) { return true }
        guard lower.utf8.last == UInt8(ascii: "s"), lower.count > 2 else { return false }
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
/// One pass over the text's Unicode scalars makes the words; only capitalised words and the
/// words around them are looked up.
public enum PersonNames {
    /// Titles, and role words that are followed by a name rather than a description.
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

    struct Token: Equatable {
        var core: Range<String.Index> // letters, digits, hyphens, ':'; no surrounding punctuation
        var sentenceStart: Bool
        var endsClause: Bool         // followed by . ! ? ; or a line break
        var hasComma: Bool           // "Karin," – a comma after the word
        var isCapitalised: Bool
        var lower: String?           // lower-cased, for capitalised words (the others when asked: `matches.lower`)
    }

    public static func matches(in text: String, lexicon: NameLexicon) -> [NameMatch] {
        let tokens = tokenise(text)
        var result: [NameMatch] = []
        var index = 0
        func core(_ i: Int) -> Substring { text[tokens[i].core] }
        /// Lower-cased word i; nil out of range or for punctuation only.
        func lower(_ i: Int) -> String? {
            guard i >= 0 && i < tokens.count else { return nil }
            if let lower = tokens[i].lower { return lower }
            return tokens[i].core.isEmpty ? nil : core(i).lowercased()
        }
        func isCapitalisedName(_ i: Int) -> Bool {
            guard i < tokens.count, tokens[i].isCapitalised, let l = tokens[i].lower else { return false }
            return !lexicon.isPlace(l) && !titles.contains(l)
        }
        func placeFollows(_ i: Int) -> Bool {
            i + 1 < tokens.count && !tokens[i].endsClause && lexicon.isPlaceWord(core(i + 1))
        }
        func words(_ from: Int, _ to: Int) -> String {
            // As written, with a comma kept between words: "Karin Andersson, 84 år".
            (from...to).map { i in String(core(i)) + (tokens[i].hasComma && i < to ? "," : "") }.joined(separator: " ")
        }
        /// ", 84 år" / "84 år" / "84-årig" / "84år" after token i: the index of the last token of the age.
        func age(after i: Int) -> Int? {
            guard i + 1 < tokens.count, !tokens[i].endsClause else { return nil }
            let next = core(i + 1)
            let digits = next.prefix(while: { $0.isASCII && $0.isNumber })
            guard (1...3).contains(digits.count), let years = Int(digits), years <= 120 else { return nil }
            let rest = next.dropFirst(digits.count).lowercased()
            if ["år", "års", "-årig", "-åring", "-årige", "-åriga", "årig", "åring", "-års"].contains(rest) { return i + 1 }
            guard rest.isEmpty, i + 2 < tokens.count, !tokens[i + 1].hasComma else { return nil }
            let unit = core(i + 2).lowercased()
            return ["år", "års", "åring", "årig"].contains(unit) ? i + 2 : nil
        }
        while index < tokens.count {
            let token = tokens[index]
            // A title or role word and a capitalised word: "Herr Svensson", "patienten Andersson".
            if !token.hasComma, !token.endsClause, isCapitalisedName(index + 1), let l = lower(index), titles.contains(l),
               !placeFollows(index + 1) {
                var end = index + 1
                if isCapitalisedName(end + 1), !tokens[end].hasComma, !tokens[end].endsClause, !placeFollows(end + 1) { end += 1 }
                if let ageEnd = age(after: end) { end = ageEnd }
                result.append(NameMatch(kind: .name, words: words(index, end)))
                index = end + 1
                continue
            }
            guard token.isCapitalised, let l = token.lower, !lexicon.isPlace(l), !placeMarkers.contains(lower(index - 1) ?? "") else {
                index += 1
                continue
            }
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
                result.append(NameMatch(kind: .name, words: String(core(index)) + (token.hasComma ? ", " : " ") + words(index + 1, end)))
                index = end + 1
                continue
            }
            // A lone common first name: asked about.
            // Not when it starts a place or organisation name: "Karin Boyes gata", "Maria Ungdom".
            let startsPlace = index + 1 < tokens.count && !token.endsClause && tokens[index + 1].isCapitalised
                && (placeFollows(index + 1) || lexicon.isPlace(tokens[index + 1].lower ?? ""))
            if first, !(token.sentenceStart && lexicon.ordinaryWords.contains(l)), !placeFollows(index), !startsPlace,
               !placePrepositions.contains(lower(index - 1) ?? "") {
                result.append(NameMatch(kind: .possibleName, words: String(core(index))))
            }
            index += 1
        }
        return result
    }

    /// Splits on white space; records sentence starts, commas and clause ends; lower-cases the
    /// capitalised words (`matches` asks for the others when it needs them). One pass over the
    /// text's Unicode scalars, not Characters (grapheme breaking every word was most of the cost of
    /// the name check, which runs on every text of every report); each word's scalars are collected
    /// in a buffer and trimmed and classified there by position, and its core is located in the
    /// text by UTF-8 offset. A combining mark counts as a letter.
    static func tokenise(_ text: String) -> [Token] {
        var tokeniser = Tokeniser(text: text)
        var offset = 0
        for scalar in text.unicodeScalars {
            if isWhitespace(scalar) {
                tokeniser.finishWord(at: offset)
                if scalar == "\n" || scalar == "\r" || scalar == "\u{2028}" || scalar == "\u{2029}" { tokeniser.lineBreak = true }
            } else {
                if tokeniser.word.isEmpty { tokeniser.wordStart = offset }
                tokeniser.word.append(scalar)
            }
            offset += UTF8.width(scalar)
        }
        tokeniser.finishWord(at: offset)
        return tokeniser.tokens
    }

    /// `tokenise`'s state as it walks a text.
    struct Tokeniser {
        let text: String
        var tokens: [Token] = []
        var word: [Unicode.Scalar] = []  // the current word's scalars
        var wordStart = 0                // its UTF-8 offset in the text
        var sentenceStart = true
        var lineBreak = false

        init(text: String) {
            self.text = text
            tokens.reserveCapacity(text.utf8.count / 6 + 1)
            word.reserveCapacity(32)
        }

        /// Ends the current word (if any) at UTF-8 offset `wordEnd` and appends its token.
        mutating func finishWord(at wordEnd: Int) {
            guard let last = word.last else { return }
            defer { word.removeAll(keepingCapacity: true) }
            let endsClause = switch last { case ".", "!", "?", ";", "…": true; default: false }
            let hasComma = last == ","
            // The core: without leading and trailing punctuation (inner hyphens and colons kept:
            // "Jonas-Erik", "S:t"), as positions in `word` and UTF-8 offsets in the text.
            var first = 0, end = word.count
            var firstOffset = wordStart, endOffset = wordEnd
            while first < end, isPunctuation(word[first]) {
                firstOffset += UTF8.width(word[first])
                first += 1
            }
            while end > first, isPunctuation(word[end - 1]) {
                end -= 1
                endOffset -= UTF8.width(word[end])
            }
            if first == end { (firstOffset, endOffset) = (wordStart, wordStart) }
            let core = word[first..<end]
            // An upper-case letter, then a lower-case one (combining marks between them skipped: "Å" as
            // "A" and a ring), and only letters and hyphens.
            var capitalised = false
            if let initial = core.first, isUppercase(initial) {
                var next = first + 1
                while next < end, !word[next].isASCII, word[next].properties.generalCategory == .nonspacingMark { next += 1 }
                capitalised = next < end && isLowercase(word[next]) && core.allSatisfy(isLetterOrHyphen)
            }
            // "Dr." and "pat." do not end the sentence.
            let abbreviation = endsClause && endOffset - firstOffset <= 3 && ["dr", "pat", "pt", "st", "s:t"].contains(lowercased(core))
            if lineBreak, !tokens.isEmpty { tokens[tokens.count - 1].endsClause = true }
            let utf8 = text.utf8
            tokens.append(Token(core: utf8.index(utf8.startIndex, offsetBy: firstOffset)..<utf8.index(utf8.startIndex, offsetBy: endOffset),
                                sentenceStart: sentenceStart || lineBreak, endsClause: endsClause && !abbreviation,
                                hasComma: hasComma, isCapitalised: capitalised, lower: capitalised ? lowercased(core) : nil))
            sentenceStart = endsClause && !abbreviation || last == ":"
            lineBreak = false
        }
    }

    /// `String(scalars).lowercased()` without the String in between: each scalar's lower-case
    /// mapping, as the standard library's `lowercased()` maps them.
    static func lowercased(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count * 2)
        for scalar in scalars {
            if scalar.isASCII {
                let byte = UInt8(scalar.value)
                bytes.append((0x41...0x5A).contains(byte) ? byte + 0x20 : byte)
            } else if scalar.properties.changesWhenLowercased {
                bytes.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
            } else {
                UTF8.encode(scalar) { bytes.append($0) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // Letter classes for the tokeniser; ASCII answered without a Unicode property lookup.
    static func isUppercase(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? (0x41...0x5A).contains(scalar.value) : scalar.properties.isUppercase
    }
    static func isLowercase(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? (0x61...0x7A).contains(scalar.value) : scalar.properties.isLowercase
    }
    static func isLetterOrHyphen(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return (0x41...0x5A).contains(scalar.value) || (0x61...0x7A).contains(scalar.value) || scalar == "-" }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// Unicode's White_Space property, as a list (`NameCheckTests` compares it with the property
    /// for every scalar): the property lookup for every å, ä and ö was a tenth of the tokeniser.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// Punctuation and symbols (general categories P*, Sm and So) count as around a word; ASCII
    /// from a list (`NameCheckTests` compares it with the general category).
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x21...0x23, 0x25...0x2F, 0x3A...0x40, 0x5B...0x5D, 0x5F, 0x7B...0x7E: return true
        case 0...0x7F: return false
        default: break
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation, .mathSymbol, .otherSymbol: return true
        default: return false
        }
    }
}

import Foundation
