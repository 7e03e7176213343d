// libFuzzer target: FormBody.parse never crashes; what it accepts holds no NUL and survives
// being encoded and parsed again unchanged.
public func fuzzFormBody(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let values = try? FormBody.parse(bytes) else { return 0 }
    var pairs: [String] = []
    for (name, list) in values {
        precondition(!name.unicodeScalars.contains { $0.value == 0 })
        for value in list {
            precondition(!value.unicodeScalars.contains { $0.value == 0 })
            pairs.append(percentEncode(name) + "=" + percentEncode(value))
        }
    }
    let again = try! FormBody.parse(Array(pairs.joined(separator: "&").utf8))
    precondition(again.count == values.count)
    for (name, list) in values { precondition(again[name] == list, "round trip changed \(name)") }
    return 0
}

func percentEncode(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) { out.unicodeScalars.append(Unicode.Scalar(byte)) }
        else { out += "%" + String(byte, radix: 16, uppercase: true).leftPad() }
    }
    return out
}

extension String {
    func leftPad() -> String { count == 1 ? "0" + self : self }
}
