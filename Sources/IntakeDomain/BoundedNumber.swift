import Foundation

/// Every number that comes from outside (query, form, JSON, path, header, mail, files) is read
/// here, and only here, into a bounded range. In Swift an overflow or a failed conversion traps
/// and ends the whole process, so nothing outside this file turns outside text into a number:
/// it asks `BoundedNumber` for a value already inside its range.
///
/// Accepted text: ASCII digits with an optional leading `-`, at most 18 digits (so the parse
/// itself can never overflow `Int`). Everything else (`+1`, ` 1`, `1e3`, `NaN`, `١`, 2,000
/// digits) is malformed.
public enum BoundedNumber {
    /// The outcome of reading one value.
    public enum Reading: Equatable, Sendable {
        /// No value was given (absent or empty).
        case absent
        case value(Int)
        /// Well-formed digits outside the allowed range.
        case outOfRange
        /// Not a whole number written in ASCII digits.
        case malformed
    }

    /// The most digits read: 18 digits always fit in `Int` (Int64) without overflow.
    public static let maximumDigits = 18

    /// A whole number in ASCII digits, or nil. Never traps, whatever the text.
    public static func integer(_ text: some StringProtocol) -> Int? {
        var iterator = text.utf8.makeIterator()
        guard var byte = iterator.next() else { return nil }
        var negative = false
        if byte == UInt8(ascii: "-") {
            negative = true
            guard let next = iterator.next() else { return nil }
            byte = next
        }
        var value = 0
        var digits = 0
        while true {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            digits += 1
            guard digits <= maximumDigits else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            guard let next = iterator.next() else { break }
            byte = next
        }
        return negative ? -value : value
    }

    /// Reads `text` into `range`.
    public static func read(_ text: (some StringProtocol)?, in range: ClosedRange<Int>) -> Reading {
        guard let text, !text.isEmpty else { return .absent }
        guard let value = integer(text) else {
            // Many digits are still a number, only too large (or too small).
            let body = text.hasPrefix("-") ? text.dropFirst() : text[...]
            if !body.isEmpty, body.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { return .outOfRange }
            return .malformed
        }
        return range.contains(value) ? .value(value) : .outOfRange
    }

    /// Reads `text` into `range`; absent or malformed gives `fallback`, out of range the nearest bound.
    /// For values where a person expects a clamp (a page past the last shows the last page).
    public static func clamped(_ text: (some StringProtocol)?, to range: ClosedRange<Int>, default fallback: Int) -> Int {
        guard let text, !text.isEmpty else { return fallback }
        if let value = integer(text) { return min(max(value, range.lowerBound), range.upperBound) }
        switch read(text, in: range) {
        case .outOfRange: return text.hasPrefix("-") ? range.lowerBound : range.upperBound
        default: return fallback
        }
    }

    /// A database id (a positive SQLite rowid), or nil.
    public static func id(_ text: (some StringProtocol)?) -> Int64? {
        if case .value(let value) = read(text, in: 1...Int(Int64.max / 2)) { return Int64(value) }
        return nil
    }
}

/// One page of a list: a page number and a page size, both bounded, and an offset computed
/// without overflow.
public struct PageRequest: Sendable, Hashable {
    /// No list is this long; a page number past it is read as this.
    public static let maximumPage = 1_000_000
    public static let maximumSize = 500

    /// 1…`maximumPage`.
    public private(set) var page: Int
    /// 1…`maximumSize`.
    public let size: Int

    public init(page: Int, size: Int) {
        self.size = min(max(size, 1), Self.maximumSize)
        self.page = min(max(page, 1), Self.maximumPage)
    }

    /// The page from its query text (`sida`, `page`); absent, malformed or out of range is clamped.
    public init(pageText: (some StringProtocol)?, size: Int) {
        self.init(page: BoundedNumber.clamped(pageText, to: 1...Self.maximumPage, default: 1), size: size)
    }

    /// How many pages `total` rows take (at least one, so an empty list has page 1 of 1).
    public func pageCount(total: Int) -> Int {
        let total = max(total, 0)
        return max(1, total / size + (total % size == 0 ? 0 : 1))
    }

    /// The same request moved back to the last page when it lies beyond it.
    public func clamped(toTotal total: Int) -> PageRequest {
        var copy = self
        copy.page = min(page, pageCount(total: total))
        return copy
    }

    /// Rows to skip: (page − 1) × size, with checked arithmetic (both are bounded, so it fits).
    public var offset: Int {
        let (product, overflow) = (page - 1).multipliedReportingOverflow(by: size)
        return overflow ? Int.max : product
    }
}
