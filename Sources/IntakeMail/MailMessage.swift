import Foundation
import IntakeDomain

/// One e-mail, built as RFC 5322 text by hand: CRLF line ends, RFC 2047 encoded-words for
/// non-ASCII header text, multipart/alternative with base64 UTF-8 text and HTML parts.
/// Text header values cannot carry a CR or LF: they are replaced before anything is written.
/// Addresses are written as given or not at all (`MailAddress`).
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

    /// The message as sent over SMTP: CRLF line ends, no line over 998 octets (header lines
    /// over 78 only for an address, at most 254 octets of it), exactly the headers below
    /// whatever the values. An address that `MailAddress` refuses is not altered to fit: the
    /// message is refused. `boundary` is fixed in tests.
    public func rendered(boundary: String = "=_intake_" + SecretToken.generate().prefix(24)) throws(MailError) -> String {
        let from = try Self.checked(fromAddress, header: "From")
        let to = try Self.checked(to, header: "To")
        let replyTo = try replyTo.map { value throws(MailError) in try Self.checked(value, header: "Reply-To") }
        let messageId = try Self.checked(messageId, header: "Message-ID")
        var lines: [String] = []
        lines.append("Date: " + Self.rfc5322Date(date))
        lines.append("From: " + Self.mailbox(name: fromName, address: from))
        lines.append("To: " + to)
        if let replyTo { lines.append("Reply-To: " + replyTo) }
        lines.append("Message-ID: <" + messageId + ">")
        lines.append(Self.foldedHeader("Subject", subject))
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

    static func checked(_ address: String, header: String) throws(MailError) -> String {
        if let problem = MailAddress.problem(address) { throw MailError.unwritableAddress(header: header, problem: problem) }
        return address
    }

    /// Any CR, LF or other control character in a header value becomes a space: no injection.
    static func headerSafe(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }

    /// `"Name" <address>` for a short plain name, encoded-words (one per line) otherwise.
    static func mailbox(name: String?, address: String) -> String {
        let display = headerSafe(name ?? "").trimmingCharacters(in: .whitespaces)
        guard !display.isEmpty else { return address }
        if display.utf8.count <= 64, display.utf8.allSatisfy({ isAlphanumeric($0) || " .-_'".utf8.contains($0) }) {
            return "\"\(display)\" <\(address)>"
        }
        return encodedWords(display).joined(separator: "\r\n ") + " <\(address)>"
    }

    /// Unstructured text (the subject) folded at spaces when it is plain ASCII in words of at
    /// most 76 characters that cannot be read as encoded-words; otherwise encoded-words, one per
    /// line. Lines of at most 78 octets where the words allow, never over 86.
    static func foldedHeader(_ name: String, _ value: String) -> String {
        let safe = headerSafe(value)
        guard isPlainText(safe) else { return "\(name): " + encodedWords(safe).joined(separator: "\r\n ") }
        var lines: [String] = []
        var current = "\(name):"
        for word in safe.split(separator: " ", omittingEmptySubsequences: false) {
            if current.utf8.count + 1 + word.utf8.count > 78 && current.utf8.count > name.utf8.count + 1 {
                lines.append(current)
                current = ""
            }
            current += " " + word
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    static func isPlainText(_ value: String) -> Bool {
        var word = 0
        var previous: UInt8 = 0
        for byte in value.utf8 {
            if byte >= 0x80 || (previous == UInt8(ascii: "=") && byte == UInt8(ascii: "?")) { return false }
            word = byte == 0x20 ? 0 : word + 1
            if word > 76 { return false }
            previous = byte
        }
        return true
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    /// RFC 2047 B-encoded-words of at most 45 UTF-8 octets each (72 characters encoded), split
    /// between Unicode scalars: never inside a UTF-8 sequence, whatever the grapheme clusters.
    static func encodedWords(_ value: String) -> [String] {
        var words: [String] = []
        var chunk = Data()
        for scalar in value.unicodeScalars {
            let bytes = Data(String(scalar).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        return words
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
