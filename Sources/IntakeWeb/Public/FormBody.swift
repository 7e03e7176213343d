import Foundation
import IntakeDomain

/// A small parser for `application/x-www-form-urlencoded` bodies. Stricter and faster than a
/// general decoder: bad percent-escapes and invalid UTF-8 are errors, never guessed at.
/// The fast path indexes a pointer; `plainParse` is the generic parser it replaced, kept as its
/// twin (`FastPathTests`, and `INTAKE_BENCH_PLAIN=formbody` for benchmarks/fast-paths.sh).
public enum FormBody {
    /// What is wrong with a body that cannot be read (thrown as `AppError.malformedForm`).
    public enum Malformation: Sendable, Hashable {
        case invalidEncoding
        case invalidUTF8
        case tooManyFields
    }

    public static let maxFields = 500

    public static func parse(_ bytes: some Collection<UInt8>) throws(AppError) -> FormValues {
        if BenchPlain.formBody { return try plainParse(Array(bytes)) }
        // On contiguous bytes (a request body is one buffer) the loops index a pointer directly.
        let parsed = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(AppError) in try parse(buffer: buffer) }
        }
        if let parsed { return try parsed.get() }
        return try Array(bytes).withUnsafeBufferPointer { buffer throws(AppError) in try parse(buffer: buffer) }
    }

    private static func parse(buffer bytes: UnsafeBufferPointer<UInt8>) throws(AppError) -> FormValues {
        var values: FormValues = [:]
        var fieldCount = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "&") { end += 1 }
            let pairStart = start
            start = end < bytes.count ? end + 1 : end
            if end == pairStart { continue }
            fieldCount += 1
            if fieldCount > maxFields { throw AppError.malformedForm(.tooManyFields) }
            var equals = pairStart
            while equals < end && bytes[equals] != UInt8(ascii: "=") { equals += 1 }
            let name = try decode(bytes, pairStart..<equals)
            let value = try decode(bytes, min(equals + 1, end)..<end)
            values[name, default: []].append(value)
        }
        return values
    }

    static func decode(_ bytes: some Collection<UInt8>) throws(AppError) -> String {
        try Array(bytes).withUnsafeBufferPointer { buffer throws(AppError) in try decode(buffer, 0..<buffer.count) }
    }

    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(AppError) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(range.count)
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "+"):
                output.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index + 2 < range.upperBound, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else {
                    throw AppError.malformedForm(.invalidEncoding)
                }
                output.append(high << 4 | low)
                index += 2
            default:
                output.append(byte)
            }
            index += 1
        }
        guard let string = String(validating: output, as: UTF8.self) else { throw AppError.malformedForm(.invalidUTF8) }
        // In valid UTF-8 a zero byte is exactly the NUL character.
        if output.contains(0) { throw AppError.malformedForm(.invalidEncoding) }
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

    // MARK: the plain twin

    /// The parser as it was before it indexed a pointer (generic over the collection).
    static func plainParse(_ bytes: [UInt8]) throws(AppError) -> FormValues {
        func decode(_ bytes: ArraySlice<UInt8>) throws(AppError) -> String {
            var output: [UInt8] = []
            var index = bytes.startIndex
            while index < bytes.endIndex {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "+"): output.append(UInt8(ascii: " "))
                case UInt8(ascii: "%"):
                    let first = index + 1
                    guard first < bytes.endIndex else { throw AppError.malformedForm(.invalidEncoding) }
                    let second = first + 1
                    guard second < bytes.endIndex, let high = hexValue(bytes[first]), let low = hexValue(bytes[second]) else { throw AppError.malformedForm(.invalidEncoding) }
                    output.append(high << 4 | low)
                    index = second
                default: output.append(byte)
                }
                index += 1
            }
            guard let string = String(validating: output, as: UTF8.self) else { throw AppError.malformedForm(.invalidUTF8) }
            if string.unicodeScalars.contains(where: { $0.value == 0 }) { throw AppError.malformedForm(.invalidEncoding) }
            return string
        }
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
            if fieldCount > maxFields { throw AppError.malformedForm(.tooManyFields) }
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let rawName = equals.map { pair[pair.startIndex..<$0] } ?? pair[...]
            let rawValue = equals.map { pair[($0 + 1)...] } ?? pair[pair.endIndex...]
            values[try decode(rawName), default: []].append(try decode(rawValue))
        }
        return values
    }
}
