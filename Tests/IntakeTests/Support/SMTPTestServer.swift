import Foundation
import Testing

/// A real SMTP server (aiosmtpd, Tests/smtp/smtp_server.py) on a loopback port, started and
/// stopped by the test. Received messages are parsed by Python's email package.
final class SMTPTestServer: @unchecked Sendable {
    let maildir: String
    let arguments: [String]
    private(set) var port: Int
    private var process: Process?

    static var python: String {
        ProcessInfo.processInfo.environment["INTAKE_TEST_PYTHON"] ?? TestSupport.repositoryRoot + "/.venv/bin/python"
    }

    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: python) }

    init(port: Int = 0, arguments: [String] = []) throws {
        maildir = try TestSupport.temporaryDirectory("maildir")
        self.arguments = arguments
        self.port = port
    }

    /// A server that is already listening; stop it with `stop()` (or let it go out of scope).
    static func started(arguments: [String] = []) throws -> SMTPTestServer {
        let server = try SMTPTestServer(arguments: arguments)
        try server.start()
        return server
    }

    var url: String { "smtp://127.0.0.1:\(port)" }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [TestSupport.repositoryRoot + "/Tests/smtp/smtp_server.py", "--port", "\(port)", "--maildir", maildir] + arguments
        guard let bound = try TestProcess.startAndReadPort(process, timeout: 20, started: { self.process = process }) else {
            throw SMTPServerDidNotStart()
        }
        port = bound
    }

    struct SMTPServerDidNotStart: Error {}

    func stop() {
        guard let process else { return }
        // SIGKILL: the child inherits the test process's blocked signal mask, so SIGTERM would wait.
        kill(process.processIdentifier, SIGKILL)
        TestProcess.waitForExit(process)
        self.process = nil
    }

    deinit { stop() }

    struct Received: Decodable {
        var envelope_to: [String]
        var tls: Bool?
        var auth_user: String?
        var to: String
        var from: String
        var subject: String
        var message_id: String
        var auto_submitted: String
        var reply_to: String?
        var content_type: String
        var header_names: [String]
        var text: String?
        var html: String?
        var max_line: Int
        var bare_lf: Bool
    }

    func emlFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: maildir)) ?? [])
            .filter { $0.hasSuffix(".eml") }.sorted().map { maildir + "/" + $0 }
    }

    func received() throws -> [Received] {
        let files = emlFiles()
        guard !files.isEmpty else { return [] }
        let output = NSTemporaryDirectory() + "parsed-\(UUID().uuidString).json"
        try TestProcess.run(Self.python, [TestSupport.repositoryRoot + "/Tests/smtp/parse_eml.py", output] + files)
        let data = try Data(contentsOf: URL(fileURLWithPath: output))
        return try JSONDecoder().decode([Received].self, from: data)
    }

    /// Waits until at least `count` messages arrived (or the timeout passed).
    func waitFor(_ count: Int, timeout: TimeInterval = 20) async throws -> [Received] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if emlFiles().count >= count { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try received()
    }

    /// DATA attempts as logged by the server: "attempt <n> <status>".
    func attempts() -> [String] {
        ((try? String(contentsOfFile: maildir + "/attempts.log", encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }
}

/// Runs helper processes without Foundation's waitUntilExit, which can hang inside Swift
/// concurrency on Linux: output goes to files, exit is polled.
enum TestProcess {
    struct Failed: Error { var status: Int32 }

    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 60) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let status = waitForExit(process, timeout: timeout)
        guard status == 0 else { throw Failed(status: status) }
    }

    /// Starts a test server script that prints "READY <port>" on standard output once it listens,
    /// and returns that port; nil when the script ends or `timeout` passes without saying so.
    /// `started` runs once the process is running (so its owner can stop it even when it never gets ready).
    static func startAndReadPort(_ process: Process, timeout: TimeInterval, started: () -> Void) throws -> Int? {
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        started()
        var buffer = Data()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            if let line = String(data: buffer, encoding: .utf8), let range = line.range(of: "READY ") {
                let rest = line[range.upperBound...].prefix { $0.isNumber }
                if let bound = Int(rest) { return bound }
            }
        }
        return nil
    }

    /// Polls with waitpid(WNOHANG): Foundation's own reaping is what hangs.
    @discardableResult
    static func waitForExit(_ process: Process, timeout: TimeInterval = 30) -> Int32 {
        let pid = process.processIdentifier
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1 }
            if result == -1 {
                // Foundation's own monitor reaped it first (ECHILD): give it a moment to record the
                // status, which under load can lag behind the reaping.
                let settle = Date().addingTimeInterval(10)
                while process.isRunning && Date() < settle { usleep(10_000) }
                return process.isRunning ? -1 : process.terminationStatus
            }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        return -1
    }
}
