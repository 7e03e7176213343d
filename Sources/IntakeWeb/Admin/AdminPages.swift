/// The administration pages' models (Templates/pages/admin-…), each built in one function of `AdminController`.

/// All staff accounts.
struct AdminUsersPage: PageModel {
    static let template = "pages/admin-users"
    let notice: String?
    let users: [User]
    let newHref: String

    struct User: Sendable {
        let name: String
        let email: String
        let role: String
        let active: Bool
        let functions: String
        let href: String
    }
}

/// A new account, or an existing one with its history.
struct AdminUserPage: PageModel {
    static let template = "pages/admin-user"
    let heading: String
    let isNew: Bool
    let action: String
    let resetAction: String?
    let email: String
    let name: String
    let roles: [Choice]
    let regions: [Region]
    let active: Bool
    let error: String?
    let oneTimePassword: String?
    let usersHref: String
    let hasHistory: Bool
    let history: [HistoryRow]

    /// A radio button (role) or a checkbox (function).
    struct Choice: Sendable {
        let value: String
        let label: String
        let checked: Bool
        let id: String
    }

    struct Region: Sendable {
        let name: String
        let functions: [Choice]
    }

    struct HistoryRow: Sendable {
        let at: String
        let actor: String
        let action: String
        let before: String
        let after: String
    }
}

/// The audit log, newest first, a page at a time.
struct AdminLogPage: PageModel {
    static let template = "pages/admin-log"
    let entries: [Entry]
    let olderHref: String?

    struct Entry: Sendable {
        let at: String
        let actor: String
        let action: String
        let before: String
        let after: String
        let reportHref: String?
        let reference: String?
        let userHref: String?
        let userName: String?
    }
}

/// The mail outbox: counts per status and the latest messages.
struct AdminOutboxPage: PageModel {
    static let template = "pages/admin-outbox"
    let notice: String?
    let counts: [Count]
    let messages: [Message]
    let olderHref: String?

    struct Count: Sendable {
        let label: String
        let count: Int
        let href: String
    }

    struct Message: Sendable {
        let id: Int64
        let kind: String
        let recipient: String
        let subject: String
        let status: String
        let attempts: Int
        let created: String
        let error: String?
        let dead: Bool
        let retryAction: String
    }
}

/// API tokens: the new token's secret (shown once), the form for a new one and the list.
struct AdminTokensPage: PageModel {
    static let template = "pages/admin-tokens"
    let notice: String?
    let error: String?
    let created: Created?
    let accountOptions: [Option]
    let readWrite: Bool
    let label: String
    let createAction: String
    let tokens: [Token]

    struct Created: Sendable {
        let secret: String
        let prefix: String
        let user: String
        let scope: String
    }

    typealias Option = SelectOption

    struct Token: Sendable {
        let id: Int64
        let prefix: String
        let user: String
        let userHref: String
        let scope: String
        let label: String
        let created: String
        let lastUsed: String
        let revokeAction: String
        let revoked: String?
    }
}
