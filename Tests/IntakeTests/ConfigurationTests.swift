import Foundation
import Logging
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

@Suite("Configuration from the environment and INTAKE_CONFIG_FILE")
struct ConfigurationTests {
    func problems(_ environment: [String: String]) -> [String] {
        do {
            _ = try AppConfiguration.fromEnvironment(environment)
            return []
        } catch {
            return error.problems
        }
    }

    @Test("every problem is listed at once, old and new variables alike")
    func allProblemsTogether() {
        let found = problems([
            "INTAKE_PORT": "http", "INTAKE_LOG_FORMAT": "xml", "INTAKE_LOG_LEVEL": "loud",
            "INTAKE_SECURE_COOKIES": "perhaps", "INTAKE_OPEN_REPORT_MAX_DAYS": "0", "INTAKE_OUTBOX_RETENTION_DAYS": "-3",
            "INTAKE_FEEDBACK_DAYS": "1000", "INTAKE_SMTP_STARTTLS": "maybe",
        ])
        #expect(found.count == 8)
        for name in ["INTAKE_PORT", "INTAKE_LOG_FORMAT", "INTAKE_LOG_LEVEL", "INTAKE_SECURE_COOKIES", "INTAKE_OPEN_REPORT_MAX_DAYS",
                     "INTAKE_OUTBOX_RETENTION_DAYS", "INTAKE_FEEDBACK_DAYS", "INTAKE_SMTP_STARTTLS"] {
            #expect(found.contains { $0.hasPrefix(name + "=") }, "\(name) is reported")
        }
        let message = ServiceError.configuration(found).description
        #expect(message.hasPrefix("The configuration has 8 problem(s):"))
    }

    @Test("the new variables have their defaults and are read")
    func newVariables() throws {
        let defaults = try AppConfiguration.fromEnvironment([:])
        #expect(defaults.openReportMaxDays == 730)
        #expect(defaults.outboxRetentionDays == 90)
        #expect(defaults.defaultFeedbackDays == nil)
        #expect(defaults.logFormat == .text)
        #expect(defaults.logLevel == .info)

        let set = try AppConfiguration.fromEnvironment([
            "INTAKE_OPEN_REPORT_MAX_DAYS": "365", "INTAKE_OUTBOX_RETENTION_DAYS": "30", "INTAKE_FEEDBACK_DAYS": "45",
            "INTAKE_LOG_FORMAT": "JSON", "INTAKE_LOG_LEVEL": "debug", "INTAKE_PUBLIC_URL": "https://samverkan.example.se",
        ])
        #expect(set.openReportMaxDays == 365)
        #expect(set.outboxRetentionDays == 30)
        #expect(set.defaultFeedbackDays == 45)
        #expect(set.logFormat == .json)
        #expect(set.logLevel == .debug)
    }

    @Test("secure cookies are on by default, off in demo mode, and can be set either way")
    func secureCookies() throws {
        #expect(try AppConfiguration.fromEnvironment([:]).secureCookies)
        #expect(try AppConfiguration.fromEnvironment(["INTAKE_DEMO": "true"]).secureCookies == false)
        #expect(try AppConfiguration.fromEnvironment(["INTAKE_DEMO": "true", "INTAKE_SECURE_COOKIES": "on"]).secureCookies)
        #expect(try AppConfiguration.fromEnvironment(["INTAKE_SECURE_COOKIES": "false"]).secureCookies == false)
        // `serve --demo` sets demo after reading the environment: the default follows.
        var config = try AppConfiguration.fromEnvironment([:])
        config.demo = true
        #expect(config.secureCookies == false)
        // Secure cookies over plain http to a real host would silently break logins.
        #expect(problems(["INTAKE_PUBLIC_URL": "http://samverkan.example.se"]).contains { $0.contains("INTAKE_SECURE_COOKIES") })
        #expect(problems(["INTAKE_PUBLIC_URL": "http://samverkan.example.se", "INTAKE_SECURE_COOKIES": "false"]).isEmpty)
    }

