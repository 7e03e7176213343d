import ArgumentParser
import Foundation
import IntakeDomain
import IntakeStore

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage staff accounts.",
                                                    subcommands: [Add.self, List.self, SetPassword.self])

    static func open(_ common: CommonOptions) async throws -> (StaffRepository, Catalogue) {
        let (config, catalogue, database) = try common.openCatalogueAndDatabase()
        return (StaffRepository(database: database, bcryptCost: UInt8(config.bcryptCost)), catalogue)
    }

    static func readPassword() throws -> String {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw fail("No password on standard input.") }
        return line
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account. Without --password-stdin a one-time password is printed.")
        @Option(help: "E-mail address (the login name).") var email: String
        @Option(help: "The person's name.") var name: String
        @Option(help: "admin, handlaggare or analytiker.") var role: String
        @Option(name: .customLong("function"), help: "Owning function key (repeat for several; handläggare only).") var functions: [String] = []
        @Flag(help: "Read the password from standard input instead of generating a one-time password.") var passwordStdin = false
        @OptionGroup var common: CommonOptions

        func run() async throws {
            guard let role = StaffRole(rawValue: role) else { throw ValidationError("--role must be admin, handlaggare or analytiker") }
            let (staff, catalogue) = try await UserCommand.open(common)
            let password = passwordStdin ? try UserCommand.readPassword() : PasswordPolicy.generate()
            do {
                let user = try await staff.create(.init(email: email, name: name, role: role, functionKeys: functions, password: password,
                                                        mustChangePassword: !passwordStdin),
                                                  catalogue: catalogue, by: .system, now: Date())
                print("Created \(user.role.rawValue) \(user.email) (id \(user.id)).")
                if !passwordStdin { print("One-time password (must be changed at first login): \(password)") }
            } catch {
                throw fail(error.description)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let (staff, _) = try await UserCommand.open(common)
            for user in try await staff.allUsers() {
                print("\(user.id)\t\(user.email)\t\(user.role.rawValue)\t\(user.active ? "active" : "inactive")\t\(user.functionKeys.sorted().joined(separator: ","))")
            }
        }
    }

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-password",
                                                        abstract: "Give an account a new password and end its sessions. Without --password-stdin a one-time password is printed.")
        @Option(help: "The account's e-mail address.") var email: String
        @Flag(help: "Read the password from standard input.") var passwordStdin = false
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let (staff, _) = try await UserCommand.open(common)
            guard let user = try await staff.user(email: email) else { throw fail("No account \(email).") }
            let password = passwordStdin ? try UserCommand.readPassword() : PasswordPolicy.generate()
            do {
                try await staff.setPassword(userId: user.id, password: password, mustChange: !passwordStdin, by: .system, now: Date())
            } catch {
                throw fail(error.description)
            }
            print(passwordStdin ? "Password changed for \(user.email)." : "One-time password for \(user.email) (must be changed at first login): \(password)")
        }
    }
}
