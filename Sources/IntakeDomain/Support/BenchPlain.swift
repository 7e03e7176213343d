import Foundation

/// A benchmark switch, not a setting: `INTAKE_BENCH_PLAIN=digittext,json,mailjson` (or
/// `all`) makes the named hand-written fast paths run the plain library code they replaced, so
/// `benchmarks/fast-paths.sh` can measure what each one is worth on the same binary in one run
/// (issue #18.4). Read once, at first use; unset (the default) every fast path is on.
package enum BenchPlain {
    /// The names in `INTAKE_BENCH_PLAIN`, lower-cased.
    package static let names: Set<String> = parse(ProcessInfo.processInfo.environment["INTAKE_BENCH_PLAIN"])

    package static func isOn(_ name: String) -> Bool {
        names.contains(name) || names.contains("all")
    }

    /// `String(format:)` instead of hand padding; GRDB's own Date text for each stored time
    /// instead of one formatted by hand per report (`DigitText`, `StoredTime`).
    package static let digitText = isOn("digittext")
    /// JSONEncoder / JSONSerialization instead of hand-written JSON for string escaping, extra
    /// fields and log lines (`JSONText`, `ReportRepository.extraFieldsJSON`, `JSONLogHandler`).
    package static let json = isOn("json")
    /// `JSONEncoder` instead of `TemplateContext.Writer` for the contexts of the mails queued on
    /// every submission (`MailContextEncoding`).
    package static let mailJSON = isOn("mailjson")

    static func parse(_ value: String?) -> Set<String> {
        Set((value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty && $0 != "none" })
    }
}
