import Foundation
import Testing

/// A real IMAP server (Debian's dovecot-imapd, started by Tests/imap/imap_server.py with its own
/// configuration, passwd-file login and Maildir in a temporary folder) on a loopback port.
/// Messages are put in and read back over IMAP by the same script (Python's imaplib).
final class IMAPTestServer: @unchecked Sendable {
    let directory: String
    let user = "intake"
    let password = "intake-test-password"
    private(set) var port: Int
    private var process: Process?
    /// Certificate and key for STARTTLS (nil: no TLS).
    var tls: (cert: String, key: String)?

    static var dovecot: String { "/usr/sbin/dovecot" }
    static var script: String { TestSupport.repositoryRoot + "/Tests/imap/imap_server.py" }

    init(port: Int = 0) throws {
        directory = try TestSupport.temporaryDirectory("imap")
        self.port = port
    }

    static func started() throws -> IMAPTestServer {
        let server = try IMAPTestServer()
        try server.start()
        return server
    }

    var url: String { "imap://127.0.0.1:\(port)/INBOX" }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SMTPTestServer.python)
        process.arguments = [Self.script, "serve", "--dir", directory, "--port", "\(port)", "--user", user, "--password", password]
            + (tls.map { ["--tls-cert", $0.cert, "--tls-key", $0.key] } ?? [])
        if let bound = try TestProcess.startAndReadPort(process, timeout: 30, started: { self.process = process }) { port = bound; return }
        throw IMAPServerDidNotStart(log: (try? String(contentsOfFile: directory + "/dovecot.log", encoding: .utf8)) ?? "")
    }

    struct IMAPServerDidNotStart: Error { var log: String }

    /// Stops dovecot (the script's child too): the server is down until `start()` again on the same port.
    func stop() {
        guard let process else { return }
        // SIGKILL: children inherit the test process's blocked signal mask, so SIGTERM would wait.
        // dovecot runs in its own session: the whole group (master, login and mail processes) goes.
        let pidFile = directory + "/run/master.pid"
        if let pid = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }), pid > 1 {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        kill(process.processIdentifier, SIGKILL)
        TestProcess.waitForExit(process, timeout: 10)
        try? FileManager.default.removeItem(atPath: pidFile)
        self.process = nil
        usleep(300_000)
    }

    deinit { stop() }

    /// Puts a message (RFC 5322 text, CRLF added where LF stands alone) into a folder.
    func append(_ message: String, folder: String = "INBOX") throws {
        let file = directory + "/append-\(UUID().uuidString.prefix(8)).eml"
        let crlf = message.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        try crlf.write(toFile: file, atomically: true, encoding: .utf8)
        try TestProcess.run(SMTPTestServer.python, [Self.script, "append", "--port", "\(port)", "--user", user, "--password", password,
                                                    "--file", file, "--folder", folder])
    }

    func append(bytes: Data, folder: String = "INBOX") throws {
        let file = directory + "/append-\(UUID().uuidString.prefix(8)).eml"
        try bytes.write(to: URL(fileURLWithPath: file))
        try TestProcess.run(SMTPTestServer.python, [Self.script, "append", "--port", "\(port)", "--user", user, "--password", password,
                                                    "--file", file, "--folder", folder])
    }

    struct Listing: Decodable {
        struct Message: Decodable {
            var uid: Int
            var seen: Bool
            var deleted: Bool
            var message_id: String
            var subject: String
        }
        var exists: Bool
        var messages: [Message]
    }

    func list(_ folder: String = "INBOX") throws -> Listing {
        let output = directory + "/list-\(UUID().uuidString.prefix(8)).json"
        try TestProcess.run(SMTPTestServer.python, [Self.script, "list", "--port", "\(port)", "--user", user, "--password", password,
                                                    "--folder", folder, "--output", output])
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        do {
            return try JSONDecoder().decode(Listing.self, from: Data(text.utf8))
        } catch {
            throw ListFailed(output: text)
        }
    }

    struct ListFailed: Error { var output: String }

    /// Waits until the folder holds no message that is not deleted and `done` holds `count`.
    func waitUntilHandled(_ count: Int, done: String = "Behandlade", timeout: TimeInterval = 60) async throws -> Listing {
        let deadline = Date().addingTimeInterval(timeout)
        var last = try list(done)
        while Date() < deadline {
            let inbox = try list()
            last = try list(done)
            if inbox.messages.filter({ !$0.deleted }).isEmpty && last.messages.count >= count { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        return last
    }
}
