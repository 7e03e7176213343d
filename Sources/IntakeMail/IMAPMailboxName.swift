import Foundation

/// IMAP's modified UTF-7 for mailbox names (RFC 3501 §5.1.3): printable ASCII stands for itself
/// ("&" as "&-"); every other run of characters is "&", the modified base64 (',' for '/', no
/// padding) of its UTF-16BE, and "-". "Återkopplade" is "&AMU-terkopplade" on the wire. The
/// configured folder names are written as people read them; only the IMAP client encodes.
public enum IMAPMailboxName {
    public static func encode(_ name: String) -> String {
        var out = ""
        var run: [UInt16] = []
        func flushRun() {
            guard !run.isEmpty else { return }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(run.count * 2)
            for unit in run { bytes.append(UInt8(unit >> 8)); bytes.append(UInt8(unit & 0xFF)) }
            var base64 = Data(bytes).base64EncodedString()
            while base64.hasSuffix("=") { base64.removeLast() }
            out += "&" + base64.replacingOccurrences(of: "/", with: ",") + "-"
            run.removeAll()
        }
        for scalar in name.unicodeScalars {
            if (0x20...0x7E).contains(scalar.value) {
                flushRun()
                out += scalar == "&" ? "&-" : String(Character(scalar))
            } else {
                run.append(contentsOf: UTF16.encode(scalar).map { Array($0) } ?? [])
            }
        }
        flushRun()
        return out
    }
}
