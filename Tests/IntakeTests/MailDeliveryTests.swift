import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// Mail end to end against a real SMTP server (aiosmtpd) on loopback.
@Suite("Mail delivery over SMTP", .serialized, .requires(.smtpServer))
struct MailDeliveryTests {
    func app(_ directory: String, smtp: SMTPTestServer) async throws -> some ApplicationProtocol {
        try await TestSupport.application(directory: directory, smtpURL: smtp.url, clock: { Date() })
    }

    func outbox(_ directory: String) async throws -> [Row] {
        let queue = try TestSupport.openDatabase(directory + "/intake.sqlite")
        return try await queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM outbox_message ORDER BY id") }
    }

    /// The first report's reference number: its year is the real clock's (this suite runs on it).
    func firstReference(_ directory: String) async throws -> String {
        let queue = try TestSupport.openDatabase(directory + "/intake.sqlite")
        let reference = try await queue.read { db in try String.fetchOne(db, sql: "SELECT reference FROM report WHERE id = 1") }
        return try #require(reference)
    }

    func waitForOutbox(_ directory: String, timeout: TimeInterval = 20, until: ([Row]) -> Bool) async throws -> [Row] {
        let deadline = Date().addingTimeInterval(timeout)
        var rows = try await outbox(directory)
        while !until(rows) && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            rows = try await outbox(directory)
        }
        return rows
    }

    @Test("a report produces the acknowledgement and one notification per owner")
    func acknowledgementAndNotifications() async throws {
        let smtp = try SMTPTestServer.started()
        defer { smtp.stop() }
        let directory = try TestSupport.temporaryDirectory()

        let (location, mails) = try await app(directory, smtp: smtp).test(.live) { client in
            let response = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: FormEncoder.validLUS.shownAnHourAgo.body)
            #expect(response.status == .seeOther)
            return (try #require(response.headers[.location]), try await smtp.waitFor(3))
        }

        let token = String(location.dropFirst("/kvitto/".count))
        let reference = try await firstReference(directory)
        #expect(mails.count == 3)
        let ack = try #require(mails.first { $0.envelope_to == ["asa.oberg@example.se"] })
        #expect(ack.subject == "Vi har tagit emot din rapport [\(reference)]")
        #expect(ack.to == "asa.oberg@example.se")
        #expect(ack.auto_submitted == "auto-generated")
        #expect(ack.content_type == "multipart/alternative")
        #expect(ack.text?.contains("\(reference)") == true)
        #expect(ack.text?.contains("https://samverkan.example.se/arende/\(token)") == true)
        #expect(ack.text?.contains("Hej Åsa Öberg!") == true)
        #expect(ack.html?.contains("href=\"https://samverkan.example.se/arende/\(token)\"") == true)
        #expect(ack.max_line <= 998 && !ack.bare_lf)
        let owners = mails.filter { $0.envelope_to != ["asa.oberg@example.se"] }
        #expect(Set(owners.flatMap(\.envelope_to)) == ["lus@storsthlm.example.se", "lus@regionstockholm.example.se"])
        for owner in owners {
            #expect(owner.subject.hasPrefix("Ny samverkansbrist \(reference): Samverkan vid utskrivning"))
            #expect(owner.text?.contains("Solna stad") == true)
            // The report's own text, read from the report when the mail was rendered.
            #expect(owner.text?.contains("utan att kommunen fått inskrivningsmeddelande") == true)
            #expect(owner.html?.contains("utan att kommunen fått inskrivningsmeddelande") == true)
            #expect(owner.text?.contains("https://samverkan.example.se/handlaggning/rapporter/1") == true)
            // No reporter contact data in the owners' mail.
            for secret in ["asa.oberg", "Åsa", "Öberg", "Sjuksköterska", token] {
                #expect(owner.text?.contains(secret) == false && owner.html?.contains(secret) == false, "\(secret)")
            }
        }
        #expect(Set(mails.map(\.message_id)).count == 3)
        let rows = try await waitForOutbox(directory) { $0.allSatisfy { $0["status"] == "sent" } }
        #expect(rows.allSatisfy { $0["status"] == "sent" && $0["attempts"] == 1 })
    }

    @Test("an English report gets English mails, the tracking link keeps the language")
    func englishMails() async throws {
        let smtp = try SMTPTestServer.started()
        defer { smtp.stop() }
        let directory = try TestSupport.temporaryDirectory()

        let mails = try await app(directory, smtp: smtp).test(.live) { client in
            let response = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: FormEncoder.validLUS.set("lang", "en").shownAnHourAgo.body)
            #expect(response.headers[.location]?.hasSuffix("?lang=en") == true)
            return try await smtp.waitFor(3)
        }

        let reference = try await firstReference(directory)
        let ack = try #require(mails.first { $0.envelope_to == ["asa.oberg@example.se"] })
        #expect(ack.subject == "We have received your report [\(reference)]")
        #expect(ack.text?.contains("?lang=en") == true)
        let owners = mails.filter { $0.envelope_to != ["asa.oberg@example.se"] }
        #expect(owners.count == 2)
        #expect(owners.allSatisfy { $0.subject.hasPrefix("New collaboration failure \(reference)") && $0.text?.contains("What happened?") == true })
    }

    @Test("451 twice, then accepted: delivered once, attempts recorded")
    func temporaryFailures() async throws {
        let smtp = try SMTPTestServer.started(arguments: ["--fail-first", "2"])
        defer { smtp.stop() }
        let directory = try TestSupport.temporaryDirectory()

        try await app(directory, smtp: smtp).test(.live) { client in
            // No e-mail and no agreement: exactly one mail, to the triage function.
            _ = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: FormEncoder.triageOnly.shownAnHourAgo.body)
            _ = try await waitForOutbox(directory) { $0.first?["status"] == "sent" }
        }

        let mails = try smtp.received()
        #expect(mails.count == 1)
        #expect(mails.first?.envelope_to == ["samverkansbrister@triage.stockholm.example.se"])
        #expect(smtp.attempts().count == 3)
        let row = try #require(try await outbox(directory).first)
        #expect(row["status"] == "sent")
        #expect(row["attempts"] == 3)
    }

    @Test("550 on the recipient moves the message to dead letter with the reason")
    func permanentFailure() async throws {
        let smtp = try SMTPTestServer.started(arguments: ["--reject-rcpt", "triage"])
        defer { smtp.stop() }
        let directory = try TestSupport.temporaryDirectory()

        try await app(directory, smtp: smtp).test(.live) { client in
            let response = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: FormEncoder.triageOnly.shownAnHourAgo.body)
            #expect(response.status == .seeOther, "the report is accepted whatever happens to its mail")
            _ = try await waitForOutbox(directory) { $0.first?["status"] == "dead" }
        }

        let row = try #require(try await outbox(directory).first)
        #expect(row["status"] == "dead")
        #expect((row["last_error"] as String?)?.contains("550") == true)
        #expect(try smtp.received().isEmpty)
    }

    @Test("SMTP server down when the report is filed: accepted, then delivered once the server is up")
    func serverDownThenUp() async throws {
        // Learn a free port, then stop the server so the first attempts fail.
        let probe = try SMTPTestServer.started()
        let port = probe.port
        probe.stop()
        let smtp = try SMTPTestServer(port: port)
        let directory = try TestSupport.temporaryDirectory()

        let delivered = try await app(directory, smtp: smtp).test(.live) { client in
            for _ in 0..<3 {
                let response = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: FormEncoder.validLUS.shownAnHourAgo.body)
                #expect(response.status == .seeOther)
            }
            let failing = try await waitForOutbox(directory) { rows in rows.count == 9 && rows.contains { ($0["attempts"] as Int) >= 1 } }
            #expect(failing.allSatisfy { $0["status"] == "queued" })
            #expect(failing.contains { ($0["last_error"] as String?)?.contains("not reachable") == true })
            // While the server cannot be reached, one message is tried per pause (1 s here), not
            // every queued one on every round.
            try await Task.sleep(for: .milliseconds(2500))
            let attempts = try await outbox(directory).map { $0["attempts"] as Int }.reduce(0, +)
            #expect(attempts <= 5, "\(attempts) attempts in 2.5 s")

            try smtp.start()
            let mails = try await smtp.waitFor(9)
            _ = try await waitForOutbox(directory) { $0.allSatisfy { $0["status"] == "sent" } }
            return mails
        }
        smtp.stop()
        #expect(delivered.count == 9)
        #expect(try await outbox(directory).allSatisfy { $0["status"] == "sent" })
    }

    @Test("a queued mail whose template no longer exists goes to dead letter with the reason; the others are sent")
    func missingTemplateIsDeadLetter() async throws {
        let smtp = try SMTPTestServer.started()
        defer { smtp.stop() }
        let directory = try TestSupport.temporaryDirectory()
        let services = try await AppServices.load(configuration: TestSupport.configuration(directory: directory, smtpURL: smtp.url),
                                                  clock: { Date() }, logger: TestSupport.quietLogger)
        try await services.outbox.enqueue([
            OutboxDraft(kind: .reply, recipient: "a@example.se", subject: "Borttagen mall", body: .template("borttagen", context: "{}")),
            OutboxDraft(kind: .reply, recipient: "b@example.se", subject: "Trasig kontext", body: .template("reply", context: "inte json")),
            OutboxDraft(kind: .reply, recipient: "c@example.se", subject: "Renderad", textBody: "Hej", htmlBody: "<p>Hej</p>"),
        ], now: Date())
        let worker = try OutboxWorker.make(services: services)
        #expect(await worker.processDueBatch() == 3)

        let rows = try await outbox(directory)
        #expect(rows.map { $0["status"] as String } == ["dead", "dead", "sent"])
        #expect((rows[0]["last_error"] as String?)?.contains("mail/borttagen is missing") == true)
        #expect(try await smtp.waitFor(1).map(\.envelope_to) == [["c@example.se"]])
    }

    @Test("a queued mail to an address no header can carry (not ASCII, over 254 octets) goes to dead letter with a reason naming no address; the others are sent")
    func unwritableRecipientIsDeadLetter() async throws {
        let smtp = try SMTPTestServer.started()
        defer { smtp.stop() }
        let directory = try TestSupport.temporaryDirectory()
        let services = try await AppServices.load(configuration: TestSupport.configuration(directory: directory, smtpURL: smtp.url),
                                                  clock: { Date() }, logger: TestSupport.quietLogger)
        // Written straight to the outbox, as a row from before the address check would be.
        let long = String(repeating: "a", count: 250) + "@example.se"
        try await services.outbox.enqueue([
            OutboxDraft(kind: .reply, recipient: "åsa@exempel.se", subject: "Inte ASCII", textBody: "Hej", htmlBody: "<p>Hej</p>"),
            OutboxDraft(kind: .reply, recipient: long, subject: "För lång", textBody: "Hej", htmlBody: "<p>Hej</p>"),
            OutboxDraft(kind: .reply, recipient: "c@example.se", subject: "Skrivbar", textBody: "Hej", htmlBody: "<p>Hej</p>"),
        ], now: Date())
        let worker = try OutboxWorker.make(services: services)
        #expect(await worker.processDueBatch() == 3)

        let rows = try await outbox(directory)
        #expect(rows.map { $0["status"] as String } == ["dead", "dead", "sent"])
        let errors = rows.prefix(2).map { ($0["last_error"] as String?) ?? "" }
        #expect(errors == ["the To address cannot be written in a mail header: it is not ASCII-only",
                           "the To address cannot be written in a mail header: it is longer than 254 octets"])
        #expect(!errors.contains { $0.contains("exempel") || $0.contains("example") })
        #expect(try await smtp.waitFor(1).map(\.envelope_to) == [["c@example.se"]])
    }

    @Test("CR/LF in the name or e-mail field is refused and sends nothing")
    func headerInjectionRefused() async throws {
        let smtp = try SMTPTestServer.started()
        defer { smtp.stop() }
        let directory = try TestSupport.temporaryDirectory()

        try await app(directory, smtp: smtp).test(.live) { client in
            for (field, value) in [("reporter_name", "Åsa\r\nBcc: victim@example.org"), ("reporter_email", "asa@example.se\r\nBcc: victim@example.org"),
                                   ("reporter_email", "asa@example.se,victim@example.org"), ("reporter_role", "x\nSubject: hej")] {
                let response = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: FormEncoder.validLUS.set(field, value).shownAnHourAgo.body)
                #expect(response.status == .unprocessableContent, "\(field)")
            }
            try await Task.sleep(for: .seconds(1))
        }
        #expect(try smtp.received().isEmpty)
        #expect(try await outbox(directory).isEmpty)
    }
}

