import Foundation

/// What someone typed into the agreement finder (`?sok=`), read in one place: whitespace
/// collapsed, at most `maximumCharacters` characters (cut on a character boundary), never empty.
/// The text is only used to rank the page being answered; it is not stored or logged.
public struct FinderQuery: Sendable, Hashable {
    /// The most characters read; a longer text is cut here (and the page says so).
    public static let maximumCharacters = 200
    /// Read only this many bytes of the raw value before anything else.
    static let maximumRawBytes = 4 * 1024

    public let text: String
    /// True when the value sent was longer than `maximumCharacters` and was cut.
    public let wasShortened: Bool

    /// nil for an absent, empty or blank value.
    public static func parse(_ raw: (some StringProtocol)?) -> FinderQuery? {
        guard let raw else { return nil }
        // Bound the work before splitting: a 1 MB query string is read as its first 4 KB.
        let bounded = raw.utf8.count > maximumRawBytes ? String(decoding: raw.utf8.prefix(maximumRawBytes), as: UTF8.self) : String(raw)
        // A GET form sends spaces as "+", which the router's query decoding leaves as it is; a
        // typed "+" arrives the same way, and between search words it is a separator anyway.
        let words = bounded.split(whereSeparator: { $0 == "+" || $0.isWhitespace || $0.isNewline || ($0.unicodeScalars.first?.properties.generalCategory == .control) })
        guard !words.isEmpty else { return nil }
        let joined = words.joined(separator: " ")
        if joined.count > maximumCharacters {
            return FinderQuery(text: String(joined.prefix(maximumCharacters)).trimmingCharacters(in: .whitespaces), wasShortened: true)
        }
        return FinderQuery(text: joined, wasShortened: false)
    }

    init(text: String, wasShortened: Bool) {
        self.text = text
        self.wasShortened = wasShortened
    }
}

