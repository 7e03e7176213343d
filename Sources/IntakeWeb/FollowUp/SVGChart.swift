import Foundation
import IntakeDomain
import IntakeServices

/// Bar charts as inline SVG, drawn on the server: no JavaScript. Every bar carries its value as
/// text, and the previous period is hatched rather than coloured, so the charts read in greyscale.
/// The page puts a data table next to each chart; the SVG has a title and a text alternative.
public enum SVGChart {
    public struct Bar: Sendable {
        public var label: String
        public var value: Int
        public var previous: Int?

        public init(label: String, value: Int, previous: Int? = nil) {
            self.label = label
            self.value = value
            self.previous = previous
        }
    }

    /// Horizontal bars, one row per item; with `previous` values a hatched bar below each.
    public static func horizontal(id: String, title: String, description: String, bars: [Bar],
                                  currentLabel: String, previousLabel: String?) -> String {
        let labelWidth = 300, barArea = 360, width = labelWidth + barArea + 70
        let showPrevious = previousLabel != nil && bars.contains { $0.previous != nil }
        let rowHeight = showPrevious ? 34 : 22
        let legendHeight = showPrevious ? 26 : 0
        let height = legendHeight + max(1, bars.count) * rowHeight + 8
        let maxValue = max(1, bars.map { max($0.value, $0.previous ?? 0) }.max() ?? 1)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(width) \(height)" role="img" aria-labelledby="\(id)-title \(id)-desc" focusable="false">
            <title id="\(id)-title">\(XMLText.escape(title))</title><desc id="\(id)-desc">\(XMLText.escape(description))</desc>
            <defs><pattern id="\(id)-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#333" stroke-width="2.5"/></pattern></defs>
            """
        if showPrevious, let previousLabel {
            svg += """
                <rect x="0" y="4" width="16" height="12" fill="#1b365d"/><text x="22" y="14" class="chart-text">\(XMLText.escape(currentLabel))</text>
                <rect x="200" y="4" width="16" height="12" fill="url(#\(id)-hatch)" stroke="#333"/><text x="222" y="14" class="chart-text">\(XMLText.escape(previousLabel))</text>
                """
        }
        for (i, bar) in bars.enumerated() {
            let y = legendHeight + i * rowHeight
            let label = bar.label.count > 44 ? String(bar.label.prefix(43)) + "…" : bar.label
            let w = Int((Double(bar.value) / Double(maxValue) * Double(barArea)).rounded())
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 14)\" text-anchor=\"end\" class=\"chart-text\">\(XMLText.escape(label))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(max(w, 1))\" height=\"14\" fill=\"#1b365d\"/>"
            svg += "<text x=\"\(labelWidth + max(w, 1) + 4)\" y=\"\(y + 14)\" class=\"chart-text\">\(bar.value)</text>"
            if showPrevious, let previous = bar.previous {
                let pw = Int((Double(previous) / Double(maxValue) * Double(barArea)).rounded())
                svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 19)\" width=\"\(max(pw, 1))\" height=\"10\" fill=\"url(#\(id)-hatch)\" stroke=\"#333\" stroke-width=\"0.5\"/>"
                svg += "<text x=\"\(labelWidth + max(pw, 1) + 4)\" y=\"\(y + 28)\" class=\"chart-text chart-small\">\(previous)</text>"
            }
        }
        return svg + "</svg>"
    }

    /// Vertical columns over time (months), each with its value above it.
    public static func columns(id: String, title: String, description: String, bars: [Bar]) -> String {
        let column = 44, height = 220, top = 24, bottom = 40
        let width = max(1, bars.count) * column + 20
        let maxValue = max(1, bars.map(\.value).max() ?? 1)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(width) \(height)" role="img" aria-labelledby="\(id)-title \(id)-desc" focusable="false">
            <title id="\(id)-title">\(XMLText.escape(title))</title><desc id="\(id)-desc">\(XMLText.escape(description))</desc>
            <line x1="10" y1="\(height - bottom)" x2="\(width - 10)" y2="\(height - bottom)" stroke="#333"/>
            """
        let area = Double(height - top - bottom)
        for (i, bar) in bars.enumerated() {
            let h = Int((Double(bar.value) / Double(maxValue) * area).rounded())
            let x = 14 + i * column
            let y = height - bottom - h
            svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(column - 10)\" height=\"\(max(h, 1))\" fill=\"#1b365d\"/>"
            svg += "<text x=\"\(x + (column - 10) / 2)\" y=\"\(y - 4)\" text-anchor=\"middle\" class=\"chart-text chart-small\">\(bar.value)</text>"
            svg += columnLabel(bar.label, x: x + (column - 10) / 2, y: height - bottom + 15)
        }
        return svg + "</svg>"
    }

