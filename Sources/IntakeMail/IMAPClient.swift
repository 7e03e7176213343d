import CCurl
import Foundation
import IntakeDomain


/// An IMAP session over libcurl (the library already used for SMTP): one curl handle per
/// session, so the connection and login are reused between commands. Blocking: call it on a
/// dedicated thread or queue, never on the cooperative pool.
///
/// Listing and flag changes go through `CURLOPT_CUSTOMREQUEST` on the folder's URL; a message is
/// read through the URL `…/FOLDER/;UID=n`, which curl fetches with `BODY[]` and thereby marks
/// `\Seen` on the server: the flag it had before is put back, so a message is `\Seen` only once
/// its report is committed (`finish`).
public final class IMAPSession: @unchecked Sendable {
    public let mailbox: IMAPMailbox
    private let handle: UnsafeMutableRawPointer
    /// Largest message read; larger ones are not fetched (`fetch` answers nil).
    public static let maxMessageBytes = 25 * 1024 * 1024
    private var capabilities: String?

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    public init(mailbox: IMAPMailbox) throws(MailError) {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else { throw MailError.imap(.unreachable, "curl could not be initialised") }
        self.mailbox = mailbox
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// Collects what curl hands to the write callback, up to a limit.
    private final class Sink {
        var bytes: [UInt8] = []
        let limit: Int
        var overflow = false
        init(limit: Int) { self.limit = limit }
    }

    private static let writeCallback: intake_write_callback = { data, size, count, userdata in
        guard let data, let userdata else { return 0 }
        let sink = Unmanaged<Sink>.fromOpaque(userdata).takeUnretainedValue()
        let (n, overflowed) = size.multipliedReportingOverflow(by: count)
        guard !overflowed else { return 0 }
        if sink.bytes.count + n > sink.limit {
            sink.overflow = true
            return 0
        }
        data.withMemoryRebound(to: UInt8.self, capacity: n) { pointer in
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: pointer, count: n))
        }
        return n
    }

    /// `imap://host:port/<folder in modified UTF-7, percent-encoded>`.
    private func folderURL(_ folder: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        let encoded = IMAPMailboxName.encode(folder).split(separator: "/", omittingEmptySubsequences: false)
            .map { String($0).addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }.joined(separator: "/")
        return mailbox.serverURL + "/" + encoded
    }

    /// One request: `url`, optionally a custom command; returns what the server sent back.
    private func perform(url: String, command: String?, limit: Int = 4 * 1024 * 1024) throws(MailError) -> [UInt8] {
        let sink = Sink(limit: limit)
        let userdata = Unmanaged.passRetained(sink)
        defer { userdata.release() }
        _ = intake_setopt_string(handle, CURLOPT_URL, url)
        if let command {
            _ = intake_setopt_string(handle, CURLOPT_CUSTOMREQUEST, command)
        } else {
            _ = intake_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, nil)
        }
        _ = intake_setopt_write_callback(handle, Self.writeCallback)
        _ = intake_setopt_pointer(handle, CURLOPT_WRITEDATA, userdata.toOpaque())
        _ = intake_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = intake_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, mailbox.connectTimeoutSeconds)
        _ = intake_setopt_long(handle, CURLOPT_TIMEOUT, mailbox.totalTimeoutSeconds)
        if !mailbox.isImplicitTLS {
            let mode: curl_usessl = switch mailbox.startTLS {
            case .required: CURLUSESSL_ALL
            case .opportunistic: CURLUSESSL_TRY
            case .off: CURLUSESSL_NONE
            }
            _ = intake_setopt_long(handle, CURLOPT_USE_SSL, Int(mode.rawValue))
        }
        if let ca = mailbox.caFile { _ = intake_setopt_string(handle, CURLOPT_CAINFO, ca) }
        if let username = mailbox.username, let password = mailbox.password {
            _ = intake_setopt_string(handle, CURLOPT_USERNAME, username)
            _ = intake_setopt_string(handle, CURLOPT_PASSWORD, password)
        }
        let code = curl_easy_perform(handle)
        if sink.overflow { throw MailError.imap(.refused, "the server's answer is larger than \(limit) bytes") }
        if code != CURLE_OK { throw classify(code) }
        return sink.bytes
    }

    private func classify(_ code: CURLcode) -> MailError {
        let prefix = IMAPConfiguration.prefix(mailbox.name)
        let detail = "curl \(code.rawValue) (\(String(cString: curl_easy_strerror(code))))"
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING, CURLE_RECV_ERROR,
             CURLE_SEND_ERROR, CURLE_WEIRD_SERVER_REPLY:
            return MailError.imap(.unreachable, "IMAP server not reachable; \(detail)")
        case CURLE_LOGIN_DENIED:
            return MailError.imap(.configuration, "login refused: check \(prefix)USERNAME and \(prefix)PASSWORD (Microsoft 365 and Google need an app password and IMAP turned on); \(detail)")
        case CURLE_PEER_FAILED_VERIFICATION:
            return MailError.imap(.configuration, "the IMAP server's certificate is not trusted: check \(prefix)CA_FILE; \(detail)")
        case CURLE_USE_SSL_FAILED:
            return MailError.imap(.configuration, "the IMAP server does not offer STARTTLS but \(prefix)STARTTLS=required; \(detail)")
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE:
            return MailError.imap(.configuration, "TLS connection failed; \(detail)")
        default:
            return MailError.imap(.refused, "IMAP command refused; \(detail)")
        }
    }

    private func command(_ text: String, folder: String? = nil) throws(MailError) -> String {
        String(decoding: try perform(url: folderURL(folder ?? mailbox.folder), command: text), as: UTF8.self)
    }

    /// A folder name as an IMAP quoted string, in modified UTF-7 (the names are checked to hold
    /// no quote or backslash).
    static func quoted(_ value: String) -> String { "\"" + IMAPMailboxName.encode(value) + "\"" }

    // MARK: the operations

    /// UIDs of the messages in the folder not marked deleted, oldest first. Handled messages
    /// leave the folder, so everything still in it is to be handled (read or not: a person
    /// may have opened one in a mail program first).
    public func pendingUIDs(limit: Int = 200) throws(MailError) -> [UInt32] {
        let answer = try command("UID SEARCH UNDELETED")
        var uids: [UInt32] = []
        for line in answer.split(whereSeparator: \.isNewline) where line.hasPrefix("* SEARCH") {
            for word in line.dropFirst("* SEARCH".count).split(separator: " ") {
                if let uid = UInt32(word) { uids.append(uid) }
            }
        }
        return Array(uids.sorted().prefix(limit))
    }

    /// Whether the message has `\Seen` now.
    public func isSeen(uid: UInt32) throws(MailError) -> Bool {
        let answer = try command("UID FETCH \(uid) (FLAGS)")
        return answer.range(of: "\\Seen", options: .caseInsensitive) != nil
    }

    /// The message's bytes, or nil when it is larger than `maxMessageBytes` or gone.
    /// `\Seen` is left as it was before.
    public func fetch(uid: UInt32) throws(MailError) -> [UInt8]? {
        let wasSeen = try isSeen(uid: uid)
        let bytes: [UInt8]
        do {
            bytes = try perform(url: folderURL(mailbox.folder) + "/;UID=\(uid)", command: nil, limit: Self.maxMessageBytes)
        } catch MailError.imap(.refused, _) {
            if !wasSeen { _ = try? command("UID STORE \(uid) -FLAGS.SILENT (\\Seen)") }
            return nil
        }
        if !wasSeen { _ = try command("UID STORE \(uid) -FLAGS.SILENT (\\Seen)") }
        return bytes
    }

    /// Creates the done folder unless it exists.
    public func ensureDoneFolder() throws(MailError) {
        let answer = try command("LIST \"\" \(Self.quoted(mailbox.doneFolder))")
        if answer.contains("* LIST") { return }
        _ = try command("CREATE \(Self.quoted(mailbox.doneFolder))")
    }

    /// After the report's transaction committed: `\Seen`, then moved to the done folder
    /// (UID MOVE where the server has MOVE, else COPY + `\Deleted` + EXPUNGE).
    public func finish(uid: UInt32) throws(MailError) {
        _ = try command("UID STORE \(uid) +FLAGS.SILENT (\\Seen)")
        if capabilities == nil { capabilities = (try? command("CAPABILITY"))?.uppercased() ?? "" }
        let caps = capabilities ?? ""
        if caps.contains(" MOVE") {
            _ = try command("UID MOVE \(uid) \(Self.quoted(mailbox.doneFolder))")
        } else {
            _ = try command("UID COPY \(uid) \(Self.quoted(mailbox.doneFolder))")
            _ = try command("UID STORE \(uid) +FLAGS.SILENT (\\Deleted)")
            _ = try command(caps.contains("UIDPLUS") ? "UID EXPUNGE \(uid)" : "EXPUNGE")
        }
    }
}
