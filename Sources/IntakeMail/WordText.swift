import Foundation

/// The text of WordprocessingML (`word/document.xml` of a .docx), read by a small XML scanner of
/// its own: each paragraph (`w:p`) one line, `w:br`/`w:cr` a line break, `w:tab` a tab, the text
/// of `w:t`; a table cell (`w:tc`) ends with an empty line, so a form laid out as a two-column table
/// ("Vad hände?" | the answer) reads as label, then value; an empty paragraph inside a table is left
/// out. At most `maxLines` lines.
///
/// Only well-formed XML in UTF-8 is read (what Word writes): elements properly nested under one root
/// and at most `maxDepth` deep, the five predefined entities and character references; no DOCTYPE,
/// so nothing is resolved from outside and no entity expands. Anything else is
/// `MailError.unreadableDocument`. (FoundationXML's `XMLParser`, used before, traps on an element
/// name that is not UTF-8 — `<\u{FF}\u{FF}\u{FF}\u{FF}@a/>` ended the process; found by
/// `scripts/fuzz.sh InboundMail`.)
enum WordText {
    static let maxDepth = 256

    static func lines(of xml: [UInt8], maxLines: Int) throws(MailError) -> [String] {
        guard String(validating: xml, as: UTF8.self) != nil else { throw .unreadableDocument }
        var scanner = Scanner(xml)
        var reader = Reader(maxLines: maxLines)
        var open: [String] = []
        var sawRoot = false
        _ = scanner.skip("\u{FEFF}")   // a byte order mark
        while !scanner.atEnd {
            if scanner.skip("<?") {
                try scanner.skip(past: "?>")
            } else if scanner.skip("<!--") {
                try scanner.skip(past: "-->")
            } else if scanner.skip("<![CDATA[") {
                guard !open.isEmpty else { throw .unreadableDocument }
                let text = try scanner.take(upTo: "]]>")
                reader.characters(try Self.checked(text))
            } else if scanner.peek("<!") {
                throw .unreadableDocument   // DOCTYPE and declarations: never in a .docx
            } else if scanner.skip("</") {
                let name = try scanner.name()
                scanner.skipSpace()
                guard scanner.skip(">"), open.popLast() == name else { throw .unreadableDocument }
                reader.end(name)
            } else if scanner.skip("<") {
                let name = try scanner.name()
                let selfClosing = try scanner.attributes()
                if open.isEmpty {
                    guard !sawRoot else { throw .unreadableDocument }
                    sawRoot = true
                }
                guard open.count < maxDepth else { throw .unreadableDocument }
                reader.start(name)
                if selfClosing { reader.end(name) } else { open.append(name) }
            } else {
                let text = try Self.decoded(scanner.takeText())
                if open.isEmpty {
                    guard text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" }) else { throw .unreadableDocument }
                } else {
                    reader.characters(text)
                }
            }
        }
        guard sawRoot, open.isEmpty else { throw .unreadableDocument }
        return reader.lines
    }

