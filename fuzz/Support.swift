import Foundation

// The few declarations the fuzzed source files use from the rest of the Intake target, so the
// fuzz targets compile those files directly (no package build, no dependencies).
public typealias FormValues = [String: [String]]

extension CalendarDay {
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

public struct CalendarDay {}

public enum SecretToken {
    public static func generate() -> String { "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz" }
}
