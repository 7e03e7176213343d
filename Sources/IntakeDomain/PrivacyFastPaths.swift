import Foundation

// The privacy check's fast paths and their plain twins (`FastPathTests`; `INTAKE_BENCH_PLAIN=privacy`
// runs the plain ones, for benchmarks/fast-paths.sh).

extension PrivacyCheck {
    // MARK: identity numbers: a byte scan, or a regular expression

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// Separators seen between date and serial: '-', '+', space, no-break space, en dash.
    private static func separatorLength(_ bytes: [UInt8], at index: Int) -> Int {
        guard index < bytes.count else { return 0 }
        switch bytes[index] {
        case 0x2D, 0x2B, 0x20: return 1
        case 0xC2 where index + 1 < bytes.count && bytes[index + 1] == 0xA0: return 2
        case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0x93 || bytes[index + 2] == 0x91): return 3
        default: return 0
        }
    }

    public static func identityNumber(in text: String) -> PrivacyFinding? {
        if BenchPlain.privacy { return plainIdentityNumber(in: text) }
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            guard isDigit(bytes[i]) else { i += 1; continue }
            var end = i
            while end < bytes.count && isDigit(bytes[end]) { end += 1 }
            let run = Array(bytes[i..<end])
            var candidate: [UInt8]?
            switch run.count {
            case 10, 12:
                candidate = run
            case 6, 8:
                let sep = separatorLength(bytes, at: end)
                if sep > 0 {
                    let serialStart = end + sep
                    var serialEnd = serialStart
                    while serialEnd < bytes.count && isDigit(bytes[serialEnd]) { serialEnd += 1 }
                    if serialEnd - serialStart == 4 {
                        candidate = run + bytes[serialStart..<serialEnd]
                        end = serialEnd
                    }
                }
            default:
                break
            }
            if let candidate, let finding = classify(candidate.map { Int($0) - 0x30 }) {
                return finding
            }
            i = end
        }
        return nil
    }

    /// The plain twin: the same candidates found by a regular expression — a run of 10 or 12
    /// digits, or of 6 or 8 digits, a separator and 4 digits (runs bounded by non-digits).
    static func plainIdentityNumber(in text: String) -> PrivacyFinding? {
        guard let plainPattern else { return nil }
        let range = NSRange(text.startIndex..., in: text)
        for match in plainPattern.matches(in: text, range: range) {
            var digits = ""
            for group in 1...3 {
                if let part = Range(match.range(at: group), in: text) { digits += text[part] }
            }
            if let finding = classify(digits.unicodeScalars.map { Int($0.value) - 0x30 }) { return finding }
        }
        return nil
    }

    private static let plainPattern = try? NSRegularExpression(
        pattern: #"(?<![0-9])(?:([0-9]{6}|[0-9]{8})(?:[-+ ]|\u00A0|\u2013|\u2011)([0-9]{4})|([0-9]{10}|[0-9]{12}))(?![0-9])"#)
}

extension PersonNames {
    // MARK: lower-casing only the words that can matter, or every word

    /// The lower-cased word for the lookups: only capitalised words and words short enough to be
    /// a title, a role word or a place marker (the longest, "undersköterskan", is 16 bytes);
    /// `matches` reads nothing else. The plain twin lower-cases every word.
    static func lowered(_ core: Substring, capitalised: Bool, plain: Bool = BenchPlain.privacy) -> String? {
        if plain { return core.isEmpty ? nil : core.lowercased() }
        return capitalised || (core.utf8.count <= 16 && !core.isEmpty) ? core.lowercased() : nil
    }
}
