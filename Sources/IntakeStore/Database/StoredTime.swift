import Foundation
import GRDB
import IntakeDomain

/// A time as GRDB stores a `Date` ("yyyy-MM-dd HH:mm:ss.SSS", UTC), formatted once by hand.
/// GRDB formats every `Date` argument with a DateFormatter; a filed report passes the same
/// time nine times inside the write transaction that every submission waits for.
/// With `INTAKE_BENCH_PLAIN=digittext` (benchmarks/fast-paths.sh) GRDB formats the `Date` at
/// every use, as before this type existed.
struct StoredTime: DatabaseValueConvertible, Sendable {
    let text: String
    private let plain: Date?

    init(_ date: Date) {
        if BenchPlain.digitText {
            text = ""
            plain = date
            return
        }
        plain = nil
        // Rounded to the millisecond, as the DateFormatter does (from the 2001 reference date, as Foundation does).
        let totalMilliseconds = ((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000).rounded()
        let wholeSeconds = (totalMilliseconds / 1000).rounded(.down)
        let milliseconds = Int(totalMilliseconds - wholeSeconds * 1000)
        text = DigitText.utc(seconds: Int(wholeSeconds), milliseconds: milliseconds, separator: " ")
    }

    var databaseValue: DatabaseValue { plain?.databaseValue ?? text.databaseValue }

    static func fromDatabaseValue(_ dbValue: DatabaseValue) -> StoredTime? {
        Date.fromDatabaseValue(dbValue).map(StoredTime.init)
    }
}
