import Crypto
import Foundation

/// SHA-256 and HMAC-SHA256 through swift-crypto, for hashing stored secrets (session ids, reset
/// and API tokens) and signing form timestamps; hex and a constant-time comparison around them.
/// `DigestTests` checks them against the published test vectors.
public enum Digest {
    // Arrays, not generic collections: called across modules, generic versions run unspecialised.
    public static func sha256(_ message: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: message))
    }

    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// Lower-case hex of the SHA-256 of a string's UTF-8: how secrets are stored.
    public static func sha256Hex(_ string: String) -> String {
        hex(sha256(Array(string.utf8)))
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares without an early exit, so the time taken does not tell how much matched.
    /// (The generic version of this cost 4 % of a form submission's CPU in metadata lookups.)
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
