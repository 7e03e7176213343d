import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real `intake` binary (or any program) as a child process, started with posix_spawn so
/// that it gets a clean signal mask and default SIGTERM/SIGINT handling: the test process
/// blocks or ignores signals that a child would otherwise inherit. Output goes to a file;
/// exit is polled with waitpid (Foundation's waitUntilExit hangs here).
final class ChildProcess: @unchecked Sendable {
    struct SpawnFailed: Error { var errno: Int32 }

    let pid: pid_t
    let logPath: String
    private var exitStatus: Int32?

    private init(pid: pid_t, logPath: String) {
        self.pid = pid
        self.logPath = logPath
    }

    static var intakeBinary: String { TestSupport.repositoryRoot + "/.build/debug/intake" }

    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String], logPath: String) throws -> ChildProcess {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGQUIT, SIGCHLD, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SpawnFailed(errno: rc) }
        return ChildProcess(pid: pid, logPath: logPath)
    }

    func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// The exit code, -signal if killed by a signal, or nil if still running after `timeout`.
    func waitForExit(timeout: TimeInterval = 30) -> Int32? {
        if let exitStatus { return exitStatus }
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -(status & 0x7f)
                exitStatus = code
                return code
            }
            if timeout > 0 { usleep(20_000) }
        } while Date() < deadline
        return nil
    }

    /// The same, polling without blocking a thread of the cooperative pool (which the servers
    /// and clients of other tests need meanwhile).
    func exit(timeout: TimeInterval = 30) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = waitForExit(timeout: 0) { return status }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return waitForExit(timeout: 0)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Ends the process if a test left it running.
    func stop() {
        if waitForExit(timeout: 0) == nil {
            kill(pid, SIGKILL)
            _ = waitForExit(timeout: 10)
        }
    }

    deinit { stop() }
}
