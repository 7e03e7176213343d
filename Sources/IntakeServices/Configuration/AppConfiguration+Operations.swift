import Foundation
import IntakeMail
import IntakeDomain
import Logging

/// Log lines as plain text for a terminal, or one JSON object per line for a log collector.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

extension AppConfiguration {
    /// Operations settings: logging, cookies, retention periods, feedback deadline.
    mutating func readOperationsSettings(_ env: inout EnvironmentReader) {
        if let v = env.int("INTAKE_OPEN_REPORT_MAX_DAYS", range: 30...3650) { openReportMaxDays = v }
        if let v = env.int("INTAKE_OUTBOX_RETENTION_DAYS", range: 1...3650) { outboxRetentionDays = v }
        if let v = env.int("INTAKE_FEEDBACK_DAYS", range: 1...365) { defaultFeedbackDays = v }
        if let v = env.bool("INTAKE_SECURE_COOKIES") { secureCookiesSetting = v }
        if let v = env.bool("INTAKE_SUMMARIES") { summaryScheduler = v }
        if let v = env.value("INTAKE_LOG_FORMAT") {
            if let format = LogFormat(rawValue: v.lowercased()) { logFormat = format }
            else { env.problems.append("INTAKE_LOG_FORMAT=\(v) must be text or json") }
        }
        if let v = env.value("INTAKE_LOG_LEVEL") {
            if let level = Logger.Level(rawValue: v.lowercased()) { logLevel = level }
            else { env.problems.append("INTAKE_LOG_LEVEL=\(v) must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))") }
        }
    }

    func validateOperationsSettings() -> [String] {
        var problems: [String] = []
        if secureCookies, let url = URL(string: publicURL), url.scheme == "http",
           let host = url.host, !["localhost", "127.0.0.1", "::1", "[::1]"].contains(host) {
            problems.append("INTAKE_SECURE_COOKIES is on but INTAKE_PUBLIC_URL=\(publicURL) is plain http: browsers would not send the "
                            + "login cookie. Serve https (set INTAKE_PUBLIC_URL=https://…) or set INTAKE_SECURE_COOKIES=false")
        }
        if openReportMaxDays < contactRetentionDays {
            problems.append("INTAKE_OPEN_REPORT_MAX_DAYS=\(openReportMaxDays) must not be shorter than INTAKE_CONTACT_RETENTION_DAYS=\(contactRetentionDays)")
        }
        return problems
    }

