import Foundation

public enum FormBodyError: Error, Sendable, Equatable {
    case invalidEncoding
    case invalidUTF8
    case tooManyFields
}

/// A small parser for `application/x-www-form-urlencoded` bodies. Stricter and faster than a
/// general decoder: bad percent-escapes and invalid UTF-8 are errors, never guessed at.
public enum FormBody {
    public static let maxFields = 500

    public static func parse(_ bytes: some Collection<UInt8>) throws(FormBodyError) -> FormValues {
        var values: FormValues = [:]
        var fieldCount = 0
        var start = bytes.startIndex
        while start < bytes.endIndex {
            var end = start
            while end < bytes.endIndex && bytes[end] != UInt8(ascii: "&") { end = bytes.index(after: end) }
            let pair = bytes[start..<end]
            start = end < bytes.endIndex ? bytes.index(after: end) : end
            if pair.isEmpty { continue }
            fieldCount += 1
            if fieldCount > maxFields { throw .tooManyFields }
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let rawName = equals.map { pair[pair.startIndex..<$0] } ?? pair[...]
            let rawValue = equals.map { pair[pair.index(after: $0)...] } ?? pair[pair.endIndex...]
            let name = try decode(rawName)
            let value = try decode(rawValue)
            values[name, default: []].append(value)
        }
        return values
    }

    static func decode(_ bytes: some Collection<UInt8>) throws(FormBodyError) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "+"):
                output.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                let first = bytes.index(after: index)
                guard first < bytes.endIndex else { throw .invalidEncoding }
                let second = bytes.index(after: first)
                guard second < bytes.endIndex, let high = hexValue(bytes[first]), let low = hexValue(bytes[second]) else {
                    throw .invalidEncoding
                }
                output.append(high << 4 | low)
                index = second
            default:
                output.append(byte)
            }
            index = bytes.index(after: index)
        }
        guard let string = String(validating: output, as: UTF8.self) else { throw .invalidUTF8 }
        if string.unicodeScalars.contains(where: { $0.value == 0 }) { throw .invalidEncoding }
        return string
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
