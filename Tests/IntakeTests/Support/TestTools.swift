import Foundation
import Testing

/// The tools suites run for real. A missing one fails each test it guards with the install
/// hint; nothing skips (`scripts/test.sh` with CI=true fails on any skip).
enum TestTool: Sendable {
    case smtpServer, imapServer, schemathesis, prometheusClient, intakeBinary

    /// Nil when the tool is there, otherwise what is missing and how to install it.
    var problem: String? {
        switch self {
        case .smtpServer: Self.smtpServerProblem
        case .imapServer:
            FileManager.default.isExecutableFile(atPath: IMAPTestServer.dovecot) ? nil
                : "Debian's dovecot-imapd is missing (\(IMAPTestServer.dovecot)): apt-get install dovecot-imapd, or run scripts/setup.sh --with-test-tools (scripts/test.sh does it)"
        case .schemathesis: Self.schemathesisProblem
        case .prometheusClient: Self.prometheusClientProblem
        case .intakeBinary:
            FileManager.default.isExecutableFile(atPath: ChildProcess.intakeBinary) ? nil
                : "the intake binary \(ChildProcess.intakeBinary) is missing: run swift build --build-tests (scripts/test.sh does it)"
        }
    }

    private static let smtpServerProblem = pythonModuleProblem("aiosmtpd")
    private static let schemathesisProblem = pythonModuleProblem("schemathesis")
    private static let prometheusClientProblem = pythonModuleProblem("prometheus_client")

    private static func pythonModuleProblem(_ module: String) -> String? {
        let python = SMTPTestServer.python
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return "no Python at \(python): run scripts/setup.sh --with-test-tools (scripts/test.sh does it)"
        }
        guard (try? TestProcess.run(python, ["-c", "import \(module)"])) != nil else {
            return "\(python) cannot import \(module): run scripts/setup.sh --with-test-tools (Tests/requirements.txt)"
        }
        return nil
    }

    /// Records the problem as an issue (the test fails) and throws so the test goes no further.
    static func require(_ tools: TestTool..., sourceLocation: SourceLocation = #_sourceLocation) throws {
        for tool in tools {
            try #require(tool.problem == nil, Comment(rawValue: tool.problem ?? ""), sourceLocation: sourceLocation)
        }
    }
}

/// `.requires(.smtpServer)` on a test or a suite: each test fails with the install hint when the
/// tool is missing, instead of being skipped as `.enabled(if:)` would.
struct RequiresTools: TestTrait, SuiteTrait, TestScoping {
    var tools: [TestTool]
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        if !test.isSuite {
            for problem in tools.compactMap(\.problem) { Issue.record(Comment(rawValue: problem)) }
            if tools.contains(where: { $0.problem != nil }) { return }
        }
        try await function()
    }
}

extension Trait where Self == RequiresTools {
    static func requires(_ tools: TestTool...) -> RequiresTools { RequiresTools(tools: tools) }
}
