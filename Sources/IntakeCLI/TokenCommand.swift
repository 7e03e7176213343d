import ArgumentParser
import Foundation
import IntakeDomain
import IntakeStore

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manage API tokens (staff API bearer tokens and Open311 api_key).",
                                                    subcommands: [Create.self, List.self, Revoke.self])

    static func open(_ common: CommonOptions) async throws -> APITokenRepository {
        let config = try common.configuration()
        let database = try AppDatabase(path: config.databasePath)
        try database.migrate()
        return APITokenRepository(database: database)
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a token for an account. The token is printed once on standard output; only its hash is kept.")
        @Option(help: "The account's e-mail address: the token sees and does what this account may.") var user: String
        @Flag(help: "Allow writes (state changes, replies, notes, Open311 POST requests). Default: read-only.") var readWrite = false
        @Option(help: "A note on what the token is for (shown in lists).") var label: String?
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let tokens = try await TokenCommand.open(common)
            do {
                let (secret, token) = try await tokens.create(userEmail: user, readWrite: readWrite, label: label, by: .system, now: Date())
                FileHandle.standardError.write(Data("Token \(token.id) (\(token.displayPrefix), \(token.readWrite ? "read-write" : "read-only")) for \(token.user.email). It is shown only now:\n".utf8))
                print(secret)
            } catch {
                throw fail(error.description)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never the secrets).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let formatter = ISO8601DateFormatter()
            for token in try await TokenCommand.open(common).all() {
                let state = token.revokedAt.map { "revoked " + formatter.string(from: $0) } ?? "active"
                let used = token.lastUsedAt.map { "used " + formatter.string(from: $0) } ?? "never used"
                print("\(token.id)\t\(token.displayPrefix)\t\(token.user.email)\t\(token.readWrite ? "read-write" : "read-only")\t\(state)\t\(used)\t\(token.label ?? "")")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by id or prefix (as `token list` shows it).")
        @Argument(help: "The token's id or prefix.") var token: String
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let tokens = try await TokenCommand.open(common)
            do {
                let revoked = try await tokens.revoke(token, by: .system, now: Date())
                print("Revoked token \(revoked.id) (\(revoked.displayPrefix)) of \(revoked.user.email).")
            } catch {
                throw fail(error.description)
            }
        }
    }
}
