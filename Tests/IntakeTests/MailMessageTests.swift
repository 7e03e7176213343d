import Foundation
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

@Suite("Mail message building")
struct MailMessageTests {
    func message(subject: String = "Vi har tagit emot din rapport SB-2026-00001", to: String = "asa@example.se", fromName: String? = "Samverkansbrister Region Örebro") -> MailMessage {
        MailMessage(fromName: fromName, fromAddress: "no-reply@samverkan.example.se", to: to, replyTo: nil,
                    subject: subject, date: Date(timeIntervalSince1970: 1_795_000_000), messageId: "abc123@samverkan.example.se",
                    textBody: "Hej!\nRad två med åäö.\n" + String(repeating: "x", count: 2000), htmlBody: "<p>Hej åäö</p>")
    }

    func headers(_ text: String) -> [String] {
        let head = text.components(separatedBy: "\r\n\r\n").first!
        return head.components(separatedBy: "\r\n")
    }

    @Test("lines end in CRLF and none is longer than 998 octets")
    func lineRules() throws {
        let text = try message().rendered(boundary: "b")
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 998) }
    }

    @Test("required headers are present, Swedish subject and name are encoded words")
    func headersPresent() throws {
        let head = headers(try message().rendered(boundary: "b"))
        for name in ["Date: ", "From: ", "To: ", "Message-ID: <abc123@samverkan.example.se>", "Subject: ", "Auto-Submitted: auto-generated", "MIME-Version: 1.0", "Content-Type: multipart/alternative"] {
            #expect(head.contains { $0.hasPrefix(name) }, "\(name)")
        }
        #expect(head.first { $0.hasPrefix("From: ") }!.contains("=?UTF-8?B?"))
        #expect(head.allSatisfy { $0.allSatisfy(\.isASCII) })
    }

    @Test("CR or LF in a subject, name or address cannot add a header or a recipient", arguments: [
        "Hej\r\nBcc: victim@example.org", "Hej\nBcc: victim@example.org", "Hej\rBcc: victim@example.org", "Hej\u{85}Bcc: victim@example.org",
    ])
    func noHeaderInjection(_ evil: String) throws {
        let text = try message(subject: evil, fromName: evil).rendered(boundary: "b")
        let head = headers(text)
        #expect(!head.contains { $0.lowercased().hasPrefix("bcc:") })
        #expect(head.filter { $0.hasPrefix("To: ") } == ["To: asa@example.se"])
        // An address is written as given or not at all.
        let refusal = #expect(throws: MailError.self) {
            try message(to: "asa@example.se" + evil).rendered(boundary: "b")
        }
        guard case .unwritableAddress(let header, _) = refusal else { Issue.record("not an address refusal: \(String(describing: refusal))"); return }
        #expect(header == "To")
    }

    /// The fuzz target's invariant (Tests/fuzz/MailMessageTarget.swift): CRLF only, no line over 998
    /// octets, exactly the builder's headers.
    func expectInvariant(_ text: String, replyTo: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = Array(text.utf8)
        for (i, byte) in bytes.enumerated() {
            if byte == 10 { #expect(i > 0 && bytes[i - 1] == 13, "bare LF", sourceLocation: sourceLocation) }
            if byte == 13 { #expect(i + 1 < bytes.count && bytes[i + 1] == 10, "bare CR", sourceLocation: sourceLocation) }
        }
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 998 }, "a line over 998 octets", sourceLocation: sourceLocation)
        let names = lines.prefix { !$0.isEmpty }.filter { !$0.hasPrefix(" ") }.map { String($0.prefix { $0 != ":" }) }
        #expect(names == ["Date", "From", "To"] + (replyTo ? ["Reply-To"] : []) +
                ["Message-ID", "Subject", "MIME-Version", "Auto-Submitted", "X-Auto-Response-Suppress", "Content-Type"], sourceLocation: sourceLocation)
    }

    /// Decodes the encoded-words and quoted names of a folded header back to text.
    func decodedHeader(_ text: String, _ name: String) throws -> String {
        let head = headers(text)
        let start = try #require(head.firstIndex { $0.hasPrefix(name + ": ") })
        var value = String(head[start].dropFirst(name.count + 2))
        var index = start + 1
        while index < head.count, head[index].hasPrefix(" ") { value += head[index]; index += 1 }
        var decoded = ""
        for token in value.split(separator: " ") {
            if token.hasPrefix("=?UTF-8?B?") && token.hasSuffix("?=") {
                #expect(token.count <= 75)
                decoded += String(decoding: try #require(Data(base64Encoded: String(token.dropFirst(10).dropLast(2)))), as: UTF8.self)
            }
        }
        return decoded
    }

    @Test("display names of any length or script are folded into encoded words; the invariant holds", arguments: [
        String(repeating: "Samverkansbrister ", count: 80),                 // long ASCII name
        String(repeating: "Region Örebro län ", count: 60),                 // long non-ASCII name
        String(decoding: [UInt8](repeating: 0xFF, count: 360), as: UTF8.self), // invalid UTF-8 read as 360 U+FFFD
        "a" + String(repeating: "\u{301}", count: 600),                    // one grapheme of 1,201 octets
    ])
    func longDisplayNames(_ name: String) throws {
        let text = try message(fromName: name).rendered(boundary: "b")
        expectInvariant(text)
        #expect(try decodedHeader(text, "From") == name.trimmingCharacters(in: .whitespaces))
        #expect(headers(text).allSatisfy { $0.utf8.count <= 335 })
    }

    @Test("subjects that are one long word or look like encoded words are encoded, not written as they are", arguments: [
        String(repeating: "x", count: 1200), "=?UTF-8?B?" + String(repeating: "y", count: 1100), String(repeating: "\u{FFFD}", count: 400),
    ])
    func awkwardSubjects(_ subject: String) throws {
        let text = try message(subject: subject).rendered(boundary: "b")
        expectInvariant(text)
        #expect(try decodedHeader(text, "Subject") == subject)
    }

    @Test("an address the header cannot carry is refused with a reason that does not name it", arguments: [
        ("To", String(decoding: [UInt8](repeating: 0xFF, count: 320) + [UInt8](repeating: 0x41, count: 40), as: UTF8.self), MailAddress.Problem.notASCII),
        ("To", String(repeating: "a", count: 300) + "@example.se", .tooLong),
        ("To", "åsa@example.se", .notASCII),
        ("Reply-To", "svar@example.se, annan@example.se", .forbiddenCharacter),
        ("From", "no-reply", .notOneAt),
    ])
    func refusedAddresses(_ header: String, _ address: String, _ problem: MailAddress.Problem) {
        var mail = message()
        switch header {
        case "To": mail.to = address
        case "Reply-To": mail.replyTo = address
        default: mail.fromAddress = address
        }
        let refusal = #expect(throws: MailError.self) { try mail.rendered(boundary: "b") }
        #expect(refusal == MailError.unwritableAddress(header: header, problem: problem))
        #expect(refusal.map { !$0.description.contains(address) } == true)
    }

    @Test("an address of exactly 254 octets is written as it is; the invariant holds")
    func longestAddress() throws {
        let address = String(repeating: "a", count: 254 - "@example.se".count) + "@example.se"
        var mail = message(to: address)
        mail.replyTo = address
        mail.fromAddress = address
        let text = try mail.rendered(boundary: "b")
        expectInvariant(text, replyTo: true)
        #expect(headers(text).contains("To: " + address))
    }

    @Test("long non-ASCII subjects are split into valid encoded words")
    func longSubject() throws {
        let subject = String(repeating: "Överenskommelse om kostnadsansvar för hjälpmedel ", count: 4)
        let text = try message(subject: subject).rendered(boundary: "b")
        let head = headers(text)
        let start = try #require(head.firstIndex { $0.hasPrefix("Subject: ") })
        var words: [String] = [String(head[start].dropFirst("Subject: ".count))]
        var index = start + 1
        while index < head.count, head[index].hasPrefix(" ") { words.append(String(head[index].dropFirst())); index += 1 }
        var decoded = ""
        for word in words {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let payload = String(word.dropFirst(10).dropLast(2))
            decoded += String(decoding: Data(base64Encoded: payload)!, as: UTF8.self)
        }
        #expect(decoded == subject)
    }

    @Test("retry delays grow, then give up after the configured time")
    func retryDelays() {
        var config = MailConfiguration()
        config.retryDelaysSeconds = [60, 300, 1800]
        config.maxRetrySeconds = 3600
        let start = Date(timeIntervalSince1970: 0)
        #expect(config.retryDelay(afterAttempts: 1, firstQueuedAt: start, now: start) == 60)
        #expect(config.retryDelay(afterAttempts: 2, firstQueuedAt: start, now: start.addingTimeInterval(60)) == 300)
        #expect(config.retryDelay(afterAttempts: 5, firstQueuedAt: start, now: start.addingTimeInterval(1000)) == 1800)
        #expect(config.retryDelay(afterAttempts: 6, firstQueuedAt: start, now: start.addingTimeInterval(3000)) == nil)
    }

    @Test("mail configuration problems are all reported at once")
    func configurationProblems() {
        #expect(throws: MailError.self) {
            try MailConfiguration.fromEnvironment(["INTAKE_SMTP_URL": "http://x", "INTAKE_SMTP_STARTTLS": "maybe", "INTAKE_SMTP_USERNAME": "u"])
        }
        do {
            _ = try MailConfiguration.fromEnvironment(["INTAKE_SMTP_URL": "http://x", "INTAKE_SMTP_STARTTLS": "maybe", "INTAKE_SMTP_USERNAME": "u"])
        } catch {
            #expect(error.problems.count >= 3)
        }
    }
}

@Suite("Form body parser")
struct FormBodyTests {
    @Test("decodes plus, percent escapes and repeated names")
    func decodes() throws {
        let values = try FormBody.parse(Array("a=1&b=h%C3%A5+j&a=2&empty=&flag".utf8))
        #expect(values["a"] == ["1", "2"])
        #expect(values["b"] == ["hå j"])
        #expect(values["empty"] == [""])
        #expect(values["flag"] == [""])
    }

    @Test("refuses invalid UTF-8, bad escapes and NUL bytes", arguments: ["a=%FF", "a=%C3", "a=%G1", "a=%", "a=%00", "a=x%0"])
    func refuses(_ body: String) {
        #expect(throws: FormBody.Malformation.self) { try FormBody.parse(Array(body.utf8)) }
    }
}
