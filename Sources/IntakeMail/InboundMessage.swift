import Foundation
import IntakeDomain

/// A received e-mail, parsed from its bytes once, within fixed bounds: the header section, the
/// nesting depth, the number of parts and the decoded sizes are limited, and whatever lies beyond
/// a limit is left out (`truncated`). Outside bytes never trap: every index is checked.
public struct InboundMessage: Sendable {
    public struct Attachment: Sendable {
        public var filename: String
        public var contentType: String
        public var data: [UInt8]
    }

    /// Without angle brackets; nil when the message has none.
    public var messageId: String?
    public var fromAddress: String?
    public var fromName: String?
    public var replyToAddress: String?
    public var subject: String
    public var inReplyTo: [String]
    public var references: [String]
    /// Header values that mark automatic mail (lower-cased; empty when absent).
    public var autoSubmitted: String
    public var precedence: String
    public var returnPath: String?
    public var hasListHeaders: Bool
    /// Any of the headers auto-responders set (`X-Autoreply`, `X-Autorespond`, `X-Auto-Response-Suppress`).
    public var hasAutoReplyHeaders: Bool
    /// The top-level media type, lower-cased (`multipart/report` for a DSN).
    public var contentType: String
    public var plainText: String?
    public var htmlText: String?
    public var attachments: [Attachment]
    public var truncated: Bool

    public static let maxHeaderBytes = 256 * 1024
    public static let maxDepth = 8
    public static let maxParts = 64
    public static let maxTextBytes = 1024 * 1024
    public static let maxAttachmentBytes = 10 * 1024 * 1024

    /// Parses `bytes` (CRLF or LF line ends).
    public static func parse(_ bytes: [UInt8]) -> InboundMessage {
        var parser = Parser()
        let (headers, bodyStart) = Parser.splitHeaders(bytes[...])
        var message = InboundMessage(
            messageId: Parser.ids(headers.first("message-id")).first,
            fromAddress: nil, fromName: nil, replyToAddress: nil,
            subject: Parser.decodeWords(headers.first("subject") ?? ""),
            inReplyTo: Parser.ids(headers.first("in-reply-to")),
            references: Parser.ids(headers.first("references")),
            autoSubmitted: (headers.first("auto-submitted") ?? "").trimmingCharacters(in: .whitespaces).lowercased(),
            precedence: (headers.first("precedence") ?? "").trimmingCharacters(in: .whitespaces).lowercased(),
            returnPath: headers.first("return-path")?.trimmingCharacters(in: .whitespaces),
            hasListHeaders: headers.first("list-id") != nil || headers.first("list-unsubscribe") != nil,
            hasAutoReplyHeaders: headers.first("x-autoreply") != nil || headers.first("x-autorespond") != nil
                || headers.first("x-auto-response-suppress") != nil,
            contentType: "text/plain", plainText: nil, htmlText: nil, attachments: [], truncated: false)
        if let from = headers.first("from") {
            let parsed = Parser.mailbox(from)
            message.fromAddress = parsed.address
            message.fromName = parsed.name
        }
        if let replyTo = headers.first("reply-to") { message.replyToAddress = Parser.mailbox(replyTo).address }
        message.contentType = Parser.mediaType(headers.first("content-type"))
        parser.walk(headers: headers, body: bytes[min(bodyStart, bytes.count)...], depth: 0, into: &message)
        message.truncated = message.truncated || parser.truncated
        return message
    }

    /// The message's text: the plain part, else the HTML part as text.
    public var bodyText: String {
        if let plainText, !plainText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return plainText }
        if let htmlText { return HTMLText.plain(htmlText) }
        return plainText ?? ""
    }
}

/// Header fields in order, names lower-cased.
struct HeaderFields {
    var fields: [(name: String, value: String)] = []
    func first(_ name: String) -> String? { fields.first { $0.name == name }?.value }
}

struct Parser {
    var parts = 0
    var truncated = false

