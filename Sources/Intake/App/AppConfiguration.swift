import Foundation

/// All configuration, read in one place. Nothing else reads environment variables.
public struct AppConfiguration: Sendable {
    public var hostname = "127.0.0.1"
    public var port = 8080
    public var databasePath = "data/intake.sqlite"
    public var formsDirectory = "Forms"
    public var templatesDirectory = "Templates"
    /// Base of links in mails and pages shown outside the browser (no trailing slash).
    public var publicURL = "http://localhost:8080"
    /// Largest accepted request body; the form is a few kilobytes.
    public var maxBodyBytes = 64 * 1024
    /// Demo mode: mails go to .eml files when no SMTP server is configured, demo users are created.
    public var demo = false
    public var mail = MailConfiguration()
    /// How long reporter contact data is kept after a report is closed (shown on the form).
    public var contactRetentionDays = 90
    /// bcrypt cost for staff passwords (log2 rounds). Tests lower it.
    public var bcryptCost = 12
    /// Session cookies only over HTTPS. Off in demo mode unless set (local http).
    public var secureCookies: Bool?
    /// Run the periodic-summary scheduler (off in test suites that count mails exactly).
    public var summaryScheduler = true
    /// How often the summary scheduler looks for a period to send (seconds).
    public var summaryCheckSeconds: Double = 15 * 60
    /// Session cookies carry `Secure` unless explicitly turned off, or in demo mode on plain http.
    public var cookiesAreSecure: Bool { secureCookies ?? !(demo && publicURL.hasPrefix("http://")) }

    public init() {}

    /// Data files that belong with the database (mail folder of the demo transport, …).
    public var dataDirectory: String {
        let directory = (databasePath as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var problems: [String]
        public var description: String {
            "The configuration has \(problems.count) problem(s):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }

    /// Reads every `INTAKE_*` variable and reports all problems at once.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(Problem) -> AppConfiguration {
        var config = AppConfiguration()
        var env = EnvironmentReader(environment)
        if let v = env.value("INTAKE_HOSTNAME") { config.hostname = v }
        if let v = env.int("INTAKE_PORT", range: 0...65535) { config.port = v }
        if let v = env.value("INTAKE_DATABASE") { config.databasePath = v }
        if let v = env.value("INTAKE_FORMS") { config.formsDirectory = v }
        if let v = env.value("INTAKE_TEMPLATES") { config.templatesDirectory = v }
        if let v = env.value("INTAKE_PUBLIC_URL") { config.publicURL = v }
        if let v = env.int("INTAKE_MAX_BODY_BYTES", range: 4096...(10 * 1024 * 1024)) { config.maxBodyBytes = v }
        if let v = env.int("INTAKE_CONTACT_RETENTION_DAYS", range: 1...3650) { config.contactRetentionDays = v }
        if let v = env.int("INTAKE_BCRYPT_COST", range: 4...16) { config.bcryptCost = v }
        if let v = env.bool("INTAKE_SECURE_COOKIES") { config.secureCookies = v }
        if let v = env.bool("INTAKE_DEMO") { config.demo = v }
        do {
            config.mail = try MailConfiguration.fromEnvironment(environment)
        } catch {
            env.problems.append(contentsOf: error.problems)
        }
        env.problems.append(contentsOf: config.validate())
        guard env.problems.isEmpty else { throw Problem(problems: env.problems) }
        return config
    }

    /// Checks that hold whatever the source (environment or command line).
    public func validate() -> [String] {
        var problems: [String] = []
        if let url = URL(string: publicURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil {
            if publicURL.hasSuffix("/") { problems.append("INTAKE_PUBLIC_URL=\(publicURL) must not end with /") }
        } else {
            problems.append("INTAKE_PUBLIC_URL=\(publicURL) must be an http(s) URL such as https://samverkan.example.se")
        }
        return problems
    }
}
