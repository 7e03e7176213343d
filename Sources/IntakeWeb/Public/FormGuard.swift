import Foundation
import Synchronization
import HTTPTypes
import Hummingbird
import IntakeDomain
import IntakeStore
import NIOCore

/// Abuse protection for the public form, without CAPTCHA and without cookies: a honeypot
/// field, a signed render time (minimum fill time), a per-client rate limit and an
/// Origin/Referer check. Each part is small and tested on its own.
enum FormGuard {
    /// The honeypot: hidden from sighted users, skipped by Tab, labelled "leave empty" for
    /// screen readers. Bots that fill every field fill it.
    static let honeypotField = "webbplats"
    /// Hidden field with the signed time the form was shown.
    static let fillTimeField = "formulartid"
    /// A signed render time older than this is refused: a token cannot be kept and replayed
    /// for ever. A day leaves room for a form left open overnight.
    static let fillTimeMaximumAge: TimeInterval = 24 * 3600

    // MARK: minimum fill time

    /// `<unix seconds>.<hex HMAC-SHA256>` of the time the form was shown.
    static func fillTimeToken(shownAt date: Date, key: [UInt8]) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        return "\(seconds).\(signature(seconds, key: key))"
    }

    /// The time the form was shown, when the token is one we signed.
    static func shownAt(_ token: String?, key: [UInt8]) -> Date? {
        guard let token, let dot = token.firstIndex(of: "."), let seconds = Int64(token[..<dot]) else { return nil }
        let given = Array(token[token.index(after: dot)...].utf8)
        guard Digest.constantTimeEquals(given, Array(signature(seconds, key: key).utf8)) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private static func signature(_ seconds: Int64, key: [UInt8]) -> String {
        Digest.hex(Digest.hmacSHA256(key: key, message: Array("report-form-shown:\(seconds)".utf8)))
    }

    /// What the form's hidden fields say about who sent it.
    enum Verdict: Equatable {
        case human
        /// Valid token, but sent sooner than the minimum: a person who was quick, or a bot that
        /// waited a little. The form comes back with the values kept.
        case tooFast
        /// Honeypot filled, token missing or forged, or sent faster than any person could:
        /// refused without saying why, nothing stored.
        case bot
        /// Valid token, but older than `fillTimeMaximumAge`: refused, nothing stored. The form
        /// comes back with the values kept and a new token, so a person can send it again.
        case expired
    }

    /// `shown` is `shownAt(values[fillTimeField]?.first, key:)`, which the caller already has.
    static func verdict(_ values: FormValues, shown: Date?, now: Date, minimumSeconds: Int) -> Verdict {
        if let trap = values[honeypotField], trap.contains(where: { !$0.isEmpty }) { return .bot }
        guard values[fillTimeField]?.count == 1, let shown else { return .bot }
        let elapsed = now.timeIntervalSince(shown)
        // Also catches a time in the future, which our own clock never signed.
        if elapsed < 0 || elapsed < Double(minimumSeconds) / 2 { return .bot }
        if elapsed > fillTimeMaximumAge { return .expired }
        if elapsed < Double(minimumSeconds) { return .tooFast }
        return .human
    }

    // MARK: Origin / Referer

    /// A browser always sends `Origin` on a form post (our Referrer-Policy keeps it a real
    /// origin for our own pages), so:
    /// - `Origin` present: it must be our public URL's origin or the request's own host.
    ///   `Origin: null` (sandboxed frames, pages with `no-referrer`) is refused.
    /// - no `Origin`, `Referer` present: the Referer's origin must match the same way.
    /// - neither: allowed. Only non-browser clients and very old browsers send neither; they
    ///   can forge any header anyway, and the other protections still apply to them.
    /// `host` is the request's own Host (HTTP/1) or :authority (HTTP/2).
    static func isSameSite(_ headers: HTTPFields, host: String?, publicURL: String) -> Bool {
        if let origin = headers[.origin]?.trimmingCharacters(in: .whitespaces) {
            guard let authority = authority(ofURL: origin) else { return false }
            return allowedAuthorities(publicURL: publicURL, host: host).contains(authority)
        }
        if let referer = headers[.referer] {
            guard let authority = authority(ofURL: referer) else { return false }
            return allowedAuthorities(publicURL: publicURL, host: host).contains(authority)
        }
        return true
    }

    static func allowedAuthorities(publicURL: String, host: String?) -> Set<String> {
        var set: Set<String> = []
        if let own = authority(ofURL: publicURL) { set.insert(own) }
        if let host = host?.lowercased(), !host.isEmpty {
            set.insert("http://" + stripPort(host, default: "80"))
            set.insert("https://" + stripPort(host, default: "443"))
        }
        return set
    }

    /// `scheme://host[:port]`, lower-case, default ports dropped; nil for `null` or garbage.
    static func authority(ofURL string: String) -> String? {
        guard let url = URL(string: string), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host?.lowercased(), !host.isEmpty
        else { return nil }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        if let port = url.port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) {
            return "\(scheme)://\(bracketed):\(port)"
        }
        return "\(scheme)://\(bracketed)"
    }

    private static func stripPort(_ host: String, default port: String) -> String {
        host.hasSuffix(":" + port) ? String(host.dropLast(port.count + 1)) : host
    }

    // MARK: client address

    /// The key the rate limit counts under: the peer address, or behind a trusted proxy the
    /// last X-Forwarded-For entry (the address nginx saw; earlier entries are client-supplied).
    /// IPv6 clients are counted per /64, the block one household or device usually gets.
    static func clientKey(remoteAddress: SocketAddress?, headers: HTTPFields, trustProxy: Bool) -> String {
        if trustProxy, let forwarded = headers[values: .xForwardedFor].last?
            .split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !forwarded.isEmpty {
            return normalise(forwarded)
        }
        return remoteAddress?.ipAddress.map(normalise) ?? "unknown"
    }

    static func normalise(_ address: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, address, &bytes) == 1 {
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
                return bytes[12..<16].map(String.init).joined(separator: ".")  // IPv4-mapped
            }
            return stride(from: 0, to: 8, by: 2).map { String(format: "%02x%02x", bytes[$0], bytes[$0 + 1]) }.joined(separator: ":") + "::/64"
        }
        return address
    }
}

