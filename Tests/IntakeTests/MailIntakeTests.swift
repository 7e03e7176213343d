import Foundation
import GRDB
import HummingbirdTesting
import Testing
@testable import IntakeDomain
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore

/// The mail intake end to end: the real `intake serve` binary reads a real IMAP server (Debian's
/// dovecot, started on loopback with its own configuration) and sends its mails to a real SMTP
/// server (aiosmtpd); what it stored is read from the database file.
@Suite("Mail intake over IMAP (dovecot + aiosmtpd + the intake binary)", .serialized, .timeLimit(.minutes(5)),
       .requires(.imapServer, .smtpServer, .intakeBinary))
struct MailIntakeTests {
    static let replyTo = "rapport@samverkan.example.se"
    static let sender = "asa.oberg@example.se"

    /// dovecot, aiosmtpd and the intake binary reading INBOX every second, routing to `route`.
    final class Harness: @unchecked Sendable {
        let directory: String
        let imap: IMAPTestServer
        let smtp: SMTPTestServer
        var server: ChildProcess?
        var port = 0
        let route: String
        /// More environment for the next start.
        var extra: [String: String] = [:]

        init(route: String = "sthlm-bus", tls: (cert: String, key: String)? = nil) throws {
            directory = try TestSupport.temporaryDirectory("mail-intake")
            imap = try IMAPTestServer()
            imap.tls = tls
            try imap.start()
            smtp = try SMTPTestServer.started()
            self.route = route
        }

        var environment: [String: String] {
            var env = ShutdownTests.environment(directory: directory)
            env["INTAKE_SMTP_URL"] = smtp.url
            env["INTAKE_SMTP_STARTTLS"] = "off"
            env["INTAKE_MAIL_RETRY_DELAYS"] = "1"
            env["INTAKE_MAIL_FROM"] = "Samverkansbrister <no-reply@samverkan.example.se>"
            env["INTAKE_MAIL_REPLY_TO"] = MailIntakeTests.replyTo
            env["INTAKE_IMAP_URL"] = imap.url
            env["INTAKE_IMAP_USERNAME"] = imap.user
            env["INTAKE_IMAP_PASSWORD"] = imap.password
            env["INTAKE_IMAP_STARTTLS"] = "off"
            env["INTAKE_IMAP_POLL_SECONDS"] = "1"
            env["INTAKE_IMAP_ROUTE"] = route
            env.merge(extra) { _, new in new }
            return env
        }

        func start() async throws {
            let server = try ChildProcess.spawn(ChildProcess.intakeBinary, ["serve", "--port", "0"], environment: environment,
                                                logPath: directory + "/serve-\(UUID().uuidString.prefix(4)).log")
            self.server = server
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if let match = server.log.firstMatch(of: /listening on 127\.0\.0\.1:(\d+)/), let port = Int(match.1) {
                    self.port = port
                    return
                }
                if server.waitForExit(timeout: 0) != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            server.stop()
            throw ShutdownTests.ServerDidNotStart(log: server.log)
        }

        func stop() {
            server?.stop()
            imap.stop()
            smtp.stop()
        }

        func database() throws -> DatabaseQueue { try TestSupport.openDatabase(directory + "/intake.sqlite") }

        func reports() throws -> [Row] {
            try database().read { db in try Row.fetchAll(db, sql: "SELECT * FROM report ORDER BY id") }
        }

        func inbound() throws -> [Row] {
            try database().read { db in try Row.fetchAll(db, sql: "SELECT * FROM inbound_mail ORDER BY handled_at") }
        }

        func get(_ path: String) async throws -> (Int, String) {
            try await TestClient.withClient(host: "127.0.0.1", port: port) { http in
                let response = try await http.get(path)
                return (Int(response.status.code), response.body.map { String(buffer: $0) } ?? "")
            }
        }
    }

