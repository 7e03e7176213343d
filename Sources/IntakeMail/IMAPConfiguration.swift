import Foundation
import IntakeDomain

/// One mailbox read over IMAP: where, how to log in, and where its reports go.
public struct IMAPMailbox: Sendable, Hashable {
    /// "" for the mailbox of the unnumbered variables (`INTAKE_IMAP_URL`), "1", "2", … for
    /// `INTAKE_IMAP_1_URL`, …. Names the mailbox in logs, metrics and `/ready` (never the address).
    public var name: String
    /// `imap://host[:port]/FOLDER` or `imaps://…`; the folder defaults to INBOX.
    public var url: String
    public var username: String?
    public var password: String?
    public var startTLS: MailConfiguration.StartTLS = .required
    public var caFile: String?
    public var pollSeconds = 60
    /// An agreement key (the mail becomes a report on that agreement) or a region key (the
    /// region's central triage).
    public var route: String
    /// Where handled messages are moved; created when missing.
    public var doneFolder = "Behandlade"
    public var connectTimeoutSeconds = 10
    public var totalTimeoutSeconds = 120

    public init(name: String, url: String, route: String) {
        self.name = name
        self.url = url
        self.route = route
    }

    /// The label used in logs, metrics and /ready.
    public var label: String { name.isEmpty ? "default" : name }

    /// The server part of the URL without the folder: `imap://host:port`.
    public var serverURL: String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return url }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// The folder read, decoded from the URL path (`INBOX` when the URL has none).
    public var folder: String {
        guard let components = URLComponents(string: url) else { return "INBOX" }
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return path.isEmpty ? "INBOX" : path
    }

    public var isImplicitTLS: Bool { url.hasPrefix("imaps://") }
}

/// The mailboxes configured. One mailbox by the unnumbered variables
/// (`INTAKE_IMAP_URL`, `INTAKE_IMAP_USERNAME`, …) and any number by numbered ones
/// (`INTAKE_IMAP_1_URL`, `INTAKE_IMAP_1_USERNAME`, … up to `INTAKE_IMAP_20_*`), each with the same
/// suffixes. `INTAKE_IMAP_DONE_FOLDER` and `INTAKE_IMAP_POLL_SECONDS` without a number are the
/// defaults for every mailbox.
public struct IMAPConfiguration: Sendable, Hashable {
    public var mailboxes: [IMAPMailbox] = []

    public init(mailboxes: [IMAPMailbox] = []) {
        self.mailboxes = mailboxes
    }

    public static let maxNumbered = 20
    public static let suffixes = ["URL", "USERNAME", "PASSWORD", "STARTTLS", "CA_FILE", "POLL_SECONDS", "ROUTE", "DONE_FOLDER"]

    static func prefix(_ name: String) -> String { name.isEmpty ? "INTAKE_IMAP_" : "INTAKE_IMAP_\(name)_" }