    /// Splits at the first empty line. Unfolds continuation lines. Bounded by `maxHeaderBytes`.
    static func splitHeaders(_ bytes: ArraySlice<UInt8>) -> (HeaderFields, Int) {
        var headers = HeaderFields()
        var index = bytes.startIndex
        var lines: [String] = []
        let limit = min(bytes.endIndex, bytes.startIndex + InboundMessage.maxHeaderBytes)
        var bodyStart = bytes.endIndex
        while index < limit {
            var end = index
            while end < bytes.endIndex && bytes[end] != 0x0A { end += 1 }
            var lineEnd = end
            if lineEnd > index && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let next = end < bytes.endIndex ? end + 1 : end
            if lineEnd == index {
                bodyStart = next
                break
            }
            let line = decodeLatin1OrUTF8(bytes[index..<lineEnd])
            if let first = line.unicodeScalars.first, first == " " || first == "\t", !lines.isEmpty {
                lines[lines.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)
            } else {
                lines.append(line)
            }
            index = next
            if index >= limit { bodyStart = index }
        }
        for line in lines.prefix(1000) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.fields.append((name, value))
        }
        return (headers, bodyStart)
    }

    static func decodeLatin1OrUTF8(_ bytes: ArraySlice<UInt8>) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(bytes.map { Character(Unicode.Scalar($0)) })
    }

    /// `type/subtype` lower-cased, default text/plain.
    static func mediaType(_ value: String?) -> String {
        guard let value else { return "text/plain" }
        let type = value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return type.isEmpty ? "text/plain" : type
    }

    /// A parameter of a structured header (`boundary`, `charset`, `name`, `filename`), unquoted;
    /// RFC 2231 `filename*=utf-8''…` decoded.
    static func parameter(_ value: String?, _ name: String) -> String? {
        guard let value else { return nil }
        for piece in value.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let key = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
            var raw = pair[1].trimmingCharacters(in: .whitespaces)
            if raw.hasPrefix("\""), raw.hasSuffix("\""), raw.count >= 2 { raw = String(raw.dropFirst().dropLast()) }
            if key == name { return decodeWords(raw) }
            if key == name + "*" {
                let parts = raw.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                let encoded = parts.count == 3 ? String(parts[2]) : raw
                return encoded.removingPercentEncoding ?? encoded
            }
        }
        return nil
    }

    /// Message ids of a header (`<a@b> <c@d>`), without brackets, at most 50.
    static func ids(_ value: String?) -> [String] {
        guard let value else { return [] }
        var result: [String] = []
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">"), result.count < 50 {
            let id = rest[rest.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
            if !id.isEmpty && id.utf8.count <= 500 { result.append(id) }
            rest = rest[rest.index(after: close)...]
        }
        if result.isEmpty {
            let bare = value.trimmingCharacters(in: .whitespaces)
            if !bare.isEmpty && bare.utf8.count <= 500 && !bare.contains(" ") { result.append(bare) }
        }
        return result
    }

    /// `Name <addr>` or `addr` → lower-cased address and decoded name.
    static func mailbox(_ value: String) -> (address: String?, name: String?) {
        if let open = value.lastIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
            let address = value[value.index(after: open)..<close].trimmingCharacters(in: .whitespaces).lowercased()
            var name = decodeWords(String(value[..<open])).trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
            return (address.isEmpty ? nil : address, name.isEmpty ? nil : name)
        }
        let address = value.trimmingCharacters(in: .whitespaces).lowercased()
        return (address.contains("@") ? address : nil, nil)
    }

    /// RFC 2047 encoded-words (`=?UTF-8?B?…?=`, `=?ISO-8859-1?Q?…?=`); whitespace between two
    /// encoded-words is dropped.
    static func decodeWords(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        var out = ""
        var rest = Substring(value)
        var lastWasEncoded = false
        while let start = rest.range(of: "=?") {
            let before = rest[..<start.lowerBound]
            let afterStart = rest[start.upperBound...]
            let pieces = afterStart.split(separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
            guard pieces.count == 4, pieces[3].hasPrefix("="),
                  let decoded = decodeWord(charset: String(pieces[0]), encoding: String(pieces[1]), text: String(pieces[2])) else {
                out += before + "=?"
                rest = afterStart
                lastWasEncoded = false
                continue
            }
            if !(lastWasEncoded && before.allSatisfy(\.isWhitespace)) { out += before }
            out += decoded
            lastWasEncoded = true
            rest = pieces[3].dropFirst()
        }
        return out + rest
    }

    static func decodeWord(charset: String, encoding: String, text: String) -> String? {
        let bytes: [UInt8]
        switch encoding.uppercased() {
        case "B": guard let data = Data(base64Encoded: padded(text)) else { return nil }; bytes = Array(data)
        case "Q": bytes = quotedPrintable(Array(text.replacingOccurrences(of: "_", with: " ").utf8)[...])
        default: return nil
        }
        return decode(bytes[...], charset: charset)
    }

    static func padded(_ base64: String) -> String {
        let remainder = base64.utf8.count % 4
        return remainder == 0 ? base64 : base64 + String(repeating: "=", count: 4 - remainder)
    }

    /// Bytes in a charset to text: UTF-8, Latin-1, Windows-1252 (as Latin-1 apart from its
    /// typographic quotes and dashes), US-ASCII; anything unknown as UTF-8 with replacement.
    static func decode(_ bytes: ArraySlice<UInt8>, charset: String?) -> String {
        switch (charset ?? "utf-8").lowercased().trimmingCharacters(in: .whitespaces) {
        case "iso-8859-1", "latin1", "iso-8859-15", "windows-1252", "cp1252":
            if let utf8 = String(validating: bytes, as: UTF8.self), bytes.contains(where: { $0 >= 0x80 }) == false { return utf8 }
            let cp1252: [UInt8: Character] = [0x80: "€", 0x85: "…", 0x91: "‘", 0x92: "’", 0x93: "“", 0x94: "”", 0x96: "–", 0x97: "—"]
            return String(bytes.map { cp1252[$0] ?? Character(Unicode.Scalar($0)) })
        default:
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    static func base64(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        let cleaned = bytes.filter { !($0 == 0x0D || $0 == 0x0A || $0 == 0x20 || $0 == 0x09) }
        var text = String(decoding: cleaned, as: UTF8.self)
        if let end = text.firstIndex(of: "=") { text = String(text[..<end]) }
        return Data(base64Encoded: padded(text)).map(Array.init) ?? []
    }

    static func quotedPrintable(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x41...0x46: c - 0x41 + 10
            case 0x61...0x66: c - 0x61 + 10
            default: nil
            }
        }
        while index < bytes.endIndex {
            let c = bytes[index]
            if c == 0x3D {
                let a = index + 1 < bytes.endIndex ? bytes[index + 1] : 0
                let b = index + 2 < bytes.endIndex ? bytes[index + 2] : 0
                if a == 0x0D && b == 0x0A { index += 3; continue }
                if a == 0x0A { index += 2; continue }
                if let high = hex(a), let low = hex(b) {
                    out.append(high << 4 | low)
                    index += 3
                    continue
                }
            }
            out.append(c)
            index += 1
        }
        return out
    }

    static func transferDecoded(_ body: ArraySlice<UInt8>, encoding: String?) -> [UInt8] {
        switch (encoding ?? "7bit").lowercased().trimmingCharacters(in: .whitespaces) {
        case "base64": base64(body)
        case "quoted-printable": quotedPrintable(body)
        default: Array(body)
        }
    }

    /// Walks a part: text parts fill the message's texts (the first of each kind), attachments
    /// are collected, multiparts are split on their boundary.
    mutating func walk(headers: HeaderFields, body: ArraySlice<UInt8>, depth: Int, into message: inout InboundMessage) {
        parts += 1
        guard parts <= InboundMessage.maxParts, depth <= InboundMessage.maxDepth else {
            truncated = true
            return
        }
        let contentType = headers.first("content-type")
        let type = Self.mediaType(contentType)
        let disposition = headers.first("content-disposition")
        let filename = Self.parameter(disposition, "filename") ?? Self.parameter(contentType, "name")
        if type.hasPrefix("multipart/") {
            guard let boundary = Self.parameter(contentType, "boundary"), !boundary.isEmpty else {
                truncated = true
                return
            }
            for part in Self.split(body, boundary: Array(("--" + boundary).utf8)) {
                let (partHeaders, start) = Self.splitHeaders(part)
                walk(headers: partHeaders, body: part[min(start, part.endIndex)...], depth: depth + 1, into: &message)
            }
            return
        }
        if type == "message/rfc822" || type == "message/delivery-status" {
            // A forwarded or bounced message is not read as the sender's own text.
            return
        }
        let isAttachment = (disposition?.lowercased().hasPrefix("attachment") ?? false) || (filename != nil && !type.hasPrefix("text/"))
        let encoding = headers.first("content-transfer-encoding")
        if isAttachment {
            guard body.count <= InboundMessage.maxAttachmentBytes * 2 else {
                truncated = true
                return
            }
            let data = Self.transferDecoded(body, encoding: encoding)
            guard data.count <= InboundMessage.maxAttachmentBytes else {
                truncated = true
                return
            }
            message.attachments.append(.init(filename: filename ?? "", contentType: type, data: data))
            return
        }
        guard type == "text/plain" || type == "text/html" else { return }
        var decoded = Self.transferDecoded(body, encoding: encoding)
        if decoded.count > InboundMessage.maxTextBytes {
            decoded = Array(decoded.prefix(InboundMessage.maxTextBytes))
            truncated = true
        }
        let text = Self.decode(decoded[...], charset: Self.parameter(contentType, "charset"))
        if type == "text/plain", message.plainText == nil { message.plainText = text }
        if type == "text/html", message.htmlText == nil { message.htmlText = text }
    }

    /// The parts between `--boundary` lines (the preamble and epilogue left out).
    static func split(_ body: ArraySlice<UInt8>, boundary: [UInt8]) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var lineStart = body.startIndex
        var partStart: Int?
        while lineStart < body.endIndex {
            var end = lineStart
            while end < body.endIndex && body[end] != 0x0A { end += 1 }
            let next = end < body.endIndex ? end + 1 : end
            if end - lineStart >= boundary.count, body[lineStart..<(lineStart + boundary.count)].elementsEqual(boundary) {
                let isClose = end - lineStart >= boundary.count + 2 && body[lineStart + boundary.count] == 0x2D && body[lineStart + boundary.count + 1] == 0x2D
                if let start = partStart {
                    // The line break before the boundary belongs to the boundary.
                    var stop = lineStart
                    if stop > start && body[stop - 1] == 0x0A { stop -= 1 }
                    if stop > start && body[stop - 1] == 0x0D { stop -= 1 }
                    parts.append(body[start..<stop])
                    if parts.count >= InboundMessage.maxParts { return parts }
                }
                if isClose { return parts }
                partStart = next
            }
            lineStart = next
        }
        if let start = partStart, start < body.endIndex { parts.append(body[start...]) }
        return parts
    }
}

