import CCurl
import Foundation
import IntakeDomain
import Logging

/// SMTP through libcurl: plain, STARTTLS (required or opportunistic) or implicit TLS (smtps://),
/// optional private CA and AUTH. One curl handle per batch, so the connection is reused.
/// curl blocks, so every batch runs on a dedicated serial queue, never on the cooperative pool.
public final class SMTPTransport: MailTransport, @unchecked Sendable {
    let configuration: MailConfiguration
    let logger: Logger
    private let queue = DispatchQueue(label: "samverkan-intake.smtp")
    public var name: String { configuration.smtpURL ?? "smtp" }

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    public init(configuration: MailConfiguration, logger: Logger) {
        _ = Self.globalInit
        self.configuration = configuration
        self.logger = logger
    }

    public func send(_ messages: [(envelopeFrom: String, recipient: String, data: String)]) async -> [DeliveryResult] {
        await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.sendBlocking(messages))
            }
        }
    }

    /// Holds the message bytes while curl reads them through the C callback.
    private final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ text: String) { bytes = Array(text.utf8) }
    }

    private static let readCallback: intake_read_callback = { buffer, size, count, userdata in
        guard let buffer, let userdata else { return 0 }
        let upload = Unmanaged<Upload>.fromOpaque(userdata).takeUnretainedValue()
        let room = size * count
        let remaining = upload.bytes.count - upload.offset
        let n = min(room, remaining)
        if n > 0 {
            upload.bytes.withUnsafeBufferPointer { source in
                UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + upload.offset, byteCount: n)
            }
            upload.offset += n
        }
        return n
    }

    func sendBlocking(_ messages: [(envelopeFrom: String, recipient: String, data: String)]) -> [DeliveryResult] {
        guard let handle = curl_easy_init() else {
            return messages.map { _ in .temporaryFailure("curl could not be initialised") }
        }
        defer { curl_easy_cleanup(handle) }
        var results: [DeliveryResult] = []
        for message in messages {
            let result = sendOne(handle: handle, message: message)
            results.append(result)
            // Trying the next message would only wait for the same timeout again.
            if case .unreachable = result { break }
        }
        return results
    }

    private func sendOne(handle: UnsafeMutableRawPointer, message: (envelopeFrom: String, recipient: String, data: String)) -> DeliveryResult {
        guard let base = configuration.smtpURL else { return .temporaryFailure("no SMTP URL configured") }
        // The envelope carries the addresses as the headers do, or not at all (MailAddress).
        let recipient = message.recipient
        if let problem = MailAddress.problem(recipient) { return .permanentFailure("invalid recipient address: \(problem.reason)") }
        if let problem = MailAddress.problem(message.envelopeFrom) { return .permanentFailure("invalid sender address: \(problem.reason)") }

        let upload = Upload(message.data)
        let userdata = Unmanaged.passRetained(upload)
        defer { userdata.release() }
        var recipients: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "<\(recipient)>")
        defer { curl_slist_free_all(recipients) }

        // The path of the URL is the EHLO name.
        _ = intake_setopt_string(handle, CURLOPT_URL, "\(base)/\(configuration.ehloName)")
        _ = intake_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(message.envelopeFrom)>")
        _ = intake_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients)
        _ = intake_setopt_long(handle, CURLOPT_UPLOAD, 1)
        _ = intake_setopt_read_callback(handle, Self.readCallback)
        _ = intake_setopt_pointer(handle, CURLOPT_READDATA, userdata.toOpaque())
        _ = intake_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = intake_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, configuration.connectTimeoutSeconds)
        _ = intake_setopt_long(handle, CURLOPT_TIMEOUT, configuration.totalTimeoutSeconds)
        if !base.hasPrefix("smtps://") {
            let mode: curl_usessl = switch configuration.startTLS {
            case .required: CURLUSESSL_ALL
            case .opportunistic: CURLUSESSL_TRY
            case .off: CURLUSESSL_NONE
            }
            _ = intake_setopt_long(handle, CURLOPT_USE_SSL, Int(mode.rawValue))
        }
        if let ca = configuration.caFile {
            _ = intake_setopt_string(handle, CURLOPT_CAINFO, ca)
        }
        if let username = configuration.username, let password = configuration.password {
            _ = intake_setopt_string(handle, CURLOPT_USERNAME, username)
            _ = intake_setopt_string(handle, CURLOPT_PASSWORD, password)
        }
        _ = recipients
        let code = curl_easy_perform(handle)
        let reply = intake_getinfo_response_code(handle)
        recipients = nil
        return Self.classify(code: code, reply: reply)
    }

    /// Maps curl's result and the last SMTP reply to retry-or-not.
    static func classify(code: CURLcode, reply: Int) -> DeliveryResult {
        if code == CURLE_OK { return .sent }
        let curlText = String(cString: curl_easy_strerror(code))
        let detail = "curl \(code.rawValue) (\(curlText))" + (reply > 0 ? ", SMTP reply \(reply)" : "")
        if (400..<500).contains(reply) {
            return .temporaryFailure("SMTP server asked to try later; \(detail)")
        }
        switch code {
        case CURLE_LOGIN_DENIED:
            return .temporaryFailure("login refused: check INTAKE_SMTP_USERNAME and INTAKE_SMTP_PASSWORD; \(detail)")
        case CURLE_PEER_FAILED_VERIFICATION:
            return .temporaryFailure("the SMTP server's certificate is not trusted: check INTAKE_SMTP_CA_FILE; \(detail)")
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE:
            return .temporaryFailure("TLS connection failed; \(detail)")
        case CURLE_USE_SSL_FAILED:
            return .temporaryFailure("the SMTP server does not offer STARTTLS but INTAKE_SMTP_STARTTLS=required; \(detail)")
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING,
             CURLE_RECV_ERROR, CURLE_WEIRD_SERVER_REPLY:
            return .unreachable("SMTP server not reachable; \(detail)")
        default:
            break
        }
        switch reply {
        case 530, 534, 535, 538:
            // Authentication or TLS policy: a configuration problem, not a bad message.
            return .temporaryFailure("SMTP server requires authentication or TLS; \(detail)")
        case 500..<600:
            return .permanentFailure("SMTP server refused the message; \(detail)")
        default:
            return .temporaryFailure(detail)
        }
    }
}
