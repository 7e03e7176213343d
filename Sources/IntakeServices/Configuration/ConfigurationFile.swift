import Foundation

/// The optional configuration file named by `INTAKE_CONFIG_FILE`: `KEY=VALUE` lines in the format
/// of systemd's `EnvironmentFile=`, so one file serves both. Blank lines and lines starting with
/// `#` or `;` are ignored; a value may be wrapped in single or double quotes. Environment
/// variables win over the file.
public struct ConfigurationFile: Sendable {
    public let path: String
    public let values: [String: String]

    public init(path: String, values: [String: String]) {
        self.path = path
        self.values = values
    }

    /// Reads the file; every malformed line is a problem, listed with its line number.
    public static func load(path: String) throws(ServiceError) -> ConfigurationFile {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ServiceError.configuration(["INTAKE_CONFIG_FILE=\(path) is not a readable UTF-8 file"])
        }
        var values: [String: String] = [:]
        var problems: [String] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                problems.append("\(path):\(index + 1): expected KEY=VALUE")
                continue
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard key.wholeMatch(of: keyPattern) != nil else {
                problems.append("\(path):\(index + 1): \(key.isEmpty ? "(empty)" : key) is not a valid variable name")
                continue
            }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        guard problems.isEmpty else { throw ServiceError.configuration(problems) }
        return ConfigurationFile(path: path, values: values)
    }

    /// The file's values overlaid with the environment: the environment wins.
    public static func merged(environment: [String: String]) throws(ServiceError) -> (values: [String: String], file: ConfigurationFile?) {
        guard let path = environment["INTAKE_CONFIG_FILE"]?.trimmingCharacters(in: .whitespaces), !path.isEmpty else {
            return (environment, nil)
        }
        let file = try load(path: path)
        return (file.values.merging(environment) { _, fromEnvironment in fromEnvironment }, file)
    }
}

nonisolated(unsafe) private let keyPattern = /[A-Za-z_][A-Za-z0-9_]*/
