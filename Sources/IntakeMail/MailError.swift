import IntakeDomain

/// What the mail target refuses or cannot do: its one error type, for the outbox worker, the
/// mail intake, the command line and start-up. Descriptions name settings and headers, never an
/// address, a password or a mail's text, so they can go to logs and to a dead letter.
public enum MailError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An address (or the message id) that a header cannot carry as-is: the message is refused,
    /// never sent with an altered address.
    case unwritableAddress(header: String, problem: MailAddress.Problem)
    /// `INTAKE_SMTP_*`, `INTAKE_MAIL_*` or `INTAKE_IMAP_*` settings with these problems, all at once.
    case configuration([String])
    /// Talking to the IMAP server failed, with what to do about it.
    case imap(IMAPFailure, String)
    /// Templates/ lacks these files: the server does not start.
    case missingTemplates(directory: String, names: [String])
    /// An attached .docx that cannot be read (not a ZIP, no document part, too large, bad XML).
    case unreadableDocument

    public var description: String {
        switch self {
        case .unwritableAddress(let header, let problem): "the \(header) address cannot be written in a mail header: \(problem.reason)"
        case .configuration(let problems): problems.joined(separator: "\n")
        case .imap(_, let text): text
        case .missingTemplates(let directory, let names):
            "Templates missing in \(directory): \(names.map { $0.hasSuffix(".css") ? $0 : $0 + ".mustache" }.joined(separator: ", "))"
        case .unreadableDocument: "the attached document cannot be read"
        }
    }

    /// The configuration problems, one a line (`config check`); other errors give their description.
    public var problems: [String] {
        if case .configuration(let problems) = self { problems } else { [description] }
    }
}

/// How talking to the IMAP server failed.
public enum IMAPFailure: String, Sendable, Hashable {
    /// Connection refused, DNS, timeout: try again later.
    case unreachable
    /// Login refused, TLS or certificate problems: a configuration problem, retried slowly.
    case configuration
    /// The server answered NO/BAD to a command, or too much.
    case refused
}
