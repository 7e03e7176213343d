import Foundation
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
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        // Hummingbird keeps the request id under "hb.request.id"; one plain name is easier to query.
        if let id = merged.removeValue(forKey: "hb.request.id") { merged["request_id"] = id }
        // The four fixed fields first, then the metadata in name order (a metadata key with a
        // fixed field's name replaces it). Written by hand and with one write(2): JSONSerialization,
        // a date formatter and FileHandle per line cost a fifth of a form submission's CPU.
        var line = "{"
        line.reserveCapacity(256)
        var first = true
        func field(_ name: String, _ value: () -> Void) {
            if !first { line += "," }
            first = false
            JSONText.append(name, to: &line)
            line += ":"
            value()
        }
        for (name, value) in [("ts", Self.timestamp()), ("level", event.level.rawValue), ("logger", label), ("msg", event.message.description)]
        where merged[name] == nil {
            field(name) { JSONText.append(value, to: &line) }
        }
        for key in merged.keys.sorted() {
            field(key) { Self.append(merged[key]!, to: &line) }
        }
        line += "}\n"
        Self.lock.withLock {
            var line = line
            line.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }

    static func append(_ value: Logger.MetadataValue, to out: inout String) {
        switch value {
        case .string(let s): JSONText.append(s, to: &out)
        case .stringConvertible(let c): JSONText.append(c.description, to: &out)
        case .array(let values):
            out += "["
            for (index, item) in values.enumerated() {
                if index > 0 { out += "," }
                append(item, to: &out)
            }
            out += "]"
        case .dictionary(let values):
            out += "{"
            for (index, key) in values.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                JSONText.append(key, to: &out)
                out += ":"
                append(values[key]!, to: &out)
            }
            out += "}"
        }
    }

    private static let lock = NSLock()

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
