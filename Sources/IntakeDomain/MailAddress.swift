
/// What a mail can carry as an address, written as-is in a header and in the SMTP envelope:
/// printable ASCII without spaces or the characters that delimit addresses, one `@` between a
/// local part and a domain, at most 254 octets (RFC 5321 4.5.3.1.3: a path of 256 octets
/// includes its angle brackets). Checked where an address is accepted (the report form, staff
/// accounts, INTAKE_MAIL_FROM and INTAKE_MAIL_REPLY_TO, the catalogue's mailboxes) and again by
/// `MailMessage`, which refuses to write an address that fails.
public enum MailAddress {
    public static let maxOctets = 254

    public enum Problem: Error, Sendable, Hashable {
        case empty
        case notASCII
        case tooLong
        case forbiddenCharacter
        case notOneAt

        /// For the person who typed the address.
        public var message: LocalizedText {
            switch self {
            case .empty, .notOneAt:
                LocalizedText(sv: "Skriv en e-postadress som namn@exempel.se.", en: "Write an e-mail address such as name@example.se.")
            case .notASCII:
                LocalizedText(sv: "E-postadressen kan bara innehålla a–z utan å, ä och ö, siffror och vanliga skiljetecken. Skriv den som namn@exempel.se.",
                              en: "The e-mail address can only contain a–z without å, ä and ö, digits and common punctuation. Write it as name@example.se.")
            case .tooLong:
                LocalizedText(sv: "E-postadressen är för lång: högst \(MailAddress.maxOctets) tecken.",
                              en: "The e-mail address is too long: at most \(MailAddress.maxOctets) characters.")
            case .forbiddenCharacter:
                LocalizedText(sv: "E-postadressen får inte innehålla mellanslag eller tecknen < > ( ) [ ] , ; : \\ \". Skriv den som namn@exempel.se.",
                              en: "The e-mail address cannot contain spaces or the characters < > ( ) [ ] , ; : \\ \". Write it as name@example.se.")
            }
        }

        /// In English and without the address itself: for configuration errors, logs and dead letters.
        public var reason: String {
            switch self {
            case .empty: "it is empty"
            case .notASCII: "it is not ASCII-only"
            case .tooLong: "it is longer than \(MailAddress.maxOctets) octets"
            case .forbiddenCharacter: "it contains a space, a control character or one of < > ( ) [ ] , ; : \\ \""
            case .notOneAt: "it is not local-part@domain with exactly one @"
            }
        }
    }

    /// Nil when `value` can be written as an address; otherwise the first thing wrong with it.
    public static func problem(_ value: String) -> Problem? {
        var count = 0, ats = 0, atIndex = -1, forbidden = false
        for byte in value.utf8 {
            if byte >= 0x80 { return .notASCII }
            switch byte {
            case 0...0x20, 0x7F, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["),
                 UInt8(ascii: "]"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "\""):
                forbidden = true
            case UInt8(ascii: "@"):
                ats += 1
                atIndex = count
            default:
                break
            }
            count += 1
        }
        if count == 0 { return .empty }
        if count > maxOctets { return .tooLong }
        if forbidden { return .forbiddenCharacter }
        if ats != 1 || atIndex == 0 || atIndex == count - 1 { return .notOneAt }
        return nil
    }
}