/// The curl transport against aiosmtpd with TLS and AUTH.
@Suite("SMTP transport: TLS and AUTH", .serialized, .requires(.smtpServer))
struct SMTPTransportTests {
    static func certificates() throws -> String {
        let directory = try TestSupport.temporaryDirectory("ca")
        try TestProcess.run("/bin/bash", [TestSupport.repositoryRoot + "/Tests/smtp/make_test_ca.sh", directory])
        return directory
    }


    func send(_ config: MailConfiguration) async -> DeliveryResult {
        let transport = SMTPTransport(configuration: config, logger: TestSupport.quietLogger)
        let message = MailMessage(fromName: "Test", fromAddress: "no-reply@samverkan.example.se", to: "mottagare@example.se", replyTo: nil,
                                  subject: "Prov åäö", date: Date(), messageId: "prov@samverkan.example.se", textBody: "Hej", htmlBody: "<p>Hej</p>")
        return await transport.send([(envelopeFrom: "no-reply@samverkan.example.se", recipient: "mottagare@example.se", data: try! message.rendered())])[0]  // fixed, valid addresses
    }

    func config(_ url: String, ca: String?, startTLS: MailConfiguration.StartTLS = .required, user: String? = nil, password: String? = nil) -> MailConfiguration {
        var config = MailConfiguration()
        config.smtpURL = url
        config.startTLS = startTLS
        config.caFile = ca
        config.username = user
        config.password = password
        config.connectTimeoutSeconds = 5
        config.totalTimeoutSeconds = 10
        return config
    }

