import ArgumentParser
import Foundation
import IntakeDomain
import IntakeForms

/// `intake finder`: the agreement finder from the command line, to explain a ranking and to
/// measure it over a corpus (benchmarks/agreement-finder.sh).
struct FinderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "finder", abstract: "The agreement finder (Hitta överenskommelse).",
                                                    subcommands: [Search.self, Evaluate.self])

    static func catalogue(_ forms: String?) throws -> Catalogue {
        let directory = forms ?? ProcessInfo.processInfo.environment["INTAKE_FORMS"] ?? "Forms"
        do {
            return try CatalogueLoader.load(directory: directory)
        } catch {
            throw fail(error.description)
        }
    }

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rank a region's agreements for a text and say which words matched.")
        @Option(help: "Folder with the catalogue YAML (INTAKE_FORMS, default Forms).") var forms: String?
        @Option(help: "Region key, e.g. stockholm.") var region: String
        @Argument(help: "A few words of what happened.") var words: [String]

        func run() throws {
            let catalogue = try FinderCommand.catalogue(forms)
            guard catalogue.region(region) != nil else { throw fail("'\(region)' is not a region in the catalogue") }
            let query = words.joined(separator: " ")
            print("terms: \(FinderText.terms(query).joined(separator: " "))")
            for (index, match) in catalogue.agreementFinder(region: region, on: CalendarDay(Date())).rank(query).enumerated() where match.score > 0 {
                print("\(index + 1). \(match.agreement.key)  \(Self.format(match.score))  [\(match.matchedWords.joined(separator: ", "))]")
            }
        }

        static func format(_ value: Double) -> String {
            let hundredths = Int((value * 100).rounded())
            return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
        }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Top-1 and top-3 figures over a corpus of report texts (JSON lines: region, agreement, text).")
        @Option(help: "Folder with the catalogue YAML (INTAKE_FORMS, default Forms).") var forms: String?
        @Option(help: "The corpus.") var corpus = "Tests/finder/reports.jsonl"
        @Flag(help: "List every case whose agreement was not first.") var misses = false

        func run() throws {
            let catalogue = try FinderCommand.catalogue(forms)
            let (cases, holdout) = try FinderCorpus.loadSets(corpus)
            let clock = ContinuousClock()
            let start = clock.now
            let result = FinderEvaluation(cases: cases, catalogue: catalogue, on: CalendarDay(Date()))
            let elapsed = clock.now - start
            func percent(_ part: Int, _ whole: Int) -> String { whole == 0 ? "–" : "\((part * 1000 / whole + 5) / 10) %" }
            print("| corpus | cases | top-1 | top-3 |")
            print("|---|---:|---:|---:|")
            for region in result.byRegion.keys.sorted() {
                if let counts = result.byRegion[region] {
                    print("| \(region) | \(counts.total) | \(percent(counts.first, counts.total)) | \(percent(counts.topThree, counts.total)) |")
                }
            }
            print("| **all** | \(result.total) | \(percent(result.first, result.total)) | \(percent(result.topThree, result.total)) |")
            if !holdout.isEmpty {
                let held = FinderEvaluation(cases: holdout, catalogue: catalogue, on: CalendarDay(Date()))
                print("| held out (`\"set\": \"holdout\"`, written after the keywords were tuned) | \(held.total) | \(percent(held.first, held.total)) | \(percent(held.topThree, held.total)) |")
            }
            let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
            print("")
            print("ranking time: \(micros / Int64(max(result.total, 1))) µs per text (\(result.total) texts, catalogue only, no learned words)")
            if misses {
                print("")
                for miss in result.misses {
                    print("- \(miss.testCase.agreement) came \(miss.rank.map(String.init) ?? "nowhere"), first \(miss.first ?? "-"): \(miss.testCase.text)")
                }
            }
        }
    }
}

/// Reads the corpus: one JSON object per line with `region`, `agreement` and `text`.
enum FinderCorpus {
    struct Line: Decodable {
        var region: String
        var agreement: String
        var text: String
        var set: String?
    }

    /// The cases, and those marked `"set": "holdout"` (written after the keywords were last tuned).
    static func load(_ path: String) throws -> [FinderEvaluation.Case] {
        try loadSets(path).all
    }

    static func loadSets(_ path: String) throws -> (all: [FinderEvaluation.Case], holdout: [FinderEvaluation.Case]) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw fail("cannot read the corpus \(path)") }
        var cases: [FinderEvaluation.Case] = []
        var holdout: [FinderEvaluation.Case] = []
        for (number, line) in text.split(separator: "\n").enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let decoded = try? JSONDecoder().decode(Line.self, from: Data(line.utf8)) else {
                throw fail("\(path):\(number + 1): not a JSON object with region, agreement and text")
            }
            let testCase = FinderEvaluation.Case(region: decoded.region, agreement: decoded.agreement, text: decoded.text)
            cases.append(testCase)
            if decoded.set == "holdout" { holdout.append(testCase) }
        }
        return (cases, holdout)
    }
}
