/// The text of a Word document (`.docx`: a ZIP of XML, the text in `word/document.xml`):
/// each paragraph one line; a table row whose cells hold text becomes one line per cell, so a
/// form laid out as a two-column table ("Vad hände?" | the answer) reads as label, then value.
/// Bounded: the XML is read only up to `maxXMLBytes` decompressed (a ZIP bomb stops there), at
/// most `maxLines` lines, and nothing of the document is resolved from outside (no DTD).
///
/// Read in memory by code of its own, every field checked against the bytes there: `ZipEntry`
/// (the archive, with zlib) and `WordText` (the XML). The libraries used before could each end or
/// hang the server on one crafted attachment, found by `scripts/fuzz.sh InboundMail`:
/// ZIPFoundation 0.9.20 trapped (in-memory reader) or looped for ever (file reader, a deflate
/// stream cut short), FoundationXML's `XMLParser` trapped on an element name that is not UTF-8.
public enum DocxText {
    public static let maxXMLBytes = 8 * 1024 * 1024
    public static let maxLines = 5000

    public static func lines(of data: [UInt8]) throws(MailError) -> [String] {
        let xml = try ZipEntry.read("word/document.xml", from: data, maxBytes: maxXMLBytes)
        return try WordText.lines(of: xml, maxLines: maxLines)
    }
}
