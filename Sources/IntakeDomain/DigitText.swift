import Foundation

/// Zero-padded numbers and UTC times as text, formatted by hand: `String(format:)` and date
/// formatters go through Foundation and showed in the submission profile (benchmarks/RESULTS.md).
package enum DigitText {
    /// `padded(42, width: 5)` is `00042`; a longer number is kept whole.
    package static func padded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// `yyyy-MM-dd<separator>HH:mm:ss.SSS` in UTC.
    package static func utc(seconds: Int, milliseconds: Int, separator: String) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return "\(padded(Int(parts.tm_year) + 1900, width: 4))-\(padded(Int(parts.tm_mon) + 1, width: 2))-\(padded(Int(parts.tm_mday), width: 2))"
            + "\(separator)\(padded(Int(parts.tm_hour), width: 2)):\(padded(Int(parts.tm_min), width: 2)):\(padded(Int(parts.tm_sec), width: 2))"
            + ".\(padded(milliseconds, width: 3))"
    }
}