    public static func fromEnvironment(_ environment: [String: String]) throws(MailError) -> IMAPConfiguration {
        var env = EnvironmentReader(environment)
        var config = IMAPConfiguration()
        let defaultDone = env.value("INTAKE_IMAP_DONE_FOLDER") ?? "Behandlade"
        let defaultPoll = env.int("INTAKE_IMAP_POLL_SECONDS", range: 1...86_400) ?? 60
        for name in [""] + (1...maxNumbered).map(String.init) {
            let prefix = prefix(name)
            guard let url = env.value(prefix + "URL") else {
                if !name.isEmpty {
                    for suffix in suffixes where env.value(prefix + suffix) != nil {
                        env.problems.append("\(prefix)\(suffix) is set but \(prefix)URL is not")
                    }
                }
                continue
            }
            let route = env.value(prefix + "ROUTE")
            if route == nil {
                env.problems.append("\(prefix)ROUTE must name where this mailbox's reports go: an agreement key (e.g. sthlm-bus) or a region key (its triage)")
            }
            var mailbox = IMAPMailbox(name: name, url: url, route: route ?? "")
            if let parsed = URLComponents(string: url), let scheme = parsed.scheme, ["imap", "imaps"].contains(scheme),
               let host = parsed.host, !host.isEmpty, parsed.user == nil, parsed.query == nil {
                mailbox.url = url
            } else {
                env.problems.append("\(prefix)URL=\(url) must look like imaps://mail.example.se/INBOX or imap://host:port/INBOX (credentials in \(prefix)USERNAME and \(prefix)PASSWORD)")
            }
            mailbox.username = env.value(prefix + "USERNAME")
            mailbox.password = env.value(prefix + "PASSWORD")
            if mailbox.username == nil || mailbox.password == nil {
                env.problems.append("\(prefix)USERNAME and \(prefix)PASSWORD must both be set (an app password for Microsoft 365 or Google)")
            }
            if let v = env.value(prefix + "STARTTLS") {
                if let mode = MailConfiguration.StartTLS(rawValue: v.lowercased()) { mailbox.startTLS = mode }
                else { env.problems.append("\(prefix)STARTTLS=\(v) must be required, opportunistic or off") }
            }
            if let v = env.value(prefix + "CA_FILE") {
                if FileManager.default.isReadableFile(atPath: v) { mailbox.caFile = v }
                else { env.problems.append("\(prefix)CA_FILE=\(v) is not a readable file") }
            }
            mailbox.pollSeconds = name.isEmpty ? defaultPoll : (env.int(prefix + "POLL_SECONDS", range: 1...86_400) ?? defaultPoll)
            let done = name.isEmpty ? defaultDone : (env.value(prefix + "DONE_FOLDER") ?? defaultDone)
            if done.isEmpty || done.utf8.count > 200 || done.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\"" || $0 == "\\" || $0 == "*" || $0 == "%" }) {
                env.problems.append("\(prefix)DONE_FOLDER=\(done) must be a folder name without quotes, backslashes, * or %")
            } else {
                mailbox.doneFolder = done
            }
            if mailbox.folder == mailbox.doneFolder {
                env.problems.append("\(prefix)DONE_FOLDER must differ from the folder that is read (\(mailbox.folder))")
            }
            config.mailboxes.append(mailbox)
        }
        guard env.problems.isEmpty else { throw MailError.configuration(env.problems) }
        return config
    }

    /// Every variable of every configured mailbox with its value (for `intake config check`).
    public var settings: [(key: String, value: String, isSecret: Bool)] {
        var out: [(String, String, Bool)] = []
        if mailboxes.isEmpty {
            // None configured: the variables of the unnumbered mailbox with their defaults.
            return [("INTAKE_IMAP_URL", "", false), ("INTAKE_IMAP_USERNAME", "", false), ("INTAKE_IMAP_PASSWORD", "", true),
                    ("INTAKE_IMAP_STARTTLS", "required", false), ("INTAKE_IMAP_CA_FILE", "", false), ("INTAKE_IMAP_POLL_SECONDS", "60", false),
                    ("INTAKE_IMAP_ROUTE", "", false), ("INTAKE_IMAP_DONE_FOLDER", "Behandlade", false)]
        }
        for mailbox in mailboxes {
            let prefix = Self.prefix(mailbox.name)
            out.append((prefix + "URL", mailbox.url, false))
            out.append((prefix + "USERNAME", mailbox.username ?? "", false))
            out.append((prefix + "PASSWORD", mailbox.password ?? "", true))
            out.append((prefix + "STARTTLS", mailbox.isImplicitTLS ? "(imaps: TLS from the start)" : mailbox.startTLS.rawValue, false))
            out.append((prefix + "CA_FILE", mailbox.caFile ?? "", false))
            out.append((prefix + "POLL_SECONDS", String(mailbox.pollSeconds), false))
            out.append((prefix + "ROUTE", mailbox.route, false))
            out.append((prefix + "DONE_FOLDER", mailbox.doneFolder, false))
        }
        return out
    }

    /// Names every `INTAKE_IMAP_*` variable could have (so `config check` does not call them unknown).
    public static var knownVariables: Set<String> {
        var names: Set<String> = []
        for name in [""] + (1...maxNumbered).map(String.init) {
            for suffix in suffixes { names.insert(prefix(name) + suffix) }
        }
        return names
    }
}