    static func mail(from: String = sender, name: String = "Åsa Öberg", subject: String, messageId: String = "<\(UUID().uuidString)@example.se>",
                     headers: [String] = [], body: String, contentType: String = "text/plain; charset=utf-8") -> String {
        ([
            "From: \(name.isEmpty ? "" : "=?utf-8?B?\(Data(name.utf8).base64EncodedString())?= ")<\(from)>",
            "To: BUS-sekretariatet <bus@samverkan.example.se>",
            "Subject: =?utf-8?B?\(Data(subject.utf8).base64EncodedString())?=",
            "Date: Wed, 25 Nov 2026 09:00:00 +0100",
            "Message-ID: \(messageId)",
            "MIME-Version: 1.0",
        ] + headers + [
            "Content-Type: \(contentType)",
            "Content-Transfer-Encoding: 8bit",
            "",
            body,
        ]).joined(separator: "\n")
    }

    static let plainBody = """
        Hej,

        En remiss från elevhälsan till BUP skickades tillbaka två gånger utan att någon tog kontakt med skolan.
        Ingen visste vem som skulle ta nästa steg.

        Med vänliga hälsningar
        Åsa Öberg
        Skolsköterska, Solna stad
        08-123 456 78

        Den 24 nov. 2026 skrev Kalle <kalle@example.se>:
        > Gammal text som inte ska med.
        """

    @Test("a plain mail becomes a report on the mailbox's agreement: text without signature or quote, the rest marked to be completed, acknowledged with Reply-To and [SB-…], moved to Behandlade")
    func plainMail() async throws {
        let harness = try Harness()
        defer { harness.stop() }
        try await harness.start()
        try harness.imap.append(Self.mail(subject: "Remiss till BUP kom tillbaka", body: Self.plainBody))
        let done = try await harness.imap.waitUntilHandled(1)
        #expect(done.messages.count == 1)
        #expect(done.messages.allSatisfy { $0.seen })

        let reports = try harness.reports()
        try #require(reports.count == 1, "\(harness.server?.log ?? "")")
        let report = reports[0]
        #expect(report["region_key"] as String == "stockholm")
        #expect(report["agreement_key"] as String? == "sthlm-bus")
        #expect(report["channel"] as String == "e-post")
        let text: String = report["what_happened"]
        #expect(text.hasPrefix("Remiss till BUP kom tillbaka\n\n"))
        #expect(text.contains("En remiss från elevhälsan till BUP skickades tillbaka två gånger"))
        #expect(!text.contains("Med vänliga hälsningar"))
        #expect(!text.contains("08-123"))
        #expect(!text.contains("Gammal text"))
        #expect(report["reporter_email"] as String? == Self.sender)
        #expect(report["organisation_key"] as String == "")
        let missing: String = try #require(report["missing_fields"])
        #expect(missing.split(separator: ",").map(String.init) == ["organisation", "other_parties", "occurred_on", "expected"])

        // The acknowledgement to the sender and one notification per owning function.
        let mails = try await harness.smtp.waitFor(3)
        let ack = try #require(mails.first { $0.envelope_to == [Self.sender] })
        let reference: String = report["reference"]
        #expect(ack.subject == "Vi har tagit emot din rapport [\(reference)]")
        #expect(ack.reply_to == Self.replyTo)
        #expect(ack.text?.contains("Nästa gång kan du använda webbformuläret") == true)
        #expect(ack.text?.contains("https://samverkan.example.se/rapportera/stockholm?avtal=sthlm-bus") == true)
        #expect(ack.text?.contains("- Din organisation") == true)
        #expect(ack.text?.contains("Svara på det här mejlet") == true)
        #expect(mails.filter { $0.envelope_to != [Self.sender] }.count == 2)

        // The staff queue shows it as to be completed.
        let inbound = try harness.inbound()
        #expect(inbound.map { $0["outcome"] as String } == ["report"])
        let log = harness.server?.log ?? ""
        #expect(!log.contains(Self.sender), "no reporter address in the log")
    }

    @Test("a done folder named with Swedish letters is created and used in modified UTF-7")
    func swedishDoneFolder() async throws {
        let harness = try Harness()
        defer { harness.stop() }
        harness.extra["INTAKE_IMAP_DONE_FOLDER"] = "Återkopplade ärenden"
        try await harness.start()
        try harness.imap.append(Self.mail(subject: "Remiss till BUP kom tillbaka", body: Self.plainBody))
        let done = try await harness.imap.waitUntilHandled(1, done: "&AMU-terkopplade &AOQ-renden")
        #expect(done.exists && done.messages.count == 1, "\(harness.server?.log ?? "")")
        #expect(try harness.reports().count == 1)
    }

