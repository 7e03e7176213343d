import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 over a plain socket, byte for byte as given: the hostile-input corpus needs requests
/// that no well-behaved client library would send (CR/LF in header values, invalid UTF-8,
/// conflicting lengths). Blocking I/O runs on a thread of its own, never on the cooperative pool.
enum RawHTTP {
    struct Response: Sendable {
        var status: Int?
        var head: String
        var body: String
        var raw: [UInt8]

        func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n").dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    /// Sends `request` (all chunks, one after another) and reads until the server closes.
    static func exchange(port: Int, _ chunks: [[UInt8]], timeout: Int = 20) async -> Response {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: blockingExchange(port: port, chunks, timeout: timeout))
            }
        }
    }

    private static func blockingExchange(port: Int, _ chunks: [[UInt8]], timeout: Int) -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return Response(status: nil, head: "socket failed", body: "", raw: []) }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return Response(status: nil, head: "connect failed", body: "", raw: []) }
        // The server may answer (413, 431) and close before everything is sent: stop sending then.
        outer: for chunk in chunks {
            var offset = 0
            while offset < chunk.count {
                let sent = chunk[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent <= 0 { break outer }
                offset += sent
            }
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received.append(contentsOf: buffer[0..<count])
        }
        return parse(received)
    }

    static func parse(_ bytes: [UInt8]) -> Response {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var split = bytes.count
        if bytes.count >= 4 {
            for index in 0...(bytes.count - 4) where Array(bytes[index..<index + 4]) == separator {
                split = index
                break
            }
        }
        let head = String(decoding: bytes[0..<split], as: UTF8.self)
        var bodyBytes = split + 4 <= bytes.count ? Array(bytes[(split + 4)...]) : []
        if head.lowercased().contains("transfer-encoding: chunked") { bodyBytes = dechunk(bodyBytes) }
        let statusLine = head.split(separator: "\r\n").first.map(String.init) ?? ""
        let parts = statusLine.split(separator: " ")
        let status = parts.count >= 2 && statusLine.hasPrefix("HTTP/") ? Int(parts[1]) : nil
        return Response(status: status, head: head, body: String(decoding: bodyBytes, as: UTF8.self), raw: bytes)
    }

    private static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = (index..<max(index, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            let end = min(bytes.count, start + size)
            output.append(contentsOf: bytes[start..<end])
            index = end + 2
        }
        return output
    }

    /// A request as bytes: request line, the given headers as is, Host and Connection: close,
    /// Content-Length unless the headers already say how long the body is.
    static func request(method: String, path: String, host: String, headers: [(String, String)], body: [UInt8]) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let lowered = headers.map { $0.0.lowercased() }
        if !lowered.contains("content-length") && !lowered.contains("transfer-encoding") && (method != "GET" || !body.isEmpty) {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + body
    }
}
