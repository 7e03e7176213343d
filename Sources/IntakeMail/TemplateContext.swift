import Foundation
import IntakeDomain

/// A Mustache context kept as JSON, for mails rendered when they are sent rather than when
/// they are queued. Only what mail contexts hold is supported: strings, booleans, integers,
/// and arrays and objects of those.
enum TemplateContext {
    /// In a stored context: add the report's facts (`MailComposer.factsContext`) when rendering.
    static let reportFactsKey = OutboxDraft.reportFactsKey

    /// Serialises a context; anything of another type is left out (never the case for the composer's contexts).
    static func json(_ context: [String: Any]) -> String {
        var out = ""
        out.reserveCapacity(1024)
        appendObject(context, to: &out)
        return out
    }

    /// The exact types the composer uses are tried first: casting `[[String: String]]` to `[Any]`
    /// would copy and box every element.
    private static func append(_ value: Any, to out: inout String) {
        switch value {
        case let string as String: JSONText.append(string, to: &out)
        case let bool as Bool: out += bool ? "true" : "false"
        case let int as Int: out += String(int)
        case let object as [String: Any]: appendObject(object, to: &out)
        case let objects as [[String: String]]: appendArray(objects, to: &out) { appendObject($0, to: &$1) }
        case let objects as [[String: Any]]: appendArray(objects, to: &out) { appendObject($0, to: &$1) }
        case let array as [Any]: appendArray(array, to: &out) { append($0, to: &$1) }
        default: out += "null"
        }
    }

    fileprivate static func appendArray<Element>(_ array: [Element], to out: inout String, element: (Element, inout String) -> Void) {
        out += "["
        for (index, item) in array.enumerated() {
            if index > 0 { out += "," }
            element(item, &out)
        }
        out += "]"
    }

    fileprivate static func appendObject<Value>(_ object: [String: Value], to out: inout String) {
        out += "{"
        var first = true
        for (key, value) in object {
            if !first { out += "," }
            first = false
            JSONText.append(key, to: &out)
            out += ":"
            if let string = value as? String { JSONText.append(string, to: &out) } else { append(value, to: &out) }
        }
        out += "}"
    }

    /// Writes a context member by member, for the mail composed on every submission: no
    /// dictionary of `Any` to build and take apart again.
    struct Writer {
        private var text = "{"

        private mutating func key(_ name: String) {
            if text.utf8.count > 1 { text += "," }
            JSONText.append(name, to: &text)
            text += ":"
        }

        mutating func add(_ name: String, _ value: String) {
            key(name)
            JSONText.append(value, to: &text)
        }

        mutating func add(_ name: String, _ value: Bool) {
            key(name)
            text += value ? "true" : "false"
        }

        mutating func add(_ name: String, objects: [[String: String]]) {
            key(name)
            TemplateContext.appendArray(objects, to: &text) { TemplateContext.appendObject($0, to: &$1) }
        }

        var json: String { text + "}" }
    }

    /// The context back as native Swift values for the renderer; nil if the text is not a JSON object.
    static func decode(_ json: String) -> [String: Any]? {
        guard let value = try? JSONDecoder().decode(Value.self, from: Data(json.utf8)), case .object = value else { return nil }
        return value.native as? [String: Any]
    }

    private enum Value: Decodable {
        case string(String), bool(Bool), int(Int), array([Value]), object([String: Value]), null

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let bool = try? container.decode(Bool.self) { self = .bool(bool) }
            else if let int = try? container.decode(Int.self) { self = .int(int) }
            else if let string = try? container.decode(String.self) { self = .string(string) }
            else if let array = try? container.decode([Value].self) { self = .array(array) }
            else { self = .object(try container.decode([String: Value].self)) }
        }

        var native: Any? {
            switch self {
            case .string(let s): s
            case .bool(let b): b
            case .int(let i): i
            case .array(let values): values.compactMap(\.native)
            case .object(let values): values.compactMapValues(\.native)
            case .null: nil
            }
        }
    }
}
