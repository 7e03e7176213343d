import Foundation
import GRDB

/// A time as GRDB stores a `Date` ("yyyy-MM-dd HH:mm:ss.SSS", UTC), formatted once by hand.
/// GRDB formats every `Date` argument with a DateFormatter; a filed report passes the same
/// time nine times inside the write transaction that every submission waits for.
struct StoredTime: DatabaseValueConvertible, Sendable {
    let text: String

    init(_ date: Date) {
        // Rounded to the millisecond, as the DateFormatter does (from the 2001 reference date, as Foundation does).
        let totalMilliseconds = ((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000).rounded()
        let wholeSeconds = (totalMilliseconds / 1000).rounded(.down)
        let milliseconds = Int(totalMilliseconds - wholeSeconds * 1000)
        var time = time_t(wholeSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        text = "\(padded(Int(parts.tm_year) + 1900, 4))-\(padded(Int(parts.tm_mon) + 1, 2))-\(padded(Int(parts.tm_mday), 2)) "
            + "\(padded(Int(parts.tm_hour), 2)):\(padded(Int(parts.tm_min), 2)):\(padded(Int(parts.tm_sec), 2)).\(padded(milliseconds, 3))"
    }

    var databaseValue: DatabaseValue { text.databaseValue }

    static func fromDatabaseValue(_ dbValue: DatabaseValue) -> StoredTime? {
        Date.fromDatabaseValue(dbValue).map(StoredTime.init)
    }
}
