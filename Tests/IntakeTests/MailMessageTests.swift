import Foundation
import Testing
@testable import Intake

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
    func lineRules() {
        let text = message().rendered(boundary: "b")
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 998) }
    }

    @Test("required headers are present, Swedish subject and name are encoded words")
    func headersPresent() {
        let head = headers(message().rendered(boundary: "b"))
        for name in ["Date: ", "From: ", "To: ", "Message-ID: <abc123@samverkan.example.se>", "Subject: ", "Auto-Submitted: auto-generated", "MIME-Version: 1.0", "Content-Type: multipart/alternative"] {
            #expect(head.contains { $0.hasPrefix(name) }, "\(name)")
        }
        #expect(head.first { $0.hasPrefix("From: ") }!.contains("=?UTF-8?B?"))
        #expect(head.allSatisfy { $0.allSatisfy(\.isASCII) })
    }

    @Test("CR or LF in a subject, name or address cannot add a header or a recipient", arguments: [
        "Hej\r\nBcc: victim@example.org", "Hej\nBcc: victim@example.org", "Hej\rBcc: victim@example.org", "Hej\u{85}Bcc: victim@example.org",
    ])
    func noHeaderInjection(_ evil: String) {
        let text = message(subject: evil, to: "asa@example.se\r\nBcc: victim@example.org", fromName: evil).rendered(boundary: "b")
        let head = headers(text)
        #expect(!head.contains { $0.lowercased().hasPrefix("bcc:") })
        #expect(head.filter { $0.hasPrefix("To: ") }.count == 1)
        #expect(head.first { $0.hasPrefix("To: ") } == "To: asa@example.seBcc:victim@example.org")
    }

    @Test("long non-ASCII subjects are split into valid encoded words")
    func longSubject() throws {
        let subject = String(repeating: "Överenskommelse om kostnadsansvar för hjälpmedel ", count: 4)
        let text = message(subject: subject).rendered(boundary: "b")
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
        #expect(throws: MailConfiguration.Problems.self) {
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
        #expect(throws: FormBodyError.self) { try FormBody.parse(Array(body.utf8)) }
    }
}
