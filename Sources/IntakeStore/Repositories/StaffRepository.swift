import Foundation
import Synchronization
import GRDB
import HummingbirdBcrypt
import IntakeDomain

/// Staff accounts, their function memberships, login sessions and password-reset links.
/// Session ids and reset tokens are stored only as SHA-256 hashes.
public final class StaffRepository: Sendable {
    let database: AppDatabase
    let bcryptCost: UInt8

    /// Idle sessions end after this long; every session ends after `sessionMaximum`.
    public static let sessionIdle: TimeInterval = 8 * 3600
    public static let sessionMaximum: TimeInterval = 24 * 3600
    public static let resetValidity = PasswordPolicy.resetValidity

    /// bcrypt's check of a password against a stored hash. Its own value only so that the test of
    /// `authenticate` can see which hashes are checked (LoginHardeningTests): the same work for an
    /// unknown e-mail as for a known one is a fact about those hashes, not a timing.
    package typealias PasswordCheck = @Sendable (_ password: String, _ hash: String) -> Bool
    private let passwordCheck: PasswordCheck

    public convenience init(database: AppDatabase, bcryptCost: UInt8 = 12) {
        self.init(database: database, bcryptCost: bcryptCost, passwordCheck: { Bcrypt.verify($0, hash: $1) })
    }

    package init(database: AppDatabase, bcryptCost: UInt8, passwordCheck: @escaping PasswordCheck) {
        self.database = database
        self.bcryptCost = bcryptCost
        self.passwordCheck = passwordCheck
    }

    public struct NewUser: Sendable {
        public var email: String
        public var name: String
        public var role: StaffRole
        public var functionKeys: [String]
        public var password: String
        public var mustChangePassword: Bool

        public init(email: String, name: String, role: StaffRole, functionKeys: [String], password: String, mustChangePassword: Bool = false) {
            self.email = email
            self.name = name
            self.role = role
            self.functionKeys = functionKeys
            self.password = password
            self.mustChangePassword = mustChangePassword
        }
    }

    // MARK: passwords

