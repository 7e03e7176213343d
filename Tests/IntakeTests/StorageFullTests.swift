import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// The real `intake` binary with a database that fills up: by the `INTAKE_DATABASE_MAX_MB` cap
/// (SQLite's max_page_count, SQLITE_FULL), and on a real 3 MB filesystem (tmpfs, ENOSPC).
/// Refused writes are a 503 with Retry-After in every format (a handläggare's note too, saying that
/// nothing was saved), /health and /ready say so and
/// recover by themselves, the outbox worker backs off, and nothing answered with a receipt is lost.
@Suite("A full database: 503 with Retry-After, health says so, workers back off, nothing lost", .serialized, .timeLimit(.minutes(5)))
struct StorageFullTests {
    static let refusal = "Vi kan inte ta emot rapporter just nu. Ingenting har sparats. Försök igen om en stund."
    static let nothingSaved = "Vi kan inte spara något just nu. Ingenting av det du skickade har sparats. Försök igen om en stund."

    /// Starts `intake serve --demo` on a free port with JSON logs and `extra` settings.
    static func startServer(directory: String, databasePath: String, extra: [String: String]) async throws -> (ChildProcess, Int) {
        var environment = ShutdownTests.environment(directory: directory)
        environment["INTAKE_DATABASE"] = databasePath
        for (key, value) in extra { environment[key] = value }
        let server = try ChildProcess.spawn(ChildProcess.intakeBinary, ["serve", "--demo", "--port", "0"], environment: environment,
                                            logPath: directory + "/serve.log")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let match = server.log.firstMatch(of: /listening on 127\.0\.0\.1:(\d+)/), let port = Int(match.1) {
                return (server, port)
            }
            if server.waitForExit(timeout: 0) != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.stop()
        throw ShutdownTests.ServerDidNotStart(log: server.log)
    }

    /// A database with the staff fixtures, a read-write API token and the test signing key.
    static func prepare(databasePath: String) async throws -> String {
        let database = try AppDatabase(path: databasePath)
        try database.migrate()
        let staff = StaffRepository(database: database, bcryptCost: 4)
        let account = StaffFixtures.lusHandler
        _ = try await staff.create(.init(email: account.email, name: "Lus Testsson", role: account.role, functionKeys: account.functions,
                                         password: StaffFixtures.password),
                                   catalogue: try TestSupport.catalogue(), by: .system, now: TestSupport.fixedNow)
        let token = try await APITokenRepository(database: database).create(userEmail: account.email, readWrite: true, label: "test",
                                                                            by: .system, now: TestSupport.fixedNow).secret
        try TestSupport.useTestSigningKey(databasePath: databasePath)
        return token
    }

    struct Filled {
        var receipts: [String] = []
        var refused = 0
        var other: [Int] = []
        var firstRefusal: (status: Int, retryAfter: String?, contentType: String?, body: String)?
    }

