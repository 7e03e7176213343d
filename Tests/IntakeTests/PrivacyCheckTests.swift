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
        #expect(PrivacyCheck.containsPatientName(text), "\(text)")
    }

    @Test("accepts role words without names", arguments: [
        "Patienten skrevs ut", "brukaren fick vänta", "patienten KAD-placerades", "Barnet. Vi ringde BUP.", "patienten, Region Stockholm",
    ])
    func acceptsRoleWords(_ text: String) {
        #expect(!PrivacyCheck.containsPatientName(text), "\(text)")
    }

    /// The scalar-based versions must decide exactly like the Foundation-based ones they replaced.
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

    @Test("the patient-name check decides like the Foundation version did", arguments: tricky)
    func patientNameMatchesFoundation(_ text: String) {
        #expect(PrivacyCheck.containsPatientName(text) == Self.foundationPatientName(text), "\(text)")
    }

    static func foundationPatientName(_ text: String) -> Bool {
        let roleWords: Set<String> = ["patient", "patienten", "patientens", "pat", "pt", "brukare", "brukaren", "brukarens",
            "klient", "klienten", "klientens", "vårdtagare", "vårdtagaren", "vårdtagarens", "omsorgstagare", "omsorgstagaren",
            "omsorgstagarens", "eleven", "elevens", "barnet", "barnets"]
        let words = text.split(whereSeparator: { $0.isWhitespace })
        guard words.count >= 2 else { return false }
        for index in 0..<(words.count - 1) {
            let role = words[index].lowercased().trimmingCharacters(in: .init(charactersIn: ".:,"))
            guard roleWords.contains(role), !words[index].hasSuffix(",") else { continue }
            if words[index].hasSuffix(".") && role != "pat" && role != "pt" { continue }
            let next = words[index + 1].trimmingCharacters(in: .punctuationCharacters)
            guard next.count >= 2, let first = next.first, first.isUppercase, next.dropFirst().first?.isLowercase == true,
                  next.allSatisfy({ $0.isLetter || $0 == "-" }) else { continue }
            return true
        }
        return false
    }
}
