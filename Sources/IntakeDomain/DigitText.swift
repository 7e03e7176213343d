import Foundation

/// Zero-padded numbers and UTC times as text, formatted by hand: `String(format:)` and date
/// formatters go through Foundation and showed in the submission profile (benchmarks/RESULTS.md).
/// `plainPadded` and `plainUTC` are the `String(format:)` code it replaced, kept as its twin
/// (`FastPathTests`, and `INTAKE_BENCH_PLAIN=digittext` for benchmarks/fast-paths.sh).
package enum DigitText {
    /// `padded(42, width: 5)` is `00042`; a longer number is kept whole.
    package static func padded(_ value: Int, width: Int) -> String {
        if BenchPlain.digitText { return plainPadded(value, width: width) }
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// `yyyy-MM-dd<separator>HH:mm:ss.SSS` in UTC.
    package static func utc(seconds: Int, milliseconds: Int, separator: String) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        if BenchPlain.digitText { return plainUTC(parts, milliseconds: milliseconds, separator: separator) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(23 + separator.utf8.count)
        append(Int(parts.tm_year) + 1900, width: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        append(Int(parts.tm_mon) + 1, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        append(Int(parts.tm_mday), width: 2, to: &bytes)
        bytes.append(contentsOf: separator.utf8)
        append(Int(parts.tm_hour), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        append(Int(parts.tm_min), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        append(Int(parts.tm_sec), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        append(milliseconds, width: 3, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `value`'s digits, zero-padded to `width` (2 to 4 here), as `padded` writes them; a negative
    /// value through `padded` itself.
    private static func append(_ value: Int, width: Int, to bytes: inout [UInt8]) {
        guard value >= 0 else {
            bytes.append(contentsOf: padded(value, width: width).utf8)
            return
        }
        var divisor = 1, count = 1
        while count < width || value / divisor >= 10 {  // at most 10^18 (Int.max has 19 digits)
            divisor *= 10
            count += 1
        }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }

    // MARK: the plain twin

    static func plainPadded(_ value: Int, width: Int) -> String {
        String(format: "%0\(width)ld", value)
    }

    static func plainUTC(_ parts: tm, milliseconds: Int, separator: String) -> String {
        String(format: "%04d-%02d-%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday) + separator
            + String(format: "%02d:%02d:%02d.%03ld", parts.tm_hour, parts.tm_min, parts.tm_sec, milliseconds)
    }
}
