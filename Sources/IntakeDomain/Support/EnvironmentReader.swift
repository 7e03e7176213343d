import Foundation

/// Reads `INTAKE_*` variables and collects every problem, so configuration errors are listed
/// together at start.
package struct EnvironmentReader {
    package let environment: [String: String]
    package var problems: [String] = []

    package init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// The trimmed value, or nil when unset or empty.
    package func value(_ name: String) -> String? {
        guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    package mutating func int(_ name: String, range: ClosedRange<Int>) -> Int? {
        guard let raw = value(name) else { return nil }
        guard let number = Int(raw), range.contains(number) else {
            problems.append("\(name)=\(raw) must be a whole number between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return number
    }

    package mutating func bool(_ name: String) -> Bool? {
        guard let raw = value(name) else { return nil }
        switch raw.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            problems.append("\(name)=\(raw) must be true or false")
            return nil
        }
    }
}
