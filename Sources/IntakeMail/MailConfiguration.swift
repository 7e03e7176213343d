import Foundation
import IntakeDomain

/// SMTP settings. With no `INTAKE_SMTP_URL`, mails are written as .eml files (demo mode only).
public struct MailConfiguration: Sendable, Hashable {
    public enum StartTLS: String, Sendable, CaseIterable {
        case required, opportunistic, off
    }

    public var smtpURL: String?
    public var startTLS: StartTLS = .opportunistic
    public var caFile: String?
    public var username: String?
    public var password: String?
    public var from = "Samverkansbrister <no-reply@samverkan.example.se>"
    public var replyTo: String?
    public var ehloName = "samverkan-intake.localhost"
    public var connectTimeoutSeconds = 10
    public var totalTimeoutSeconds = 60
    /// Delays before retry 1, 2, 3, …; the last one repeats until `maxRetrySeconds` has passed.
    public var retryDelaysSeconds: [Int] = [60, 300, 1800, 7200, 21600]
    /// Give up (dead letter) once a message has been failing for this long. Default 3 days.
    public var maxRetrySeconds = 3 * 24 * 3600
    /// Folder for the file transport; relative paths are under the data directory.
    public var fileDirectory = "mail-outbox"

    public init() {}

    public var isSMTPConfigured: Bool { smtpURL != nil }

    public var fromAddress: String {
        if let open = from.lastIndex(of: "<"), let close = from.lastIndex(of: ">"), open < close {
            return String(from[from.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)
        }
        return from.trimmingCharacters(in: .whitespaces)
    }

    public var fromName: String? {
        guard let open = from.lastIndex(of: "<") else { return nil }
        let name = from[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        return name.isEmpty ? nil : name
    }

    /// Domain used in Message-ID headers.
    public var messageIdDomain: String {
        fromAddress.split(separator: "@").last.map(String.init) ?? "samverkan-intake.localhost"
    }

    public static func fromEnvironment(_ environment: [String: String]) throws(MailError) -> MailConfiguration {
        var config = MailConfiguration()
        var env = EnvironmentReader(environment)
        if let url = env.value("INTAKE_SMTP_URL") {
            if let parsed = URLComponents(string: url), let scheme = parsed.scheme, ["smtp", "smtps"].contains(scheme),
               let host = parsed.host, !host.isEmpty, parsed.path.isEmpty || parsed.path == "/" {
                config.smtpURL = url.hasSuffix("/") ? String(url.dropLast()) : url
            } else {
                env.problems.append("INTAKE_SMTP_URL=\(url) must look like smtp://host:port or smtps://host:port")
            }
        }
        if let v = env.value("INTAKE_SMTP_STARTTLS") {
            if let mode = StartTLS(rawValue: v.lowercased()) { config.startTLS = mode }
            else { env.problems.append("INTAKE_SMTP_STARTTLS=\(v) must be required, opportunistic or off") }
        }
        if let v = env.value("INTAKE_SMTP_CA_FILE") {
            if FileManager.default.isReadableFile(atPath: v) { config.caFile = v }
            else { env.problems.append("INTAKE_SMTP_CA_FILE=\(v) is not a readable file") }
        }
        config.username = env.value("INTAKE_SMTP_USERNAME")
        config.password = env.value("INTAKE_SMTP_PASSWORD")
        if (config.username == nil) != (config.password == nil) {
            env.problems.append("INTAKE_SMTP_USERNAME and INTAKE_SMTP_PASSWORD must be set together")
        }
        if let v = env.value("INTAKE_MAIL_FROM") { config.from = v }
        if config.fromAddress.wholeMatch(of: addressPattern) == nil || config.from.contains(where: { $0 == "\r" || $0 == "\n" }) {
            env.problems.append("INTAKE_MAIL_FROM=\(config.from) must be an address, optionally with a name: Name <address@example.se>")
        }
        if let problem = MailAddress.problem(config.fromAddress) {
            env.problems.append("INTAKE_MAIL_FROM: the address cannot be written in a mail header: \(problem.reason)")
        }
        if let v = env.value("INTAKE_MAIL_REPLY_TO") {
            if v.wholeMatch(of: addressPattern) != nil, MailAddress.problem(v) == nil { config.replyTo = v }
            else { env.problems.append("INTAKE_MAIL_REPLY_TO=\(v) must be an e-mail address of ASCII characters, at most \(MailAddress.maxOctets) octets") }
        }
        if let v = env.value("INTAKE_SMTP_EHLO") { config.ehloName = v }
        if let v = env.int("INTAKE_SMTP_CONNECT_TIMEOUT", range: 1...300) { config.connectTimeoutSeconds = v }
        if let v = env.int("INTAKE_SMTP_TIMEOUT", range: 1...3600) { config.totalTimeoutSeconds = v }
        if let v = env.value("INTAKE_MAIL_RETRY_DELAYS") {
            let delays = v.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            if delays.isEmpty || delays.contains(where: { $0 == nil || $0! < 0 }) {
                env.problems.append("INTAKE_MAIL_RETRY_DELAYS=\(v) must be seconds separated by commas, e.g. 60,300,1800,7200")
            } else {
                config.retryDelaysSeconds = delays.map { $0! }
            }
        }
        if let v = env.int("INTAKE_MAIL_MAX_RETRY_SECONDS", range: 0...(60 * 24 * 3600)) { config.maxRetrySeconds = v }
        if let v = env.value("INTAKE_MAIL_DIRECTORY") { config.fileDirectory = v }
        if config.smtpURL == nil && (config.username != nil || config.caFile != nil) {
            env.problems.append("INTAKE_SMTP_USERNAME/INTAKE_SMTP_CA_FILE are set but INTAKE_SMTP_URL is not")
        }
        guard env.problems.isEmpty else { throw MailError.configuration(env.problems) }
        return config
    }

    /// Delay before the next attempt after `attempts` failures, or nil when it is time to give up.
    public func retryDelay(afterAttempts attempts: Int, firstQueuedAt: Date, now: Date) -> TimeInterval? {
        guard !retryDelaysSeconds.isEmpty else { return nil }
        let delay = TimeInterval(retryDelaysSeconds[min(max(attempts - 1, 0), retryDelaysSeconds.count - 1)])
        if now.addingTimeInterval(delay).timeIntervalSince(firstQueuedAt) > TimeInterval(maxRetrySeconds) { return nil }
        return delay
    }
}

nonisolated(unsafe) private let addressPattern = /[^@\s<>",;]+@[^@\s<>",;]+/
