import Foundation
import GRDB
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM to the real `intake serve` while requests are in flight: each request that had
/// started is answered in full (and its report stored), the listening socket is closed at once
/// so new connections are refused, and the process exits 0 once the last answer is out.
@Suite("SIGTERM with requests in flight", .serialized, .timeLimit(.minutes(3)))
struct GracefulShutdownTests {
    /// A connection held open by the test: the request head and half of the body are sent, the
    /// rest only when the test says so. Blocking socket I/O on a thread of its own.
    final class HeldRequest: @unchecked Sendable {
        let fd: Int32
        let rest: [UInt8]

        init?(port: Int, request: [UInt8], holdBack: Int) {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return nil }
            var tv = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            guard GracefulShutdownTests.connect(fd, port: port) == 0 else { close(fd); return nil }
            let first = Array(request[..<(request.count - holdBack)])
            rest = Array(request[(request.count - holdBack)...])
            guard Self.sendAll(fd, first) else { close(fd); return nil }
        }

        static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
            var offset = 0
            while offset < bytes.count {
                let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent <= 0 { return false }
                offset += sent
            }
            return true
        }

        /// Sends the rest of the body and reads the answer until the server closes.
        func finish() async -> RawHTTP.Response {
            await withCheckedContinuation { continuation in
                Thread.detachNewThread { [self] in
                    defer { close(fd) }
                    guard Self.sendAll(fd, rest) else {
                        continuation.resume(returning: RawHTTP.Response(status: nil, head: "send failed: errno \(errno)", body: "", raw: []))
                        return
                    }
                    var received: [UInt8] = []
                    var buffer = [UInt8](repeating: 0, count: 65536)
                    while true {
                        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                        if count <= 0 { break }
                        received.append(contentsOf: buffer[0..<count])
                    }
                    continuation.resume(returning: RawHTTP.parse(received))
                }
            }
        }
    }

    static func connect(_ fd: Int32, port: Int) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// Whether a new TCP connection to the port is refused (nothing listens any more).
    static func connectionRefused(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return connect(fd, port: port) != 0 && errno == ECONNREFUSED
    }

    @Test("requests in flight at SIGTERM are answered and stored, new connections are refused, exit 0")
    func inFlightRequestsAreAnswered() async throws {
        let directory = try TestSupport.temporaryDirectory("sigterm-inflight")
        let (server, port) = try await ShutdownTests.startServer(directory: directory)
        defer { server.stop() }
        let occurred = CalendarDay(Date()).adding(days: -1).description
        let formTime = FormGuard.fillTimeToken(shownAt: Date().addingTimeInterval(-3600), key: TestSupport.signingKey)

        // Four reports whose request head and most of the body have arrived; the last 20 bytes wait.
        var held: [HeldRequest] = []
        for i in 0..<4 {
            let body = FormEncoder.validLUS.set("occurred_on", occurred).set(FormGuard.fillTimeField, formTime)
                .set("what_happened", "Avbruten mitt i sändningen, nummer \(i): kommunen fick inget meddelande.").encoded
            let request = RawHTTP.request(method: "POST", path: "/rapportera/stockholm", host: "127.0.0.1:\(port)",
                                          headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8))
            held.append(try #require(HeldRequest(port: port, request: request, holdBack: 20), "connection \(i)"))
        }
        // Let the server read the heads and start the handlers.
        try await Task.sleep(for: .milliseconds(300))
        #expect(!Self.connectionRefused(port: port), "the server still listens before SIGTERM")

        server.send(SIGTERM)
        // New connections are refused soon after, while the held requests keep the process alive.
        var refused = false
        let deadline = Date().addingTimeInterval(10)
        while !refused && Date() < deadline {
            refused = Self.connectionRefused(port: port)
            if !refused { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(refused, "new connections are refused after SIGTERM")
        #expect(server.waitForExit(timeout: 0) == nil, "the server waits for the requests in flight; log:\n\(server.log.suffix(2000))")

        // The held requests are completed now, and each gets its full answer: a receipt.
        var tokens: [String] = []
        for (i, request) in held.enumerated() {
            let response = await request.finish()
            #expect(response.status == 303, "request \(i) in flight at SIGTERM: \(response.head)")
            if let location = response.header("Location") { tokens.append(String(location.dropFirst("/kvitto/".count).prefix(32))) }
        }
        let status = await server.exit(timeout: 60)
        #expect(status == 0, "exit status after SIGTERM; log:\n\(server.log.suffix(2000))")
        #expect(tokens.count == 4)
        let stored = try BackupTests.trackingTokens(directory + "/intake.sqlite")
        #expect(Set(tokens).isSubset(of: stored) && stored.count == 4, "every answered report is stored, once")
        #expect(Self.connectionRefused(port: port))
    }
}
