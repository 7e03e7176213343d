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

    // MARK: .docx attachments (ZipEntry, WordText) — inputs found by scripts/fuzz.sh InboundMail

    static func seed(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: TestSupport.repositoryRoot + "/Tests/fuzz/seeds/InboundMail/" + name)))
    }

    @Test("a .docx is read in memory: table cells as label and value lines, paragraphs after")
    func docxLines() throws {
        let lines = try DocxText.lines(of: try Self.seed("docx"))
        #expect(lines == ["Rapport om samverkansbrist", "Vad hände?", "", "Remissen kom tillbaka", "", "Datum", "",
                          "2026-11-20", "", "Rad ett", "rad två"])
    }

    @Test("a document.xml as Word's own template writes it (python-docx 1.x: twenty namespaces, table properties, styles, a section): its lines")
    func wordTemplateDocument() throws {
        let docx = Self.storedZip("word/document.xml", try Self.seed("document-xml-word-template"))
        #expect(try DocxText.lines(of: docx) == ["Rapport om samverkansbrist", "Vad hände?", "", "Remissen kom tillbaka & ingen ringde <alls>", "",
                                                  "Datum", "", "2026-11-20", "", "Rad ett", "rad två\tmed tabb", "Åäö “citat” – tankstreck"])
    }

    @Test("crafted .docx attachments are refused with unreadableDocument, never a trap or a hang: a directory pointing past the end and a deflate stream cut short (ZIPFoundation trapped on the one and looped for ever on the other), a bad CRC, no end record")
    func craftedDocx() throws {
        for name in ["regression-docx-directory-past-the-end", "regression-docx-deflate-cut-short", "regression-docx-xml-warning"] {
            let bytes = try Self.seed(name)
            #expect(bytes.starts(with: Array("PK".utf8)))
            #expect(throws: MailError.unreadableDocument) { try DocxText.lines(of: bytes) }
        }
        let message = InboundMessage.parse(try Self.seed("regression-docx-without-end-record"))
        #expect(message.attachments.count == 1)
        for attachment in message.attachments {
            #expect(throws: MailError.unreadableDocument) { try DocxText.lines(of: attachment.data) }
        }
    }

    /// A ZIP of one stored entry, written here field by field.
    static func storedZip(_ name: String, _ contents: [UInt8], crc: UInt32? = nil, size: Int? = nil) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { u16(v & 0xFFFF) + u16(v >> 16 & 0xFFFF) }
        let checksum = Int(crc ?? Self.crc32(contents))
        let declared = size ?? contents.count
        let nameBytes = Array(name.utf8)
        let local = u32(0x0403_4B50) + u16(20) + u16(0) + u16(0) + u32(0) + u32(checksum) + u32(declared) + u32(declared)
            + u16(nameBytes.count) + u16(0) + nameBytes + contents
        let central = u32(0x0201_4B50) + u16(20) + u16(20) + u16(0) + u16(0) + u32(0) + u32(checksum) + u32(declared)
            + u32(declared) + u16(nameBytes.count) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(0) + nameBytes
        let end = u32(0x0605_4B50) + u16(0) + u16(0) + u16(1) + u16(1) + u32(central.count) + u32(local.count) + u16(0)
        return local + central + end
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    @Test("the ZIP reader: a stored entry read by name; a wrong CRC, a size over the bound, a size the bytes do not hold, another name: refused")
    func zipEntry() throws {
        let xml = Array("<w:document><w:body><w:p><w:r><w:t>Hej</w:t></w:r></w:p></w:body></w:document>".utf8)
        #expect(try DocxText.lines(of: Self.storedZip("word/document.xml", xml)) == ["Hej"])
        #expect(try ZipEntry.read("a", from: Self.storedZip("a", [1, 2, 3]), maxBytes: 3) == [1, 2, 3])
        #expect(throws: MailError.unreadableDocument) { try ZipEntry.read("a", from: Self.storedZip("a", [1, 2, 3]), maxBytes: 2) }
        #expect(throws: MailError.unreadableDocument) { try ZipEntry.read("b", from: Self.storedZip("a", [1, 2, 3]), maxBytes: 9) }
        #expect(throws: MailError.unreadableDocument) {
            try ZipEntry.read("a", from: Self.storedZip("a", [1, 2, 3], crc: 7), maxBytes: 9)
        }
        #expect(throws: MailError.unreadableDocument) {
            try ZipEntry.read("a", from: Self.storedZip("a", [1, 2, 3], size: 0x7FFF_FFFF), maxBytes: Int.max - 1)
        }
    }

    @Test("the XML scanner: references, CDATA, tabs and breaks read; a name that is not UTF-8 (FoundationXML trapped on it), bad nesting, a DOCTYPE, an unknown entity, text outside the root, control characters: refused")
    func wordXML() throws {
        func lines(_ xml: String, max: Int = 100) throws(MailError) -> [String] { try WordText.lines(of: Array(xml.utf8), maxLines: max) }
        let text = #"<?xml version="1.0"?><w:document a='1' b="x>y"><w:p><w:t>A &lt;&amp;&gt; &#229;&#xE4;</w:t><w:tab/><w:t><![CDATA[<b>]]></w:t><w:br/><w:t>två</w:t></w:p><!-- c --></w:document>"#
        #expect(try lines(text) == ["A <&> åä\t<b>", "två"])
        #expect(try lines("\u{FEFF}<r>\r\n<w:p><w:t>a\r\nb</w:t></w:p></r>\n") == ["a", "b"])
        #expect(try lines("<r>" + (0..<20).map { "<w:p><w:t>\($0)</w:t></w:p>" }.joined() + "</r>", max: 5).count == 5)
        let refused: [[UInt8]] = [
            [0x3C, 0xFF, 0xFF, 0xFF, 0xFF, 0x40, 0x61, 0x2F, 0x3E],   // <\xFF\xFF\xFF\xFF@a/>
            try Self.seed("regression-xml-name-not-utf8"),
            Array("<a><b></a></b>".utf8), Array("<a>".utf8), Array("<a/><b/>".utf8), [], Array("text".utf8),
            Array("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>".utf8), Array("<a>&e;</a>".utf8), Array("<a>&#0;</a>".utf8),
            Array("<a>&#xD800;</a>".utf8), Array("<a>&#+65;</a>".utf8), Array("<a>&#99999999999;</a>".utf8),
            Array("<a>\u{1}</a>".utf8), Array("<a b=1/>".utf8), Array("<a b='<'/>".utf8), Array("<a b='x'c='y'/>".utf8),
            Array("<a><![CDATA[x</a>".utf8), Array("<a><!-- x</a>".utf8), Array("<a/>x".utf8),
            Array(String(repeating: "<a>", count: 300).utf8),
        ]
        for xml in refused {
            #expect(throws: MailError.unreadableDocument, "\(xml.prefix(20))") { try WordText.lines(of: xml, maxLines: 100) }
        }
    }

    @Test("the end-of-central-directory check: a ZIP's end record found within the last 65,557 bytes, its comment reaching the end exactly")
    func endRecord() throws {
        let docx = try Self.seed("docx")
        #expect(ZipEntry.endRecordOffset(docx) != nil)
        #expect(ZipEntry.endRecordOffset(Array(docx.dropLast())) == nil)
        #expect(ZipEntry.endRecordOffset(docx + [0]) == nil)
        // A comment of 3 bytes, said and present.
        var commented = docx
        commented[commented.count - 2] = 3
        #expect(ZipEntry.endRecordOffset(commented + Array("abc".utf8)) != nil)
        #expect(ZipEntry.endRecordOffset(commented + Array("ab".utf8)) == nil)
        #expect(ZipEntry.endRecordOffset([]) == nil && ZipEntry.endRecordOffset(Array("PK\u{5}\u{6}".utf8)) == nil)
        // 10 MB that is not a ZIP: refused from its last 65,557 bytes.
        let large = [UInt8](repeating: 0x50, count: 10 * 1024 * 1024)
        #expect(ZipEntry.endRecordOffset(large) == nil)
        #expect(throws: MailError.unreadableDocument) { try DocxText.lines(of: large) }
    }
}
