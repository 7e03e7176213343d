import Foundation

// libFuzzer target: a received mail, whatever its bytes (headers, MIME structure, transfer
// encodings, charsets, HTML, attachments), is parsed without a trap and within the parser's bounds,
// and so is the text the mail intake reads from it (the body as text, the sender's own text above
// a quote, a date in the subject) and every .docx attachment (ZipEntry and WordText): either its
// lines, at most DocxText.maxLines, or MailError. An input that is itself a ZIP (starts with "PK") is
// also read as a .docx, and one that starts with "<" as a document's XML, so the fuzzer reaches the
// archive reader and the XML scanner directly.
public func fuzzInboundMail(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let message = InboundMessage.parse(bytes)
    precondition(message.attachments.count <= InboundMessage.maxParts, "more attachments than parts")
    for attachment in message.attachments {
        precondition(attachment.data.count <= InboundMessage.maxAttachmentBytes, "attachment over the limit")
    }
    // Decoded text is cut at maxTextBytes; a charset conversion may at most triple it (U+FFFD).
    for text in [message.plainText, message.htmlText].compactMap({ $0 }) {
        precondition(text.utf8.count <= 3 * InboundMessage.maxTextBytes, "text over the limit")
    }
    let body = message.bodyText
    let own = MailReport.ownText(body)
    precondition(own.utf8.count <= max(body.utf8.count, 1) * 3, "own text longer than the body")
    _ = MailReport.day(message.subject)
    _ = MailReport.day(own)
    for attachment in message.attachments {
        readDocx(attachment.data)
    }
    if bytes.starts(with: [0x50, 0x4B]) { readDocx(bytes) }
    if bytes.starts(with: [0x3C]) {
        do throws(MailError) {
            let lines = try WordText.lines(of: bytes, maxLines: 50)
            precondition(lines.count <= 50, "more lines than asked for")
        } catch {
            _ = error
        }
    }
    return 0
}

private func readDocx(_ data: [UInt8]) {
    do throws(MailError) {
        let lines = try DocxText.lines(of: data)
        precondition(lines.count <= DocxText.maxLines, "more lines than DocxText.maxLines")
    } catch {
        _ = error
    }
}
