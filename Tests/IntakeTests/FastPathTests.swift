import Foundation
import GRDB
import Testing
@testable import Intake

/// The hand-written replacements on the submission path must produce exactly what the library
/// code they replaced did.
@Suite("Fast paths equal the library code they replace")
struct FastPathTests {
    @Test("StoredTime is GRDB's own text for a Date")
    func storedTimeMatchesGRDB() {
        var generator = SystemRandomNumberGenerator()
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_795_000_000.9999), Date(timeIntervalSince1970: 1_795_000_000.0005),
                     Date(timeIntervalSince1970: 951_782_400.123)]
        for _ in 0..<500 { dates.append(Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800, using: &generator))) }
        for date in dates {
            #expect(StoredTime(date).databaseValue == date.databaseValue, "\(date.timeIntervalSince1970)")
        }
    }

    @Test("JSON string escaping round-trips through a JSON parser", arguments: [
        "", "plain", "åäö ÅÄÖ", "quote \" backslash \\ slash /", "line\nbreak\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}", "\u{2028}\u{2029}x",
        "emoji 👩‍⚕️ and combining e\u{301}", "</script><script>alert(1)</script>", "\u{E2}\u{80}",
    ])
    func jsonEscaping(_ text: String) throws {
        let encoded = JSONText.quote(text)
        let decoded = try JSONDecoder().decode(String.self, from: Data(encoded.utf8))
        #expect(decoded == text)
        #expect(!encoded.contains("\u{2028}") && !encoded.contains("\u{2029}"))
    }

    @Test("a mail's template context survives the round trip through JSON")
    func templateContextRoundTrip() throws {
        let context: [String: Any] = ["sv": true, "en": false, "reference": "SB-2026-00001", "count": 3,
                                      "functions": [["name": "Funktion \"A\""], ["name": "B\nC"]], "empty": [Any]()]
        let decoded = try #require(TemplateContext.decode(TemplateContext.json(context)))
        #expect(decoded["sv"] as? Bool == true)
        #expect(decoded["en"] as? Bool == false)
        #expect(decoded["count"] as? Int == 3)
        #expect(decoded["reference"] as? String == "SB-2026-00001")
        #expect((decoded["functions"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Funktion \"A\"", "B\nC"])
        #expect(TemplateContext.decode("[1,2]") == nil)
        #expect(TemplateContext.decode("not json") == nil)
    }

    @Test("ordered tokens are well-formed, unique and sort by time")
    func orderedTokens() {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let tokens = (0..<2000).map { SecretToken.generateOrdered(now: start.addingTimeInterval(Double($0) / 100)) }
        #expect(tokens.allSatisfy(SecretToken.isWellFormed))
        #expect(Set(tokens).count == tokens.count)
        #expect(tokens.map { $0.prefix(8) } == tokens.map { $0.prefix(8) }.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }))
        #expect(SecretToken.generate().count == 32 && SecretToken.isWellFormed(SecretToken.generate()))
    }
}
