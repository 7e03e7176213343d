import Foundation

/// What a staff account may do.
public enum StaffRole: String, Sendable, CaseIterable, Codable {
    /// Users, functions, outbox, every report.
    case admin
    /// Member of one or more owning functions (incl. a region's triage function); sees only
    /// the reports routed to them.
    case handlaggare
    /// Read-only statistics; never a report's contact data.
    case analytiker

    public var name: LocalizedText {
        switch self {
        case .admin: LocalizedText(sv: "Administratör", en: "Administrator")
        case .handlaggare: LocalizedText(sv: "Handläggare", en: "Case officer")
        case .analytiker: LocalizedText(sv: "Analytiker", en: "Analyst")
        }
    }
}

/// A staff member as the access rules see them.
public struct StaffUser: Sendable, Hashable {
    public var id: Int64
    public var email: String
    public var name: String
    public var role: StaffRole
    public var functionKeys: Set<String>
    public var active: Bool
    public var mustChangePassword: Bool

    public init(id: Int64, email: String, name: String, role: StaffRole, functionKeys: Set<String>, active: Bool = true, mustChangePassword: Bool = false) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.functionKeys = functionKeys
        self.active = active
        self.mustChangePassword = mustChangePassword
    }
}

/// Who may see and do what. Plain rules, no HTTP or SQL, so the access matrix is tested directly too.
public enum AccessPolicy {
    /// Queues and report pages: admins and handläggare. Analysts work with statistics only.
    public static func canWorkWithReports(_ user: StaffUser) -> Bool {
        user.role != .analytiker
    }

    /// A report is visible to admins, and to handläggare in a function it is routed to now.
    public static func canSee(reportRoutedTo functionKeys: some Sequence<String>, by user: StaffUser) -> Bool {
        switch user.role {
        case .admin: true
        case .handlaggare: functionKeys.contains(where: user.functionKeys.contains)
        case .analytiker: false
        }
    }

    public static func canSeeQueue(of functionKey: String, by user: StaffUser) -> Bool {
        switch user.role {
        case .admin: true
        case .handlaggare: user.functionKeys.contains(functionKey)
        case .analytiker: false
        }
    }

    public static func canAdminister(_ user: StaffUser) -> Bool {
        user.role == .admin
    }
}

/// Password rules for staff accounts: long rather than complicated (NIST SP 800-63B).
public enum PasswordPolicy {
    /// How long a password-reset link is valid, in seconds.
    public static let resetValidity: TimeInterval = 3600
    public static let minimumLength = 12
    public static let maximumLength = 72 // bcrypt reads at most 72 bytes

    public static func problem(with password: String) -> LocalizedText? {
        if password.count < minimumLength {
            return LocalizedText(sv: "Lösenordet måste ha minst \(minimumLength) tecken.", en: "The password must have at least \(minimumLength) characters.")
        }
        if password.utf8.count > maximumLength {
            return LocalizedText(sv: "Lösenordet får ha högst \(maximumLength) tecken.", en: "The password may have at most \(maximumLength) characters.")
        }
        if Set(password).count < 4 {
            return LocalizedText(sv: "Lösenordet är för enkelt. Använd flera olika tecken, till exempel några ord.", en: "The password is too simple. Use several different characters, for example a few words.")
        }
        return nil
    }

    /// A readable random password for new accounts: four groups of five letters and digits.
    public static func generate() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String((0..<5).map { _ in alphabet.randomElement(using: &generator)! }) }.joined(separator: "-")
    }
}

/// Failed-login throttling per account and per client address, in sliding windows.
/// A value type: the server keeps one behind a lock and passes the clock in.
public struct LoginThrottle: Sendable {
    public var maxFailuresPerAccount = 5
    public var maxFailuresPerAddress = 20
    public var window: TimeInterval = 15 * 60

    private var failures: [String: [Date]] = [:]

    public init() {}

    /// When the next attempt is allowed, or nil if it is allowed now.
    public func blockedUntil(account: String, address: String, now: Date) -> Date? {
        let keys: [(String, Int)] = [("account:" + account.lowercased(), maxFailuresPerAccount), ("address:" + address, maxFailuresPerAddress)]
        var until: Date?
        for (key, limit) in keys {
            let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
            if recent.count >= limit, let oldest = recent.first {
                let candidate = oldest.addingTimeInterval(window)
                until = max(until ?? candidate, candidate)
            }
        }
        return until
    }

    public mutating func recordFailure(account: String, address: String, now: Date) {
        for key in ["account:" + account.lowercased(), "address:" + address] {
            var list = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
            list.append(now)
            failures[key] = list
        }
        if failures.count > 10_000 { failures = failures.filter { !$0.value.isEmpty && now.timeIntervalSince($0.value.last!) < window } }
    }

    public mutating func recordSuccess(account: String) {
        failures["account:" + account.lowercased()] = nil
    }

    /// Checks and counts one attempt in a single step, before the password is checked: the
    /// attempt counts as a failure while it is in flight. Parallel attempts therefore cannot
    /// all pass the check before the first one is recorded; at most `maxFailuresPerAccount`
    /// get through per window. Returns nil when the attempt may go ahead, else when the next
    /// one is allowed (a refused attempt is not counted: it checked no password).
    public mutating func admit(account: String, address: String, now: Date) -> Date? {
        if let until = blockedUntil(account: account, address: address, now: now) { return until }
        recordFailure(account: account, address: address, now: now)
        return nil
    }

    /// The attempt admitted at `admittedAt` succeeded: the account's failures are forgotten and
    /// the attempt no longer counts against the address (colleagues behind one NAT log in).
    public mutating func admittedAttemptSucceeded(account: String, address: String, admittedAt: Date) {
        recordSuccess(account: account)
        let key = "address:" + address
        if var list = failures[key], let index = list.lastIndex(of: admittedAt) {
            list.remove(at: index)
            failures[key] = list.isEmpty ? nil : list
        }
    }
}
