import Foundation

/// Figures of the name check over a corpus (Tests/names/person-names.jsonl): one JSON object a
/// line, `{"text": "...", "expect": "refuse" | "ask" | "pass"}`. Printed by
/// `intake catalog names` (benchmarks/name-check.sh) and asserted in `NameCheckTests`.
public struct NameCorpusFigures: Sendable {
    public struct Miss: Sendable { public var text: String; public var expected: String; public var got: String }
    /// Names in running text that must be refused: how many were refused.
    public var refuseTotal = 0, refused = 0
    /// Lone first names: how many were asked about (or refused).
    public var askTotal = 0, askedOrRefused = 0
    /// Places, organisations, ordinary capitalised words: how many got any finding (false positives).
    public var passTotal = 0, falsePositives = 0
    public var misses: [Miss] = []

    public var recall: Double { refuseTotal == 0 ? 1 : Double(refused) / Double(refuseTotal) }
    public var askRecall: Double { askTotal == 0 ? 1 : Double(askedOrRefused) / Double(askTotal) }
    public var falsePositiveRate: Double { passTotal == 0 ? 0 : Double(falsePositives) / Double(passTotal) }

    public static func evaluate(jsonLines: String, lexicon: NameLexicon) -> NameCorpusFigures {
        var figures = NameCorpusFigures()
        for line in jsonLines.split(whereSeparator: \.isNewline) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let text = object["text"] as? String, let expect = object["expect"] as? String else { continue }
            let matches = PersonNames.matches(in: text, lexicon: lexicon)
            let got = matches.contains { $0.kind == .name } ? "refuse" : matches.isEmpty ? "pass" : "ask"
            switch expect {
            case "refuse":
                figures.refuseTotal += 1
                if got == "refuse" { figures.refused += 1 }
            case "ask":
                figures.askTotal += 1
                if got != "pass" { figures.askedOrRefused += 1 }
            default:
                figures.passTotal += 1
                if got != "pass" { figures.falsePositives += 1 }
            }
            if got != expect && !(expect == "ask" && got == "refuse") {
                figures.misses.append(Miss(text: text, expected: expect, got: got + (matches.first.map { ": \($0.words)" } ?? "")))
            }
        }
        return figures
    }

    public var report: String {
        func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }
        var lines = [
            "names refused (recall):        \(refused)/\(refuseTotal) = \(percent(recall))",
            "lone first names asked about:  \(askedOrRefused)/\(askTotal) = \(percent(askRecall))",
            "places, organisations, words:  \(falsePositives)/\(passTotal) with a finding = \(percent(falsePositiveRate)) false positives",
        ]
        for miss in misses { lines.append("  expected \(miss.expected), got \(miss.got): \(miss.text)") }
        return lines.joined(separator: "\n")
    }
}