    @Test("the config file is read in systemd EnvironmentFile format, and the environment wins")
    func configFile() throws {
        let directory = try TestSupport.temporaryDirectory("config")
        let path = directory + "/intake.env"
        try """
            # production settings
            INTAKE_PORT=9090
            INTAKE_PUBLIC_URL="https://samverkan.example.se"
            INTAKE_MAIL_FROM='Samverkan <no-reply@example.se>'

            ; also a comment
            INTAKE_OUTBOX_RETENTION_DAYS = 60
            INTAKE_LOG_FORMAT=text
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try AppConfiguration.fromEnvironment(["INTAKE_CONFIG_FILE": path, "INTAKE_LOG_FORMAT": "json"])
        #expect(config.port == 9090)
        #expect(config.publicURL == "https://samverkan.example.se")
        #expect(config.mail.from == "Samverkan <no-reply@example.se>")
        #expect(config.outboxRetentionDays == 60)
        #expect(config.logFormat == .json, "the environment wins over the file")
    }

    @Test("a broken or missing config file is reported with line numbers")
    func brokenConfigFile() throws {
        let directory = try TestSupport.temporaryDirectory("config")
        let path = directory + "/intake.env"
        try "INTAKE_PORT=9090\nthis is not a setting\n2BAD=x\n".write(toFile: path, atomically: true, encoding: .utf8)
        let found = problems(["INTAKE_CONFIG_FILE": path])
        #expect(found == ["\(path):2: expected KEY=VALUE", "\(path):3: 2BAD is not a valid variable name"])
        #expect(problems(["INTAKE_CONFIG_FILE": directory + "/missing.env"]) == ["INTAKE_CONFIG_FILE=\(directory)/missing.env is not a readable UTF-8 file"])
    }

    @Test("config check masks secrets and names unknown variables")
    func settingsMaskSecrets() throws {
        let config = try AppConfiguration.fromEnvironment([
            "INTAKE_SMTP_URL": "smtp://relay:hemligt@mail.example.se:587",
            "INTAKE_SMTP_USERNAME": "intake", "INTAKE_SMTP_PASSWORD": "hemligt-lösenord",
        ])
        let printed = config.settings.map { "\($0.key)=\($0.displayValue)" }
        #expect(!printed.joined().contains("hemligt"))
        #expect(printed.contains("INTAKE_SMTP_PASSWORD=******** (set)"))
        #expect(printed.contains("INTAKE_SMTP_URL=smtp://relay:********@mail.example.se:587"))
        #expect(printed.contains("INTAKE_SMTP_USERNAME=intake"))
        #expect(AppConfiguration.looksSecret("INTAKE_SESSION_SECRET"))
        #expect(config.unknownVariables(in: ["INTAKE_SMTP_PASWORD": "x", "INTAKE_PORT": "1", "INTAKE_CONFIG_FILE": "f", "HOME": "/root"])
                == ["INTAKE_SMTP_PASWORD"])
    }

    @Test("serve's own refusals are found before a start: no SMTP outside demo, missing folders")
    func serveProblems() throws {
        var config = try AppConfiguration.fromEnvironment(["INTAKE_FORMS": "/nonexistent/Forms"])
        config.templatesDirectory = TestSupport.templatesDirectory
        let found = config.serveProblems()
        #expect(found.count == 2)
        #expect(found.contains { $0.hasPrefix("INTAKE_SMTP_URL is not set") })
        #expect(found.contains("INTAKE_FORMS=/nonexistent/Forms is not a folder"))
    }

    @Test("the feedback deadline override replaces the catalogue default")
    func feedbackOverride() async throws {
        let directory = try TestSupport.temporaryDirectory()
        var config = TestSupport.configuration(directory: directory)
        config.defaultFeedbackDays = 14
        let services = try await AppServices.load(configuration: config, logger: TestSupport.quietLogger)
        #expect(services.catalogue.defaultFeedbackDays == 14)
        #expect(services.catalogue.feedbackDays(for: nil) == 14)
    }

    @Test("mailboxes: one by the unnumbered variables, more by numbered ones; problems listed; config check masks the passwords")
    func imapMailboxes() async throws {
        let ca = try TestSupport.temporaryDirectory("ca") + "/ca.pem"
        try "x".write(toFile: ca, atomically: true, encoding: .utf8)
        let config = try AppConfiguration.fromEnvironment([
            "INTAKE_DEMO": "true",
            "INTAKE_IMAP_URL": "imaps://mail.example.se/INBOX", "INTAKE_IMAP_USERNAME": "bus", "INTAKE_IMAP_PASSWORD": "hemligt-1",
            "INTAKE_IMAP_ROUTE": "sthlm-bus", "INTAKE_IMAP_POLL_SECONDS": "120",
            "INTAKE_IMAP_2_URL": "imap://mail.example.se:143/Inkorg/LUS", "INTAKE_IMAP_2_USERNAME": "lus", "INTAKE_IMAP_2_PASSWORD": "hemligt-2",
            "INTAKE_IMAP_2_ROUTE": "stockholm", "INTAKE_IMAP_2_STARTTLS": "opportunistic", "INTAKE_IMAP_2_CA_FILE": ca,
            "INTAKE_IMAP_2_DONE_FOLDER": "Klart",
        ])
        let boxes = config.imap.mailboxes
        #expect(boxes.map(\.label) == ["default", "2"])
        #expect(boxes[0].folder == "INBOX" && boxes[0].isImplicitTLS && boxes[0].pollSeconds == 120 && boxes[0].doneFolder == "Behandlade")
        #expect(boxes[1].folder == "Inkorg/LUS" && boxes[1].serverURL == "imap://mail.example.se:143" && boxes[1].startTLS == .opportunistic)
        #expect(boxes[1].doneFolder == "Klart" && boxes[1].caFile == ca && boxes[1].pollSeconds == 120 && boxes[1].route == "stockholm")
        let printed = config.settings.map { "\($0.key)=\($0.displayValue)" }
        #expect(printed.contains("INTAKE_IMAP_2_ROUTE=stockholm"))
        #expect(printed.contains("INTAKE_IMAP_PASSWORD=******** (set)"))
        #expect(!printed.joined().contains("hemligt"))
        #expect(config.unknownVariables(in: ["INTAKE_IMAP_7_URL": "x", "INTAKE_IMAP_URLL": "x"]) == ["INTAKE_IMAP_URLL"])

        let found = problems([
            "INTAKE_DEMO": "true", "INTAKE_IMAP_URL": "https://mail.example.se", "INTAKE_IMAP_STARTTLS": "maybe",
            "INTAKE_IMAP_3_ROUTE": "sthlm-bus",
        ])
        #expect(found.contains { $0.hasPrefix("INTAKE_IMAP_URL=https://mail.example.se must look like imaps://") })
        #expect(found.contains("INTAKE_IMAP_ROUTE must name where this mailbox's reports go: an agreement key (e.g. sthlm-bus) or a region key (its triage)"))
        #expect(found.contains { $0.hasPrefix("INTAKE_IMAP_USERNAME and INTAKE_IMAP_PASSWORD must both be set") })
        #expect(found.contains("INTAKE_IMAP_STARTTLS=maybe must be required, opportunistic or off"))
        #expect(found.contains("INTAKE_IMAP_3_ROUTE is set but INTAKE_IMAP_3_URL is not"))

        // A route the catalogue does not know stops the start.
        let catalogue = try TestSupport.catalogue()
        var unknown = IMAPMailbox(name: "4", url: "imaps://x.example.se/INBOX", route: "sthlm-okand")
        unknown.username = "u"
        #expect(MailIntakeService.routeProblems([unknown], catalogue: catalogue)
            == ["INTAKE_IMAP_4_ROUTE=sthlm-okand is neither an agreement key nor a region key of the catalogue in Forms/"])
        #expect(MailIntakeService.routeProblems(boxes, catalogue: catalogue).isEmpty)
    }
}
