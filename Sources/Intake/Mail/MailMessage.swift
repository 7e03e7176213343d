import Foundation

/// One e-mail, built as RFC 5322 text by hand: CRLF line ends, RFC 2047 encoded-words for
/// non-ASCII header text, multipart/alternative with base64 UTF-8 text and HTML parts.
/// Header values cannot carry a CR or LF: they are replaced before anything is written.
public struct MailMessage: Sendable, Hashable {
    public var fromName: String?
    public var fromAddress: String
    public var to: String
    public var replyTo: String?
    public var subject: String
    public var date: Date
    /// Without angle brackets: `local@domain`.
    public var messageId: String
    public var textBody: String
    public var htmlBody: String

    public init(fromName: String?, fromAddress: String, to: String, replyTo: String?, subject: String, date: Date,
                messageId: String, textBody: String, htmlBody: String) {
        self.fromName = fromName
        self.fromAddress = fromAddress
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.date = date
        self.messageId = messageId
        self.textBody = textBody
        self.htmlBody = htmlBody
    }

    /// The message as sent over SMTP. `boundary` is fixed in tests.
    public func rendered(boundary: String = "=_intake_" + SecretToken.generate().prefix(24)) -> String {
        var lines: [String] = []
        lines.append("Date: " + Self.rfc5322Date(date))
        lines.append("From: " + Self.mailbox(name: fromName, address: fromAddress))
        lines.append("To: " + Self.address(to))
        if let replyTo { lines.append("Reply-To: " + Self.address(replyTo)) }
        lines.append("Message-ID: <" + Self.address(messageId) + ">")
        lines.append(Self.foldedHeader("Subject", Self.encodeIfNeeded(Self.headerSafe(subject))))
        lines.append("MIME-Version: 1.0")
        lines.append("Auto-Submitted: auto-generated")
        lines.append("X-Auto-Response-Suppress: All")
        lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        lines.append("")
        lines.append("This is a multi-part message in MIME format.")
        for (type, body) in [("text/plain", textBody), ("text/html", htmlBody)] {
            lines.append("--\(boundary)")
            lines.append("Content-Type: \(type); charset=utf-8")
            lines.append("Content-Transfer-Encoding: base64")
            lines.append("")
            lines.append(contentsOf: Self.base64Lines(Self.normalizedBody(body)))
        }
        lines.append("--\(boundary)--")
        lines.append("")
        return lines.joined(separator: "\r\n")
    }

    // MARK: headers

    /// Any CR, LF or other control character in a header value becomes a space: no injection.
    static func headerSafe(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }

    /// An address is written as-is only if it is plain; anything that could break the header is removed.
    static func address(_ value: String) -> String {
        headerSafe(value).filter { !"<>\",;() ".contains($0) }
    }

    static func mailbox(name: String?, address: String) -> String {
        guard let name, !name.isEmpty else { return Self.address(address) }
        let safe = headerSafe(name)
        let display = safe.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || " .-_'".contains($0)) } ? "\"\(safe)\"" : encodeIfNeeded(safe, force: true)
        return "\(display) <\(Self.address(address))>"
    }

    /// RFC 2047 B-encoding in chunks that keep each encoded-word within 75 characters and never
    /// split a UTF-8 character.
    static func encodeIfNeeded(_ value: String, force: Bool = false) -> String {
        guard force || !value.allSatisfy({ $0.isASCII }) else { return value }
        var words: [String] = []
        var chunk = Data()
        for character in value {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// Folds a long ASCII header at spaces so no line exceeds 78 characters where possible.
    static func foldedHeader(_ name: String, _ value: String) -> String {
        if value.contains("=?UTF-8?") { return "\(name): \(value)" }
        var lines: [String] = []
        var current = "\(name):"
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            if current.count + 1 + word.count > 78 && current.count > name.count + 1 {
                lines.append(current)
                current = ""
            }
            current += " " + word
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    /// `Wed, 25 Nov 2026 17:40:00 +0000`, in UTC, formatted by hand (a DateFormatter per message
    /// cost more than the rest of the headers).
    static func rfc5322Date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { DigitText.padded(Int(value), width: 2) }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }

    // MARK: bodies

    /// CRLF, a lone CR and a lone LF all become CRLF. On bytes: CR and LF never occur inside a
    /// multi-byte UTF-8 sequence.
    static func normalizedBody(_ body: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(body.utf8.count + body.utf8.count / 32)
        var previousWasCR = false
        for byte in body.utf8 {
            switch byte {
            case 0x0D:
                out += [0x0D, 0x0A]
                previousWasCR = true
            case 0x0A:
                if !previousWasCR { out += [0x0D, 0x0A] }
                previousWasCR = false
            default:
                out.append(byte)
                previousWasCR = false
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func base64Lines(_ body: String) -> [String] {
        let encoded = Data(body.utf8).base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }
}
