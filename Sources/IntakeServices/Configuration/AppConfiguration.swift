import Foundation
import IntakeDomain
import IntakeMail
import Logging

/// All configuration, read in one place. Nothing else reads environment variables.
public struct AppConfiguration: Sendable {
    public var hostname = "127.0.0.1"
    public var port = 8080
    public var databasePath = "data/intake.sqlite"
    /// Largest the database may grow, in MB (`INTAKE_DATABASE_MAX_MB`); nil: as far as the disk allows.
    /// Past it, reports are refused with 503 as on a full disk, before the disk itself fills up.
    public var databaseMaxMB: Int?
    public var formsDirectory = "Forms"
    public var templatesDirectory = "Templates"
    /// Base of links in mails and pages shown outside the browser (no trailing slash).
    public var publicURL = "http://localhost:8080"
    /// Largest accepted request body; the form is a few kilobytes.
    public var maxBodyBytes = 64 * 1024
    /// Demo mode: mails go to .eml files when no SMTP server is configured, demo users are created.
    public var demo = false
    public var mail = MailConfiguration()
    /// Mailboxes read over IMAP (mail intake); none by default.
    public var imap = IMAPConfiguration()
    /// `INTAKE_TEST_IMAP_PAUSE_BEFORE_MOVE`: seconds the mail intake waits between a mail's commit
    /// and its IMAP move, so a test can kill the process in between. Never set in production.
    public var imapTestPauseBeforeMove: Int?
    /// How long reporter contact data is kept after a report is closed (shown on the form).
    public var contactRetentionDays = 90
    /// Where people write about accessibility problems and personal data (shown on those pages).
    public var contactEmail = "samverkan@example.se"
    /// The data controller (personuppgiftsansvarig) named on the privacy page, e.g. "Region Stockholm
    /// och kommunerna i Stockholms län". `intake config check` warns when it is unset outside demo mode.
    public var dataController: String?
    /// Most reports one client address may file per hour on the public form; 0 turns the limit off.
    public var rateLimitPerHour = 20
    /// Behind a reverse proxy (nginx): the client address is the last X-Forwarded-For entry.
    public var trustProxy = false
    /// A report sent sooner than this after the form was shown is not accepted (bots fill fast).
    public var minFillSeconds = 5
    /// bcrypt cost for staff passwords (log2 rounds). Tests lower it.
    public var bcryptCost = 12
    /// Reports open longer than this lose their contact data too (retention job).
    public var openReportMaxDays = 730
    /// Sent mails older than this are purged from the outbox (retention job).
    public var outboxRetentionDays = 90
    /// The agreement finder learns a word for an agreement once it occurs in at least this many
    /// reports a handläggare classified to that agreement; 0 turns learning off.
    public var finderLearnMinReports = 5
    /// Overrides the catalogue's `default_feedback_days` when set.
    public var defaultFeedbackDays: Int?
    /// `INTAKE_SECURE_COOKIES`; unset means true, except in demo mode.
    public var secureCookiesSetting: Bool?
    public var logFormat: LogFormat = .text
    public var logLevel: Logger.Level = .info
    /// Run the periodic-summary scheduler (off in test suites that count mails exactly).
    public var summaryScheduler = true
    /// How often the summary scheduler looks for a period to send (seconds).
    public var summaryCheckSeconds: Double = 15 * 60

    public init() {}

    /// Mark cookies `Secure`: browsers then send them over https (and to localhost) only.
    public var secureCookies: Bool {
        get { secureCookiesSetting ?? !demo }
        set { secureCookiesSetting = newValue }
    }

    /// Data files that belong with the database (mail folder of the demo transport, …).
    public var dataDirectory: String {
        let directory = (databasePath as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    /// Reads every `INTAKE_*` variable and reports all problems at once.
    /// With `INTAKE_CONFIG_FILE` set, that file's `KEY=VALUE` lines are read first; the
    /// environment wins over the file.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(ServiceError) -> AppConfiguration {
        var config = AppConfiguration()
        let environment = try ConfigurationFile.merged(environment: environment).values
        var env = EnvironmentReader(environment)
        if let v = env.value("INTAKE_HOSTNAME") { config.hostname = v }
        if let v = env.int("INTAKE_PORT", range: 0...65535) { config.port = v }
        if let v = env.value("INTAKE_DATABASE") { config.databasePath = v }
        if let v = env.int("INTAKE_DATABASE_MAX_MB", range: 1...16_777_216) { config.databaseMaxMB = v }
        if let v = env.value("INTAKE_FORMS") { config.formsDirectory = v }
        if let v = env.value("INTAKE_TEMPLATES") { config.templatesDirectory = v }
        if let v = env.value("INTAKE_PUBLIC_URL") { config.publicURL = v }
        if let v = env.int("INTAKE_MAX_BODY_BYTES", range: 4096...(10 * 1024 * 1024)) { config.maxBodyBytes = v }
        if let v = env.int("INTAKE_CONTACT_RETENTION_DAYS", range: 1...3650) { config.contactRetentionDays = v }
        if let v = env.value("INTAKE_CONTACT_EMAIL") { config.contactEmail = v }
        if let v = env.value("INTAKE_DATA_CONTROLLER") { config.dataController = v }
        if let v = env.int("INTAKE_RATE_LIMIT_PER_HOUR", range: 0...1_000_000) { config.rateLimitPerHour = v }
        if let v = env.bool("INTAKE_TRUST_PROXY") { config.trustProxy = v }
        if let v = env.int("INTAKE_MIN_FILL_SECONDS", range: 0...3600) { config.minFillSeconds = v }
        if let v = env.int("INTAKE_FINDER_LEARN_MIN_REPORTS", range: 0...10_000) { config.finderLearnMinReports = v }
        if let v = env.int("INTAKE_BCRYPT_COST", range: 4...16) { config.bcryptCost = v }
        if let v = env.bool("INTAKE_DEMO") { config.demo = v }
        config.readOperationsSettings(&env)
        do {
            config.mail = try MailConfiguration.fromEnvironment(environment)
        } catch {
            env.problems.append(contentsOf: error.problems)
        }
        config.imapTestPauseBeforeMove = env.int("INTAKE_TEST_IMAP_PAUSE_BEFORE_MOVE", range: 1...600)
        do {
            config.imap = try IMAPConfiguration.fromEnvironment(environment)
        } catch {
            env.problems.append(contentsOf: error.problems)
        }
        env.problems.append(contentsOf: config.validate())
        guard env.problems.isEmpty else { throw ServiceError.configuration(env.problems) }
        return config
    }

    /// Checks that hold whatever the source (environment or command line).
    public func validate() -> [String] {
        var problems: [String] = validateOperationsSettings()
        if let url = URL(string: publicURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil {
            if publicURL.hasSuffix("/") { problems.append("INTAKE_PUBLIC_URL=\(publicURL) must not end with /") }
        } else {
            problems.append("INTAKE_PUBLIC_URL=\(publicURL) must be an http(s) URL such as https://samverkan.example.se")
        }
        if !contactEmail.contains("@") || contactEmail.contains(where: \.isWhitespace) {
            problems.append("INTAKE_CONTACT_EMAIL=\(contactEmail) must be an e-mail address")
        }
        return problems
    }
}