    func hash(_ password: String) async -> String {
        let cost = bcryptCost
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Bcrypt.hash(password, cost: cost)) }
        }
    }

    func verify(_ password: String, hash: String) async -> Bool {
        let check = passwordCheck
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: check(password, hash)) }
        }
    }

    /// Checked when no account matches, so an unknown e-mail takes as long as a wrong password:
    /// made with the configured cost, like every stored hash. Made once, on first use
    /// (`AppServices.load` starts making it in the background at start, so no login pays for it).
    package func dummyHash() async -> String {
        if let made = dummy.withLock({ $0 }) { return made }
        let made = await hash("not a password of anyone")
        return dummy.withLock { (value: inout String?) -> String in
            if let value { return value }
            value = made
            return made
        }
    }

    private let dummy = Mutex<String?>(nil)

    // MARK: accounts

    static func validate(email: String, name: String, role: StaffRole, functionKeys: [String], catalogue: Catalogue) -> StoreError? {
        let parts = email.split(separator: "@")
        if parts.count != 2 || parts[1].contains(where: { $0 == " " }) || !parts[1].contains(".") || email.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" }) {
            return .invalidEmail
        }
        if let problem = MailAddress.problem(email) { return .unwritableEmail(problem) }
        if name.trimmingCharacters(in: .whitespaces).isEmpty { return .emptyName }
        if let unknown = functionKeys.first(where: { catalogue.function($0) == nil }) { return .unknownFunction(unknown) }
        if (role == .handlaggare) == functionKeys.isEmpty { return .functionsOnlyForHandlaggare }
        return nil
    }

    public func create(_ user: NewUser, catalogue: Catalogue, by actor: AuditActor, now: Date) async throws(StoreError) -> StaffUser {
        let email = user.email.trimmingCharacters(in: .whitespaces)
        let name = user.name.trimmingCharacters(in: .whitespaces)
        if let problem = Self.validate(email: email, name: name, role: user.role, functionKeys: user.functionKeys, catalogue: catalogue) { throw problem }
        if let weak = PasswordPolicy.problem(with: user.password) { throw .weakPassword(weak) }
        let passwordHash = await hash(user.password)
        do {
            return try await database.pool.write { db in
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM staff_user WHERE email = ?", arguments: [email]) == true { throw StoreError.emailTaken }
                try db.execute(sql: """
                    INSERT INTO staff_user (email, name, role, password_hash, must_change_password, created_at) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [email, name, user.role.rawValue, passwordHash, user.mustChangePassword, now])
                let id = db.lastInsertedRowID
                for key in Set(user.functionKeys) {
                    try db.execute(sql: "INSERT INTO staff_membership (user_id, function_key) VALUES (?, ?)", arguments: [id, key])
                }
                let created = StaffUser(id: id, email: email, name: name, role: user.role, functionKeys: Set(user.functionKeys), mustChangePassword: user.mustChangePassword)
                try AuditLog.record(AuditEntry(actor: actor, action: .userCreated, targetUserId: id, after: Self.describe(created)), at: now, in: db)
                return created
            }
        } catch let problem as StoreError {
            throw problem
        } catch {
            // A full disk or unwritable database is a 503, not "not found".
            if database.storage.noteFailure(error, during: "staff account") { throw .storageUnavailable }
            throw .accountNotFound
        }
    }

    /// Changes name, role, functions and whether the account is active. Deactivating ends its sessions.
    public func update(id: Int64, name: String, role: StaffRole, functionKeys: [String], active: Bool, catalogue: Catalogue, by actor: AuditActor, now: Date) async throws -> StaffUser {
        guard let before = try await user(id: id) else { throw StoreError.accountNotFound }
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if let problem = Self.validate(email: before.email, name: trimmed, role: role, functionKeys: functionKeys, catalogue: catalogue) { throw problem }
        return try await database.pool.write { db in
            if before.role == .admin && before.active && (role != .admin || !active) {
                let admins = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM staff_user WHERE role = 'admin' AND active = 1") ?? 0
                if admins <= 1 { throw StoreError.lastAdmin }
            }
            try db.execute(sql: "UPDATE staff_user SET name = ?, role = ?, active = ? WHERE id = ?", arguments: [trimmed, role.rawValue, active, id])
            try db.execute(sql: "DELETE FROM staff_membership WHERE user_id = ?", arguments: [id])
            for key in Set(functionKeys) {
                try db.execute(sql: "INSERT INTO staff_membership (user_id, function_key) VALUES (?, ?)", arguments: [id, key])
            }
            if !active { try db.execute(sql: "DELETE FROM staff_session WHERE user_id = ?", arguments: [id]) }
            var after = before
            after.name = trimmed
            after.role = role
            after.functionKeys = Set(functionKeys)
            after.active = active
            if after != before {
                try AuditLog.record(AuditEntry(actor: actor, action: .userChanged, targetUserId: id,
                                               before: Self.describe(before), after: Self.describe(after)), at: now, in: db)
            }
            return after
        }
    }

    static func describe(_ user: StaffUser) -> String {
        var text = "\(user.name) <\(user.email)>, \(user.role.rawValue)"
        if !user.functionKeys.isEmpty { text += ", " + user.functionKeys.sorted().joined(separator: " ") }
        if !user.active { text += ", inaktiv" }
        return text
    }

    public func user(id: Int64) async throws -> StaffUser? {
        try await database.pool.read { db in try Self.fetchUser(db, sql: "SELECT * FROM staff_user WHERE id = ?", arguments: [id]) }
    }

    public func user(email: String) async throws -> StaffUser? {
        try await database.pool.read { db in try Self.fetchUser(db, sql: "SELECT * FROM staff_user WHERE email = ?", arguments: [email]) }
    }

    public func allUsers() async throws -> [StaffUser] {
        try await database.pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM staff_user ORDER BY name COLLATE NOCASE, id")
            let memberships = try Row.fetchAll(db, sql: "SELECT user_id, function_key FROM staff_membership")
            let byUser = Dictionary(grouping: memberships, by: { $0["user_id"] as Int64 }).mapValues { Set($0.map { $0["function_key"] as String }) }
            return rows.map { Self.user(row: $0, functions: byUser[$0["id"]] ?? []) }
        }
    }

    /// What was done to an account, newest first.
    public func history(userId: Int64) async throws -> [AuditEntry] {
        try await database.pool.read { db in try AuditLog.entries(forTargetUser: userId, in: db) }
    }

    public func count() async throws -> Int {
        try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM staff_user") ?? 0 }
    }

    static func fetchUser(_ db: Database, sql: String, arguments: StatementArguments) throws -> StaffUser? {
        guard let row = try Row.fetchOne(db, sql: sql, arguments: arguments) else { return nil }
        let functions = try String.fetchAll(db, sql: "SELECT function_key FROM staff_membership WHERE user_id = ?", arguments: [row["id"] as Int64])
        return user(row: row, functions: Set(functions))
    }

    static func user(row: Row, functions: Set<String>) -> StaffUser {
        StaffUser(id: row["id"], email: row["email"], name: row["name"], role: StaffRole(rawValue: row["role"]) ?? .analytiker,
                  functionKeys: functions, active: row["active"], mustChangePassword: row["must_change_password"])
    }

    /// Active handläggare in any of the functions, for a queue's filter and the report page's assign list.
    public func handlers(inFunctions keys: [String]) async throws -> [StaffUser] {
        try await database.pool.read { db in try self.handlers(inFunctions: keys, in: db) }
    }

    /// Active handläggare in any of the functions, for the assign list and notifications.
    package func handlers(inFunctions keys: [String], in db: Database) throws -> [StaffUser] {
        guard !keys.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: keys.count).joined(separator: ",")
        let ids = try Int64.fetchAll(db, sql: """
            SELECT DISTINCT u.id FROM staff_user u JOIN staff_membership m ON m.user_id = u.id
            WHERE u.active = 1 AND m.function_key IN (\(placeholders)) ORDER BY u.name COLLATE NOCASE
            """, arguments: StatementArguments(keys))
        return try ids.compactMap { try Self.fetchUser(db, sql: "SELECT * FROM staff_user WHERE id = ?", arguments: [$0]) }
    }

    // MARK: login

    /// The active account whose password matches, or nil. Takes the same time whether or not the e-mail exists.
    public func authenticate(email: String, password: String) async throws -> StaffUser? {
        let found = try await database.pool.read { db -> (StaffUser, String)? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM staff_user WHERE email = ?", arguments: [email.trimmingCharacters(in: .whitespaces)]) else { return nil }
            guard let user = try Self.fetchUser(db, sql: "SELECT * FROM staff_user WHERE id = ?", arguments: [row["id"] as Int64]) else { return nil }
            return (user, row["password_hash"])
        }
        guard let (user, hash) = found else {
            _ = await verify(password, hash: await dummyHash())
            return nil
        }
        guard await verify(password, hash: hash), user.active else { return nil }
        return user
    }

    /// Sets a new password (checked against the policy), ends the account's other sessions,
    /// invalidates every open reset link of the account and clears "must change".
    public func setPassword(userId: Int64, password: String, keepSession sessionHash: String? = nil, mustChange: Bool = false,
                            by actor: AuditActor, now: Date) async throws(StoreError) {
        if let weak = PasswordPolicy.problem(with: password) { throw .weakPassword(weak) }
        let passwordHash = await hash(password)
        do {
            try await database.pool.write { db in
                try db.execute(sql: "UPDATE staff_user SET password_hash = ?, must_change_password = ? WHERE id = ?", arguments: [passwordHash, mustChange, userId])
                guard db.changesCount == 1 else { throw StoreError.accountNotFound }
                try db.execute(sql: "DELETE FROM staff_session WHERE user_id = ? AND id_hash IS NOT ?", arguments: [userId, sessionHash])
                // A reset link mailed before the change must not undo it.
                try db.execute(sql: "DELETE FROM password_reset WHERE user_id = ? AND used_at IS NULL", arguments: [userId])
                try AuditLog.record(AuditEntry(actor: actor, action: .passwordChanged, targetUserId: userId), at: now, in: db)
            }
        } catch let problem as StoreError {
            throw problem
        } catch {
            // A full disk or unwritable database is a 503, not "not found".
            if database.storage.noteFailure(error, during: "staff account") { throw .storageUnavailable }
            throw .accountNotFound
        }
    }

    // MARK: sessions

    public struct Session: Sendable {
        public var user: StaffUser
        public var csrfToken: String
        public var idHash: String
    }

    /// A new session after a successful login: a fresh id (never one the browser already had).
    public func startSession(for user: StaffUser, now: Date) async throws -> (id: String, session: Session) {
        let id = SecretToken.generate() + SecretToken.generate()
        let csrf = SecretToken.generate()
        let idHash = Digest.sha256Hex(id)
        try await database.pool.write { db in
            try db.execute(sql: """
                INSERT INTO staff_session (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [idHash, user.id, csrf, now, now, now.addingTimeInterval(Self.sessionIdle)])
            try db.execute(sql: "UPDATE staff_user SET last_login_at = ? WHERE id = ?", arguments: [now, user.id])
            try db.execute(sql: "DELETE FROM staff_session WHERE expires_at < ?", arguments: [now])
            try AuditLog.record(AuditEntry(actor: .user(id: user.id, name: user.name), action: .loggedIn, targetUserId: user.id), at: now, in: db)
        }
        return (id, Session(user: user, csrfToken: csrf, idHash: idHash))
    }

    /// The session for a cookie value, if it is live and its account active. Extends the idle timeout.
    public func session(id: String, now: Date) async throws -> Session? {
        guard id.utf8.count == 64, id.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        let idHash = Digest.sha256Hex(id)
        let found = try await database.pool.read { db -> (Session, Date, Date)? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM staff_session WHERE id_hash = ?", arguments: [idHash]),
                  let user = try Self.fetchUser(db, sql: "SELECT * FROM staff_user WHERE id = ?", arguments: [row["user_id"] as Int64]),
                  user.active
            else { return nil }
            return (Session(user: user, csrfToken: row["csrf_token"], idHash: idHash), row["created_at"], row["last_seen_at"])
        }
        guard let (session, created, lastSeen) = found else { return nil }
        let expires = min(lastSeen.addingTimeInterval(Self.sessionIdle), created.addingTimeInterval(Self.sessionMaximum))
        guard now < expires else {
            try await endSession(idHash: idHash)
            return nil
        }
        if now.timeIntervalSince(lastSeen) > 300 {
            try await database.pool.write { db in
                try db.execute(sql: "UPDATE staff_session SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?",
                               arguments: [now, min(now.addingTimeInterval(Self.sessionIdle), created.addingTimeInterval(Self.sessionMaximum)), idHash])
            }
        }
        return session
    }

    public func endSession(idHash: String, user: StaffUser? = nil, now: Date? = nil) async throws {
        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM staff_session WHERE id_hash = ?", arguments: [idHash])
            if let user, let now {
                try AuditLog.record(AuditEntry(actor: .user(id: user.id, name: user.name), action: .loggedOut, targetUserId: user.id), at: now, in: db)
            }
        }
    }

    // MARK: password reset

    /// A single-use link token for an active account, valid for an hour; nil when no such account.
    /// The mail is queued in the same transaction.
    public func startPasswordReset(email: String, now: Date, mail: @escaping @Sendable (StaffUser, String) -> OutboxDraft) async throws -> Bool {
        guard let user = try await user(email: email.trimmingCharacters(in: .whitespaces)), user.active else { return false }
        let token = SecretToken.generate()
        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM password_reset WHERE user_id = ? AND used_at IS NULL", arguments: [user.id])
            try db.execute(sql: "INSERT INTO password_reset (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                           arguments: [Digest.sha256Hex(token), user.id, now, now.addingTimeInterval(Self.resetValidity)])
            try OutboxRepository.insert(mail(user, token), reportId: nil, now: now, in: db)
            try AuditLog.record(AuditEntry(actor: .system, action: .passwordResetRequested, targetUserId: user.id), at: now, in: db)
        }
        return true
    }

    /// The account a reset token is for, if the token is unused and not expired.
    public func resetTarget(token: String, now: Date) async throws -> StaffUser? {
        guard SecretToken.isWellFormed(token) else { return nil }
        return try await database.pool.read { db in
            guard let userId = try Int64.fetchOne(db, sql: "SELECT user_id FROM password_reset WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                                                  arguments: [Digest.sha256Hex(token), now]) else { return nil }
            return try Self.fetchUser(db, sql: "SELECT * FROM staff_user WHERE id = ? AND active = 1", arguments: [userId])
        }
    }

    /// Uses a reset token once: sets the password, ends every session of the account and
    /// invalidates any other open reset link of it.
    public func completePasswordReset(token: String, password: String, now: Date) async throws(StoreError) -> StaffUser {
        if let weak = PasswordPolicy.problem(with: password) { throw .weakPassword(weak) }
        guard let user = try? await resetTarget(token: token, now: now) else { throw .accountNotFound }
        let passwordHash = await hash(password)
        do {
            try await database.pool.write { db in
                try db.execute(sql: "UPDATE password_reset SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                               arguments: [now, Digest.sha256Hex(token), now])
                guard db.changesCount == 1 else { throw StoreError.accountNotFound }
                try db.execute(sql: "UPDATE staff_user SET password_hash = ?, must_change_password = 0 WHERE id = ?", arguments: [passwordHash, user.id])
                try db.execute(sql: "DELETE FROM staff_session WHERE user_id = ?", arguments: [user.id])
                try db.execute(sql: "DELETE FROM password_reset WHERE user_id = ? AND used_at IS NULL", arguments: [user.id])
                try AuditLog.record(AuditEntry(actor: .user(id: user.id, name: user.name), action: .passwordChanged, targetUserId: user.id), at: now, in: db)
            }
        } catch let problem as StoreError {
            throw problem
        } catch {
            // A full disk or unwritable database is a 503, not "not found".
            if database.storage.noteFailure(error, during: "staff account") { throw .storageUnavailable }
            throw .accountNotFound
        }
        return user
    }
}
