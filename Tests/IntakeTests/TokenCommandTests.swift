import Foundation
import GRDB
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// `intake token create|list|revoke`, run as the real executable against a real database file.
@Suite("intake token", .serialized)
struct TokenCommandTests {
    /// The `intake` executable built next to the test bundle by `swift build --build-tests`.
    static var executable: String? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [directory, directory.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("intake").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func intake(_ arguments: [String], directory: String) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(executable))
        process.arguments = arguments + ["--database", directory + "/intake.sqlite", "--forms", TestSupport.formsDirectory]
        let out = directory + "/stdout-\(UUID().uuidString)", err = directory + "/stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let status = TestProcess.waitForExit(process, timeout: 60)
        return Result(status: status, stdout: try String(contentsOfFile: out, encoding: .utf8), stderr: try String(contentsOfFile: err, encoding: .utf8))
    }

    @Test("create prints the token once on stdout and stores only its hash; list never shows it; revoke by prefix ends it",
          .requires(.intakeBinary))
    func createListRevoke() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)

        let created = try Self.intake(["token", "create", "--user", StaffFixtures.lusHandler.email, "--read-write", "--label", "Solna ärendesystem"], directory: directory)
        #expect(created.status == 0)
        let secret = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("sbk_") && secret.count == 36 && !secret.contains("\n"), "exactly the token on stdout")
        #expect(created.stderr.contains("read-write") && !created.stderr.contains(secret))

        let rows = try await StaffFixtures.database(directory).read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_token") }
        #expect(rows.count == 1)
        #expect(rows.first?["token_hash"] as String? == Digest.sha256Hex(secret))
        #expect(rows.first?["read_write"] as Bool? == true)
        let dump = try await StaffFixtures.database(directory).read { db in try String.fetchAll(db, sql: "SELECT prefix || token_hash || COALESCE(label, '') FROM api_token") }
        #expect(!dump.joined().contains(secret), "the secret itself is not stored")

        let list = try Self.intake(["token", "list"], directory: directory)
        #expect(list.status == 0)
        #expect(list.stdout.contains("sbk_" + secret.dropFirst(4).prefix(8) + "…"))
        #expect(list.stdout.contains("lus@example.se") && list.stdout.contains("active"))
        #expect(!list.stdout.contains(secret))

        let revoked = try Self.intake(["token", "revoke", "sbk_" + String(secret.dropFirst(4).prefix(8))], directory: directory)
        #expect(revoked.status == 0)
        let database = try AppDatabase(path: directory + "/intake.sqlite")
        #expect(try await APITokenRepository(database: database).authenticate(secret, now: Date()) == nil)
        let audit = try await StaffFixtures.database(directory).read { db in try String.fetchAll(db, sql: "SELECT action FROM audit_log WHERE action LIKE 'token.%' ORDER BY id") }
        #expect(audit == ["token.created", "token.revoked"])

        let unknown = try Self.intake(["token", "create", "--user", "ingen@example.se"], directory: directory)
        #expect(unknown.status == 1)
        #expect(unknown.stdout.isEmpty)
        let missing = try Self.intake(["token", "revoke", "999"], directory: directory)
        #expect(missing.status == 1)
    }

    @Test("outbox show renders a report's queued mails as they will be sent, the report's facts included",
          .requires(.intakeBinary))
    func outboxShowRendersTemplates() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let services = try await AppServices.load(configuration: TestSupport.configuration(directory: directory), clock: { TestSupport.fixedNow },
                                                  logger: TestSupport.quietLogger)
        let region = try #require(services.catalogue.region("stockholm"))
        let form = ReportForm(catalogue: services.catalogue, region: region, agreement: services.catalogue.agreement("sthlm-lus"))
        guard case .success(let draft) = form.validate(try FormBody.parse(Array(FormEncoder.validLUS.encoded.utf8)), language: .sv,
                                                      today: CalendarDay(TestSupport.fixedNow)) else { Issue.record("invalid form"); return }
        let composer = services.mailComposer
        let filed = try await services.reports.file(draft, channel: .web, initialState: services.catalogue.lifecycle.initialKey, now: TestSupport.fixedNow) {
            composer.reportFiled(draft, channel: .web, trackingToken: $0, feedbackDueOn: $1)
        }
        let messages = try await services.outbox.list()
        #expect(messages.count == 3 && messages.allSatisfy { $0.template != nil && $0.textBody.isEmpty })
        let owner = try #require(messages.first { $0.kind == "owner-notification" })
        let acknowledgement = try #require(messages.first { $0.kind == "acknowledgement" })

        let shownOwner = try Self.intake(["outbox", "show", String(owner.id), "--templates", TestSupport.templatesDirectory], directory: directory)
        #expect(shownOwner.status == 0, "\(shownOwner.stderr)")
        #expect(shownOwner.stdout.contains(filed.reference))
        #expect(shownOwner.stdout.contains(draft.whatHappened), "the report's own text, read from the report")
        let shownAcknowledgement = try Self.intake(["outbox", "show", String(acknowledgement.id), "--templates", TestSupport.templatesDirectory],
                                                   directory: directory)
        #expect(shownAcknowledgement.stdout.contains("/arende/\(filed.trackingToken)"))

        // A template that no longer exists is named, not a crash.
        try await services.database.pool.write { db in
            try db.execute(sql: "UPDATE outbox_message SET template = 'borttagen' WHERE id = ?", arguments: [owner.id])
        }
        let missing = try Self.intake(["outbox", "show", String(owner.id), "--templates", TestSupport.templatesDirectory], directory: directory)
        #expect(missing.stdout.contains("mail/borttagen is missing"))
    }
}
