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

/// The staff actions and operations commands that had no behavioural test: koppla, systemfel,
/// the assignment mail, the outbox's "försök igen", and the `intake` commands `user
/// set-password`, `outbox retry` / `retry-dead`, `catalog validate` and `summary send`. Real
/// parts throughout: the server on loopback, a SQLite file, aiosmtpd, the built binary.
@Suite("Staff actions and operations commands", .serialized)
struct ActionCoverageTests {
    static let lus = StaffFixtures.lusHandler
    /// A second handläggare of the Region Stockholm LUS function: a valid assignee.
    static let colleague = StaffFixtures.Account(email: "kollega@example.se", role: .handlaggare, functions: ["sthlm-lus-region"])
    /// A handläggare of another function in the same region.
    static let bus = StaffFixtures.Account(email: "bus@example.se", role: .handlaggare, functions: ["sthlm-bus-region"])
    static let accounts = [StaffFixtures.admin, lus, colleague, bus]

    static func rows(_ directory: String, _ sql: String) throws -> [Row] {
        try TestSupport.openDatabase(directory + "/intake.sqlite").read { db in try Row.fetchAll(db, sql: sql) }
    }

    static func audit(_ directory: String, _ action: String) throws -> [String] {
        try rows(directory, "SELECT report_id, before_value, after_value FROM audit_log WHERE action = '\(action)' ORDER BY id").map {
            "\($0["report_id"] as Int64? ?? 0):\($0["before_value"] as String? ?? "-"):\($0["after_value"] as String? ?? "-")"
        }
    }

    // MARK: koppla

