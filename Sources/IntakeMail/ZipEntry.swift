import CZlib

/// One file out of a ZIP archive held in memory (a .docx is a ZIP): found by name in the central
/// directory, stored or deflated, its size and CRC-32 checked. Everything the archive says is
/// checked against the bytes that are there before it is used, so a crafted archive is refused
/// (`MailError.unreadableDocument`), never read past its end, never a loop:
/// - ZIP64, split archives and encryption are refused (an attachment is far below 4 GB);
/// - the entry's declared size is bounded by `maxBytes` before anything is allocated, and zlib
///   inflates into exactly that room plus one byte, in one call (`Z_FINISH`): a deflate bomb
///   stops at the bound, a stream that does not end within the entry's bytes is refused.
/// Offsets and sizes come from 16- and 32-bit fields, so sums of a few of them cannot overflow `Int`.
///
/// (ZIPFoundation 0.9.20, used before: its in-memory reader trapped on a directory pointing past
/// the end, and its file reader looped for ever on a deflate stream cut short — both found by
/// `scripts/fuzz.sh InboundMail`.)
enum ZipEntry {
    static func read(_ name: String, from data: [UInt8], maxBytes: Int) throws(MailError) -> [UInt8] {
        let bytes = LittleEndian(data)
        guard let end = endRecordOffset(data) else { throw .unreadableDocument }
        // End of central directory: this disk 0, the directory on disk 0, all entries here.
        guard try bytes.u16(end + 4) == 0, try bytes.u16(end + 6) == 0 else { throw .unreadableDocument }
        let entries = try bytes.u16(end + 10)
        let directorySize = try bytes.u32(end + 12)
        let directoryStart = try bytes.u32(end + 16)
        guard try bytes.u16(end + 8) == entries, entries != 0xFFFF,
              directorySize != 0xFFFF_FFFF, directoryStart != 0xFFFF_FFFF,
              directoryStart + directorySize <= end else { throw .unreadableDocument }
        let directoryEnd = directoryStart + directorySize
        let wanted = Array(name.utf8)
        var position = directoryStart
        for _ in 0..<entries {
            guard try bytes.u32(position) == 0x0201_4B50 else { throw .unreadableDocument }
            let nameLength = try bytes.u16(position + 28)
            let nameEnd = position + 46 + nameLength
            guard nameEnd <= directoryEnd else { throw .unreadableDocument }
            if data[(position + 46)..<nameEnd].elementsEqual(wanted) {
                return try contents(of: position, in: bytes, maxBytes: maxBytes)
            }
            position = nameEnd + (try bytes.u16(position + 30)) + (try bytes.u16(position + 32))
            guard position <= directoryEnd else { throw .unreadableDocument }
        }
        throw .unreadableDocument
    }

    /// A ZIP ends with its end-of-central-directory record: the signature `PK\u{5}\u{6}`, 18 more
    /// bytes, then a comment of the length its last two bytes give (at most 65,535) that reaches
    /// exactly the end. The offset of the record nearest the end when it is such a record; only
    /// the last 65,557 bytes are looked at, so a 10 MB attachment that is not a ZIP costs no more
    /// than a small one.
    static func endRecordOffset(_ data: [UInt8]) -> Int? {
        let recordSize = 22
        guard data.count >= recordSize else { return nil }
        let lowest = max(0, data.count - recordSize - 65_535)
        var offset = data.count - recordSize
        while offset >= lowest {
            if data[offset] == 0x50, data[offset + 1] == 0x4B, data[offset + 2] == 0x05, data[offset + 3] == 0x06 {
                let commentLength = Int(data[offset + 20]) | Int(data[offset + 21]) << 8
                return offset + recordSize + commentLength == data.count ? offset : nil
            }
            offset -= 1
        }
        return nil
    }

    /// The file of the central directory record at `record`: its local header, then its data.
    private static func contents(of record: Int, in bytes: LittleEndian, maxBytes: Int) throws(MailError) -> [UInt8] {
        let flags = try bytes.u16(record + 8)
        let method = try bytes.u16(record + 10)
        let crc = try bytes.u32(record + 16)
        let compressedSize = try bytes.u32(record + 20)
        let size = try bytes.u32(record + 24)
        let header = try bytes.u32(record + 42)
        guard flags & 1 == 0, size <= maxBytes else { throw .unreadableDocument }   // bit 0: encrypted
        guard try bytes.u32(header) == 0x0403_4B50 else { throw .unreadableDocument }
        let start = header + 30 + (try bytes.u16(header + 26)) + (try bytes.u16(header + 28))
        let end = start + compressedSize
        guard end <= bytes.data.count else { throw .unreadableDocument }
        let contents: [UInt8]
        switch method {
        case 0:
            guard compressedSize == size else { throw .unreadableDocument }
            contents = Array(bytes.data[start..<end])
        case 8:
            contents = try inflate(bytes.data[start..<end], size: size)
        default:
            throw .unreadableDocument
        }
        let actual = contents.withUnsafeBufferPointer { buffer in
            CZlib.crc32(0, buffer.baseAddress, uInt(buffer.count))
        }
        guard Int(actual) == crc else { throw .unreadableDocument }
        return contents
    }

    /// A raw deflate stream that must end within `input` and give exactly `size` bytes.
    private static func inflate(_ input: ArraySlice<UInt8>, size: Int) throws(MailError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .unreadableDocument
        }
        defer { inflateEnd(&stream) }
        // One byte more than declared: a stream that would give more fills it and is refused.
        var output = [UInt8](repeating: 0, count: size + 1)
        let status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target -> Int32 in
                guard let from = source.baseAddress, let to = target.baseAddress else { return Z_DATA_ERROR }
                stream.next_in = UnsafeMutablePointer(mutating: from)
                stream.avail_in = uInt(source.count)
                stream.next_out = to
                stream.avail_out = uInt(target.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == size else { throw .unreadableDocument }
        output.removeLast()
        return output
    }

    /// Little-endian fields at offsets that are checked against the end first.
    private struct LittleEndian {
        let data: [UInt8]
        init(_ data: [UInt8]) { self.data = data }

        func u16(_ offset: Int) throws(MailError) -> Int {
            guard offset >= 0, offset <= data.count - 2 else { throw .unreadableDocument }
            return Int(data[offset]) | Int(data[offset + 1]) << 8
        }

        func u32(_ offset: Int) throws(MailError) -> Int {
            guard offset >= 0, offset <= data.count - 4 else { throw .unreadableDocument }
            return Int(data[offset]) | Int(data[offset + 1]) << 8 | Int(data[offset + 2]) << 16 | Int(data[offset + 3]) << 24
        }
    }
}
