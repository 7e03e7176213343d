import Foundation
import Synchronization
import GRDB
import Logging

/// Errors that mean the database cannot store anything right now, whatever was being stored: the
/// disk or the size cap (`INTAKE_DATABASE_MAX_MB`) is full, the file or its folder is not
/// writable, I/O failed, memory ran out, or another process held the lock past the busy
/// timeout. A request that meets one gets 503 with Retry-After, never a 500; a worker backs off.
public enum StorageFailure {
    /// The SQLite result code's name when `error` is a storage error, nil for any other error.
    public static func code(of error: any Error) -> String? {
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL: return "SQLITE_FULL"
        case .SQLITE_IOERR: return "SQLITE_IOERR"
        case .SQLITE_READONLY: return "SQLITE_READONLY"
        case .SQLITE_CANTOPEN: return "SQLITE_CANTOPEN"
        case .SQLITE_NOMEM: return "SQLITE_NOMEM"
        case .SQLITE_PERM: return "SQLITE_PERM"
        case .SQLITE_BUSY: return "SQLITE_BUSY"
        default: return nil
        }
    }

    public static func isStorageError(_ error: any Error) -> Bool {
        code(of: error) != nil
    }
}

/// Whether writes to the database are failing: set by any write that fails with a storage error,
/// cleared by the probe write (`AppDatabase.probeWrites`, 64 kB) that `/health`, `/ready` and the
/// outbox worker run while it is set. Each change is logged once.
public final class StorageHealth: Sendable {
    private struct State {
        var failingSince: ContinuousClock.Instant?
        var code = ""
    }

    private let state = Mutex(State())
    private let logger: Logger?

    init(logger: Logger?) {
        self.logger = logger
    }

    /// True while writes fail.
    public var isFailing: Bool { state.withLock { $0.failingSince != nil } }

    /// Records `error` if it is a storage error (returns true then); any other error is left alone.
    @discardableResult
    package func noteFailure(_ error: any Error, during operation: String) -> Bool {
        guard let code = StorageFailure.code(of: error) else { return false }
        let first = state.withLock { (state: inout State) -> Bool in
            defer { state.code = code }
            guard state.failingSince == nil else { return false }
            state.failingSince = .now
            return true
        }
        // Only the code: SQLite's messages name no personal data, but the rule is to log no error text.
        if first {
            logger?.error("database writes fail: reports and changes are refused with 503 until there is room again", metadata: [
                "code": .string(code), "operation": .string(operation),
            ])
        }
        return true
    }

    /// The probe committed: there is room (again).
    func noteSuccess() {
        let since = state.withLock { (state: inout State) -> ContinuousClock.Instant? in
            defer { state.failingSince = nil }
            return state.failingSince
        }
        if let since {
            let seconds = Int((ContinuousClock.now - since).components.seconds)
            logger?.notice("database writes work again", metadata: ["failed_for_s": .stringConvertible(seconds)])
        }
    }
}
