import ArgumentParser
import Foundation
import IntakeServices
import IntakeStore

/// `intake config check`: the effective configuration (secrets masked); exit 1 on problems.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Inspect the configuration.",
                                                    subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration (environment over INTAKE_CONFIG_FILE over defaults), secrets masked; exit 1 on problems.")

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let merged: [String: String]
            let file: ConfigurationFile?
            do {
                (merged, file) = try ConfigurationFile.merged(environment: environment)
            } catch {
                throw fail(error.description)
            }
            let config: AppConfiguration
            do {
                config = try AppConfiguration.fromEnvironment(environment)
            } catch {
                throw fail(error.description)
            }
            if let file { print("# config file: \(file.path)") }
            for setting in config.settings {
                let source: String
                if environment[setting.key].map({ !$0.trimmingCharacters(in: .whitespaces).isEmpty }) ?? false { source = "environment" }
                else if file?.values[setting.key].map({ !$0.trimmingCharacters(in: .whitespaces).isEmpty }) ?? false { source = "file" }
                else { source = "default" }
                print("\(setting.key)=\(setting.displayValue)\t# \(source)")
            }
            let unknown = config.unknownVariables(in: merged)
            for key in unknown { print("# warning: \(key) is not a known variable (ignored); a typing mistake?") }
            for warning in config.warnings() { print("# warning: \(warning)") }
            let problems = config.serveProblems()
            guard problems.isEmpty else {
                throw fail("The configuration has \(problems.count) problem(s):\n" + problems.map { "  - \($0)" }.joined(separator: "\n"))
            }
            print("# configuration OK")
        }
    }
}

/// `intake backup FILE`: an online, consistent copy while the server runs.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database with SQLite's backup API, safely while the server runs, and verify the copy.")
    @Argument(help: "The backup file to write.") var file: String
    @Flag(help: "Replace FILE if it exists.") var force = false
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let source = try common.configuration().databasePath
        var lastShown = -1
        do {
            let result = try DatabaseMaintenance.backup(databasePath: source, to: file, overwrite: force) { copied, total in
                let percent = total == 0 ? 100 : copied * 100 / total
                if percent / 10 != lastShown / 10 || copied == total {
                    if percent != lastShown { print("backup: \(copied)/\(total) pages (\(percent)%)") }
                    lastShown = percent
                }
            }
            print("backup: \(source) → \(file)")
            for line in result.lines { print(line) }
        } catch {
            throw fail("backup failed: \(error)")
        }
    }
}

/// `intake restore FILE`: replaces the database; refuses while a server holds it.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace the database with a verified backup. Refuses while a server uses the database; saves the replaced one first.")
    @Argument(help: "The backup file to restore.") var file: String
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let target = try common.configuration().databasePath
        do {
            let (verification, saved) = try DatabaseMaintenance.restore(backupPath: file, databasePath: target)
            if let saved { print("restore: the previous database was saved as \(saved)") }
            print("restore: \(file) → \(target)")
            for line in verification.lines { print(line) }
            if !verification.isHealthy { throw ExitCode(1) }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail("restore refused: \(error)")
        }
    }
}

/// `intake verify FILE`: integrity and foreign keys, with counts.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run PRAGMA integrity_check and foreign_key_check on a database or backup file and print counts; exit 1 on problems.")
    @Argument(help: "Database or backup file (default: the configured database).") var file: String?
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let path = try file ?? common.configuration().databasePath
        do {
            let result = try DatabaseMaintenance.verify(path: path)
            for line in result.lines { print(line) }
            if !result.isHealthy { throw ExitCode(1) }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail("verify failed: \(error)")
        }
    }
}
