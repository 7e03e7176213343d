import Foundation
import Synchronization
import IntakeDomain
import IntakeServices
import Logging

/// Writes one JSON object per log line to standard error: time, level, logger, message and
/// metadata (`request_id` for requests). Callers never put personal data in metadata, so
/// this handler has nothing to filter; it only formats.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    let label: String

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let line = bytes(for: event)
        Self.lock.withLock { _ in
            line.withUnsafeBufferPointer { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }

    /// The JSON line for an event, newline included.
    func line(for event: LogEvent) -> String {
        String(decoding: bytes(for: event), as: UTF8.self)
    }

    /// The line as UTF-8, built as bytes: no intermediate strings.
    func bytes(for event: LogEvent) -> [UInt8] {
        if BenchPlain.json { return plainBytes(for: event) }
        // Metadata as a list, not merged dictionaries (this runs twice per request): the
        // handler's, then the provider's, then the event's; sorted by name, stably, so the last
        // of equal names (the event's) wins. Hummingbird keeps the request id under
        // "hb.request.id"; one plain name is easier to query.
        var entries: [(key: String, value: Logger.MetadataValue)] = []
        entries.reserveCapacity(metadata.count + (event.metadata?.count ?? 0))
        func add(_ source: Logger.Metadata) {
            for (key, value) in source { entries.append((key == "hb.request.id" ? "request_id" : key, value)) }
        }
        add(metadata)
        if let provided = metadataProvider?.get() { add(provided) }
        if let extra = event.metadata { add(extra) }
        entries.sort { $0.key < $1.key }
        // The four fixed fields first, then the metadata in name order (a metadata key with a
        // fixed field's name replaces it). Written by hand and with one write(2): JSONSerialization,
        // a date formatter and FileHandle per line cost a fifth of a form submission's CPU.
        var line: [UInt8] = [0x7B]
        line.reserveCapacity(320)
        var first = true
        func field(_ name: String, _ value: (inout [UInt8]) -> Void) {
            if !first { line.append(0x2C) }
            first = false
            JSONText.append(name, to: &line)
            line.append(0x3A)
            value(&line)
        }
        for (name, value) in [("ts", Self.timestamp()), ("level", event.level.rawValue), ("logger", label), ("msg", event.message.description)]
        where !entries.contains(where: { $0.key == name }) {
            field(name) { JSONText.append(value, to: &$0) }
        }
        for (index, entry) in entries.enumerated() where index + 1 == entries.count || entries[index + 1].key != entry.key {
            field(entry.key) { Self.append(entry.value, to: &$0) }
        }
        line.append(contentsOf: [0x7D, 0x0A])
        return line
    }

    static func append(_ value: Logger.MetadataValue, to out: inout [UInt8]) {
        switch value {
        case .string(let s): JSONText.append(s, to: &out)
        case .stringConvertible(let c): JSONText.append(c.description, to: &out)
        case .array(let values):
            out.append(0x5B)
            for (index, item) in values.enumerated() {
                if index > 0 { out.append(0x2C) }
                append(item, to: &out)
            }
            out.append(0x5D)
        case .dictionary(let values):
            out.append(0x7B)
            for (index, key) in values.keys.sorted().enumerated() {
                if index > 0 { out.append(0x2C) }
                JSONText.append(key, to: &out)
                out.append(0x3A)
                append(values[key]!, to: &out)
            }
            out.append(0x7D)
        }
    }

    /// The plain twin: the merged metadata through JSONSerialization, as before the line was
    /// written by hand (`INTAKE_BENCH_PLAIN=json` for benchmarks/fast-paths.sh; `FastPathTests`).
    func plainBytes(for event: LogEvent) -> [UInt8] {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var object: [String: Any] = ["ts": Self.timestamp(), "level": event.level.rawValue, "logger": label, "msg": event.message.description]
        for (key, value) in merged { object[key == "hb.request.id" ? "request_id" : key] = Self.json(value) }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return [] }
        return Array(data) + [0x0A]
    }

    /// One line at a time on standard error.
    private static let lock = Mutex(())

    static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let values): return values.map(json)
        case .dictionary(let values): return values.mapValues(json)
        }
    }

    /// UTC with milliseconds, e.g. 2026-11-25T13:19:55.196Z. Formatted by hand: a date
    /// formatter per line is slow, and a shared one would need a lock.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return DigitText.utc(seconds: Int(now.tv_sec), milliseconds: Int(now.tv_nsec / 1_000_000), separator: "T") + "Z"
    }
}

public enum IntakeLogging {
    /// Bootstraps swift-log once per process with the configured format and level.
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        switch format {
        case .json:
            LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
