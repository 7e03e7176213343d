import Testing
@testable import IntakeDomain

/// The name check's tokeniser (`PersonNames.tokenise`) gives the same tokens as the plain version
/// it replaced, which walked the text's `unicodeScalars` view with its indices and trimmed each
/// word with `firstIndex`/`lastIndex` (kept here as the reference): on the name corpus and on
/// seeded random texts of letters, marks, digits, punctuation and every kind of white space.
@Suite("Name check tokeniser")
struct TokeniserTests {
    @Test("the same tokens as the reference on the corpus texts")
    func corpus() throws {
        let text = try String(contentsOfFile: TestSupport.repositoryRoot + "/Tests/names/person-names.jsonl", encoding: .utf8)
        var texts = 0
        for line in text.split(separator: "\n") {
            guard let data = line.data(using: .utf8),
                  let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let sample = object["text"] as? String else { continue }
            texts += 1
            #expect(PersonNames.tokenise(sample) == Reference.tokens(sample), "\(sample)")
        }
        #expect(texts > 100)
    }

    @Test("the same tokens as the reference on seeded random texts")
    func random() {
        let alphabet: [Unicode.Scalar] = Array("aAbBkKzZåÅäÄöÖéÉüßıİ0129.,:;!?…-–—'\"«»()[]/&%+*@#§".unicodeScalars)
            + ["\u{030A}", "\u{0308}", "\u{0301}", "\u{200D}", "\u{1F600}", "\u{1F1F8}", "\u{4E2D}", "\u{0647}", "\u{00AD}",
               " ", " ", " ", " ", "\n", "\r", "\t", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "\u{2028}", "\u{2029}", "\u{3000}", "\u{202F}", "\u{2003}"]
        var generator = TestSeed.generator()
        for _ in 0..<20_000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...40, using: &generator) { scalars.append(alphabet.randomElement(using: &generator)!) }
            let sample = String(scalars)
            let tokens = PersonNames.tokenise(sample), reference = Reference.tokens(sample)
            #expect(tokens == reference, "\(sample.unicodeScalars.map { String($0.value, radix: 16) })")
            if tokens != reference { return }
        }
    }

    @Test("a word's lower case from its scalars equals String.lowercased(), for every scalar")
    func lowerCase() {
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let word: [Unicode.Scalar] = ["K", scalar, "a"]
            var text = String.UnicodeScalarView()
            text.append(contentsOf: word)
            #expect(PersonNames.lowercased(word[...]) == String(text).lowercased(), "U+\(String(value, radix: 16))")
        }
    }

    /// The tokeniser as it was before (commit 2ab422f).
    enum Reference {
        /// Splits on white space; records sentence starts, commas and clause ends; lower-cases the
        /// capitalised words (`matches` asks for the others when it needs them). Works on Unicode
        /// scalars, not Characters: grapheme breaking every word was most of the cost of the name
        /// check, which runs on every text of every report. A combining mark counts as a letter.
        static func tokens(_ text: String) -> [PersonNames.Token] {
            var tokens: [PersonNames.Token] = []
            tokens.reserveCapacity(text.utf8.count / 6 + 1)
            var sentenceStart = true
            var lineBreak = false
            let scalars = text.unicodeScalars
            var index = scalars.startIndex
            var start: String.UnicodeScalarView.Index?
            func finish(_ end: String.UnicodeScalarView.Index) {
                guard let s = start else { return }
                start = nil
                let full = scalars[s..<end]
                let last = full.last
                let endsClause = switch last { case ".", "!", "?", ";", "…": true; default: false }
                let hasComma = last == ","
                let core = trimmingPunctuation(full)
                // An upper-case letter, then a lower-case one (combining marks between them skipped: "Å" as
                // "A" and a ring), and only letters and hyphens.
                var capitalised = false
                var iterator = core.makeIterator()
                if let a = iterator.next(), PersonNames.isUppercase(a) {
                    var b = iterator.next()
                    while let mark = b, !mark.isASCII, mark.properties.generalCategory == .nonspacingMark { b = iterator.next() }
                    capitalised = b.map(PersonNames.isLowercase) == true && core.allSatisfy(PersonNames.isLetterOrHyphen)
                }
                let word = Substring(core)
                // "Dr." and "pat." do not end the sentence.
                let abbreviation = endsClause && word.utf8.count <= 3 && ["dr", "pat", "pt", "st", "s:t"].contains(word.lowercased())
                if lineBreak, !tokens.isEmpty { tokens[tokens.count - 1].endsClause = true }
                tokens.append(PersonNames.Token(core: core.startIndex..<core.endIndex, sentenceStart: sentenceStart || lineBreak,
                                    endsClause: endsClause && !abbreviation, hasComma: hasComma, isCapitalised: capitalised,
                                    lower: capitalised ? word.lowercased() : nil))
                sentenceStart = endsClause && !abbreviation || last == ":"
                lineBreak = false
            }
            while index != scalars.endIndex {
                let scalar = scalars[index]
                if PersonNames.isWhitespace(scalar) {
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

        /// Without leading and trailing punctuation (keeps inner hyphens and colons: "Jonas-Erik", "S:t").
        static func trimmingPunctuation(_ word: Substring.UnicodeScalarView) -> Substring.UnicodeScalarView {
            guard let first = word.firstIndex(where: { !PersonNames.isPunctuation($0) }), let last = word.lastIndex(where: { !PersonNames.isPunctuation($0) }) else {
                return word[word.startIndex..<word.startIndex]
            }
            return word[first...last]
        }
    }
}

import Foundation