    @Test("STARTTLS with a private CA and AUTH succeed")
    func startTLSAndAuth() async throws {
        let ca = try Self.certificates()
        let smtp = try SMTPTestServer.started(arguments: ["--tls-cert", ca + "/server.pem", "--tls-key", ca + "/server.key", "--require-tls", "--auth", "intake:hemligt"])
        defer { smtp.stop() }

        let result = await send(config("smtp://localhost:\(smtp.port)", ca: ca + "/ca.pem", user: "intake", password: "hemligt"))

        #expect(result == .sent)
        let mails = try await smtp.waitFor(1)
        #expect(mails.first?.tls == true)
        #expect(mails.first?.auth_user == "intake")
        #expect(mails.first?.subject == "Prov åäö")
    }

    @Test("a wrong password is a clear, retryable error")
    func wrongPassword() async throws {
        let ca = try Self.certificates()
        let smtp = try SMTPTestServer.started(arguments: ["--tls-cert", ca + "/server.pem", "--tls-key", ca + "/server.key", "--require-tls", "--auth", "intake:hemligt"])
        defer { smtp.stop() }

        let result = await send(config("smtp://localhost:\(smtp.port)", ca: ca + "/ca.pem", user: "intake", password: "fel"))

        guard case .temporaryFailure(let reason) = result else { Issue.record("\(result)"); return }
        #expect(reason.contains("login refused"))
        #expect(try smtp.received().isEmpty)
    }