/// Swedish (and English) text as search terms: lower case, å/ä/ö kept, other accents folded
/// (é → e), split on everything that is not a letter or digit, function words dropped, and a
/// simple suffix stripping so that inflected forms meet (utskrivningen, utskrivna, utskrivning →
/// utskriv…). Deliberately small and explainable, not a full stemmer.
public enum FinderText {
    /// Words of the text, lower-cased and folded, numbers and one-letter words dropped.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        func flush() {
            if current.count >= 2, !current.allSatisfy(\.isNumber) { words.append(current) }
            current = ""
        }
        for character in text.lowercased() {
            if let folded = fold(character) {
                current.append(folded)
            } else {
                flush()
            }
        }
        flush()
        return words
    }

    /// The letter as kept in a term, or nil for a separator.
    static func fold(_ character: Character) -> Character? {
        switch character {
        case "å", "ä", "ö": return character
        case "é", "è", "ê", "ë": return "e"
        case "á", "à", "â": return "a"
        case "ü", "ú", "ù": return "u"
        case "ó", "ò", "ô": return "o"
        case "í", "ì", "î", "ï": return "i"
        case "æ": return "ä"
        case "ø": return "ö"
        default:
            guard character.isLetter || character.isNumber else { return nil }
            // Other scripts are kept as they are; they simply match nothing in the catalogue.
            return character
        }
    }

    /// Terms of the text: words without function words, stemmed. Order kept, duplicates kept.
    public static func terms(_ text: String) -> [String] {
        words(text).compactMap { word in stopWords.contains(word) ? nil : stem(word) }
    }

    /// Inflection endings, longest first. A suffix is stripped only when at least
    /// `minimumStem` letters remain, so short words (BUP, SIP, LSS, barn) stay whole.
    static let suffixes: [String] = [
        "ningarnas", "ningarna", "ningens", "ningen", "ningar", "heterna", "hetens", "heten", "heter",
        "arnas", "ernas", "ornas", "andet", "andes", "anden", "arens", "erade", "erat", "arna", "erna", "orna",
        "ande", "ende", "ning", "aste", "ades", "ade", "ens", "ern", "ets", "het", "are", "ast",
        "ad", "an", "ar", "at", "en", "er", "et", "or", "as", "es", "ts", "a", "e", "s",
    ]
    static let minimumStem = 4

    /// The stem of one lower-cased word.
    public static func stem(_ word: String) -> String {
        guard word.count > minimumStem else { return word }
        var stem = word
        for suffix in suffixes where stem.hasSuffix(suffix) && stem.count - suffix.count >= minimumStem {
            stem = String(stem.dropLast(suffix.count))
            break
        }
        // hjälpmedel / hjälpmedlet, cykel / cykeln: drop the e of a final -el after a consonant.
        if stem.count >= 5, stem.hasSuffix("el"), let before = stem.dropLast(2).last, !vowels.contains(before) {
            stem = String(stem.dropLast(2)) + "l"
        }
        return stem
    }

    static let vowels: Set<Character> = ["a", "e", "i", "o", "u", "y", "å", "ä", "ö"]

    /// Function words (Swedish and English) and words every agreement shares, which say nothing
    /// about which agreement a text is about.
    static let stopWords: Set<String> = [
        // Swedish function words
        "och", "att", "det", "som", "en", "ett", "på", "är", "av", "för", "med", "till", "den", "har", "de", "dem", "inte",
        "om", "han", "hon", "hen", "men", "var", "jag", "sig", "från", "vi", "så", "kan", "man", "när", "nu", "under",
        "också", "efter", "eller", "sin", "sitt", "sina", "där", "vid", "mot", "ska", "skulle", "kommer", "ut", "får",
        "fick", "finns", "fanns", "vara", "varit", "hade", "alla", "andra", "annan", "annat", "mycket", "än", "här", "då",
        "sedan", "över", "bara", "in", "blir", "blev", "bli", "upp", "även", "vad", "få", "vill", "ville", "ha", "hur",
        "mer", "går", "gick", "detta", "denna", "dessa", "skall", "hans", "hennes", "deras", "utan", "något", "någon",
        "några", "ingen", "inget", "inga", "min", "mitt", "mina", "vår", "vårt", "våra", "oss", "er", "ni", "du", "dig",
        "mig", "honom", "henne", "vilken", "vilket", "vilka", "vem", "varför", "ju", "väl", "dock", "samt", "hos", "mellan",
        "ännu", "redan", "igen", "trots", "pga", "p.g.a", "bl.a", "osv", "t.ex", "ex", "tex", "via", "runt", "igår",
        "idag", "sen", "inom", "utom", "genom", "innan", "förrän", "medan", "eftersom", "fast", "kunde", "kunna", "måste",
        "borde", "bör", "gör", "gjorde", "göra", "gjort", "sa", "sade", "säger", "ta", "tog", "tagit", "kom", "dag",
        "dagar", "vecka", "veckor", "veckan", "timmar", "gång", "gången", "helt", "lite", "flera", "hela", "själv",
        "själva", "sådan", "sådant", "sådana", "samma", "varje", "allt", "all", "inför", "enligt", "mm", "ca", "kl",
        // words every agreement has
        "samverkan", "samarbete", "samarbetet", "samarbeta", "överenskommelse", "överenskommelsen", "tilläggsöverenskommelse",
        "riktlinje", "gäller", "exempel", "tillsammans", "hjälp", "stockholms", "län", "länet", "region", "regionen",
        "regionens", "stockholm", "örebro", "värmland", "värmlands", "örebros", "behöver", "behov",
        // English function words
        "the", "and", "of", "to", "in", "for", "on", "with", "at", "by", "from", "is", "was", "were", "are", "be", "been",
        "it", "its", "that", "this", "not", "no", "but", "or", "as", "an", "we", "they", "he", "she", "his", "her",
        "their", "who", "which", "what", "when", "how", "has", "have", "had", "do", "did", "does", "would", "should",
        "could", "can", "will", "there", "about", "into", "than", "then", "also", "our", "us", "you", "your", "covers",
        "agreement", "collaboration", "county", "work", "together", "people", "example", "whether",
    ]
}

/// Words learned from reports a handläggare classified (or reclassified) to an agreement:
/// a word counts for an agreement once it occurs in at least `minimumReports` such reports of
/// that agreement and in at least half of all classified reports that contain it (so a word
/// every report has does not count). Built from the database by the service layer; pure here.
public struct LearnedTerms: Sendable, Hashable {
    /// agreement key → its learned terms with the number of classified reports they occur in.
    public private(set) var terms: [String: [String: Int]]
    public private(set) var classifiedReports: Int

    public init() {
        terms = [:]
        classifiedReports = 0
    }