/// Counts filed reports per client in a sliding hour. In memory: a restart forgets, which is
/// fine for a limit meant to stop floods, not to keep accounts. A lock, not an actor: every
/// submission asks, and the answer takes microseconds, less than a hop to an actor and back.
final class SubmissionRateLimiter: Sendable {
    let limit: Int
    let window: TimeInterval
    private struct Hits {
        var byClient: [String: [Date]] = [:]
        var admissionsSinceSweep = 0
    }
    private let hits = Mutex(Hits())

    init(limit: Int, window: TimeInterval = 3600) {
        self.limit = limit
        self.window = window
    }

    /// Counts one submission, or says how many seconds until the client may try again.
    func admit(_ client: String, now: Date) -> Int? {
        guard limit > 0 else { return nil }
        let (limit, window) = (limit, window)
        return hits.withLock { (hits: inout Hits) -> Int? in
            Self.sweepIfDue(&hits, now: now, window: window)
            var times = hits.byClient[client, default: []].filter { now.timeIntervalSince($0) < window }
            if times.count >= limit, let oldest = times.first {
                hits.byClient[client] = times
                return max(1, Int((oldest.addingTimeInterval(window).timeIntervalSince(now)).rounded(.up)))
            }
            times.append(now)
            hits.byClient[client] = times
            return nil
        }
    }

    /// Gives back a submission that stored nothing because the person has to correct the form.
    func release(_ client: String, at time: Date) {
        hits.withLock { hits in
            guard var times = hits.byClient[client], let index = times.lastIndex(of: time) else { return }
            times.remove(at: index)
            hits.byClient[client] = times.isEmpty ? nil : times
        }
    }

    private static func sweepIfDue(_ hits: inout Hits, now: Date, window: TimeInterval) {
        hits.admissionsSinceSweep += 1
        guard hits.admissionsSinceSweep >= 1000 else { return }
        hits.admissionsSinceSweep = 0
        hits.byClient = hits.byClient.filter { _, times in times.last.map { now.timeIntervalSince($0) < window } ?? false }
    }
}
