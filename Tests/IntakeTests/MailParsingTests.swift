import Foundation
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail

/// Reading received mail: MIME within bounds, HTML as text, quoted text and signatures cut,
/// labelled values into the report form's fields, .docx text. Pure functions; the mailbox end to
/// end is in MailIntakeTests.
@Suite("Mail parsing: MIME, HTML, quotes, labels, .docx")
struct MailParsingTests {
    @Test("IMAP folder names in modified UTF-7 (RFC 3501 §5.1.3)", arguments: [
        ("INBOX", "INBOX"), ("Behandlade", "Behandlade"), ("Återkopplade", "&AMU-terkopplade"),
        ("Klart & Åtgärdat", "Klart &- &AMU-tg&AOQ-rdat"), ("Åäö", "&AMUA5AD2-"),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"), ("😀", "&2D3eAA-"),
    ])
    func mailboxNames(name: String, wire: String) {
        #expect(IMAPMailboxName.encode(name) == wire)
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }

    @Test("headers: encoded-words, folded lines, ids, sender; quoted-printable Latin-1 body")
    func headersAndQuotedPrintable() {
        let message = InboundMessage.parse(Self.bytes("""
            From: =?ISO-8859-1?Q?=C5sa_=D6berg?= <Asa.Oberg@Example.se>
            Subject: =?UTF-8?B?UmVtaXNzIHRpbGwgQlVQ?=
             =?UTF-8?Q?_kom_tillbaka?=
            Message-ID: <abc@example.se>
            In-Reply-To: <x1@samverkan.example.se>
            References: <x0@samverkan.example.se> <x1@samverkan.example.se>
            Content-Type: text/plain; charset="iso-8859-1"
            Content-Transfer-Encoding: quoted-printable

            Hemtj=E4nsten fick inget besked, s=E5 det bl=
            ev fel.
            """))
        #expect(message.fromAddress == "asa.oberg@example.se")
        #expect(message.fromName == "Åsa Öberg")
        #expect(message.subject == "Remiss till BUP kom tillbaka")
        #expect(message.messageId == "abc@example.se")
        #expect(message.inReplyTo == ["x1@samverkan.example.se"])
        #expect(message.references == ["x0@samverkan.example.se", "x1@samverkan.example.se"])
        #expect(message.bodyText == "Hemtjänsten fick inget besked, så det blev fel.")
    }

    @Test("multipart/alternative: the plain part; an HTML-only mail as text; a DSN is a multipart/report")
    func multipart() {
        let alternative = InboundMessage.parse(Self.bytes("""
            From: a@example.se
            Content-Type: multipart/alternative; boundary="b1"

            preamble
            --b1
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: base64

            RGV0IGJsZXYgZmVsIHDDpSBmcmVkYWdlbi4=
            --b1
            Content-Type: text/html; charset=utf-8

            <p>Det blev <b>fel</b></p>
            --b1--
            """))
        #expect(alternative.bodyText == "Det blev fel på fredagen.")
        #expect(alternative.htmlText?.contains("<b>fel</b>") == true)

        let html = InboundMessage.parse(Self.bytes("""
            From: a@example.se
            Content-Type: text/html; charset=utf-8

            <html><head><title>x</title><style>p{}</style></head><body><p>Rad&nbsp;ett &amp; mer</p><div>Rad tv&#229;<br/>Rad tre</div><blockquote>citat</blockquote></body></html>
            """))
        #expect(html.bodyText == "Rad ett & mer\n\nRad två\nRad tre")

        let dsn = InboundMessage.parse(Self.bytes("""
            From: MAILER-DAEMON@example.se
            Content-Type: multipart/report; report-type=delivery-status; boundary="r"

            --r
            Content-Type: text/plain

            Delivery failed
            --r--
            """))
        #expect(dsn.contentType == "multipart/report")
    }

