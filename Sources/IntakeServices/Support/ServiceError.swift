import IntakeDomain

/// What a use case refuses or cannot do, and what stops the server from starting: the services'
/// one error type. Errors of the layers below (`StoreError`, the mail target's errors, GRDB's) are
/// turned into these where a service decides what they mean.
public enum ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No such report, or one the user may not see: the same answer, so ids are not enumerable.
    case notFound
    case forbidden
    /// The workflow refuses the action (a closing without a message, a text with a name, …).
    case refused(Workflow.Refusal)
    /// The database cannot store anything now (full disk, size cap, unwritable file): nothing was changed.
    case storageUnavailable
    /// The configuration (environment, `INTAKE_CONFIG_FILE`, catalogue routes) has these problems; all are listed at once.
    case configuration([String])
    /// Templates/api/openapi.yaml is served at /api/openapi.yaml; a server without it does not start.
    case openAPIDescriptionMissing(path: String)
    /// One pass over a mailbox failed; the text says why (no personal data).
    case mailbox(String)

    /// The configuration's problems, one per line of `config check`; other errors give their description.
    public var problems: [String] {
        if case .configuration(let problems) = self { problems } else { [description] }
    }

    public var description: String {
        switch self {
        case .notFound: "No such report, or not one this account may see."
        case .forbidden: "This account may not do that."
        case .refused(let refusal): "Refused: \(refusal)"
        case .storageUnavailable: "The database cannot be written right now; nothing was changed."
        case .configuration(let problems):
            "The configuration has \(problems.count) problem(s):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        case .openAPIDescriptionMissing(let path): "The OpenAPI description is missing: \(path)"
        case .mailbox(let text): text
        }
    }
}