    /// What `serve` would also refuse, checked by `intake config check` before a start: mail
    /// must have somewhere to go, and the folders must be there.
    public func serveProblems() -> [String] {
        var problems: [String] = []
        if mail.smtpURL == nil && !demo {
            problems.append("INTAKE_SMTP_URL is not set. Set it (smtp://host:port), or set INTAKE_DEMO=true to write mails to files instead.")
        }
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: formsDirectory, isDirectory: &isDirectory) || !isDirectory.boolValue {
            problems.append("INTAKE_FORMS=\(formsDirectory) is not a folder")
        }
        if !FileManager.default.fileExists(atPath: templatesDirectory, isDirectory: &isDirectory) || !isDirectory.boolValue {
            problems.append("INTAKE_TEMPLATES=\(templatesDirectory) is not a folder")
        }
        if FileManager.default.fileExists(atPath: dataDirectory) && !FileManager.default.isWritableFile(atPath: dataDirectory) {
            problems.append("INTAKE_DATABASE=\(databasePath): the folder \(dataDirectory) is not writable")
        }
        return problems
    }

    /// What `serve` accepts but a real service should not run with: printed by `intake config check`
    /// as warnings (exit status unchanged) and logged at start.
    public func warnings() -> [String] {
        var warnings: [String] = []
        if dataController == nil && !demo {
            warnings.append("INTAKE_DATA_CONTROLLER is not set: the privacy page cannot name the data controller (personuppgiftsansvarig). "
                            + "Set it to the organisation(s) responsible, e.g. INTAKE_DATA_CONTROLLER=\"Region Stockholm\".")
        }
        return warnings
    }

    /// One line of the effective configuration.
    public struct Setting: Sendable, Hashable {
        public var key: String
        public var value: String
        public var isSecret: Bool
        /// The value as it may be printed: secrets are masked.
        public var displayValue: String {
            guard isSecret else { return value }
            return value.isEmpty ? "" : "******** (set)"
        }
    }

    /// The effective value of every variable, for `intake config check`. A variable added to
    /// the configuration belongs here too.
    public var settings: [Setting] {
        func s(_ key: String, _ value: CustomStringConvertible?, secret: Bool = false) -> Setting {
            Setting(key: key, value: value.map { "\($0)" } ?? "", isSecret: secret || Self.looksSecret(key))
        }
        return [
            s("INTAKE_HOSTNAME", hostname),
            s("INTAKE_PORT", port),
            s("INTAKE_DATABASE", databasePath),
            s("INTAKE_DATABASE_MAX_MB", databaseMaxMB),
            s("INTAKE_FORMS", formsDirectory),
            s("INTAKE_TEMPLATES", templatesDirectory),
            s("INTAKE_PUBLIC_URL", publicURL),
            s("INTAKE_MAX_BODY_BYTES", maxBodyBytes),
            s("INTAKE_DEMO", demo),
            s("INTAKE_SECURE_COOKIES", secureCookies),
            s("INTAKE_BCRYPT_COST", bcryptCost),
            s("INTAKE_FEEDBACK_DAYS", defaultFeedbackDays),
            s("INTAKE_SUMMARIES", summaryScheduler),
            s("INTAKE_CONTACT_RETENTION_DAYS", contactRetentionDays),
            s("INTAKE_OPEN_REPORT_MAX_DAYS", openReportMaxDays),
            s("INTAKE_OUTBOX_RETENTION_DAYS", outboxRetentionDays),
            s("INTAKE_CONTACT_EMAIL", contactEmail),
            s("INTAKE_DATA_CONTROLLER", dataController),
            s("INTAKE_RATE_LIMIT_PER_HOUR", rateLimitPerHour),
            s("INTAKE_TRUST_PROXY", trustProxy),
            s("INTAKE_MIN_FILL_SECONDS", minFillSeconds),
            s("INTAKE_FINDER_LEARN_MIN_REPORTS", finderLearnMinReports),
            s("INTAKE_LOG_FORMAT", logFormat.rawValue),
            s("INTAKE_LOG_LEVEL", logLevel.rawValue),
            Setting(key: "INTAKE_SMTP_URL", value: mail.smtpURL.map(Self.maskingURLPassword) ?? "", isSecret: false),
            s("INTAKE_SMTP_STARTTLS", mail.startTLS.rawValue),
            s("INTAKE_SMTP_CA_FILE", mail.caFile),
            s("INTAKE_SMTP_USERNAME", mail.username),
            s("INTAKE_SMTP_PASSWORD", mail.password, secret: true),
            s("INTAKE_MAIL_FROM", mail.from),
            s("INTAKE_MAIL_REPLY_TO", mail.replyTo),
            s("INTAKE_SMTP_EHLO", mail.ehloName),
            s("INTAKE_SMTP_CONNECT_TIMEOUT", mail.connectTimeoutSeconds),
            s("INTAKE_SMTP_TIMEOUT", mail.totalTimeoutSeconds),
            s("INTAKE_MAIL_RETRY_DELAYS", mail.retryDelaysSeconds.map(String.init).joined(separator: ",")),
            s("INTAKE_MAIL_MAX_RETRY_SECONDS", mail.maxRetrySeconds),
            s("INTAKE_MAIL_DIRECTORY", mail.fileDirectory),
        ] + imap.settings.map { Setting(key: $0.key, value: $0.value, isSecret: $0.isSecret) }
    }

    /// Variables that are never printed in clear, whatever feature adds them.
    static func looksSecret(_ key: String) -> Bool {
        ["PASSWORD", "SECRET", "TOKEN", "PRIVATE", "_KEY"].contains { key.uppercased().contains($0) }
    }

    /// `smtp://user:pw@host` → `smtp://user:********@host`.
    static func maskingURLPassword(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "********"
        return components.string ?? "(unparsable URL)"
    }

    /// `INTAKE_*` names in `values` that no setting reads: most likely typing mistakes.
    public func unknownVariables(in values: [String: String]) -> [String] {
        let known = Set(settings.map(\.key)).union(["INTAKE_CONFIG_FILE", "INTAKE_BENCH_PLAIN"]).union(IMAPConfiguration.knownVariables)
        return values.keys.filter { $0.hasPrefix("INTAKE_") && !$0.hasPrefix("INTAKE_TEST_") && !known.contains($0) }.sorted()
    }
}
