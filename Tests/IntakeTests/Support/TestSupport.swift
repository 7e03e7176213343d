import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// Paths, clocks and configurations shared by the suites. Everything real: files on disk,
/// servers on loopback.
enum TestSupport {
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    static var formsDirectory: String { repositoryRoot + "/Forms" }
    static var templatesDirectory: String { repositoryRoot + "/Templates" }

    /// A new empty folder under the system temp directory.
    static func temporaryDirectory(_ name: String = "intake") throws -> String {
        let path = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Copies Forms/ so a test can break it without touching the real one.
    static func copyOfForms() throws -> String {
        let target = try temporaryDirectory("forms") + "/Forms"
        try FileManager.default.copyItem(atPath: formsDirectory, toPath: target)
        return target
    }

    /// Opens a database file to inspect it. With a busy timeout: the application (or its pool
    /// closing, which checkpoints the WAL) may hold a lock for a moment.
    static func openDatabase(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    static func catalogue() throws -> Catalogue {
        try CatalogueLoader.load(directory: formsDirectory)
    }

    /// A configuration for a test server on a free loopback port, with a database in `directory`.
    static func configuration(directory: String, smtpURL: String? = nil) -> AppConfiguration {
        var config = AppConfiguration()
        config.hostname = "127.0.0.1"
        config.port = 0
        config.databasePath = directory + "/intake.sqlite"
        config.formsDirectory = formsDirectory
        config.templatesDirectory = templatesDirectory
        config.publicURL = "https://samverkan.example.se"
        // Suites post many reports from 127.0.0.1; the limit has its own tests.
        config.rateLimitPerHour = 10_000
        config.bcryptCost = 4
        // Summaries are mailed only in the suite that tests them, so other suites count mails exactly.
        config.summaryScheduler = false
        if let smtpURL {
            config.mail.smtpURL = smtpURL
            config.mail.startTLS = .off
            config.mail.retryDelaysSeconds = [1]
        } else {
            config.demo = true
        }
        return config
    }

    /// The whole application on a free loopback port: demo file mail, or the given SMTP server.
    /// The database gets the known test signing key first, so `FormEncoder` can sign the form's
    /// render time like the form page does.
    static func application(directory: String, smtpURL: String? = nil, clock: @escaping @Sendable () -> Date,
                            configure: (inout AppConfiguration) -> Void = { _ in }) async throws -> some ApplicationProtocol {
        var config = configuration(directory: directory, smtpURL: smtpURL)
        configure(&config)
        try useTestSigningKey(databasePath: config.databasePath)
        return try await buildApplication(configuration: config, clock: clock, logger: quietLogger, announce: { _ in })
    }

    /// A fixed signing key, so tests can make valid form tokens.
    static let signingKey: [UInt8] = Array("samverkan-intake test signing key, not secret".utf8)

    static func useTestSigningKey(databasePath: String) throws {
        let database = try AppDatabase(path: databasePath)
        try database.migrate()
        try database.pool.write { db in
            try db.execute(sql: "UPDATE server_secret SET value = ? WHERE name = 'signing-key'", arguments: [Data(signingKey)])
        }
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    /// A clock the test controls.
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var current: Date
        init(_ start: Date) { current = start }
        var now: Date { lock.withLock { current } }
        func advance(_ seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
        var function: @Sendable () -> Date { { self.now } }
    }

    /// 2026-11-25 10:00 in Stockholm.
    static let fixedNow = CalendarDay(year: 2026, month: 11, day: 25).date.addingTimeInterval(-2 * 3600)
}

/// Builds `application/x-www-form-urlencoded` bodies.
struct FormEncoder {
    var pairs: [(String, String)] = []
    /// Adds the signed render time the form page carries (an hour before the fixed test time or
    /// the machine's clock, whichever is earlier, so neither the fixed nor the real clock finds it
    /// too fast or from the future, whatever the machine's date), unless the test set its own.
    var includesFillTime = true

    init(_ pairs: [(String, String)] = []) { self.pairs = pairs }

    mutating func add(_ name: String, _ value: String) { pairs.append((name, value)) }

    func set(_ name: String, _ value: String?) -> FormEncoder {
        var copy = self
        copy.pairs.removeAll { $0.0 == name }
        if let value { copy.pairs.append((name, value)) }
        return copy
    }

    var body: ByteBuffer { ByteBuffer(string: encoded) }

    var encoded: String {
        var all = pairs
        if includesFillTime && !all.contains(where: { $0.0 == FormGuard.fillTimeField }) {
            all.append((FormGuard.fillTimeField, FormGuard.fillTimeToken(shownAt: min(TestSupport.fixedNow, Date()).addingTimeInterval(-3600), key: TestSupport.signingKey)))
        }
        return all.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
    }

    /// The form as if the page had been shown at `date`.
    func shown(at date: Date, key: [UInt8] = TestSupport.signingKey) -> FormEncoder {
        set(FormGuard.fillTimeField, FormGuard.fillTimeToken(shownAt: date, key: key))
    }

    /// The form as shown an hour ago by the wall clock, for servers on the real clock (a child
    /// process, `clock: { Date() }`): the default render time is relative to the fixed test time,
    /// and a real clock finds it older than the day a render time is valid.
    var shownAnHourAgo: FormEncoder { shown(at: Date().addingTimeInterval(-3600)) }

    /// The form without the signed render time, as a bot posting directly sends it.
    var withoutFillTime: FormEncoder {
        var copy = set(FormGuard.fillTimeField, nil)
        copy.includesFillTime = false
        return copy
    }

    static func escape(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed)!.replacingOccurrences(of: "%20", with: "+")
    }

    /// A report nobody classified and without e-mail: exactly one mail, to the triage function.
    static var triageOnly: FormEncoder {
        validLUS.set("avtal", "vet-inte").set("reporter_email", nil)
    }

    /// When the reported failure happened: 20 November 2026 (five days before the fixed test
    /// time), or yesterday if the machine's clock is earlier, so the day is in the past for the
    /// fixed clock and for a server on the real clock alike. Tests on the real clock more than
    /// ten years later must set their own day (`occurred_on` may be at most ten years old).
    static var occurredOn: String {
        min(CalendarDay(year: 2026, month: 11, day: 20), CalendarDay(Date()).adding(days: -1)).description
    }

    /// A complete, valid LUS report from Region Stockholm about Solna.
    static var validLUS: FormEncoder {
        FormEncoder([
            ("avtal", "sthlm-lus"), ("lang", "sv"),
            ("organisation", "region-stockholm"), ("other_parties", "solna-stad"), ("other_parties", "sundbybergs-stad"),
            ("occurred_on", occurredOn),
            ("what_happened", "Patienten skrevs ut från sjukhuset en fredag utan att kommunen fått inskrivningsmeddelande."),
            ("expected", "Enligt överenskommelsen ska kommunen få meddelande inom ett dygn efter inskrivning."),
            ("consequences", "Hemtjänsten kunde inte ta emot patienten på kvällen."),
            ("reporter_name", "Åsa Öberg"), ("reporter_role", "Sjuksköterska"), ("reporter_email", "asa.oberg@example.se"),
        ])
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}

extension HTTPFields {
    static var form: HTTPFields { [.contentType: "application/x-www-form-urlencoded"] }
}
