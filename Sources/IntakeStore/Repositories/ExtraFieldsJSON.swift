import Foundation
import IntakeDomain

extension ReportRepository {
    /// `extra_fields` as stored: a JSON object of string lists, keys sorted. Written by hand (a
    /// JSONEncoder per report cost a percent of a submission); read back with JSONDecoder.
    /// `plainExtraFieldsJSON` is the JSONEncoder it replaced (`INTAKE_BENCH_PLAIN=json`).
    static func extraFieldsJSON(_ fields: [String: [String]]) -> String {
        if BenchPlain.json { return plainExtraFieldsJSON(fields) }
        var out = "{"
        for (index, key) in fields.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            JSONText.append(key, to: &out)
            out += ":["
            for (position, value) in fields[key]!.enumerated() {
                if position > 0 { out += "," }
                JSONText.append(value, to: &out)
            }
            out += "]"
        }
        return out + "}"
    }

    static func plainExtraFieldsJSON(_ fields: [String: [String]]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(fields) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
