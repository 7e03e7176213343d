import Foundation
import IntakeDomain

/// A Mustache context kept as JSON, for mails rendered when they are sent rather than when
/// they are queued: the fast writer, and the untyped reading that renders a stored context
/// which does not decode into its mail's model (`MailComposer.bodies(of:)`). Only what mail
/// contexts hold is supported: strings, booleans, integers, and arrays and objects of those.
enum TemplateContext {
    /// In a stored context: add the report's facts (`MailComposer.factsContext`) when rendering.
    static let reportFactsKey = OutboxDraft.reportFactsKey

    /// Writes a context member by member, for the mails composed on every submission
    /// (`MailContextEncoding.fastJSON`): no encoder and no intermediate `Data`. A nil value is
    /// left out, as `JSONEncoder` does.
    struct Writer {
        private var text = "{"

        private mutating func key(_ name: String) {
            if text.utf8.count > 1 { text += "," }
            JSONText.append(name, to: &text)
            text += ":"
        }

        mutating func add(_ name: String, _ value: String?) {
            guard let value else { return }
            key(name)
            JSONText.append(value, to: &text)
        }

        mutating func add(_ name: String, _ value: Bool?) {
            guard let value else { return }
            key(name)
            text += value ? "true" : "false"
        }

        /// An array of objects with one string member each (`[{"name":…}]`).
        mutating func add<Element>(_ name: String, objects: [Element], key member: String, _ value: (Element) -> String) {
            key(name)
            text += "["
            for (index, element) in objects.enumerated() {
                if index > 0 { text += "," }
                text += "{"
                JSONText.append(member, to: &text)
                text += ":"
                JSONText.append(value(element), to: &text)
                text += "}"
            }
            text += "]"
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
