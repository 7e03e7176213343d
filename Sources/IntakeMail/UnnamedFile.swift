import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Bytes as a file without a name, for a library that reads only files: opened with `O_TMPFILE`
/// in `/dev/shm` (memory) or else the temporary directory, so it never appears in a directory
/// listing and is gone when closed, also after a crash. The caller gets a `/proc/self/fd/N` URL
/// that is valid only inside `body`. Linux only (elsewhere there is no such file: `unavailable`).
enum UnnamedFile {
    struct Unavailable: Error {}

    static func with<T>(_ bytes: [UInt8], _ body: (URL) throws -> T) throws -> T {
        #if os(Linux)
        // O_TMPFILE is __O_TMPFILE | O_DIRECTORY; Glibc's Swift module leaves it out.
        let tmpfile: Int32 = 0o20_000_000 | O_DIRECTORY
        for directory in ["/dev/shm", NSTemporaryDirectory()] {
            let fd = open(directory, tmpfile | O_RDWR | O_CLOEXEC, mode_t(0o600))
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var written = 0
            while written < bytes.count {
                let n = bytes.withUnsafeBytes { buffer -> Int in
                    guard let base = buffer.baseAddress else { return -1 }
                    return write(fd, base + written, buffer.count - written)
                }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw Unavailable() }
                written += n
            }
            return try body(URL(fileURLWithPath: "/proc/self/fd/\(fd)"))
        }
        #endif
        throw Unavailable()
    }
}
