import Foundation
import IntakeDomain
import Logging

/// What happened to one delivery attempt.
public enum DeliveryResult: Sendable, Equatable {
    case sent
    /// Worth retrying later: connection refused, timeout, 4xx reply, TLS or login problems.
    case temporaryFailure(String)
    /// Retrying will not help: the server refused the recipient or message with a 5xx reply.
    case permanentFailure(String)
    /// The server could not be reached at all (refused, timed out, no such host). A transport
    /// stops its batch here: the messages after this one are not attempted, and get no result.
    case unreachable(String)
}

public protocol MailTransport: Sendable {
    /// Sends the messages in order over one connection where possible. Returns one result per
    /// message, or fewer when it stopped after an `.unreachable` one.
    func send(_ messages: [(envelopeFrom: String, recipient: String, data: String)]) async -> [DeliveryResult]
    var name: String { get }
}

/// Demo transport: each message becomes an .eml file in a folder. Never used when SMTP is configured.
public struct FileMailTransport: MailTransport {
    public let directory: String
    let logger: Logger
    public var name: String { "file:\(directory)" }

    public init(directory: String, logger: Logger) throws {
        self.directory = directory
        self.logger = logger
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    public func send(_ messages: [(envelopeFrom: String, recipient: String, data: String)]) async -> [DeliveryResult] {
        messages.map { message in
            let name = "\(Int(Date().timeIntervalSince1970 * 1000))-\(SecretToken.generate().prefix(8)).eml"
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                try Data(message.data.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                logger.info("mail written to file (demo transport, no SMTP configured)", metadata: ["file": .string(path)])
                return .sent
            } catch {
                return .temporaryFailure("could not write \(path)")
            }
        }
    }
}