    /// - Parameter reports: (agreement key, the report's text) of classified reports.
    public init(reports: [(agreementKey: String, text: String)], minimumReports: Int) {
        var perAgreement: [String: [String: Int]] = [:]
        var overall: [String: Int] = [:]
        for report in reports {
            let distinct = Set(FinderText.terms(report.text))
            for term in distinct {
                perAgreement[report.agreementKey, default: [:]][term, default: 0] += 1
                overall[term, default: 0] += 1
            }
        }
        var terms: [String: [String: Int]] = [:]
        let threshold = max(1, minimumReports)
        for (agreement, counts) in perAgreement {
            for (term, count) in counts where count >= threshold && count * 2 >= (overall[term] ?? count) {
                terms[agreement, default: [:]][term] = count
            }
        }
        self.terms = terms
        classifiedReports = reports.count
    }
}

/// One agreement's place in the finder's answer.
public struct AgreementMatch: Sendable, Hashable {
    public var agreement: Agreement
    /// 0 when nothing matched.
    public var score: Double
    /// The catalogue words (keywords, words of the name or summary, learned words) that matched,
    /// strongest first: the explanation shown with a suggestion.
    public var matchedWords: [String]
}

/// Ranks a region's agreements by how well they fit a few words of what happened. Plain code
/// over the catalogue: each agreement's `keywords:` (weight 3, a phrase counts per word), the words
/// of its name (2) and summary (1) in both languages, and learned words (1.5). A word of the query
/// meets a catalogue word when their stems are equal (1.0), when the query word starts with the
/// catalogue word (a compound or inflection: hjälpmedelsbeslut → hjälpmedel, 0.9), when the catalogue
/// word starts with the query word (0.8), or when the query word ends with a catalogue word of six or
/// more letters (elrullstol → rullstol, 0.7). Each query word adds its best match in the agreement,
/// weighted by how rare the word is among the region's agreements (a word all of them share adds
/// little). Ties keep catalogue order.
public struct AgreementFinder: Sendable {
    public static let keywordWeight = 3.0
    public static let nameWeight = 2.0
    public static let summaryWeight = 1.0
    public static let learnedWeight = 1.5
    /// At most this many query terms are used (a long text adds nothing but work).
    public static let maximumTerms = 60
    /// Suggestions shown first: at most this many, and only those scoring at least this share of the best.
    public static let suggestionCount = 3
    public static let suggestionShare = 0.3

    struct IndexTerm: Sendable {
        var stem: String
        var weight: Double
        var display: String
    }

    struct Entry: Sendable {
        var agreement: Agreement
        var terms: [IndexTerm]
    }

    let entries: [Entry]

    /// - Parameter agreements: the agreements to rank (one region's valid agreements, in display order).
    public init(agreements: [Agreement], learned: LearnedTerms = LearnedTerms()) {
        entries = agreements.map { agreement in
            var best: [String: IndexTerm] = [:]
            func add(_ text: String, weight: Double) {
                for word in FinderText.words(text) where !FinderText.stopWords.contains(word) {
                    let stem = FinderText.stem(word)
                    if (best[stem]?.weight ?? 0) < weight { best[stem] = IndexTerm(stem: stem, weight: weight, display: word) }
                }
            }
            for keyword in agreement.keywords { add(keyword, weight: Self.keywordWeight) }
            add(agreement.name.sv, weight: Self.nameWeight)
            add(agreement.name.en, weight: Self.nameWeight)
            add(agreement.summary.sv, weight: Self.summaryWeight)
            add(agreement.summary.en, weight: Self.summaryWeight)
            for (stem, _) in learned.terms[agreement.key] ?? [:] where (best[stem]?.weight ?? 0) < Self.learnedWeight {
                best[stem] = IndexTerm(stem: stem, weight: Self.learnedWeight, display: stem)
            }
            return Entry(agreement: agreement, terms: best.values.sorted { $0.stem < $1.stem })
        }
    }

    /// How well a query word meets a catalogue word (0 when not at all).
    static func closeness(query q: String, term k: String) -> Double {
        if q == k { return 1.0 }
        if k.count >= 4, q.hasPrefix(k) { return 0.9 }
        if q.count >= 5, k.hasPrefix(q) { return 0.8 }
        if k.count >= 6, q.hasSuffix(k) { return 0.7 }
        return 0
    }