    @Test("an untrusted certificate is a clear error")
    func untrustedCertificate() async throws {
        let ca = try Self.certificates()
        let smtp = try SMTPTestServer.started(arguments: ["--tls-cert", ca + "/untrusted.pem", "--tls-key", ca + "/untrusted.key", "--require-tls"])
        defer { smtp.stop() }

        let result = await send(config("smtp://localhost:\(smtp.port)", ca: ca + "/ca.pem"))

        guard case .temporaryFailure(let reason) = result else { Issue.record("\(result)"); return }
        #expect(reason.contains("not trusted"))
    }

    @Test("implicit TLS (smtps://) works")
    func implicitTLS() async throws {
        let ca = try Self.certificates()
        let smtp = try SMTPTestServer.started(arguments: ["--tls-cert", ca + "/server.pem", "--tls-key", ca + "/server.key", "--implicit-tls"])
        defer { smtp.stop() }

        let result = await send(config("smtps://localhost:\(smtp.port)", ca: ca + "/ca.pem"))

        #expect(result == .sent)
        #expect(try await smtp.waitFor(1).count == 1)
    }

    @Test("STARTTLS required against a server without TLS fails clearly")
    func startTLSRequiredButMissing() async throws {
        let smtp = try SMTPTestServer.started()
        defer { smtp.stop() }

        let result = await send(config("smtp://localhost:\(smtp.port)", ca: nil, startTLS: .required))

        guard case .temporaryFailure(let reason) = result else { Issue.record("\(result)"); return }
        #expect(reason.contains("STARTTLS"))
    }
}
