import Foundation

// libFuzzer target: whatever the header values and bodies (split from the input at 0x00), the
// rendered message has CRLF line ends only, lines of at most 998 characters, and exactly the
// headers the builder writes: no text can add a header. An address (or message id) that cannot
// be written as-is is refused with MailError.unwritableAddress; one that is written appears unchanged.
public func fuzzMailMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let parts = UnsafeBufferPointer(start: data, count: size).split(separator: 0, maxSplits: 6, omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
    func part(_ i: Int) -> String { i < parts.count ? parts[i] : "" }
    let message = MailMessage(fromName: part(0), fromAddress: "no-reply@example.se", to: part(1), replyTo: part(2).isEmpty ? nil : part(2),
                              subject: part(3), date: Date(timeIntervalSince1970: 1_764_000_000), messageId: part(4),
                              textBody: part(5), htmlBody: part(6))
    let rendered: String
    do {
        rendered = try message.rendered(boundary: "=_fuzz_boundary")
    } catch {
        let values = [message.fromAddress, message.to, message.replyTo ?? "a@b", message.messageId]
        precondition(values.contains { MailAddress.problem($0) != nil }, "refused writable addresses: \(error)")
        return 0
    }
    let bytes = Array(rendered.utf8)
    for (i, byte) in bytes.enumerated() {
        if byte == 10 { precondition(i > 0 && bytes[i - 1] == 13, "bare LF") }
        if byte == 13 { precondition(i + 1 < bytes.count && bytes[i + 1] == 10, "bare CR") }
    }
    let lines = rendered.components(separatedBy: "\r\n")
    for line in lines { precondition(line.utf8.count <= 998, "line longer than 998") }
    let header = lines.prefix { !$0.isEmpty }
    let names = header.filter { !$0.hasPrefix(" ") && !$0.hasPrefix("\t") }.map { String($0.prefix { $0 != ":" }) }
    let expected = ["Date", "From", "To"] + (message.replyTo == nil ? [] : ["Reply-To"]) +
        ["Message-ID", "Subject", "MIME-Version", "Auto-Submitted", "X-Auto-Response-Suppress", "Content-Type"]
    precondition(names == expected, "headers \(names)")
    precondition(header.contains("To: " + message.to), "To altered")
    return 0
}
