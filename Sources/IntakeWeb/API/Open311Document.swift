import Foundation
import Hummingbird
import IntakeDomain

/// A GeoReport v2 response body, written once and rendered as JSON or XML exactly as the
/// specification shows them: lists are JSON arrays and repeated XML elements inside a root.
/// The staff API uses the same tree for its JSON, so key order and nulls are explicit.
indirect enum Open311Value: Sendable {
    case string(String?)
    case bool(Bool)
    case int(Int)
    case object([(String, Open311Value)])
    case list(item: String, [Open311Value])

    static func text(_ value: String) -> Open311Value { .string(value) }

    var json: String { Open311Document(root: "", value: self).render(.json) }
}

enum Open311Format: String, Sendable {
    case json, xml

    var contentType: String {
        switch self {
        case .json: "application/json; charset=utf-8"
        case .xml: "text/xml; charset=utf-8"
        }
    }

    /// `services.json` → ("services", .json). Nil for a missing or unknown suffix.
    static func split(_ file: String) -> (name: String, format: Open311Format)? {
        guard let dot = file.lastIndex(of: "."), let format = Open311Format(rawValue: String(file[file.index(after: dot)...])) else { return nil }
        return (String(file[..<dot]), format)
    }
}

struct Open311Document: Sendable {
    /// The XML root element (`services`, `service_requests`, `errors`, `discovery`, …).
    var root: String
    var value: Open311Value

    func render(_ format: Open311Format) -> String {
        switch format {
        case .json:
            var out = ""
            Self.json(value, into: &out)
            return out
        case .xml:
            var out = #"<?xml version="1.0" encoding="utf-8"?>"# + "\n"
            Self.xml(root, value, into: &out)
            return out + "\n"
        }
    }

    func response(_ format: Open311Format, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = format.contentType
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: render(format))))
    }

    /// `[{"code":400,"description":"…"}]` / `<errors><error><code>400</code>…`.
    static func errors(_ status: HTTPResponse.Status, _ descriptions: [String]) -> Open311Document {
        Open311Document(root: "errors", value: .list(item: "error", descriptions.map { .object([("code", .int(status.code)), ("description", .text($0))]) }))
    }

    static func errorResponse(_ status: HTTPResponse.Status, _ descriptions: [String], format: Open311Format) -> Response {
        errors(status, descriptions).response(format, status: status)
    }

    private static func json(_ value: Open311Value, into out: inout String) {
        switch value {
        case .string(let text):
            if let text { out += JSONText.quote(text) } else { out += "null" }
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        case .object(let fields):
            out += "{"
            for (index, (key, field)) in fields.enumerated() {
                if index > 0 { out += "," }
                out += JSONText.quote(key) + ":"
                json(field, into: &out)
            }
            out += "}"
        case .list(_, let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                json(item, into: &out)
            }
            out += "]"
        }
    }

    private static func xml(_ name: String, _ value: Open311Value, into out: inout String) {
        switch value {
        case .string(let text):
            if let text { out += "<\(name)>\(XMLText.escape(text))</\(name)>" } else { out += "<\(name)/>" }
        case .bool(let flag): out += "<\(name)>\(flag)</\(name)>"
        case .int(let number): out += "<\(name)>\(number)</\(name)>"
        case .object(let fields):
            out += "<\(name)>"
            for (key, field) in fields { xml(key, field, into: &out) }
            out += "</\(name)>"
        case .list(let item, let items):
            out += "<\(name)>"
            for entry in items { xml(item, entry, into: &out) }
            out += "</\(name)>"
        }
    }
}