    /// Every agreement, best fit first (ties in the given order). Empty text: all with score 0, in order.
    public func rank(_ text: String) -> [AgreementMatch] {
        var seen = Set<String>()
        var queryTerms: [String] = []
        for term in FinderText.terms(text) where queryTerms.count < Self.maximumTerms && seen.insert(term).inserted {
            queryTerms.append(term)
        }
        // best[i][j]: the best match of query term j in agreement i, with the word that gave it.
        var best: [[(score: Double, display: String)]] = entries.map { entry in
            queryTerms.map { q in
                var top: (score: Double, display: String) = (0, "")
                for term in entry.terms {
                    let value = Self.closeness(query: q, term: term.stem) * term.weight
                    if value > top.score { top = (value, term.display) }
                }
                return top
            }
        }
        let count = Double(max(entries.count, 1))
        var idf = [Double](repeating: 0, count: queryTerms.count)
        for j in queryTerms.indices {
            let df = Double(best.reduce(0) { $0 + ($1[j].score > 0 ? 1 : 0) })
            idf[j] = df == 0 ? 0 : log(1 + count / df)
        }
        var matches: [(index: Int, match: AgreementMatch)] = []
        for (i, entry) in entries.enumerated() {
            var score = 0.0
            var words: [(Double, String)] = []
            for j in queryTerms.indices where best[i][j].score > 0 {
                let value = best[i][j].score * idf[j]
                score += value
                words.append((value, best[i][j].display))
            }
            var shown: [String] = []
            for (_, word) in words.sorted(by: { $0.0 > $1.0 }) where !shown.contains(word) { shown.append(word) }
            matches.append((i, AgreementMatch(agreement: entry.agreement, score: score, matchedWords: shown)))
        }
        best.removeAll()
        return matches.sorted { $0.match.score != $1.match.score ? $0.match.score > $1.match.score : $0.index < $1.index }.map(\.match)
    }

    /// The matches to show first as suggestions: up to `suggestionCount`, each scoring something
    /// and at least `suggestionShare` of the best.
    public static func suggestions(_ ranked: [AgreementMatch]) -> [AgreementMatch] {
        guard let top = ranked.first, top.score > 0 else { return [] }
        return Array(ranked.prefix(suggestionCount).filter { $0.score > 0 && $0.score >= top.score * suggestionShare })
    }
}

/// How well the finder places the agreement a secretariat chose, over a corpus of report texts
/// (`Tests/finder/reports.jsonl`): the share with the right agreement first, and among the first three.
public struct FinderEvaluation: Sendable {
    public struct Case: Sendable, Hashable {
        public var region: String
        public var agreement: String
        public var text: String

        public init(region: String, agreement: String, text: String) {
            self.region = region
            self.agreement = agreement
            self.text = text
        }
    }

    /// A case whose agreement was not first: where it came (nil: not in the region at all) and what came first.
    public struct Miss: Sendable, Hashable {
        public var testCase: Case
        public var rank: Int?
        public var first: String?
    }

    public var total = 0
    public var first = 0
    public var topThree = 0
    public var misses: [Miss] = []
    /// region → (cases, first, top three)
    public var byRegion: [String: (total: Int, first: Int, topThree: Int)] = [:]

    public var topOneShare: Double { total == 0 ? 0 : Double(first) / Double(total) }
    public var topThreeShare: Double { total == 0 ? 0 : Double(topThree) / Double(total) }

    /// Ranks every case among its region's agreements valid on `day`.
    public init(cases: [Case], catalogue: Catalogue, on day: CalendarDay, learned: LearnedTerms = LearnedTerms()) {
        var finders: [String: AgreementFinder] = [:]
        for region in catalogue.regions {
            finders[region.key] = catalogue.agreementFinder(region: region.key, on: day, learned: learned)
        }
        for testCase in cases {
            total += 1
            let ranked = finders[testCase.region]?.rank(testCase.text) ?? []
            let index = ranked.firstIndex { $0.agreement.key == testCase.agreement }
            var counts = byRegion[testCase.region] ?? (0, 0, 0)
            counts.total += 1
            if index == 0 { first += 1; counts.first += 1 }
            if let index, index < 3 { topThree += 1; counts.topThree += 1 }
            if index != 0 { misses.append(Miss(testCase: testCase, rank: index.map { $0 + 1 }, first: ranked.first?.agreement.key)) }
            byRegion[testCase.region] = counts
        }
    }
}

extension Catalogue {
    /// The finder over a region's agreements valid on `day`, in display order (target group, then name).
    public func agreementFinder(region: String, on day: CalendarDay, learned: LearnedTerms = LearnedTerms()) -> AgreementFinder {
        AgreementFinder(agreements: agreementsByTargetGroup(region: region, on: day).flatMap(\.1), learned: learned)
    }
}
