import Foundation
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

@Suite("Privacy check")
struct PrivacyCheckTests {
    // Valid personnummer (Skatteverket's test numbers and computed Luhn digits) in every written form.
    @Test("refuses personnummer in every written form", arguments: [
        "191212121212", "19121212-1212", "121212-1212", "1212121212", "121212+1212", "19121212 1212", "121212 1212",
        "pnr 811218-9876", "Född 198112189876.", "(811218-9876)", "nr:8112189876", "121212\u{2013}1212", "121212\u{00A0}1212",
        "20080229-4280"
    ])
    func refusesPersonnummer(_ text: String) {
        #expect(PrivacyCheck.identityNumber(in: text) == .personalIdentityNumber, "\(text)")
    }

    @Test("refuses samordningsnummer (day + 60)", arguments: ["701063-2391", "197010632391", "7010632391"])
    func refusesSamordningsnummer(_ text: String) {
        #expect(PrivacyCheck.identityNumber(in: text) == .coordinationNumber, "\(text)")
    }

    @Test("accepts organisation numbers, dates, phone numbers, postcodes and invalid numbers", arguments: [
        "556677-8899",            // organisation number: month 66
        "212000-0142",            // a municipality's organisation number: month 20
        "2026-11-25", "20261125", "25/11 2026 kl 14.30",
        "08-123 456 78", "070-123 45 67", "+46 70 123 45 67", "0046701234567",
        "114 55 Stockholm", "SE-114 55",
        "121212-1213",            // wrong check digit
        "19121312-1212",          // month 13
        "19120230-1234",          // 30 February
        "1212121212121",          // 13 digits
        "Remiss 4711, 12 patienter, 3 dagar",
        "Inskrivningsmeddelande skickades 2026-11-20 kl 08:15 och SIP hölls 2026-11-22.",
    ])
    func acceptsOtherNumbers(_ text: String) {
        #expect(PrivacyCheck.identityNumber(in: text) == nil, "\(text)")
    }

    @Test("Luhn check digit", arguments: [("8112189876", true), ("8112189875", false), ("1212121212", true), ("0000000000", true)])
    func luhn(_ digits: String, _ valid: Bool) {
        #expect(PrivacyCheck.luhnIsValid(digits.map { Int(String($0))! }) == valid)
    }

    @Test("refuses a role word followed by a name", arguments: [
        "Patienten Karin Svensson skrevs ut", "brukaren Ali kom hem utan insatser", "pat. Eva hade ingen SIP", "Klientens Jonas-Erik",
    ])
    func refusesPatientNames(_ text: String) {
        #expect(PersonNames.matches(in: text, lexicon: NameCheckTests.lexicon).contains { $0.kind == .name }, "\(text)")
    }

    @Test("accepts role words without names", arguments: [
        "Patienten skrevs ut", "brukaren fick vänta", "patienten KAD-placerades", "Barnet. Vi ringde BUP.", "patienten, Region Stockholm",
    ])
    func acceptsRoleWords(_ text: String) {
        #expect(PersonNames.matches(in: text, lexicon: NameCheckTests.lexicon).isEmpty, "\(text)")
    }

    @Test("the regular expression finds what a plain digit scan finds, on 20,000 random texts")
    func identityNumberMatchesScan() {
        #expect(PrivacyCheck.identityNumberPatternCompiles)
        var generator = TestSeed.generator()
        let pieces = ["1", "2", "8", "0", "9", "-", "+", " ", "\u{00A0}", "\u{2013}", "\u{2011}", "a", "é", "\n",
                      "121212", "1212", "811218", "9876", "19121212", "701063", "2391", "20080229", "4280", "8112189876"]
        var texts = ["191212121212", "19121212-1212", "121212-1212", "pnr 811218-9876", "121212\u{2013}1212", "121212\u{00A0}1212",
                     "701063-2391", "556677-8899", "1212121212121", "121212-12121", "121212--1212", "1212121212-1212"]
        for _ in 0..<20_000 {
            texts.append((0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for text in texts {
            #expect(PrivacyCheck.identityNumber(in: text) == Self.scannedIdentityNumber(text), "\(text.debugDescription)")
        }
    }

    /// The reference: runs of digits over the UTF-8 bytes, 10 or 12 of them, or 6 or 8, a
    /// separator and 4 (the byte scan the server used until 2026-12-06).
    static func scannedIdentityNumber(_ text: String) -> PrivacyFinding? {
        let bytes = Array(text.utf8)
        func isDigit(_ i: Int) -> Bool { i < bytes.count && (0x30...0x39).contains(bytes[i]) }
        func separatorLength(at i: Int) -> Int {
            guard i < bytes.count else { return 0 }
            switch bytes[i] {
            case 0x2D, 0x2B, 0x20: return 1
            case 0xC2 where i + 1 < bytes.count && bytes[i + 1] == 0xA0: return 2
            case 0xE2 where i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0x93 || bytes[i + 2] == 0x91): return 3
            default: return 0
            }
        }
        var i = 0
        while i < bytes.count {
            guard isDigit(i) else { i += 1; continue }
            var end = i
            while isDigit(end) { end += 1 }
            var candidate: [UInt8]?
            switch end - i {
            case 10, 12: candidate = Array(bytes[i..<end])
            case 6, 8:
                let serialStart = end + separatorLength(at: end)
                var serialEnd = serialStart
                while serialStart > end && isDigit(serialEnd) { serialEnd += 1 }
                if serialStart > end && serialEnd - serialStart == 4 {
                    candidate = Array(bytes[i..<end] + bytes[serialStart..<serialEnd])
                    end = serialEnd
                }
            default: break
            }
            if let candidate, let finding = PrivacyCheck.classify(candidate.map { Int($0) - 0x30 }) { return finding }
            i = end
        }
        return nil
    }

    /// `clean` must decide exactly like the Foundation-based code it replaced.
    static let tricky = [
        "", " ", "\r\n", "  Hej  ", "\u{00A0}Hej\u{2028}", "\tRad ett\r\nRad två\rRad tre\n\n", "\r\r\n\n", "a\r", "\u{3000}x\u{205F}",
        "Patienten Karin", ",patienten Karin", "patienten...Karin", "PATIENTEN Ove", "pat. Ali", "pt. Ali", "Barnet. Vi", "barnets «Lisa»",
        "vårdtagaren Åsa", "Vårdtagarens Östen-Ola", "eleven (Emil)", "brukaren,Karin", "brukaren\u{00A0}Karin", "klienten\u{2003}Jonas",
        "omsorgstagaren K", "patient Ka", "patient KA", "patient Ka1", "e\u{301}leven Karin", "Patienten\nKarin kom",
    ]

    @Test("clean trims and unifies line breaks like Foundation did", arguments: tricky)
    func cleanMatchesFoundation(_ text: String) {
        let foundation = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(ReportForm.clean(text) == foundation)
    }
}
