import Foundation

/// A day in the calendar, as written in Forms/ (`2026-01-31`), with no time zone.
public struct CalendarDay: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`; nil for anything else or an impossible date.
    public init?(iso: String) {
        let parts = iso.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              CalendarDay.isValid(year: y, month: m, day: d)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The day `date` falls on in `timeZone`. Day-number arithmetic (`dayNumber`) instead of a
    /// Calendar per call: this runs several times per submission.
    public init(_ date: Date, timeZone: TimeZone = CalendarDay.swedishTimeZone) {
        let local = Int((date.timeIntervalSince1970).rounded(.down)) + timeZone.secondsFromGMT(for: date)
        self.init(dayNumber: local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
    }

    public static let swedishTimeZone = TimeZone(identifier: "Europe/Stockholm") ?? .gmt

    /// The Swedish calendar: Gregorian in Stockholm time. The one place it is made; everything
    /// that needs clock times or midnights in Swedish time uses it.
    public static let swedishCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = swedishTimeZone
        return calendar
    }()

    public static func isValid(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        return day <= daysIn(month: month, year: year)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public var description: String {
        "\(DigitText.padded(year, width: 4))-\(DigitText.padded(month, width: 2))-\(DigitText.padded(day, width: 2))"
    }

    /// Noon in Swedish time on this day, so adding days never crosses a DST edge wrongly.
    public var date: Date {
        CalendarDay.swedishCalendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))!
    }

    /// Midnight in Swedish time at the start of this day.
    public var startInSweden: Date {
        CalendarDay.swedishCalendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    public func adding(days: Int) -> CalendarDay {
        CalendarDay(dayNumber: dayNumber + days)
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// "25 november 2026" / "25 November 2026".
    public func formatted(_ language: Language) -> String {
        let sv = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"]
        let en = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        let names = language == .sv ? sv : en
        return "\(day) \(names[month - 1]) \(year)"
    }
}

extension CalendarDay {
    /// Days since 1970-01-01 (proleptic Gregorian). Plain arithmetic, so a million reports can be
    /// bucketed by day and month without `Calendar`.
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400
        self.init(year: m <= 2 ? y + 1 : y, month: m, day: d)
    }

    /// `year * 12 + month - 1`: consecutive months are consecutive numbers.
    public var monthNumber: Int { year * 12 + month - 1 }
    public var firstOfMonth: CalendarDay { CalendarDay(year: year, month: month, day: 1) }
    public var lastOfMonth: CalendarDay { CalendarDay(year: year, month: month, day: CalendarDay.daysIn(month: month, year: year)) }
    public var quarter: Int { (month - 1) / 3 + 1 }
    /// `2026-03`
    public var monthKey: String { String(format: "%04d-%02d", year, month) }
}

/// The Swedish calendar day of a UTC instant, with the zone offset cached per UTC hour (Swedish
/// daylight saving changes on the hour).
package struct SwedishDayConverter {
    private var offsets: [Int: Int] = [:]

    package init() {}

    package mutating func day(unixSeconds: Int) -> Int32 {
        let hour = unixSeconds >= 0 ? unixSeconds / 3600 : (unixSeconds - 3599) / 3600
        let offset: Int
        if let cached = offsets[hour] {
            offset = cached
        } else {
            offset = CalendarDay.swedishTimeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(hour * 3600)))
            offsets[hour] = offset
        }
        let local = unixSeconds + offset
        return Int32(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
    }
}