    @Test("an HTML-only mail: its text without tags, styles or the quoted blockquote")
    func htmlOnlyMail() async throws {
        let harness = try Harness(route: "stockholm")
        defer { harness.stop() }
        try await harness.start()
        let html = """
            <html><head><style>p { color: red; }</style></head><body>
            <p>Hemtj&auml;nsten fick inget <b>inskrivningsmeddelande</b> fr&aring;n sjukhuset.</p>
            <div>Kommunen kunde inte planera hemg&aring;ngen.<br>Det blev fel.</div>
            <blockquote>Citerad gammal text</blockquote>
            </body></html>
            """
        try harness.imap.append(Self.mail(subject: "Utskrivning utan meddelande", body: html, contentType: "text/html; charset=utf-8"))
        _ = try await harness.imap.waitUntilHandled(1)
        let reports = try harness.reports()
        try #require(reports.count == 1, "\(harness.server?.log ?? "")")
        #expect(reports[0]["agreement_key"] as String? == nil)
        let text: String = reports[0]["what_happened"]
        #expect(text.contains("Hemtjänsten fick inget inskrivningsmeddelande från sjukhuset."))
        #expect(text.contains("Kommunen kunde inte planera hemgången.\nDet blev fel."))
        #expect(!text.contains("<"))
        #expect(!text.contains("color"))
        #expect(!text.contains("Citerad"))
        // Region route: the region's central triage.
        let routes = try await harness.database().read { db in try String.fetchAll(db, sql: "SELECT function_key FROM report_route") }
        #expect(routes == ["stockholm-triage"])
    }

    @Test("a mail with a filled .docx form: its labelled answers fill the fields, nothing left to complete")
    func docxMail() async throws {
        let harness = try Harness()
        defer { harness.stop() }
        try await harness.start()
        let docx = harness.directory + "/rapport.docx"
        try TestProcess.run(SMTPTestServer.python, [TestSupport.repositoryRoot + "/Tests/imap/make_docx.py", docx,
                                                    "Din organisation=Solna stad",
                                                    "Vilken eller vilka andra parter gäller det?=Region Stockholm",
                                                    "Datum=\(FormEncoder.occurredOn)",
                                                    "Vad hände?=Elevhälsans remiss till BUP skickades tillbaka utan kontakt med skolan.",
                                                    "Vad borde ha hänt enligt överenskommelsen?=BUP och elevhälsan skulle ha haft ett gemensamt möte.",
                                                    "Din yrkesroll=Skolsköterska"])
        let encoded = try Data(contentsOf: URL(fileURLWithPath: docx)).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        let body = """
            --GRANS
            Content-Type: text/plain; charset=utf-8

            Hej! Här kommer vår rapport enligt mallen.

            --GRANS
            Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name="rapport.docx"
            Content-Disposition: attachment; filename="rapport.docx"
            Content-Transfer-Encoding: base64

            \(encoded)
            --GRANS--
            """
        try harness.imap.append(Self.mail(subject: "Samverkansbrist BUS", body: body, contentType: "multipart/mixed; boundary=\"GRANS\""))
        _ = try await harness.imap.waitUntilHandled(1)
        let reports = try harness.reports()
        try #require(reports.count == 1, "\(harness.server?.log ?? "")")
        let report = reports[0]
        #expect(report["organisation_key"] as String == "solna-stad")
        #expect(report["occurred_on"] as String == FormEncoder.occurredOn)
        #expect(report["what_happened"] as String == "Elevhälsans remiss till BUP skickades tillbaka utan kontakt med skolan.")
        #expect(report["expected"] as String == "BUP och elevhälsan skulle ha haft ett gemensamt möte.")
        #expect(report["reporter_role"] as String? == "Skolsköterska")
        #expect(report["missing_fields"] as String? == nil)
        let parties = try await harness.database().read { db in try String.fetchAll(db, sql: "SELECT party_key FROM report_party") }
        #expect(parties == ["region-stockholm"])
        let mails = try await harness.smtp.waitFor(3)
        let ack = try #require(mails.first { $0.envelope_to == [Self.sender] })
        #expect(ack.text?.contains("behöver kompletteras") == false)
    }

