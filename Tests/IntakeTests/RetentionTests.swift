import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// The retention promise: contact data goes after the configured time, the reports and their
/// tracking links stay, old mails are purged, and every erasure is in the audit log.
@Suite("Retention of personal data", .serialized)
struct RetentionTests {
    static let day: TimeInterval = 86_400

    func contacts(_ directory: String) throws -> [Int64: String?] {
        try TestSupport.openDatabase(directory + "/intake.sqlite").read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, reporter_email FROM report").map { ($0["id"] as Int64, $0["reporter_email"] as String?) })
        }
    }

    @Test("contact data is erased after closing and after the maximum open time; reports, links and statistics stay")
    func erasure() async throws {
        let directory = try TestSupport.temporaryDirectory("retention")
        try await StaffFixtures.create(in: directory, [StaffFixtures.lusHandler])
        let tokens = try await TestSupport.application(directory: directory, clock: { TestSupport.fixedNow }).test(.live) { client in
            var tokens: [String] = []
            for _ in 0..<3 { tokens.append(try await TestSupport.fileReport(client)) }
            // Let the demo transport send the acknowledgements and notifications.
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                let sent = try await TestSupport.openDatabase(directory + "/intake.sqlite").read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message WHERE status = 'sent'") }
                if sent == 9 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            return tokens
        }
        let configuration = TestSupport.configuration(directory: directory)
        let services = try await AppServices.load(configuration: configuration, clock: { TestSupport.fixedNow }, logger: TestSupport.quietLogger)
        let handler = try #require(try await services.staff.user(email: StaffFixtures.lusHandler.email))
        try await services.triage.changeState(1, to: "ej-samverkansbrist", message: "Händelsen gällde inte samarbetet mellan organisationerna.", by: handler, now: TestSupport.fixedNow)
        let job = RetentionJob(database: services.database, lifecycle: services.catalogue.lifecycle, configuration: configuration)

        // Not yet: 89 days after closing.
        #expect(try await job.run(now: TestSupport.fixedNow.addingTimeInterval(89 * Self.day)).isEmpty)
        // A dry run counts and changes nothing.
        let later = TestSupport.fixedNow.addingTimeInterval(91 * Self.day)
        let dry = try await job.run(now: later, dryRun: true)
        #expect(dry == RetentionJob.Result(closedReports: 1, longOpenReports: 0, mailsPurged: 9))
        #expect(try contacts(directory).values.allSatisfy { $0 == "asa.oberg@example.se" })
        // The real run.
        #expect(try await job.run(now: later) == dry)
        let afterClosed = try contacts(directory)
        #expect(afterClosed[1] == .some(nil) && afterClosed[2] == "asa.oberg@example.se" && afterClosed[3] == "asa.oberg@example.se")
        #expect(try await job.run(now: later).isEmpty, "nothing left to do")

        // Open reports lose their contact data after the maximum open time (730 days).
        let muchLater = TestSupport.fixedNow.addingTimeInterval(731 * Self.day)
        #expect(try await job.run(now: muchLater) == RetentionJob.Result(closedReports: 0, longOpenReports: 2, mailsPurged: 0))
        #expect(try contacts(directory).values.allSatisfy { $0 == nil })

        let database = try TestSupport.openDatabase(directory + "/intake.sqlite")
        let (reports, names, mails, audit) = try await database.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report WHERE reporter_name IS NOT NULL OR reporter_role IS NOT NULL OR reporter_phone IS NOT NULL")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox_message")!,
             try String.fetchAll(db, sql: "SELECT after_value FROM audit_log WHERE action = 'system.retention' ORDER BY id"))
        }
        #expect(reports == 3 && names == 0)
        #expect(mails == 1, "only the status mail still queued (no worker ran here): queued mail is never purged")
        #expect(audit == ["contact data erased from 1 closed and 0 long-open report(s); 9 old mail(s) purged",
                          "contact data erased from 0 closed and 2 long-open report(s); 0 old mail(s) purged"])

        // The tracking link still works, and the report page shows no contact data.
        try await TestSupport.application(directory: directory, clock: { muchLater }).test(.live) { client in
            let tracking = try await client.execute(uri: "/arende/\(tokens[0])", method: .get)
            #expect(tracking.status == .ok && tracking.text.contains("SB-2026-00001"))
            let staff = StaffBrowser(client)
            try await staff.login(StaffFixtures.lusHandler.email)
            let page = try await staff.get("/handlaggning/rapporter/2")
            #expect(page.status == .ok && !page.text.contains("asa.oberg") && !page.text.contains("Åsa Öberg"))
        }
    }

    @Test("the server runs the job on start; `intake retention run --dry-run` only counts")
    func serviceAndCommand() async throws {
        let directory = try TestSupport.temporaryDirectory("retention")
        try await StaffFixtures.create(in: directory, [StaffFixtures.lusHandler])
        try await TestSupport.application(directory: directory, clock: { TestSupport.fixedNow }).test(.live) { client in
            _ = try await TestSupport.fileReport(client)
        }
        let later = TestSupport.fixedNow.addingTimeInterval(800 * Self.day)
        try await TestSupport.application(directory: directory, clock: { later }).test(.live) { _ in
            let deadline = Date().addingTimeInterval(20)
            while try contacts(directory)[1] != .some(nil) && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(try contacts(directory)[1] == .some(nil))

        let binary = ChildProcess.intakeBinary
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            Issue.record("run `swift build` first: \(binary) is missing")
            return
        }
        let (status, output) = try await ShutdownTests.intake(["retention", "run", "--dry-run", "--database", directory + "/intake.sqlite"], directory: directory)
        #expect(status == 0, "\(output)")
        #expect(output.contains("Dry run, nothing changed: would have contact data erased from 0 closed and 0 long-open report(s)"))
    }
}