    @Test("bounds: nesting deeper than the limit, too many parts and hostile bytes never trap (seeded)")
    func bounds() {
        var nested = "From: a@example.se\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n"
        for level in 0..<40 {
            nested += "--b\(level)\nContent-Type: multipart/mixed; boundary=\"b\(level + 1)\"\n\n"
        }
        nested += "--b40\nContent-Type: text/plain\n\ndeep\n"
        let deep = InboundMessage.parse(Self.bytes(nested))
        #expect(deep.truncated)
        #expect(deep.plainText == nil)

        var many = "From: a@example.se\nContent-Type: multipart/mixed; boundary=\"m\"\n\n"
        for index in 0..<500 { many += "--m\nContent-Type: text/plain\n\npart \(index)\n" }
        many += "--m--\n"
        let wide = InboundMessage.parse(Self.bytes(many))
        #expect(wide.truncated)
        #expect(wide.plainText == "part 0")

        var generator = TestSeed.generator()
        let pieces = ["\r\n", "\n", "--b\r\n", "Content-Type: multipart/mixed; boundary=b\r\n", "=?utf-8?B?", "?=", "=\r\n", "=F", "<", ">",
                      "Content-Transfer-Encoding: base64\r\n", "Content-Transfer-Encoding: quoted-printable\r\n", "&#x", ";", "\u{0}", "ä", "Subject: "]
        for _ in 0..<300 {
            var text = ""
            for _ in 0..<Int.random(in: 0...80, using: &generator) { text += pieces[Int.random(in: 0..<pieces.count, using: &generator)] }
            var bytes = Array(text.utf8)
            for _ in 0..<Int.random(in: 0...8, using: &generator) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            let message = InboundMessage.parse(bytes)
            _ = message.bodyText
            _ = MailReport.ownText(message.bodyText)
        }
    }

    @Test("the sender's own words: quoted replies, Outlook header blocks and signatures cut")
    func ownText() {
        #expect(MailReport.ownText("Det blev fel.\n\nMvh\nÅsa\n070-123 45 67") == "Det blev fel.")
        #expect(MailReport.ownText("Det blev fel.\n-- \nÅsa Öberg") == "Det blev fel.")
        #expect(MailReport.ownText("Tack, här är mer.\n\nDen 25 nov. 2026 kl. 10:00 skrev Samverkansbrister <no-reply@x.se>:\n> Vi har tagit emot") == "Tack, här är mer.")
        #expect(MailReport.ownText("Svar.\n\nFrån: Samverkansbrister\nSkickat: den 25 november\nÄmne: Vi har tagit emot") == "Svar.")
        #expect(MailReport.ownText("> citat\nEget svar\n> mer citat") == "Eget svar")
        #expect(MailReport.ownText("Hälsningarna från BUP kom aldrig fram.") == "Hälsningarna från BUP kom aldrig fram.")
    }

    @Test("labelled values: 'Label: value' and a label line followed by its value; dates in Swedish forms")
    func labels() throws {
        let catalogue = try TestSupport.catalogue()
        let region = try #require(catalogue.region("stockholm"))
        let form = ReportForm(catalogue: catalogue, region: region, agreement: catalogue.agreement("sthlm-bus"))
        let read = MailReport.labelledValues([
            "Inledning som inte hör till något fält",
            "Din organisation: Solna stad",
            "Datum",
            "20 november 2026",
            "Vad hände?",
            "Remissen kom tillbaka.",
            "Två gånger.",
            "",
        ], form: form)
        #expect(read.values["organisation"] == "Solna stad")
        #expect(read.values["occurred_on"] == "20 november 2026")
        #expect(read.values["what_happened"] == "Remissen kom tillbaka.\nTvå gånger.")
        #expect(read.rest == ["Inledning som inte hör till något fält"])
        #expect(MailReport.day("2026-11-20") == CalendarDay(year: 2026, month: 11, day: 20))
        #expect(MailReport.day("20/11/2026") == CalendarDay(year: 2026, month: 11, day: 20))
        #expect(MailReport.day("20 nov 2026") == CalendarDay(year: 2026, month: 11, day: 20))
        #expect(MailReport.day("31/02/2026") == nil)
        #expect(MailReport.day("någon gång i höstas") == nil)
    }

