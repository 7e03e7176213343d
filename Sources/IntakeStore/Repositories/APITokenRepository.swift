import Foundation
import GRDB
import IntakeDomain

/// A token for the staff API and Open311 (`api_key`): scoped to one staff account, read-only
/// or read-write. The secret is shown once when made; only its SHA-256 is stored.
public struct APIToken: Sendable, Hashable {
    public var id: Int64
    public var prefix: String
    public var user: StaffUser
    public var readWrite: Bool
    public var label: String?
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public var isRevoked: Bool { revokedAt != nil }
    /// How the token is shown in lists: never the secret, only its public prefix.
    public var displayPrefix: String { APITokenRepository.marker + prefix + "…" }
}

public final class APITokenRepository: Sendable {
    let database: AppDatabase

    /// Every token starts with this, so a leaked one is recognisable (secret scanners, logs).
    public static let marker = "sbk_"
    static let prefixLength = 8

    public init(database: AppDatabase) {
        self.database = database
    }

    /// Makes a token for an active account. Returns the secret (shown once) and the stored token.
    public func create(userEmail: String, readWrite: Bool, label: String?, by actor: AuditActor, now: Date) async throws(StoreError) -> (secret: String, token: APIToken) {
        let random = SecretToken.generate()
        let secret = Self.marker + random
        let prefix = String(random.prefix(Self.prefixLength))
        do {
            return try await database.pool.write { db in
                guard let user = try StaffRepository.fetchUser(db, sql: "SELECT * FROM staff_user WHERE email = ?", arguments: [userEmail.trimmingCharacters(in: .whitespaces)]) else {
                    throw StoreError.unknownUser
                }
                guard user.active else { throw StoreError.inactiveUser }
                let cleanLabel = label?.trimmingCharacters(in: .whitespacesAndNewlines).prefix(100).description
                try db.execute(sql: """
                    INSERT INTO api_token (user_id, prefix, token_hash, read_write, label, created_at) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [user.id, prefix, Digest.sha256Hex(secret), readWrite, cleanLabel?.isEmpty == false ? cleanLabel : nil, now])
                let id = db.lastInsertedRowID
                try AuditLog.record(AuditEntry(actor: actor, action: .tokenCreated, targetUserId: user.id,
                                               after: "\(Self.marker)\(prefix)… \(readWrite ? "read-write" : "read-only")"), at: now, in: db)
                return (secret, APIToken(id: id, prefix: prefix, user: user, readWrite: readWrite, label: cleanLabel, createdAt: now))
            }
        } catch let problem as StoreError {
            throw problem
        } catch {
            // A full disk or unwritable database is a 503, not "not found".
            if database.storage.noteFailure(error, during: "api token") { throw .storageUnavailable }
            throw .tokenNotFound
        }
    }

    /// The live token for a presented secret: known, not revoked, its account active. Records when it was last used
    /// (at most once a minute, so reads do not turn into writes).
    public func authenticate(_ secret: String, now: Date) async throws -> APIToken? {
        guard secret.hasPrefix(Self.marker), SecretToken.isWellFormed(String(secret.dropFirst(Self.marker.count))) else { return nil }
        let hash = Digest.sha256Hex(secret)
        guard let token = try await database.pool.read({ db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE token_hash = ?", arguments: [hash]).flatMap { try Self.token($0, in: db) }
        }), !token.isRevoked, token.user.active else { return nil }
        if token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await database.pool.write { db in
                try db.execute(sql: "UPDATE api_token SET last_used_at = ? WHERE id = ?", arguments: [now, token.id])
            }
        }
        return token
    }

    /// Revokes by id (`12`) or by prefix (`sbk_AbCd…`, `AbCd`). Revoking twice is not an error.
    public func revoke(_ idOrPrefix: String, by actor: AuditActor, now: Date) async throws(StoreError) -> APIToken {
        var wanted = idOrPrefix.trimmingCharacters(in: .whitespaces)
        if wanted.hasSuffix("…") { wanted.removeLast() }
        // `sbk_…` is always a prefix, never an id.
        let isPrefix = wanted.hasPrefix(Self.marker)
        if isPrefix { wanted.removeFirst(Self.marker.count) }
        let key = wanted
        do {
            return try await database.pool.write { db in
                var rows: [Row] = []
                if !isPrefix, let id = Int64(key) { rows = try Row.fetchAll(db, sql: "SELECT * FROM api_token WHERE id = ?", arguments: [id]) }
                if rows.isEmpty, key.count >= 4 {
                    // The prefix is the first 8 characters of the secret; a longer input (the whole secret) matches too.
                    let prefix = String(key.prefix(Self.prefixLength))
                    rows = try Row.fetchAll(db, sql: "SELECT * FROM api_token WHERE substr(prefix, 1, ?) = ?", arguments: [prefix.count, prefix])
                }
                guard !rows.isEmpty else { throw StoreError.tokenNotFound }
                guard rows.count == 1, var token = try Self.token(rows[0], in: db) else { throw StoreError.ambiguousToken }
                if token.revokedAt == nil {
                    try db.execute(sql: "UPDATE api_token SET revoked_at = ? WHERE id = ?", arguments: [now, token.id])
                    try AuditLog.record(AuditEntry(actor: actor, action: .tokenRevoked, targetUserId: token.user.id, after: token.displayPrefix), at: now, in: db)
                    token.revokedAt = now
                }
                return token
            }
        } catch let problem as StoreError {
            throw problem
        } catch {
            // A full disk or unwritable database is a 503, not "not found".
            if database.storage.noteFailure(error, during: "api token") { throw .storageUnavailable }
            throw .tokenNotFound
        }
    }

    public func all() async throws -> [APIToken] {
        try await database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_token ORDER BY revoked_at IS NOT NULL, id DESC").compactMap { try Self.token($0, in: db) }
        }
    }

    public func token(id: Int64) async throws -> APIToken? {
        try await database.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE id = ?", arguments: [id]).flatMap { try Self.token($0, in: db) }
        }
    }

    static func token(_ row: Row, in db: Database) throws -> APIToken? {
        guard let user = try StaffRepository.fetchUser(db, sql: "SELECT * FROM staff_user WHERE id = ?", arguments: [row["user_id"] as Int64]) else { return nil }
        return APIToken(id: row["id"], prefix: row["prefix"], user: user, readWrite: row["read_write"], label: row["label"],
                        createdAt: row["created_at"], lastUsedAt: row["last_used_at"], revokedAt: row["revoked_at"])
    }
}
