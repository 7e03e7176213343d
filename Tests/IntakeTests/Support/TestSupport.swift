import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import Intake

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
    static func application(directory: String, smtpURL: String? = nil, clock: @escaping @Sendable () -> Date) async throws -> some ApplicationProtocol {
        try await buildApplication(configuration: configuration(directory: directory, smtpURL: smtpURL), clock: clock, logger: quietLogger, announce: { _ in })
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
        pairs.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
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

    /// A complete, valid LUS report from Region Stockholm about Solna.
    static var validLUS: FormEncoder {
        FormEncoder([
            ("avtal", "sthlm-lus"), ("lang", "sv"),
            ("organisation", "region-stockholm"), ("other_parties", "solna-stad"), ("other_parties", "sundbybergs-stad"),
            ("occurred_on", "2026-11-20"),
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
