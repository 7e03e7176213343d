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
///
/// ZIPFoundation reads the archive from an unnamed file (`UnnamedFile`), not from memory: its
/// in-memory reader (`Archive(data:)`, 0.9.20) traps on an archive whose directory points past
/// the end (`MemoryFile.readData` makes a negative range), which would end the whole server on
/// one crafted attachment — found by `scripts/fuzz.sh InboundMail`; a file read past its end
/// just reads nothing.
public enum DocxText {
    public static let maxXMLBytes = 8 * 1024 * 1024
    public static let maxLines = 5000


    public static func lines(of data: [UInt8]) throws(MailError) -> [String] {
        // ZIPFoundation is handed only an archive whose end record it will find (`hasEndRecord`).
        guard hasEndRecord(data) else { throw MailError.unreadableDocument }
        let xml: Data
        do {
            xml = try UnnamedFile.with(data) { url in
                let archive = try Archive(url: url, accessMode: .read)
                guard let entry = archive["word/document.xml"] else { throw MailError.unreadableDocument }
                var collected = Data()
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    collected.append(chunk)
                    if collected.count > maxXMLBytes { throw MailError.unreadableDocument }
                }
                return collected
            }
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

    /// A ZIP ends with its end-of-central-directory record: the signature `PK\u{5}\u{6}`, 18 more
    /// bytes, then a comment of the length its last two bytes give (at most 65,535) that reaches
    /// exactly the end. True when the record nearest the end is such a record — the one
    /// ZIPFoundation looks for, from the end backwards. ZIPFoundation looks for it with a seek and
    /// a read per byte through the whole file (and its in-memory reader leaks the attachment when
    /// it finds none); this check looks only at the last 65,557 bytes, so a 10 MB attachment that
    /// is not a ZIP costs no more than a small one.
    static func hasEndRecord(_ data: [UInt8]) -> Bool {
        let recordSize = 22
        guard data.count >= recordSize else { return false }
        let lowest = max(0, data.count - recordSize - 65_535)
        var offset = data.count - recordSize
        while offset >= lowest {
            if data[offset] == 0x50, data[offset + 1] == 0x4B, data[offset + 2] == 0x05, data[offset + 3] == 0x06 {
                let commentLength = Int(data[offset + 20]) | Int(data[offset + 21]) << 8
                return offset + recordSize + commentLength == data.count
            }
            offset -= 1
        }
        return false
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
                if !text.isEmpty || tableDepth == 0 {
                    // A paragraph's line breaks count against the bound too.
                    for line in text.split(separator: "\n", omittingEmptySubsequences: false) where lines.count < DocxText.maxLines {
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