    @Test("crafted .docx attachments (a deflate stream cut short, an XML name that is not UTF-8: the libraries used before hung or ended the server on them) neither stop nor hang the intake: the mail's own text is filed, and so is the next mail")
    func craftedDocxMail() async throws {
        let harness = try Harness()
        defer { harness.stop() }
        try await harness.start()
        let crafted = [try MailParsingTests.seed("regression-docx-deflate-cut-short"),
                       MailParsingTests.storedZip("word/document.xml", try MailParsingTests.seed("regression-xml-name-not-utf8"))]
        var body = "--GRANS\nContent-Type: text/plain; charset=utf-8\n\nRemissen från elevhälsan kom tillbaka utan kontakt med skolan.\n\n"
        for (number, bytes) in crafted.enumerated() {
            body += "--GRANS\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=\"rapport\(number).docx\"\n"
                + "Content-Disposition: attachment; filename=\"rapport\(number).docx\"\nContent-Transfer-Encoding: base64\n\n"
                + Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed]) + "\n"
        }
        body += "--GRANS--"
        try harness.imap.append(Self.mail(subject: "Samverkansbrist BUS", body: body, contentType: "multipart/mixed; boundary=\"GRANS\""))
        _ = try await harness.imap.waitUntilHandled(1)
        try harness.imap.append(Self.mail(subject: "Remiss till BUP kom tillbaka", body: Self.plainBody))
        _ = try await harness.imap.waitUntilHandled(2)
        let reports = try harness.reports()
        try #require(reports.count == 2, "\(harness.server?.log ?? "")")
        let texts = reports.map { $0["what_happened"] as String }
        #expect(texts.contains { $0.contains("Remissen från elevhälsan kom tillbaka utan kontakt med skolan.") })
        #expect(texts.contains { $0.contains("En remiss från elevhälsan till BUP skickades tillbaka två gånger") })
        #expect(harness.server?.log.contains("a .docx attachment could not be read") == true)
    }

    @Test("a mail with a personnummer is not stored; the sender is told why, without the number, and how to send again")
    func personnummerRefused() async throws {
        let harness = try Harness()
        defer { harness.stop() }
        try await harness.start()
        try harness.imap.append(Self.mail(subject: "Remissen studsade", body: "Eleven 20121212-1212 fick vänta i tre månader på BUP."))
        _ = try await harness.imap.waitUntilHandled(1)
        #expect(try harness.reports().isEmpty)
        let refusals = try await harness.smtp.waitFor(1)
        try #require(refusals.count == 1)
        let refusal = refusals[0]
        #expect(refusal.envelope_to == [Self.sender])
        #expect(refusal.subject == "Din rapport kunde inte tas emot / Your report could not be received")
        #expect(refusal.text?.contains("personnummer eller samordningsnummer") == true)
        #expect(refusal.text?.contains("1212") == false)
        #expect(refusal.text?.contains("webbformuläret") == true)
        #expect(refusal.html?.contains("1212") == false)
        #expect(try harness.inbound().map { $0["outcome"] as String } == ["refused"])
        // Nothing of the text anywhere in the database.
        let outbox = try await harness.database().read { db in try String.fetchAll(db, sql: "SELECT text_body || html_body || subject FROM outbox_message") }
        #expect(!outbox.joined().contains("1212"))
        #expect(!outbox.joined().contains("tre månader"))
    }

    @Test("auto-replies, bounces, list mail and our own mail are moved without becoming anything; the same message twice is one report")
    func ignoredAndDuplicates() async throws {
        let harness = try Harness()
        defer { harness.stop() }
        try await harness.start()
        try harness.imap.append(Self.mail(subject: "Frånvaro", headers: ["Auto-Submitted: auto-replied"], body: "Jag är ledig till måndag."))
        try harness.imap.append(Self.mail(from: "mailer-daemon@example.se", name: "", subject: "Undeliverable: rapport", headers: ["Return-Path: <>"],
                                          body: "Delivery failed."))
        try harness.imap.append(Self.mail(subject: "Nyhetsbrev", headers: ["Precedence: bulk", "List-Id: <nyheter.example.se>"], body: "Nyheter."))
        try harness.imap.append(Self.mail(from: "no-reply@samverkan.example.se", name: "", subject: "Vi har tagit emot din rapport", body: "Eko."))
        let twice = Self.mail(subject: "Samma mejl två gånger", messageId: "<samma-mejl-1@example.se>", body: "BUP svarade inte på remissen.")
        try harness.imap.append(twice)
        try harness.imap.append(twice)
        let done = try await harness.imap.waitUntilHandled(6)
        #expect(done.messages.count == 6)
        let reports = try harness.reports()
        #expect(reports.count == 1)
        #expect(reports.first?["what_happened"] as String? == "Samma mejl två gånger\n\nBUP svarade inte på remissen.")
        let outcomes = try harness.inbound().map { $0["outcome"] as String }.sorted()
        #expect(outcomes == ["ignored", "ignored", "ignored", "ignored", "report"])
        // Only the one report's mails: acknowledgement and two owner notifications.
        let mails = try await harness.smtp.waitFor(3)
        try await Task.sleep(for: .seconds(2))
        #expect(try harness.smtp.received().count == mails.count)
        #expect(mails.count == 3)
    }

    @Test("a reply to the acknowledgement from the report's address is the reporter's addition: on the report and tracking page, handlers notified; from another address it is a new report to triage")
    func replyReachesReport() async throws {
        let harness = try Harness()
        defer { harness.stop() }
        try await harness.start()
        try harness.imap.append(Self.mail(subject: "Remiss till BUP kom tillbaka", body: "Remissen skickades tillbaka utan kontakt."))
        _ = try await harness.imap.waitUntilHandled(1)
        let first = try await harness.smtp.waitFor(3)
        let ack = try #require(first.first { $0.envelope_to == [Self.sender] })
        let report = try #require(try harness.reports().first)
        let reference: String = report["reference"]

        // The reply as a mail program writes it: Re: subject, In-Reply-To and References, the quote below.
        let reply = Self.mail(subject: "SV: \(ack.subject)", headers: ["In-Reply-To: \(ack.message_id)", "References: \(ack.message_id)"], body: """
            Skolan har nu fått en ny tid hos BUP, men först efter tre veckor.

            Mvh Åsa

            Den 25 nov. 2026 skrev Samverkansbrister <no-reply@samverkan.example.se>:
            > Tack för din rapport. Vi har tagit emot den.
            """)
        try harness.imap.append(reply)
        // From someone else, with the reference in the subject: not attached, a new report to triage.
        try harness.imap.append(Self.mail(from: "kalle@example.se", name: "Kalle", subject: "Ang. \(reference)", body: "Vi på BUP har en annan bild."))
        // A reply with a personnummer: refused like a new mail, nothing added.
        try harness.imap.append(Self.mail(subject: "SV: \(ack.subject)", headers: ["In-Reply-To: \(ack.message_id)"],
                                          body: "Det gäller eleven 20121212-1212."))
        _ = try await harness.imap.waitUntilHandled(4)

        let messages = try await harness.database().read { db in
            try Row.fetchAll(db, sql: "SELECT report_id, kind, body FROM report_message ORDER BY id")
        }
        try #require(messages.count == 1, "\(harness.server?.log ?? "")")
        #expect(messages[0]["report_id"] as Int64 == report["id"] as Int64)
        #expect(messages[0]["kind"] as String == "reporter")
        #expect(messages[0]["body"] as String == "Skolan har nu fått en ny tid hos BUP, men först efter tre veckor.")
        let reports = try harness.reports()
        #expect(reports.count == 2)
        let other = try #require(reports.last)
        #expect(other["agreement_key"] as String? == nil)
        #expect(other["reporter_email"] as String? == "kalle@example.se")
        let otherId: Int64 = other["id"]
        let otherRoutes = try await harness.database().read { db in
            try String.fetchAll(db, sql: "SELECT function_key FROM report_route WHERE report_id = ?", arguments: [otherId])
        }
        #expect(otherRoutes == ["stockholm-triage"])
        #expect(try harness.inbound().map { $0["outcome"] as String }.sorted() == ["addition", "refused", "report", "report"])

        // The owning functions hear of the addition; the sender of the personnummer gets the refusal.
        let all = try await harness.smtp.waitFor(3 + 2 + 2 + 1)
        #expect(all.filter { $0.subject.hasPrefix("Din rapport kunde inte tas emot") && $0.envelope_to == [Self.sender] }.count == 1)
        #expect(!all.contains { $0.text?.contains("1212-1212") == true })
        let notices = all.filter { $0.subject.contains("Ny information från rapportören: \(reference)") }
        #expect(notices.count == 2)
        #expect(notices.allSatisfy { $0.text?.contains("Skolan har nu fått en ny tid hos BUP") == true })
        #expect(notices.allSatisfy { $0.text?.contains("Tack för din rapport") == false })

        // The reporter sees it on the tracking page.
        let token: String = report["tracking_token"]
        let (status, page) = try await harness.get("/arende/\(token)")
        #expect(status == 200)
        #expect(page.contains("Skolan har nu fått en ny tid hos BUP"))
    }

    @Test("kill -9 between the report's commit and the IMAP move: after the restart exactly one report, the mail moved")
    func crashBetweenCommitAndMove() async throws {
        let harness = try Harness()
        defer { harness.stop() }
        harness.extra["INTAKE_TEST_IMAP_PAUSE_BEFORE_MOVE"] = "30"
        try await harness.start()
        try harness.imap.append(Self.mail(subject: "Remissen studsade", messageId: "<krasch-1@example.se>", body: "BUP skickade tillbaka remissen."))
        let server = try #require(harness.server)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, !server.log.contains("test pause between commit and IMAP move") {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try harness.reports().count == 1)
        server.send(SIGKILL)
        #expect(await server.exit(timeout: 30) == -SIGKILL)
        // Committed, not moved: still in INBOX, not \Seen.
        let inbox = try harness.imap.list()
        #expect(inbox.messages.count == 1)
        #expect(inbox.messages.first?.seen == false)

        harness.extra["INTAKE_TEST_IMAP_PAUSE_BEFORE_MOVE"] = nil
        try await harness.start()
        let done = try await harness.imap.waitUntilHandled(1)
        #expect(done.messages.count == 1)
        #expect(try harness.reports().count == 1)
        #expect(try harness.inbound().count == 1)
        try await Task.sleep(for: .seconds(2))
        #expect(try harness.reports().count == 1)
        // One acknowledgement, not two.
        let mails = try await harness.smtp.waitFor(3)
        try await Task.sleep(for: .seconds(1))
        #expect(try harness.smtp.received().filter { $0.envelope_to == [Self.sender] }.count == 1)
        #expect(mails.count >= 3)
    }

    @Test("the IMAP server down: the poller retries, /ready warns (still 200), /metrics shows it; back up, nothing lost")
    func imapDown() async throws {
        let harness = try Harness()
        defer { harness.stop() }
        try await harness.start()
        try harness.imap.append(Self.mail(subject: "Före avbrottet", body: "Första mejlet."))
        _ = try await harness.imap.waitUntilHandled(1)
        harness.imap.stop()

        var ready = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let (status, body) = try await harness.get("/ready")
            ready = body
            if body.contains("\"mail_intake\":\"warning\"") {
                #expect(status == 200)
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(ready.contains("\"mail_intake\":\"warning\""), "\(ready)")
        #expect(ready.contains("mailbox default cannot be read since"), "\(ready)")
        #expect(ready.contains("IMAP server not reachable"), "\(ready)")
        let (_, metrics) = try await harness.get("/metrics")
        #expect(metrics.contains(#/intake_mail_intake_up\{mailbox="default"\} 0/#), "\(metrics.split(separator: "\n").filter { $0.contains("mail_intake") })")
        #expect(metrics.contains(#/intake_mail_intake_consecutive_failures\{mailbox="default"\} [1-9]/#))
        let log = harness.server?.log ?? ""
        #expect(log.contains("mailbox could not be read; retrying"))

        // Back up on the same port: the mail sent meanwhile becomes a report, the warning goes.
        try harness.imap.start()
        try harness.imap.append(Self.mail(subject: "Under avbrottet", body: "Andra mejlet."))
        _ = try await harness.imap.waitUntilHandled(2)
        #expect(try harness.reports().count == 2)
        let (_, after) = try await harness.get("/ready")
        #expect(after.contains("\"mail_intake\":\"ok\""), "\(after)")
        let (_, metricsAfter) = try await harness.get("/metrics")
        #expect(metricsAfter.contains(#/intake_mail_intake_up\{mailbox="default"\} 1/#))
    }
}