    /// Four connections file reports until each has been refused five times in a row.
    static func fill(port: Int) async throws -> Filled {
        let result = NIOLockedValueBox(Filled())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: port) { http in
                        var refusedInARow = 0
                        var attempts = 0
                        while refusedInARow < 5 && attempts < 3000 {
                            attempts += 1
                            let response = try await http.post("/rapportera/stockholm", headers: .form, body: FormEncoder.validLUS.shownAnHourAgo.body)
                            let body = response.body.map { String(buffer: $0) } ?? ""
                            result.withLockedValue { filled in
                                switch response.status.code {
                                case 303:
                                    filled.receipts.append(String(response.headers[.location]!.dropFirst("/kvitto/".count).prefix(32)))
                                case 503:
                                    filled.refused += 1
                                    if filled.firstRefusal == nil {
                                        filled.firstRefusal = (503, response.headers[.retryAfter], response.headers[.contentType], body)
                                    }
                                default:
                                    filled.other.append(response.status.code)
                                }
                            }
                            refusedInARow = response.status.code == 503 ? refusedInARow + 1 : 0
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        return result.withLockedValue { $0 }
    }

    /// Logs in through /login like a browser (no Origin header, as a non-browser client): the
    /// session cookie.
    static func staffLogin(port: Int) async throws -> String {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { http in
            let page = try await http.get("/login")
            let csrf = try #require(StaffBrowser.csrfToken(in: page.body.map { String(buffer: $0) } ?? ""))
            var form = FormEncoder([("email", StaffFixtures.lusHandler.email), ("password", StaffFixtures.password)])
            form.add("csrf", csrf)
            let login = try await http.post("/login", headers: .form, body: form.body)
            #expect(login.status == .seeOther)
            let setCookie = try #require(login.headers[.setCookie])
            return String(setCookie.split(separator: ";")[0])
        }
    }

    static func count(_ databasePath: String, _ sql: String) throws -> Int {
        try TestSupport.openDatabase(databasePath).read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    static func logLines(_ server: ChildProcess, _ message: String) -> Int {
        server.log.split(separator: "\n").filter { $0.contains("\"msg\":\"\(message)") }.count
    }

    static func emlFiles(_ folder: String) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".eml") }.count
    }

    /// Fills the database through HTTP, checks every refusal and the health endpoints, calls
    /// `makeRoom`, and checks that everything recovers by itself with nothing lost.
    static func exercise(directory: String, databasePath: String, apiToken: String, extra: [String: String],
                         topUp: () throws -> Void = {}, makeRoom: () async throws -> Void) async throws {
        let (server, port) = try await startServer(directory: directory, databasePath: databasePath, extra: extra)
        defer { server.stop() }
        let mailFolder = (databasePath as NSString).deletingLastPathComponent + "/mail-outbox"
        let staffCookie = try await staffLogin(port: port)

        let filled = try await fill(port: port)
        // What no report fitted in may still take a smaller write: filled up too, the disk is full for every write.
        try topUp()
        #expect(filled.other.isEmpty, "only receipts and 503s, no 500s: \(filled.other)")
        #expect(filled.receipts.count >= 2, "some reports fit before the database was full")
        #expect(filled.refused >= 20)
        let refusal = try #require(filled.firstRefusal)
        #expect(refusal.retryAfter == "60")
        #expect(refusal.contentType?.hasPrefix("text/html") == true)
        #expect(refusal.body.contains(Self.refusal), "the plain Swedish page: \(refusal.body.prefix(3000))")
        for leak in ["SQLITE", "DatabaseError", "disk is full", "GRDB"] { #expect(!refusal.body.contains(leak)) }

        let reportsWhileFull = try count(databasePath, "SELECT COUNT(*) FROM report")
        let mailsWhileFull = try count(databasePath, "SELECT COUNT(*) FROM outbox_message")
        let reportId = try count(databasePath, "SELECT MIN(id) FROM report")
        // A batch the worker took before writes failed may still be on its way; once it has paused, it sends nothing.
        let pauseDeadline = Date().addingTimeInterval(10)
        while logLines(server, "outbox worker paused") == 0 && Date() < pauseDeadline { try await Task.sleep(for: .milliseconds(100)) }
        let emlWhileFull = emlFiles(mailFolder)
        let pausesBefore = logLines(server, "outbox worker paused")
        let fullSince = Date()
        let notesStored = NIOLockedValueBox(0)

        // Pages freed since (the outbox batch that was under way when writes began to fail) are taken too.
        try topUp()
        try await TestClient.withClient(host: "127.0.0.1", port: port) { http in
            // The web form: 503, Retry-After, the Swedish page (English with lang=en), nothing stored.
            let form = try await http.post("/rapportera/stockholm", headers: .form, body: FormEncoder.validLUS.shownAnHourAgo.body)
            #expect(form.status == .serviceUnavailable)
            #expect(form.headers[.retryAfter] == "60")
            #expect(form.body.map { String(buffer: $0) }?.contains(Self.refusal) == true)
            let english = try await http.post("/rapportera/stockholm?lang=en", headers: .form, body: FormEncoder.validLUS.set("lang", "en").shownAnHourAgo.body)
            #expect(english.status == .serviceUnavailable)
            #expect(english.body.map { String(buffer: $0) }?.contains("We cannot receive reports right now. Nothing has been saved.") == true)

            // Open311: its own error list, in JSON and XML.
            let open311 = try await http.post("/open311/v2/requests.json", headers: .form, body: FormEncoder.open311LUS(apiKey: apiToken).body)
            #expect(open311.status == .serviceUnavailable)
            #expect(open311.headers[.retryAfter] == "60")
            let errors = try #require(try JSONSerialization.jsonObject(with: Data((open311.body.map { String(buffer: $0) } ?? "").utf8)) as? [[String: Any]])
            #expect(errors.first?["code"] as? Int == 503)
            #expect(errors.first?["description"] as? String == Self.refusal)
            let xml = try await http.post("/open311/v2/requests.xml", headers: .form, body: FormEncoder.open311LUS(apiKey: apiToken).body)
            #expect(xml.status == .serviceUnavailable)
            #expect(xml.headers[.contentType]?.hasPrefix("text/xml") == true)
            #expect(xml.body.map { String(buffer: $0) }?.contains("<code>503</code>") == true)

            // The API: problem+json 503. A note (8 kB of UTF-8) may still fit in what is left
            // (a page freed meanwhile, or WAL frames written over a WAL that started over need no
            // new disk blocks): then it is stored and answered 200, which is right too. A few
            // more fill what is left, until one is refused.
            let note = String(repeating: "Åäö ", count: 999)
            var api = try await http.post("/api/v1/reports/\(reportId)/notes", headers: .bearerJSON(apiToken),
                                          body: ByteBuffer(string: "{\"text\":\"\(note)\"}"))
            var stored = 0
            while api.status == .ok && stored < 20 {
                stored += 1
                api = try await http.post("/api/v1/reports/\(reportId)/notes", headers: .bearerJSON(apiToken),
                                          body: ByteBuffer(string: "{\"text\":\"\(note)\"}"))
            }
            notesStored.withLockedValue { $0 = stored }
            #expect(stored <= 3, "a full database takes few notes: \(stored)")
            #expect(api.status == .serviceUnavailable)
            #expect(api.headers[.retryAfter] == "60")
            #expect(api.headers[.contentType] == "application/problem+json")
            let problem = try #require(try JSONSerialization.jsonObject(with: Data((api.body.map { String(buffer: $0) } ?? "").utf8)) as? [String: Any])
            #expect(problem["status"] as? Int == 503)
            #expect(problem["detail"] as? String == Self.nothingSaved, "not a report: the general refusal")

            // A handläggare's note on the report page: the 503 page says nothing was saved
            // (not "we cannot receive reports"), in Swedish, with no internals. As with the API,
            // a note may still fit in what is left; a few more fill it.
            let casePage = try await http.get("/handlaggning/rapporter/\(reportId)", headers: [.cookie: staffCookie])
            #expect(casePage.status == .ok)
            let csrf = try #require(StaffBrowser.csrfToken(in: casePage.body.map { String(buffer: $0) } ?? ""))
            var staffNote = FormEncoder([("text", note)])
            staffNote.add("csrf", csrf)
            var staffHeaders = HTTPFields.form
            staffHeaders[.cookie] = staffCookie
            var refusedNote = try await http.post("/handlaggning/rapporter/\(reportId)/anteckning", headers: staffHeaders, body: staffNote.body)
            var staffStored = 0
            while refusedNote.status == .seeOther && staffStored < 20 {
                staffStored += 1
                refusedNote = try await http.post("/handlaggning/rapporter/\(reportId)/anteckning", headers: staffHeaders, body: staffNote.body)
            }
            notesStored.withLockedValue { $0 += staffStored }
            #expect(staffStored <= 3, "a full database takes few notes: \(staffStored)")
            #expect(refusedNote.status == .serviceUnavailable)
            #expect(refusedNote.headers[.retryAfter] == "60")
            #expect(refusedNote.headers[.contentType]?.hasPrefix("text/html") == true)
            let refusedBody = refusedNote.body.map { String(buffer: $0) } ?? ""
            #expect(refusedBody.contains(Self.nothingSaved), "\(refusedBody.prefix(2000))")
            for leak in ["SQLITE", "DatabaseError", "disk is full", "GRDB"] { #expect(!refusedBody.contains(leak)) }

            // /health and /ready name the database.
            let health = try await http.get("/health")
            #expect(health.status == .serviceUnavailable)
            #expect(health.body.map { String(buffer: $0) } == #"{"status":"error","database":"not writable"}"#)
            let ready = try await http.get("/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.body.map { String(buffer: $0) }?.contains(#""database":"not writable""#) == true)
        }
        #expect(try count(databasePath, "SELECT COUNT(*) FROM report") == reportsWhileFull, "nothing stored by the refused requests")
        #expect(try count(databasePath, "SELECT COUNT(*) FROM outbox_message") == mailsWhileFull)
        #expect(try count(databasePath, "SELECT COUNT(*) FROM report_message") == notesStored.withLockedValue { $0 })

        // A few seconds full: the outbox worker sends nothing and tries a handful of times, not hundreds.
        try await Task.sleep(for: .seconds(4))
        #expect(emlFiles(mailFolder) == emlWhileFull, "no mail is sent whose result could not be recorded")
        let pauses = logLines(server, "outbox worker paused") - pausesBefore
        let seconds = Date().timeIntervalSince(fullSince)
        #expect(pauses <= Int(log2(seconds + 1)) + 3, "the worker backs off: \(pauses) pauses in \(Int(seconds)) s")
        #expect(logLines(server, "outbox results could not be stored") <= 3)

        try await makeRoom()

        try await TestClient.withClient(host: "127.0.0.1", port: port) { http in
            // /health recovers by itself (its probe write finds room again), then /ready.
            var health = try await http.get("/health")
            let deadline = Date().addingTimeInterval(20)
            while health.status != .ok && Date() < deadline {
                try await Task.sleep(for: .milliseconds(200))
                health = try await http.get("/health")
            }
            #expect(health.status == .ok)
            #expect(health.body.map { String(buffer: $0) } == #"{"status":"ok","database":"ok"}"#)
            let ready = try await http.get("/ready")
            #expect(ready.status == .ok, "\(ready.body.map { String(buffer: $0) } ?? "")")
            let form = try await http.post("/rapportera/stockholm", headers: .form, body: FormEncoder.validLUS.shownAnHourAgo.body)
            #expect(form.status == .seeOther)
        }
        // The outbox worker comes back from its back-off and sends what waited.
        let deadline = Date().addingTimeInterval(90)
        while try count(databasePath, "SELECT COUNT(*) FROM outbox_message WHERE status = 'queued'") > 0 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(try count(databasePath, "SELECT COUNT(*) FROM outbox_message WHERE status = 'queued'") == 0)

        server.send(SIGTERM)
        #expect(await server.exit(timeout: 60) == 0, "\(server.log.suffix(2000))")

        // Every report answered with a receipt is there, with its acknowledgement; the file is intact.
        let queue = try TestSupport.openDatabase(databasePath)
        let stored = try await queue.read { db in
            try Set(String.fetchAll(db, sql: """
                SELECT r.tracking_token FROM report r JOIN outbox_message m ON m.report_id = r.id AND m.kind = 'acknowledgement'
                """))
        }
        #expect(Set(filled.receipts).isSubset(of: stored), "\(Set(filled.receipts).subtracting(stored).count) receipts without their report")
        #expect(try await queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") } == ["ok"])
        #expect(try DatabaseMaintenance.verify(path: databasePath).isHealthy)
        // At least once: a batch sent just as the disk filled, whose results could not be stored, goes again.
        let sent = try count(databasePath, "SELECT COUNT(*) FROM outbox_message WHERE status = 'sent'")
        #expect(emlFiles(mailFolder) >= sent && emlFiles(mailFolder) <= sent + 20, "\(emlFiles(mailFolder)) files for \(sent) sent mails")

        // The log: the change logged once each way per episode, no unhandled errors, no personal data.
        #expect(logLines(server, "database writes fail") >= 1)
        #expect(logLines(server, "database writes work again") >= 1)
        #expect(logLines(server, "unhandled error") == 0)
        for secret in ["asa.oberg", "Åsa", "Öberg", "inskrivningsmeddelande", "Sjuksköterska"] {
            #expect(!server.log.contains(secret), "\(secret) must not be logged")
        }
    }

    @Test("INTAKE_DATABASE_MAX_MB: validated like the other settings, shown by config check, applied to every connection")
    func sizeCapSetting() async throws {
        #expect(try AppConfiguration.fromEnvironment([:]).databaseMaxMB == nil)
        #expect(try AppConfiguration.fromEnvironment(["INTAKE_DATABASE_MAX_MB": "512"]).databaseMaxMB == 512)
        for bad in ["0", "-5", "tio", "1.5"] {
            #expect(throws: ServiceError.self) { try AppConfiguration.fromEnvironment(["INTAKE_DATABASE_MAX_MB": bad]) }
            do {
                _ = try AppConfiguration.fromEnvironment(["INTAKE_DATABASE_MAX_MB": bad])
            } catch {
                #expect(error.problems == ["INTAKE_DATABASE_MAX_MB=\(bad) must be a whole number between 1 and 16777216"])
            }
        }
        var config = AppConfiguration()
        config.databaseMaxMB = 64
        #expect(config.settings.contains { $0.key == "INTAKE_DATABASE_MAX_MB" && $0.value == "64" })

        let directory = try TestSupport.temporaryDirectory("cap")
        let database = try AppDatabase(path: directory + "/intake.sqlite", maxSizeMB: 1)
        try database.migrate()
        #expect(try await database.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA max_page_count") } == 256)
        #expect(try await database.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA max_page_count") } == 256)
        // Past the cap: SQLITE_FULL, a storage error; the probe fails until room is made, then clears the state.
        do {
            try await database.pool.write { db in try db.execute(sql: "CREATE TABLE big (data BLOB); INSERT INTO big VALUES (zeroblob(2000000))") }
            Issue.record("a 2 MB row fits under a 1 MB cap")
        } catch {
            #expect(StorageFailure.code(of: error) == "SQLITE_FULL")
            #expect(database.storage.noteFailure(error, during: "test"))
        }
        try await database.pool.write { db in try db.execute(sql: "CREATE TABLE big (data BLOB)") }
        // One transaction per row: after SQLITE_FULL, SQLite may roll back the whole transaction.
        for size in [50000, 3000, 500] {
            while (try? await database.pool.write({ db in try db.execute(sql: "INSERT INTO big VALUES (zeroblob(?))", arguments: [size]) })) != nil {}
        }
        #expect(database.storage.isFailing)
        #expect(await database.probeWrites() == false)
        #expect(await database.canStore() == false)
        try await database.pool.write { db in try db.execute(sql: "DELETE FROM big") }
        #expect(await database.canStore())
        #expect(database.storage.isFailing == false)
    }

    @Test("INTAKE_DATABASE_MAX_MB reached (SQLITE_FULL): 503s, health 503 naming the database, recovery once rows are deleted")
    func sizeCapReached() async throws {
        let directory = try TestSupport.temporaryDirectory("full-cap")
        let databasePath = directory + "/intake.sqlite"
        let apiToken = try await Self.prepare(databasePath: databasePath)
        // A filler row leaves room for some dozens of reports under a 2 MB cap. It is written by
        // another connection, as an operator's would be, and deleted the same way to make room.
        let queue = try TestSupport.openDatabase(databasePath)
        try await queue.write { db in
            let used = try Int.fetchOne(db, sql: "PRAGMA page_count")! * Int.fetchOne(db, sql: "PRAGMA page_size")!
            try db.execute(sql: "CREATE TABLE test_filler (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
            try db.execute(sql: "INSERT INTO test_filler (data) VALUES (zeroblob(?))", arguments: [2 * 1024 * 1024 - used - 200 * 1024])
        }
        try await Self.exercise(directory: directory, databasePath: databasePath, apiToken: apiToken, extra: ["INTAKE_DATABASE_MAX_MB": "2"], topUp: {
            // The pages no report fitted in, taken under the same cap, so that every write fails.
            _ = try queue.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA max_page_count = 512") }
            for size in [50000, 3000, 500, 50] {
                while (try? queue.write({ db in try db.execute(sql: "INSERT INTO test_filler (data) VALUES (zeroblob(?))", arguments: [size]) })) != nil {}
            }
        }, makeRoom: {
            try await queue.write { db in try db.execute(sql: "DELETE FROM test_filler") }
        })
    }

    @Test("a full 3 MB filesystem (tmpfs, ENOSPC): the same, recovery once a file is deleted")
    func fullFilesystem() async throws {
        let directory = try TestSupport.temporaryDirectory("full-fs")
        let mountPoint = directory + "/small"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = try ChildProcess.spawn("/bin/mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint], environment: [:],
                                           logPath: directory + "/mount.log")
        let status = await mount.exit(timeout: 30)
        try #require(status == 0, """
            This test mounts a 3 MB tmpfs to fill a real filesystem and needs root with CAP_SYS_ADMIN \
            (in Docker: --cap-add SYS_ADMIN, or --privileged). mount said: \(mount.log)
            """)
        defer { _ = try? ChildProcess.spawn("/bin/umount", ["-l", mountPoint], environment: [:], logPath: directory + "/umount.log").waitForExit() }
        let databasePath = mountPoint + "/intake.sqlite"
        let apiToken = try await Self.prepare(databasePath: databasePath)
        // Most of the filesystem taken by a file the operator can delete; what is left fills up quickly.
        var stats = statvfs()
        statvfs(mountPoint, &stats)
        let free = Int(stats.f_bavail) * Int(stats.f_frsize)
        let filler = mountPoint + "/filler.bin"
        try Data(count: max(0, free - 700 * 1024)).write(to: URL(fileURLWithPath: filler))
        let last = mountPoint + "/last.bin"
        try await Self.exercise(directory: directory, databasePath: databasePath, apiToken: apiToken, extra: [:], topUp: {
            FileManager.default.createFile(atPath: last, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: last))
            defer { try? handle.close() }
            let block = Data(count: 4096)
            while (try? handle.write(contentsOf: block)) != nil {}
        }, makeRoom: {
            try FileManager.default.removeItem(atPath: filler)
            try FileManager.default.removeItem(atPath: last)
        })
    }
}
