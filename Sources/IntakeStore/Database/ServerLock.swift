import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on `<database>.lock`, held by `intake serve` for its whole life and by
/// `intake restore` while it replaces the file. The kernel drops it when the process ends, even
/// on SIGKILL, so a crash never leaves a stale lock. The file holds the holder's pid and
/// purpose for the message the other side prints.
public final class ServerLock: @unchecked Sendable {
    public let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    public static func lockPath(databasePath: String) -> String { databasePath + ".lock" }

    public static func acquire(databasePath: String, purpose: String) throws -> ServerLock {
        let path = lockPath(databasePath: databasePath)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw StoreError.maintenance("cannot open lock file \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(fd)
            throw StoreError.databaseInUse(databasePath: databasePath, holder: holder.flatMap { $0.isEmpty ? nil : $0 } ?? "another process")
        }
        let text = "\(purpose) (pid \(getpid()))\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        return ServerLock(path: path, fd: fd)
    }

    /// Whether some process holds the lock right now (a probe; takes and drops it if free).
    public static func isHeld(databasePath: String) -> Bool {
        let fd = open(lockPath(databasePath: databasePath), O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }

    public func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