    /// Character data with its references replaced, line ends as XML has them (`\r\n`, `\r` → `\n`).
    static func decoded(_ raw: ArraySlice<UInt8>) throws(MailError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "&") {
                guard let semicolon = raw[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
                    throw .unreadableDocument
                }
                let scalar = try reference(raw[(index + 1)..<semicolon])
                out.append(contentsOf: String(scalar).utf8)
                index = semicolon + 1
            } else if byte == UInt8(ascii: "\r") {
                out.append(UInt8(ascii: "\n"))
                index += 1
                if index < raw.endIndex, raw[index] == UInt8(ascii: "\n") { index += 1 }
            } else {
                guard isCharacter(byte) else { throw .unreadableDocument }   // CR is handled above
                out.append(byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// CDATA: no references, but the same characters as text.
    private static func checked(_ raw: ArraySlice<UInt8>) throws(MailError) -> String {
        guard raw.allSatisfy(isCharacter) else { throw .unreadableDocument }
        return String(decoding: raw, as: UTF8.self)
    }

    /// A byte XML allows in character data: no C0 control but tab, line feed and carriage return.
    private static func isCharacter(_ byte: UInt8) -> Bool {
        byte >= 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// `lt`, `gt`, `amp`, `quot`, `apos`, `#N` or `#xH` (at most 10 characters, so the number fits)
    /// naming a character XML allows.
    private static func reference(_ name: ArraySlice<UInt8>) throws(MailError) -> Unicode.Scalar {
        switch String(decoding: name, as: UTF8.self) {
        case "lt": return "<"
        case "gt": return ">"
        case "amp": return "&"
        case "quot": return "\""
        case "apos": return "'"
        case let reference where reference.hasPrefix("#"):
            let hex = reference.hasPrefix("#x")
            let digits = reference.dropFirst(hex ? 2 : 1)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && (hex ? $0.isHexDigit : $0.isNumber) }) else {
                throw .unreadableDocument
            }
            guard let value = UInt32(digits, radix: hex ? 16 : 10), let scalar = Unicode.Scalar(value),
                  value == 0x9 || value == 0xA || value == 0xD || (value >= 0x20 && value != 0xFFFE && value != 0xFFFF)
            else { throw .unreadableDocument }
            return scalar
        default:
            throw .unreadableDocument
        }
    }

    /// The document's structure as lines.
    private struct Reader {
        let maxLines: Int
        var lines: [String] = []
        private var paragraph = ""
        private var inText = false
        private var tableDepth = 0

        init(maxLines: Int) { self.maxLines = maxLines }

        mutating func start(_ name: String) {
            switch name {
            case "w:t": inText = true
            case "w:tab": paragraph += "\t"
            case "w:br", "w:cr": paragraph += "\n"
            case "w:p": paragraph = ""
            case "w:tbl": tableDepth += 1
            default: break
            }
        }

        mutating func end(_ name: String) {
            switch name {
            case "w:t": inText = false
            case "w:p":
                let text = paragraph.trimmingCharacters(in: .whitespaces)
                if !text.isEmpty || tableDepth == 0 {
                    // A paragraph's line breaks count against the bound too.
                    for line in text.split(separator: "\n", omittingEmptySubsequences: false) where lines.count < maxLines {
                        lines.append(String(line))
                    }
                }
                paragraph = ""
            case "w:tc":
                // A cell ends its paragraphs; an empty line keeps label and value apart.
                if lines.count < maxLines { lines.append("") }
            case "w:tbl": tableDepth = max(0, tableDepth - 1)
            default: break
            }
        }

        mutating func characters(_ text: String) {
            if inText { paragraph += text }
        }
    }

    /// A position in the document's bytes; every step checks the end.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index >= bytes.count }

        func peek(_ literal: String) -> Bool {
            bytes[index...].starts(with: literal.utf8)
        }

        mutating func skip(_ literal: String) -> Bool {
            guard peek(literal) else { return false }
            index += literal.utf8.count
            return true
        }

        /// The bytes up to `terminator`, which is skipped too.
        mutating func take(upTo terminator: String) throws(MailError) -> ArraySlice<UInt8> {
            let pattern = Array(terminator.utf8)
            var probe = index
            while probe + pattern.count <= bytes.count {
                if bytes[probe..<(probe + pattern.count)].elementsEqual(pattern) {
                    let taken = bytes[index..<probe]
                    index = probe + pattern.count
                    return taken
                }
                probe += 1
            }
            throw .unreadableDocument
        }

        mutating func skip(past terminator: String) throws(MailError) {
            _ = try take(upTo: terminator)
        }

        /// Character data up to the next `<` or the end.
        mutating func takeText() -> ArraySlice<UInt8> {
            let end = bytes[index...].firstIndex(of: UInt8(ascii: "<")) ?? bytes.count
            defer { index = end }
            return bytes[index..<end]
        }

        mutating func skipSpace() {
            while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
        }

        /// An element or attribute name: up to a space, `=`, `/`, `>`, `<` or a quote; not empty.
        mutating func name() throws(MailError) -> String {
            let start = index
            while index < bytes.count, !Self.endsName(bytes[index]) { index += 1 }
            guard index > start else { throw .unreadableDocument }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        /// A start tag's attributes, skipped (a .docx's text is in elements), up to `>` or `/>`:
        /// true for `/>`. Each is a name, `=` and a quoted value without `<`.
        mutating func attributes() throws(MailError) -> Bool {
            while true {
                let spaced = index < bytes.count && Self.isSpace(bytes[index])
                skipSpace()
                if skip(">") { return false }
                if skip("/>") { return true }
                guard spaced else { throw .unreadableDocument }
                _ = try name()
                skipSpace()
                guard skip("=") else { throw .unreadableDocument }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                    throw .unreadableDocument
                }
                let quote = bytes[index]
                index += 1
                guard let close = bytes[index...].firstIndex(of: quote),
                      !bytes[index..<close].contains(UInt8(ascii: "<")) else { throw .unreadableDocument }
                index = close + 1
            }
        }

        static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }

        static func endsName(_ byte: UInt8) -> Bool {
            isSpace(byte) || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: ">")
                || byte == UInt8(ascii: "<") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
        }
    }
}