extension MailIntakeTests {
    @Test("STARTTLS required with a private CA reads the mailbox; a certificate from no trusted CA is refused and /ready says so")
    func startTLS() async throws {
        let certificates = try TestSupport.temporaryDirectory("imap-ca")
        try TestProcess.run("/bin/bash", [TestSupport.repositoryRoot + "/Tests/smtp/make_test_ca.sh", certificates])
        let trusted = try Harness(tls: (certificates + "/server.pem", certificates + "/server.key"))
        defer { trusted.stop() }
        trusted.extra = ["INTAKE_IMAP_STARTTLS": "required", "INTAKE_IMAP_CA_FILE": certificates + "/ca.pem"]
        try await trusted.start()
        try trusted.imap.append(Self.mail(subject: "Över TLS", body: "Remissen kom tillbaka."))
        _ = try await trusted.imap.waitUntilHandled(1)
        #expect(try trusted.reports().count == 1)

        let untrusted = try Harness(tls: (certificates + "/untrusted.pem", certificates + "/untrusted.key"))
        defer { untrusted.stop() }
        untrusted.extra = ["INTAKE_IMAP_STARTTLS": "required", "INTAKE_IMAP_CA_FILE": certificates + "/ca.pem"]
        try await untrusted.start()
        try untrusted.imap.append(Self.mail(subject: "Otillförlitligt", body: "Ska inte läsas."))
        var ready = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !ready.contains("certificate is not trusted") {
            ready = try await untrusted.get("/ready").1
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(ready.contains("certificate is not trusted: check INTAKE_IMAP_CA_FILE"), "\(ready)")
        #expect(try untrusted.reports().isEmpty)
        #expect(try untrusted.imap.list().messages.count == 1, "the mail stays in the mailbox")
    }
}

/// A mailed report on the staff pages: the queue marks it "Behöver kompletteras", the report page
/// lists what the mail did not say and shows the channel.
@Suite("Mailed reports on the staff pages")
struct MailReportPagesTests {
    @Test("queue tag and the missing fields on the report page")
    func needsCompletionShown() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let catalogue = try TestSupport.catalogue()
        let region = try #require(catalogue.region("stockholm"))
        let form = ReportForm(catalogue: catalogue, region: region, agreement: catalogue.agreement("sthlm-lus"))
        let today = CalendarDay(TestSupport.fixedNow)
        let result = MailReport.draft(subject: "Utskrivning utan besked", text: "Hemtjänsten fick inget besked.", attachmentLines: [],
                                      senderAddress: "asa@example.se", senderName: nil, form: form, receivedOn: today, today: today)
        let database = try AppDatabase(path: directory + "/intake.sqlite")
        try database.migrate()
        _ = try await ReportRepository(database: database).file(result.draft, channel: .email, initialState: catalogue.lifecycle.initialKey,
                                                                now: TestSupport.fixedNow, missingFields: result.missing,
                                                                inboundMail: InboundMailRecord(key: "a@example.se", mailbox: "default"))
        try await TestSupport.application(directory: directory, clock: { TestSupport.fixedNow }).test(.router) { client in
            let staff = StaffBrowser(client)
            try await staff.login(StaffFixtures.lusHandler.email)
            let queue = try await staff.get("/handlaggning/ko/sthlm-lus-region")
            #expect(queue.status == .ok)
            #expect(queue.text.contains("Behöver kompletteras"))
            let page = try await staff.get("/handlaggning/rapporter/1")
            #expect(page.status == .ok)
            #expect(page.text.contains("Rapporten kom in med e-post, och de här uppgifterna gick inte att läsa ut ur mejlet"))
            for label in ["Din organisation", "Vilken eller vilka andra parter gäller det?", "När hände det?", "Vad borde ha hänt enligt överenskommelsen?"] {
                #expect(page.text.contains("<li>\(label)</li>"), "\(label)")
            }
            #expect(page.text.contains("Ej angiven"))
            let english = try await staff.get("/handlaggning/rapporter/1?lang=en")
            #expect(english.text.contains("Needs completing"))
        }
    }
}
