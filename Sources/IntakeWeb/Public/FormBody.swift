import Foundation
import IntakeDomain

/// A small parser for `application/x-www-form-urlencoded` bodies. Stricter and faster than a
/// general decoder: bad percent-escapes and invalid UTF-8 are errors, never guessed at.
/// (A parser indexing a pointer was measured against this one with benchmarks/fast-paths.sh and
/// gained nothing, so it went: benchmarks/RESULTS.md.)
public enum FormBody {
    /// What is wrong with a body that cannot be read; the web answers it as `AppError.malformedForm`.
    /// (The parser keeps its own error so that it compiles alone, with the domain, for the fuzzer.)
    public enum Malformation: Error, Sendable, Hashable {
        case invalidEncoding
        case invalidUTF8
        case tooManyFields
    }

    public static let maxFields = 500

    public static func parse(_ bytes: some Collection<UInt8>) throws(Malformation) -> FormValues {
        let bytes = Array(bytes)
        var values: FormValues = [:]
        var fieldCount = 0
        var start = bytes.startIndex
        while start < bytes.endIndex {
            var end = start
            while end < bytes.endIndex && bytes[end] != UInt8(ascii: "&") { end += 1 }
            let pair = bytes[start..<end]
            start = end < bytes.endIndex ? end + 1 : end
            if pair.isEmpty { continue }
            fieldCount += 1
            if fieldCount > maxFields { throw Malformation.tooManyFields }
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let rawName = equals.map { pair[pair.startIndex..<$0] } ?? pair[...]
            let rawValue = equals.map { pair[($0 + 1)...] } ?? pair[pair.endIndex...]
            values[try decode(rawName), default: []].append(try decode(rawValue))
        }
        return values
    }

    /// One percent-encoded name or value: `+` is a space, `%XY` a byte; the result must be UTF-8 without NUL.
    static func decode(_ bytes: ArraySlice<UInt8>) throws(Malformation) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "+"): output.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                let first = index + 1
                guard first < bytes.endIndex else { throw Malformation.invalidEncoding }
                let second = first + 1
                guard second < bytes.endIndex, let high = hexValue(bytes[first]), let low = hexValue(bytes[second]) else { throw Malformation.invalidEncoding }
                output.append(high << 4 | low)
                index = second
            default: output.append(byte)
            }
            index += 1
        }
        guard let string = String(validating: output, as: UTF8.self) else { throw Malformation.invalidUTF8 }
        // In valid UTF-8 a zero byte is exactly the NUL character.
        if output.contains(0) { throw Malformation.invalidEncoding }
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
