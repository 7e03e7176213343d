import Foundation

/// Small-number suppression for public figures: a count below `threshold` for one
/// region × agreement × quarter is shown as "fewer than 3", so that nobody behind a report can be
/// singled out. Public tables carry no totals: a total minus the shown cells would give back a
/// suppressed one.
public enum SmallCounts {
    public static let threshold = 3

    /// The count as it may be published, or nil: "fewer than `threshold`" (0 included, so that a
    /// suppressed cell does not tell 0 from 1 or 2).
    public static func publishable(_ count: Int) -> Int? {
        count >= threshold ? count : nil
    }

    public static let fewerText = LocalizedText(sv: "färre än \(threshold)", en: "fewer than \(threshold)")
}
