import Foundation

// libFuzzer target: PrivacyCheck never crashes on any text, and its entry points agree.
// The name lists are read once from Forms/privacy/ (scripts/fuzz.sh runs from the repository root).
let fuzzLexicon: NameLexicon = {
    func words(_ file: String) -> [String] {
        (try? String(contentsOfFile: "Forms/privacy/" + file, encoding: .utf8)).map(NameLexicon.words) ?? []
    }
    let lexicon = NameLexicon(firstNames: Set(words("first-names.txt")), surnames: Set(words("surnames.txt")),
                              ordinaryWords: Set(words("ordinary-words.txt")), places: Set(words("places.txt")),
                              placeWords: words("place-words.txt"))
    precondition(!lexicon.isEmpty, "run from the repository root: Forms/privacy/ not found")
    return lexicon
}()

public func fuzzPrivacyCheck(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let findings = PrivacyCheck.findings(in: text, names: fuzzLexicon)
    let first = PrivacyCheck.firstFinding(in: text, names: fuzzLexicon)
    precondition((first == nil) == findings.isEmpty, "findings and firstFinding disagree")
    // Confirming every word asked about leaves only what must be removed.
    var asked = Set<String>()
    for case .possibleName(let words) in findings { asked.formUnion(words.map { $0.lowercased() }) }
    let confirmed = PrivacyCheck.findings(in: text, names: fuzzLexicon, confirmed: asked)
    precondition(!confirmed.contains { $0.needsConfirmation }, "a confirmed word is still asked about")
    _ = PrivacyCheck.identityNumber(in: text)
    return 0
}