    @Test("a mail's draft goes through the form's checks: a party outside the region and a future date are dropped and listed as missing")
    func draftThroughForm() throws {
        let catalogue = try TestSupport.catalogue()
        let region = try #require(catalogue.region("stockholm"))
        let form = ReportForm(catalogue: catalogue, region: region, agreement: catalogue.agreement("sthlm-bus"))
        let today = CalendarDay(year: 2026, month: 11, day: 25)
        let result = MailReport.draft(subject: "Remiss", text: "Din organisation: Örebro kommun\nNär hände det?: 2027-01-01\nVad hände?: Remissen studsade.",
                                      attachmentLines: [], senderAddress: "asa@example.se", senderName: "Åsa", form: form,
                                      receivedOn: today, today: today)
        #expect(result.draft.whatHappened == "Remissen studsade.")
        #expect(result.draft.organisationKey == "")
        #expect(result.draft.occurredOn == today)
        #expect(result.missing == ["organisation", "other_parties", "occurred_on", "expected"])
        #expect(result.draft.routes.map(\.functionKey).sorted() == ["sthlm-bus-region", "sthlm-bus-storsthlm"])
        #expect(result.draft.reporterEmail == "asa@example.se")

        #expect(MailReport.privacyFinding(subject: "Hej", text: "Eleven 121212-1212 väntade.", attachmentLines: [], form: form) == .personalIdentityNumber)
        let name = MailReport.privacyFinding(subject: "Hej", text: "Patienten Andersson väntade.", attachmentLines: [], form: form)
        #expect(name.map { if case .personName = $0 { true } else { false } } == true)
        #expect(MailReport.privacyFinding(subject: "Hej", text: "Ring mig.\nTelefon: 08-123 456 78", attachmentLines: [], form: form) == nil)
    }

    // MARK: .docx attachments (ZIPFoundation) — inputs found by scripts/fuzz.sh InboundMail

    static func seed(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: TestSupport.repositoryRoot + "/Tests/fuzz/seeds/InboundMail/" + name)))
    }

    @Test("a .docx is read through an unnamed file: table cells as label and value lines, paragraphs after")
    func docxLines() throws {
        let listing = { Set((try? FileManager.default.contentsOfDirectory(atPath: "/dev/shm")) ?? []) }
        let before = listing()
        let lines = try DocxText.lines(of: try Self.seed("docx"))
        #expect(lines.contains("Vad hände?") && lines.contains("Remissen kom tillbaka"))
        #expect(lines.contains("Rad ett") && lines.contains("rad två"))
        // Nothing is left behind: the file had no name and closed with the read.
        #expect(listing().subtracting(before).isEmpty)
    }

    @Test("crafted .docx attachments are refused with unreadableDocument, never a trap: a directory pointing past the end (ZIPFoundation's in-memory reader trapped on it), no end record; XML with a recovered error is read")
    func craftedDocx() throws {
        let pastTheEnd = try Self.seed("regression-docx-directory-past-the-end")
        #expect(pastTheEnd.starts(with: Array("PK".utf8)))
        #expect(throws: MailError.unreadableDocument) { try DocxText.lines(of: pastTheEnd) }
        // XML on which libxml2 reports an error it recovers from: read (FoundationXML's parse succeeds).
        #expect(try DocxText.lines(of: try Self.seed("regression-docx-xml-warning")).contains("Remissen kom tillbaka"))
        let message = InboundMessage.parse(try Self.seed("regression-docx-without-end-record"))
        #expect(message.attachments.count == 1)
        for attachment in message.attachments {
            #expect(throws: MailError.unreadableDocument) { try DocxText.lines(of: attachment.data) }
        }
    }

    @Test("the end-of-central-directory check: a ZIP's end record found within the last 65,557 bytes, its comment reaching the end exactly")
    func endRecord() throws {
        let docx = try Self.seed("docx")
        #expect(DocxText.hasEndRecord(docx))
        #expect(!DocxText.hasEndRecord(Array(docx.dropLast())))
        #expect(!DocxText.hasEndRecord(docx + [0]))
        // A comment of 3 bytes, said and present.
        var commented = docx
        commented[commented.count - 2] = 3
        #expect(DocxText.hasEndRecord(commented + Array("abc".utf8)))
        #expect(!DocxText.hasEndRecord(commented + Array("ab".utf8)))
        #expect(!DocxText.hasEndRecord([]) && !DocxText.hasEndRecord(Array("PK\u{5}\u{6}".utf8)))
        // 10 MB that is not a ZIP: refused from its last 65,557 bytes, before ZIPFoundation.
        let large = [UInt8](repeating: 0x50, count: 10 * 1024 * 1024)
        #expect(!DocxText.hasEndRecord(large))
        #expect(throws: MailError.unreadableDocument) { try DocxText.lines(of: large) }
    }
}