    @Test("koppla links two reports both ways, once, audit-logged on both; self and unknown references are refused")
    func link() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory, Self.accounts)
        try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            for _ in 0..<3 { _ = try await TestSupport.fileReport(client) }
            let staff = StaffBrowser(client)
            try await staff.login(Self.lus.email)
            _ = try await staff.get("/handlaggning/rapporter/1")
            // Typed as a person would: lower case, spaces around.
            let linked = try await staff.post("/handlaggning/rapporter/1/koppla", [("referens", "  sb-2026-00003 ")])
            #expect(linked.status == .seeOther)
            #expect(linked.headers[.location]?.hasPrefix("/handlaggning/rapporter/1") == true)
            let again = try await staff.post("/handlaggning/rapporter/3/koppla", [("referens", "SB-2026-00001")])
            #expect(again.status == .seeOther, "linking an existing pair again is harmless")

            let one = try await staff.get("/handlaggning/rapporter/1")
            #expect(one.text.contains("Kopplade rapporter") && one.text.contains(#"<a href="/handlaggning/rapporter/3" class="ref">SB-2026-00003</a>"#))
            let three = try await staff.get("/handlaggning/rapporter/3")
            #expect(three.text.contains(#"<a href="/handlaggning/rapporter/1" class="ref">SB-2026-00001</a>"#))
            #expect(!(try await staff.get("/handlaggning/rapporter/2").text.contains("Kopplade rapporter")))

            for (reference, message) in [("SB-2026-00001", "kan inte kopplas till sig själv"), ("SB-2026-00099", "Det finns ingen rapport med det referensnumret"),
                                         ("", "Det finns ingen rapport med det referensnumret"), ("inte ett nummer", "Det finns ingen rapport med det referensnumret")] {
                let refused = try await staff.post("/handlaggning/rapporter/1/koppla", [("referens", reference)])
                #expect(refused.status == .unprocessableContent, "'\(reference)'")
                #expect(refused.text.contains(message), "'\(reference)'")
            }
        }
        let links = try Self.rows(directory, "SELECT report_id, linked_id FROM report_link ORDER BY report_id").map { "\($0["report_id"] as Int64)-\($0["linked_id"] as Int64)" }
        #expect(links == ["1-3", "3-1"])
        #expect(try Self.audit(directory, "report.linked") == ["1:-:SB-2026-00003", "3:-:SB-2026-00001"], "once, on both reports")
    }

    // MARK: systemfel

    @Test("systemfel marks and unmarks a report: shown on the page and in the queue, audit-logged with before and after, no-ops not logged")
    func systemfel() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory, Self.accounts)
        try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            _ = try await TestSupport.fileReport(client)
            let staff = StaffBrowser(client)
            try await staff.login(Self.lus.email)
            let unmarked = try await staff.get("/handlaggning/rapporter/1")
            #expect(unmarked.text.contains("Markera som systemfel") && !unmarked.text.contains(#"<span class="tag">Systemfel</span>"#))

            #expect(try await staff.post("/handlaggning/rapporter/1/systemfel", [("systemfel", "1")]).status == .seeOther)
            #expect(try await staff.post("/handlaggning/rapporter/1/systemfel", [("systemfel", "1")]).status == .seeOther)
            let marked = try await staff.get("/handlaggning/rapporter/1")
            #expect(marked.text.contains(#"<span class="tag">Systemfel</span>"#) && marked.text.contains("Ta bort markeringen systemfel"))
            #expect(try await staff.get("/handlaggning/ko/sthlm-lus-region").text.contains(#"<span class="tag">Systemfel</span>"#))
            #expect(try Self.rows(directory, "SELECT systemfel FROM report WHERE id = 1").first?["systemfel"] == true)

            #expect(try await staff.post("/handlaggning/rapporter/1/systemfel", [("systemfel", "0")]).status == .seeOther)
            #expect(try Self.rows(directory, "SELECT systemfel FROM report WHERE id = 1").first?["systemfel"] == false)
            #expect(!(try await staff.get("/handlaggning/ko/sthlm-lus-region").text.contains(#"<span class="tag">Systemfel</span>"#)))
            // Anything but "1" unmarks (a missing field is an unmark, like an unticked box).
            #expect(try await staff.post("/handlaggning/rapporter/1/systemfel", []).status == .seeOther)
        }
        #expect(try Self.audit(directory, "report.systemfel") == ["1:nej:ja", "1:ja:nej"])
    }

    // MARK: the assignment mail

    @Test("tilldela mails the new assignee through real SMTP; assigning oneself or nobody mails nobody; only the report's handläggare can be chosen",
          .requires(.smtpServer))
    func assignmentMail() async throws {
        let smtp = try SMTPTestServer.started()
        defer { smtp.stop() }
        let directory = try TestSupport.temporaryDirectory()
        let ids = try await StaffFixtures.create(in: directory, Self.accounts)
        let colleagueId = try #require(ids[Self.colleague.email]), lusId = try #require(ids[Self.lus.email]), busId = try #require(ids[Self.bus.email])
        try await TestSupport.application(directory: directory, smtpURL: smtp.url, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            _ = try await TestSupport.fileReport(client)
            _ = try await smtp.waitFor(3) // acknowledgement + two owner notifications
            let staff = StaffBrowser(client)
            try await staff.login(Self.lus.email)
            _ = try await staff.get("/handlaggning/rapporter/1")

            #expect(try await staff.post("/handlaggning/rapporter/1/tilldela", [("handlaggare", "\(colleagueId)")]).status == .seeOther)
            let mails = try await smtp.waitFor(4)
            let assigned = try #require(mails.first { $0.envelope_to == [Self.colleague.email] })
            #expect(assigned.subject == "Tilldelad: SB-2026-00001 / Assigned: SB-2026-00001")
            let text = try #require(assigned.text)
            #expect(text.contains("Hej Kollega Testsson!") && text.contains("Lus Testsson har tilldelat dig rapport SB-2026-00001"))
            #expect(text.contains("https://samverkan.example.se/handlaggning/rapporter/1"))
            #expect(text.contains("senast 25 december 2026"), "the LUS deadline, 30 days")
            #expect(!text.contains("asa.oberg") && !text.contains("Patienten skrevs ut"), "no report text or contact data in the mail")
            #expect(assigned.html?.contains("https://samverkan.example.se/handlaggning/rapporter/1") == true)

            // The colleague sees it as theirs.
            let colleague = StaffBrowser(client)
            try await colleague.login(Self.colleague.email)
            #expect(try await colleague.get("/handlaggning/ko/sthlm-lus-region?handlaggare=jag").text.contains("SB-2026-00001"))

            // Oneself, the same person again, nobody: no mail. Someone outside the report's functions: refused.
            #expect(try await staff.post("/handlaggning/rapporter/1/tilldela", [("handlaggare", "\(lusId)")]).status == .seeOther)
            #expect(try await staff.post("/handlaggning/rapporter/1/tilldela", [("handlaggare", "\(lusId)")]).status == .seeOther)
            #expect(try await staff.post("/handlaggning/rapporter/1/tilldela", [("handlaggare", "")]).status == .seeOther)
            for refused in ["\(busId)", "999", "inte-ett-id"] {
                let response = try await staff.post("/handlaggning/rapporter/1/tilldela", [("handlaggare", refused)])
                #expect(response.status == .unprocessableContent, "\(refused)")
                #expect(response.text.contains("Välj en handläggare i listan."))
            }
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try smtp.received().count == 4, "only the colleague's assignment was mailed")
        }
        #expect(try Self.audit(directory, "report.assigned") == ["1:-:Kollega Testsson", "1:Kollega Testsson:Lus Testsson", "1:Lus Testsson:-"])
        let outbox = try Self.rows(directory, "SELECT kind, recipient FROM outbox_message WHERE kind = 'assignment'")
        #expect(outbox.map { $0["recipient"] as String } == [Self.colleague.email])
    }

    // MARK: försök igen (the admin outbox page)

    @Test("försök igen on /admin/utkorg queues a dead mail again and the worker delivers it; sent or unknown ids answer 404; admins only",
          .requires(.smtpServer))
    func retryFromAdminPage() async throws {
        // The triage mailbox is refused permanently (550) at first.
        let refusing = try SMTPTestServer.started(arguments: ["--reject-rcpt", "triage"])
        let port = refusing.port
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory, Self.accounts)
        try await TestSupport.application(directory: directory, smtpURL: refusing.url, clock: { Date() }).test(.live) { client in
            _ = try await TestSupport.fileReport(client, .triageOnly.set("occurred_on", CalendarDay(Date()).adding(days: -1).description).shownAnHourAgo)
            var dead: Row?
            let deadline = Date().addingTimeInterval(20)
            while dead == nil && Date() < deadline {
                dead = try Self.rows(directory, "SELECT * FROM outbox_message WHERE status = 'dead'").first
                try await Task.sleep(for: .milliseconds(50))
            }
            let message = try #require(dead, "the triage notification went to dead letter")
            let id: Int64 = message["id"]
            #expect((message["last_error"] as String?)?.contains("550") == true)
            refusing.stop()
            let accepting = try SMTPTestServer(port: port)
            try accepting.start()
            defer { accepting.stop() }

            let admin = StaffBrowser(client)
            try await admin.login(StaffFixtures.admin.email)
            let page = try await admin.get("/admin/utkorg?status=dead")
            #expect(page.text.contains("/admin/utkorg/\(id)/forsok-igen"))
            let handler = StaffBrowser(client)
            try await handler.login(Self.lus.email)
            #expect(try await handler.post("/admin/utkorg/\(id)/forsok-igen").status == .forbidden)

            let retried = try await admin.post("/admin/utkorg/\(id)/forsok-igen")
            #expect(retried.status == .seeOther)
            #expect(retried.headers[.location]?.hasPrefix("/admin/utkorg") == true)
            let delivered = try await accepting.waitFor(1)
            #expect(delivered.first?.envelope_to == ["samverkansbrister@triage.stockholm.example.se"])
            // The worker records "sent" just after the server accepted the mail: wait for that write.
            let statusQuery = "SELECT status FROM outbox_message WHERE id = \(id)"
            let recorded = Date().addingTimeInterval(10)
            while try Self.rows(directory, statusQuery).first?["status"] as String? != "sent" && Date() < recorded {
                try await Task.sleep(for: .milliseconds(50))
            }
            let row = try #require(try Self.rows(directory, "SELECT status, attempts FROM outbox_message WHERE id = \(id)").first)
            #expect(row["status"] == "sent")
            #expect(try await admin.post("/admin/utkorg/\(id)/forsok-igen").status == .notFound, "a sent mail is not sent again")
            #expect(try await admin.post("/admin/utkorg/999/forsok-igen").status == .notFound)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try accepting.received().count == 1)
        }
    }

    @Test("/admin/utkorg pages through every message, 200 at a time, newest first, keeping the status filter")
    func outboxPaging() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory, [StaffFixtures.admin])
        // 450 dead mails and 30 sent ones, written as the worker leaves them (no SMTP server needed).
        let database = try AppDatabase(path: directory + "/intake.sqlite")
        try await database.pool.write { db in
            for i in 1...480 {
                try db.execute(sql: """
                    INSERT INTO outbox_message (message_id, kind, recipient, subject, text_body, html_body, status, attempts, created_at, next_attempt_at, last_error)
                    VALUES (?, 'acknowledgement', ?, 'Tack för din rapport', 'text', '<p>html</p>', ?, 1, ?, ?, ?)
                    """, arguments: ["<paging-\(i)@example.se>", "mottagare-\(i)@example.se", i % 16 == 0 ? "sent" : "dead",
                                     TestSupport.fixedNow, TestSupport.fixedNow, i % 16 == 0 ? nil : "550 mailbox unavailable"])
            }
        }
        let dead = Set(try Self.rows(directory, "SELECT id FROM outbox_message WHERE status = 'dead'").map { $0["id"] as Int64 })
        #expect(dead.count == 450)
        try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function).test(.live) { client in
            let admin = StaffBrowser(client)
            try await admin.login(StaffFixtures.admin.email)
            var next: String? = "/admin/utkorg?status=dead"
            var seen: [Int64] = [], pages = 0
            while let path = next, pages < 10 {
                let page = try await admin.get(path)
                #expect(page.status == .ok, "\(path)")
                pages += 1
                let ids = page.text.matches(of: /<tr><td>(\d+)<\/td>/).compactMap { Int64($0.1) }
                #expect(ids.count <= 200 && ids == ids.sorted(by: >), "at most 200, newest first: \(path)")
                #expect(!page.text.contains("<td>sent</td>"), "the filter is kept on every page")
                seen += ids
                next = page.text.firstMatch(of: /<a href="([^"]+)" rel="next">/).map { String($0.1).replacingOccurrences(of: "&amp;", with: "&") }
                if let next { #expect(next.contains("status=dead") && next.contains("fore=\(ids.last ?? 0)"), "\(next)") }
            }
            #expect(pages == 3, "200 + 200 + 50")
            #expect(seen.count == 450 && Set(seen) == dead, "every dead mail exactly once")
            // Without a filter: 480 messages over three pages as well.
            var all = 0
            next = "/admin/utkorg"
            while let path = next, all < 1000 {
                let page = try await admin.get(path)
                all += page.text.matches(of: /<tr><td>(\d+)<\/td>/).count
                next = page.text.firstMatch(of: /<a href="([^"]+)" rel="next">/).map { String($0.1).replacingOccurrences(of: "&amp;", with: "&") }
            }
            #expect(all == 480)
            #expect(try await admin.get("/admin/utkorg?fore=inte-ett-tal").status == .ok, "a malformed fore is the first page")
        }
    }

    // MARK: the intake commands

    /// Runs the built `intake` with the test database and forms; `input` is written to its standard input.
    static func intake(_ arguments: [String], directory: String, input: String? = nil) async throws -> (Int32, String) {
        let log = directory + "/cli-\(UUID().uuidString.prefix(6)).log"
        var environment = ShutdownTests.environment(directory: directory)
        let process: ChildProcess
        if let input {
            environment["TEST_STANDARD_INPUT"] = input
            process = try ChildProcess.spawn("/bin/sh", ["-c", #"printf '%s\n' "$TEST_STANDARD_INPUT" | "$0" "$@""#, ChildProcess.intakeBinary] + arguments,
                                             environment: environment, logPath: log)
        } else {
            process = try ChildProcess.spawn(ChildProcess.intakeBinary, arguments, environment: environment, logPath: log)
        }
        let status = await process.exit(timeout: 60) ?? -1
        return (status, process.log)
    }


    @Test("intake user set-password: a chosen password from stdin or a one-time password; old password and sessions end",
          .requires(.intakeBinary))
    func setPassword() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory, Self.accounts)
        try await TestSupport.application(directory: directory, clock: { Date() }).test(.live) { client in
            let staff = StaffBrowser(client)
            try await staff.login(Self.lus.email)
            #expect(try await staff.get("/handlaggning").status == .ok)

            let (status, output) = try await Self.intake(["user", "set-password", "--email", Self.lus.email, "--password-stdin"],
                                                         directory: directory, input: "ett helt nytt lösenord 42")
            #expect(status == 0, "\(output)")
            #expect(output.contains("Password changed for \(Self.lus.email)."))
            #expect(!output.contains("ett helt nytt lösenord"), "the password is not echoed")
            #expect(try await staff.get("/handlaggning").status == .seeOther, "the old session has ended")
            #expect(try await StaffBrowser(client).login(Self.lus.email).status == .unauthorized, "the old password no longer works")
            let fresh = StaffBrowser(client)
            let login = try await fresh.login(Self.lus.email, password: "ett helt nytt lösenord 42")
            #expect(login.status == .seeOther && login.headers[.location] != "/konto/losenord")

            // Without --password-stdin: a one-time password, to be changed at the first login.
            let (otpStatus, otpOutput) = try await Self.intake(["user", "set-password", "--email", Self.colleague.email], directory: directory)
            #expect(otpStatus == 0, "\(otpOutput)")
            let otp = try #require(otpOutput.firstMatch(of: /must be changed at first login\): (.+)\n/)).1
            let colleague = StaffBrowser(client)
            #expect(try await colleague.login(Self.colleague.email, password: String(otp)).headers[.location] == "/konto/losenord")

            // A weak password and an unknown account: exit 1 with a plain message, nothing changed.
            let (weak, weakOutput) = try await Self.intake(["user", "set-password", "--email", Self.bus.email, "--password-stdin"], directory: directory, input: "kort")
            #expect(weak == 1 && !weakOutput.contains("Fatal error"), "\(weakOutput)")
            #expect(try await StaffBrowser(client).login(Self.bus.email).status == .seeOther, "the old password still works")
            let (unknown, unknownOutput) = try await Self.intake(["user", "set-password", "--email", "ingen@example.se"], directory: directory)
            #expect(unknown == 1 && unknownOutput.contains("No account ingen@example.se."))
        }
        let changes = try Self.rows(directory, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'user.password-changed'").first?["n"] as Int?
        #expect(changes == 2, "both changes are audit-logged")
    }

    @Test("intake outbox retry and retry-dead queue dead mails again; the server then delivers them",
          .requires(.intakeBinary, .smtpServer))
    func outboxRetryCommands() async throws {
        let refusing = try SMTPTestServer.started(arguments: ["--reject-rcpt", "triage"])
        let port = refusing.port
        let directory = try TestSupport.temporaryDirectory()
        let occurred = CalendarDay(Date()).adding(days: -1).description
        try await TestSupport.application(directory: directory, smtpURL: refusing.url, clock: { Date() }).test(.live) { client in
            for _ in 0..<3 { _ = try await TestSupport.fileReport(client, .triageOnly.set("occurred_on", occurred).shownAnHourAgo) }
            let deadline = Date().addingTimeInterval(20)
            while try Self.rows(directory, "SELECT id FROM outbox_message WHERE status = 'dead'").count < 3 && Date() < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        refusing.stop()
        let dead = try Self.rows(directory, "SELECT id FROM outbox_message WHERE status = 'dead' ORDER BY id").map { $0["id"] as Int64 }
        try #require(dead.count == 3)

        let (listStatus, list) = try await Self.intake(["outbox", "list", "--status", "dead"], directory: directory)
        #expect(listStatus == 0 && list.contains("queued 0, sent 0, dead 3"), "\(list)")
        let (retryStatus, retry) = try await Self.intake(["outbox", "retry", "\(dead[0])"], directory: directory)
        #expect(retryStatus == 0 && retry.contains("Message \(dead[0]) queued for sending."), "\(retry)")
        #expect(try Self.rows(directory, "SELECT status, attempts FROM outbox_message WHERE id = \(dead[0])").first.map { "\($0["status"] as String):\($0["attempts"] as Int)" } == "queued:0")
        let (missingStatus, missing) = try await Self.intake(["outbox", "retry", "999"], directory: directory)
        #expect(missingStatus == 1 && missing.contains("No queued or dead message 999."))
        let (allStatus, all) = try await Self.intake(["outbox", "retry-dead"], directory: directory)
        #expect(allStatus == 0 && all.contains("2 message(s) queued for sending."), "\(all)")
        let (againStatus, again) = try await Self.intake(["outbox", "retry-dead"], directory: directory)
        #expect(againStatus == 0 && again.contains("0 message(s) queued for sending."))

        // The server, now with an SMTP server that accepts: every retried mail arrives, once.
        let accepting = try SMTPTestServer(port: port)
        try accepting.start()
        defer { accepting.stop() }
        try await TestSupport.application(directory: directory, smtpURL: accepting.url, clock: { Date() }).test(.live) { _ in
            let received = try await accepting.waitFor(3)
            #expect(received.count == 3)
        }
        #expect(try Self.rows(directory, "SELECT status FROM outbox_message").allSatisfy { $0["status"] == "sent" })
        let (sentStatus, _) = try await Self.intake(["outbox", "retry", "\(dead[0])"], directory: directory)
        #expect(sentStatus == 1, "a sent mail is not queued again")
    }

    @Test("intake catalog validate: OK with the counts for Forms/, every problem with file and key and exit 1 for a broken copy",
          .requires(.intakeBinary))
    func catalogValidate() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let catalogue = try TestSupport.catalogue()
        let (status, output) = try await Self.intake(["catalog", "validate", "--forms", TestSupport.formsDirectory], directory: directory)
        #expect(status == 0, "\(output)")
        #expect(output.contains("OK — \(catalogue.regions.count) regions, \(catalogue.agreements.count) agreements, \(catalogue.allFunctions.count) owning functions"))

        let forms = try TestSupport.copyOfForms()
        let path = forms + "/agreements/stockholm/sthlm-lus.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "sthlm-lus-storsthlm", with: "finns-inte")
            .replacingOccurrences(of: "target_group: vuxna-inkl-aldre", with: "target_group: okand-grupp")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let (brokenStatus, broken) = try await Self.intake(["catalog", "validate", "--forms", forms], directory: directory)
        #expect(brokenStatus == 1, "\(broken)")
        #expect(broken.contains("agreements/stockholm/sthlm-lus.yaml") && broken.contains("finns-inte") && broken.contains("okand-grupp"), "\(broken)")
        #expect(broken.contains("2 problem(s) in \(forms)"), "\(broken)")
        #expect(!broken.contains("Fatal error"))
    }

    @Test("intake summary send queues each recipient's summary of a period once; a second run queues nothing; a bad period is refused",
          .requires(.intakeBinary))
    func summarySend() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = try AppDatabase(path: directory + "/intake.sqlite")
        try database.migrate()
        var seeder = DemoSeeder(database: database, catalogue: try TestSupport.catalogue())
        seeder.years = 1
        try seeder.run(count: 60, now: TestSupport.fixedNow)
        let catalogue = try TestSupport.catalogue()
        let monthly = catalogue.summaryRecipients.filter { $0.frequency == .monthly }.count
        let weekly = catalogue.summaryRecipients.filter { $0.frequency == .weekly }.count
        try #require(monthly > 0 && weekly > 0)

        let (status, output) = try await Self.intake(["summary", "send", "--period", "2026-10"], directory: directory)
        #expect(status == 0, "\(output)")
        #expect(output.contains("2026-10: \(monthly) summary mail(s) queued, 0 already sent before"), "\(output)")
        let (againStatus, again) = try await Self.intake(["summary", "send", "--period", "2026-10"], directory: directory)
        #expect(againStatus == 0 && again.contains("2026-10: 0 summary mail(s) queued, \(monthly) already sent before"), "\(again)")
        let (weekStatus, week) = try await Self.intake(["summary", "send", "--period", "2026-W43"], directory: directory)
        #expect(weekStatus == 0 && week.contains("2026-W43: \(weekly) summary mail(s) queued"), "\(week)")
        let (badStatus, bad) = try await Self.intake(["summary", "send", "--period", "oktober"], directory: directory)
        #expect(badStatus != 0 && bad.contains("--period must be YYYY-MM"), "\(bad)")

        let queued = try Self.rows(directory, "SELECT recipient, subject FROM outbox_message WHERE kind = 'summary' ORDER BY id")
        #expect(queued.count == monthly + weekly)
        #expect(queued.filter { ($0["subject"] as String).contains("2026-10") }.count == monthly)
        #expect(Set(queued.map { $0["recipient"] as String }).count == queued.count, "each recipient once per period")
        let sent = try Self.rows(directory, "SELECT COUNT(*) AS n FROM summary_sent").first?["n"] as Int?
        #expect(sent == monthly + weekly)
    }
}
