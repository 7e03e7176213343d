import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// The text of a Word document (`.docx`: a ZIP of XML, the text in `word/document.xml`):
/// each paragraph one line; a table row whose cells hold text becomes one line per cell, so a
/// form laid out as a two-column table ("Vad hände?" | the answer) reads as label, then value.
/// Bounded: the XML is read only up to `maxXMLBytes` decompressed (a ZIP bomb stops there),
/// and nothing of the document is resolved from outside (no entities, no DTD).
public enum DocxText {
    public static let maxXMLBytes = 8 * 1024 * 1024
    public static let maxLines = 5000


    public static func lines(of data: [UInt8]) throws(MailError) -> [String] {
        let xml: Data
        do {
            let archive = try Archive(data: Data(data), accessMode: .read)
            guard let entry = archive["word/document.xml"] else { throw MailError.unreadableDocument }
            var collected = Data()
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                collected.append(chunk)
                if collected.count > maxXMLBytes { throw MailError.unreadableDocument }
            }
            xml = collected
        } catch {
            throw MailError.unreadableDocument
        }
        let reader = Reader()
        let parser = XMLParser(data: xml)
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = reader
        guard parser.parse() else { throw MailError.unreadableDocument }
        return reader.lines
    }

    private final class Reader: NSObject, XMLParserDelegate {
        var lines: [String] = []
        private var paragraph = ""
        private var inText = false
        private var tableDepth = 0

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            switch name {
            case "w:t": inText = true
            case "w:tab": paragraph += "\t"
            case "w:br", "w:cr": paragraph += "\n"
            case "w:p": paragraph = ""
            case "w:tbl": tableDepth += 1
            default: break
            }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            switch name {
            case "w:t": inText = false
            case "w:p":
                let text = paragraph.trimmingCharacters(in: .whitespaces)
                if (!text.isEmpty || tableDepth == 0) && lines.count < DocxText.maxLines {
                    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                        lines.append(String(line))
                    }
                }
                paragraph = ""
            case "w:tc":
                // A cell ends its paragraphs; an empty line keeps label and value apart.
                if lines.count < DocxText.maxLines { lines.append("") }
            case "w:tbl": tableDepth = max(0, tableDepth - 1)
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if inText { paragraph += string }
        }
    }
}
