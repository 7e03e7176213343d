import Foundation
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// The catalogue as Open311 sees it, checked for every agreement: pure, no HTTP.
@Suite("Open311 mapping")
struct Open311MappingTests {
    let catalogue: Catalogue
    let today = CalendarDay(year: 2026, month: 11, day: 25)

    init() throws {
        catalogue = try TestSupport.catalogue()
    }

    @Test("every field of every agreement in force becomes an attribute with the GeoReport datatype and its choices as values")
    func everyAgreement() throws {
        let expected: [FieldType: Open311.Datatype] = [
            .text: .string, .textarea: .text, .date: .datetime, .singleChoice: .singlevaluelist, .yesNo: .singlevaluelist,
            .multiChoice: .multivaluelist, .party: .singlevaluelist, .parties: .multivaluelist,
        ]
        let services = Open311.services(catalogue, today: today)
        #expect(Set(services.map(\.code)).count == services.count, "service codes are unique across regions")
        var seenTypes: Set<FieldType> = []
        for service in services {
            let attributes = Open311.attributes(for: service, catalogue: catalogue)
            for field in service.agreement?.fields ?? [] {
                let attribute = try #require(attributes.first { $0.code == "x_\(field.key)" })
                #expect(attribute.datatype == expected[field.type], "\(service.code) \(field.key)")
                #expect(attribute.required == field.required)
                #expect(attribute.values.map(\.key) == field.choices(in: .sv).map(\.key), "\(service.code) \(field.key)")
                seenTypes.insert(field.type)
            }
            let organisation = try #require(attributes.first { $0.code == "organisation" })
            #expect(organisation.values.map(\.key) == service.region.parties.map(\.key))
        }
        #expect(seenTypes.isSuperset(of: [.text, .date, .singleChoice, .multiChoice, .yesNo]), "the catalogue exercises every extra-field type")
    }

    @Test("a request's parameters map to the web form's names; multivaluelist both as attribute[code][] and repeated")
    func parameters() throws {
        let service = try #require(Open311.service(code: "sthlm-lus", catalogue: catalogue, today: today))
        let values = Open311.formValues([
            "description": ["Vad som hände"], "email": ["a@example.se"], "first_name": ["Åsa"], "last_name": ["Öberg"], "phone": [" "],
            "attribute[other_parties][]": ["solna-stad"], "attribute[other_parties]": ["sundbybergs-stad"],
            "attribute[occurred_on]": ["2026-11-20T23:30:00Z"], "attribute[x_discharge_date]": ["2026-11-21"],
        ], service: service, catalogue: catalogue)
        #expect(values["what_happened"] == ["Vad som hände"])
        #expect(values["reporter_email"] == ["a@example.se"])
        #expect(values["reporter_name"] == ["Åsa Öberg"])
        #expect(values["reporter_phone"] == nil)
        #expect(Set(values["other_parties"] ?? []) == ["solna-stad", "sundbybergs-stad"])
        #expect(values["occurred_on"] == ["2026-11-21"], "23:30 UTC is the next day in Sweden")
        #expect(values["x_discharge_date"] == ["2026-11-21"])
        #expect(Open311.unknownAttributes(["attribute[x_discharge_step]": ["sip"], "attribute[beslut]": ["ja"], "attribute[organisation": ["x"]],
                                          service: service, catalogue: catalogue) == ["attribute[beslut]", "attribute[organisation"])
        #expect(Open311.service(code: "vet-inte-orebro", catalogue: catalogue, today: today)?.region.key == "orebro")
        #expect(Open311.service(code: "vet-inte-gotland", catalogue: catalogue, today: today) == nil)
    }
}