/// HTML to plain text for a mail body: scripts, styles and quoted blocks left out, block
/// elements as line breaks, entities decoded. Linear in the input; no tag nesting is kept.
public enum HTMLText {
    public static func plain(_ html: String) -> String {
        var out = ""
        var index = html.startIndex
        var skipUntil: String?
        var quoteDepth = 0
        while index < html.endIndex {
            let c = html[index]
            if c == "<" {
                guard let close = html[index...].firstIndex(of: ">") else { break }
                let tag = html[html.index(after: index)..<close].lowercased()
                let name = String(tag.prefix { $0.isLetter || $0.isNumber || $0 == "/" || $0 == "!" })
                index = html.index(after: close)
                if let skip = skipUntil {
                    if name == "/" + skip { skipUntil = nil }
                    continue
                }
                switch name {
                case "script", "style", "head", "title": skipUntil = name
                case "blockquote": quoteDepth += 1
                case "/blockquote": quoteDepth = max(0, quoteDepth - 1)
                case "br", "br/": if quoteDepth == 0 { out += "\n" }
                case "p", "/p", "div", "/div", "tr", "/tr", "li", "h1", "h2", "h3", "h4", "/h1", "/h2", "/h3", "/h4", "/table", "hr":
                    if quoteDepth == 0 { out += "\n" }
                case "td", "th": if quoteDepth == 0 { out += " " }
                default: break
                }
                continue
            }
            if skipUntil != nil || quoteDepth > 0 {
                index = html.index(after: index)
                continue
            }
            if c == "&", let semicolon = html[index...].prefix(12).firstIndex(of: ";") {
                let entity = String(html[html.index(after: index)..<semicolon])
                if let decoded = Self.entity(entity) {
                    out += decoded
                    index = html.index(after: semicolon)
                    continue
                }
            }
            out.append(c.isNewline ? " " : c)
            index = html.index(after: index)
        }
        // Collapse runs of spaces per line and of empty lines.
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        var result: [String] = []
        for line in lines where !(line.isEmpty && (result.last?.isEmpty ?? true)) { result.append(line) }
        return result.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{20}",
        "aring": "å", "auml": "ä", "ouml": "ö", "Aring": "Å", "Auml": "Ä", "Ouml": "Ö", "eacute": "é", "Eacute": "É",
        "uuml": "ü", "ndash": "–", "mdash": "—", "hellip": "…", "rsquo": "’", "lsquo": "‘", "rdquo": "”", "ldquo": "“",
    ]

    static func entity(_ name: String) -> String? {
        if let value = named[name] { return value }
        guard name.hasPrefix("#") else { return nil }
        let digits = name.dropFirst()
        let number = digits.hasPrefix("x") || digits.hasPrefix("X") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
        guard let number, let scalar = Unicode.Scalar(number), number != 0 else { return nil }
        return String(Character(scalar))
    }
}