    /// Vertical columns over time, each split into the series' values stacked bottom to top, with
    /// the column's total above it and a legend on top. Up to four series have distinct fills that
    /// still read in greyscale (solid dark, hatched, dotted, solid grey: each at least 3:1 against white).
    public static func stackedColumns(id: String, title: String, description: String, series: [String],
                                      columns: [(label: String, values: [Int])]) -> String {
        let column = 44, legendHeight = 24, top = legendHeight + 20, bottom = 40, plot = 160
        let height = top + plot + bottom
        let width = max(max(1, columns.count) * column + 20, series.count * 150)
        let maxValue = max(1, columns.map { $0.values.reduce(0, +) }.max() ?? 1)
        func fill(_ index: Int) -> String {
            switch index % 4 {
            case 0: "#1b365d"
            case 1: "url(#\(id)-p1)"
            case 2: "url(#\(id)-p2)"
            default: "#767676"
            }
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(width) \(height)" role="img" aria-labelledby="\(id)-title \(id)-desc" focusable="false">
            <title id="\(id)-title">\(XMLText.escape(title))</title><desc id="\(id)-desc">\(XMLText.escape(description))</desc>
            <defs><pattern id="\(id)-p1" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#333" stroke-width="2.5"/></pattern>
            <pattern id="\(id)-p2" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.4" fill="#333"/></pattern></defs>
            """
        for (i, item) in series.enumerated() {
            let x = i * 150
            svg += "<rect x=\"\(x)\" y=\"4\" width=\"16\" height=\"12\" fill=\"\(fill(i))\" stroke=\"#333\"/>"
            svg += "<text x=\"\(x + 22)\" y=\"14\" class=\"chart-text\">\(XMLText.escape(item))</text>"
        }
        svg += "<line x1=\"10\" y1=\"\(height - bottom)\" x2=\"\(width - 10)\" y2=\"\(height - bottom)\" stroke=\"#333\"/>"
        for (i, item) in columns.enumerated() {
            let x = 14 + i * column
            var y = height - bottom
            let total = item.values.reduce(0, +)
            for (s, value) in item.values.enumerated() where value > 0 {
                let h = max(1, Int((Double(value) / Double(maxValue) * Double(plot)).rounded()))
                y -= h
                svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(column - 10)\" height=\"\(h)\" fill=\"\(fill(s))\" stroke=\"#fff\" stroke-width=\"0.75\"/>"
            }
            svg += "<text x=\"\(x + (column - 10) / 2)\" y=\"\(y - 4)\" text-anchor=\"middle\" class=\"chart-text chart-small\">\(total)</text>"
            svg += columnLabel(item.label, x: x + (column - 10) / 2, y: height - bottom + 15)
        }
        return svg + "</svg>"
    }

    /// A column's label under the axis at (`x`, `y`): up to the first space on one line, the rest
    /// on a second line below it ("mar 2026" as "mar" over "2026"), so neighbours do not overlap.
    static func columnLabel(_ label: String, x: Int, y: Int) -> String {
        let parts = label.split(separator: " ", maxSplits: 1).map(String.init)
        var text = "<text x=\"\(x)\" y=\"\(y)\" text-anchor=\"middle\" class=\"chart-text chart-small\">\(XMLText.escape(parts.first ?? ""))</text>"
        if parts.count > 1 {
            text += "<text x=\"\(x)\" y=\"\(y + 14)\" text-anchor=\"middle\" class=\"chart-text chart-small\">\(XMLText.escape(parts[1]))</text>"
        }
        return text
    }

    /// "A 120, B 80, C 14 and 5 more": the chart's content for screen readers.
    public static func describe(_ bars: [Bar], language: Language, limit: Int = 5) -> String {
        let shown = bars.prefix(limit).map { "\($0.label): \($0.value)" }.joined(separator: ", ")
        let rest = bars.count - min(limit, bars.count)
        guard rest > 0 else { return shown }
        return shown + FollowUpTexts.andMore(rest)[language]
    }
}
