import Foundation
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

@Suite("Catalogue in Forms/")
struct CatalogueTests {
    @Test("the shipped catalogue loads with every region, party and agreement")
    func shippedCatalogueLoads() throws {
        let catalogue = try TestSupport.catalogue()

        let stockholm = try #require(catalogue.region("stockholm"))
        let orebro = try #require(catalogue.region("orebro"))
        let varmland = try #require(catalogue.region("varmland"))
        #expect(stockholm.parties.filter { $0.kind == .municipality }.count == 26)
        #expect(orebro.parties.filter { $0.kind == .municipality }.count == 12)
        #expect(varmland.parties.filter { $0.kind == .municipality }.count == 16)
        #expect(stockholm.parties.contains { $0.key == "storsthlm" })
        #expect(catalogue.agreements.filter { $0.regionKey == "stockholm" }.count == 17)
        #expect(catalogue.agreements.filter { $0.regionKey != "stockholm" }.count >= 4)
        // Stockholm: every agreement is owned at Storsthlm and at Region Stockholm.
        for agreement in catalogue.agreements where agreement.regionKey == "stockholm" {
            let owners = agreement.ownerKeys.compactMap(catalogue.function)
            #expect(Set(owners.compactMap(\.organisationKey)) == ["storsthlm", "region-stockholm"], "\(agreement.key)")
        }
        for region in catalogue.regions {
            #expect(catalogue.function(region.triageFunctionKey)?.isTriage == true)
            #expect(region.escalation.count >= 3)
        }
        #expect(Set(catalogue.targetGroups.map(\.key)) == ["barn-och-unga", "vuxna-inkl-aldre", "alla-malgrupper"])
        // Demo mailboxes are on reserved example domains only.
        for function in catalogue.allFunctions {
            #expect(function.mailbox.hasSuffix(".example.se") || function.mailbox.hasSuffix("example.org") || function.mailbox.hasSuffix("@example.se"), "\(function.mailbox)")
        }
        #expect(catalogue.lifecycle.state(catalogue.lifecycle.initialKey)?.isOpen == true)
    }

    @Test("a new agreement is a new YAML file only")
    func addingAnAgreementIsData() throws {
        let forms = try TestSupport.copyOfForms()
        try """
            key: sthlm-test-ny
            version: 1
            region: stockholm
            name: {sv: "Ny överenskommelse", en: "New agreement"}
            summary: {sv: "Gäller tester.", en: "For tests."}
            target_group: alla-malgrupper
            valid_from: 2026-01-01
            owners: [sthlm-lus-storsthlm]
            fields:
              - key: hur_ofta
                type: single_choice
                required: true
                label: {sv: "Hur ofta?", en: "How often?"}
                options:
                  - {key: en-gang, label: {sv: "En gång", en: "Once"}}
                  - {key: flera, label: {sv: "Flera gånger", en: "Several times"}}
            """.write(toFile: forms + "/agreements/stockholm/sthlm-test-ny.yaml", atomically: true, encoding: .utf8)

        let catalogue = try CatalogueLoader.load(directory: forms)

        let agreement = try #require(catalogue.agreement("sthlm-test-ny"))
        #expect(agreement.fields.first?.type == .singleChoice)
        #expect(agreement.fields.first?.options.count == 2)
    }

    @Test("broken YAML is reported with file and line")
    func brokenYAML() throws {
        let forms = try TestSupport.copyOfForms()
        try "key: stockholm\nname: {sv: [unclosed\n".write(toFile: forms + "/regions/stockholm.yaml", atomically: true, encoding: .utf8)

        let problems = CatalogueLoader.validate(directory: forms)

        let problem = try #require(problems.first { $0.file == "regions/stockholm.yaml" })
        #expect(problem.message.contains("not valid YAML"))
        #expect(problem.message.contains("line"))
    }

    @Test("every problem is listed with file and key")
    func problemsHaveFileAndKey() throws {
        let forms = try TestSupport.copyOfForms()
        let path = forms + "/agreements/stockholm/sthlm-lus.yaml"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "target_group: vuxna-inkl-aldre", with: "target_group: okand-grupp")
        text = text.replacingOccurrences(of: "sthlm-lus-storsthlm", with: "finns-inte")
        text = text.replacingOccurrences(of: "valid_from: ", with: "valid_from: 2026-02-30 #")
        try text.write(toFile: path, atomically: true, encoding: .utf8)

        let problems = CatalogueLoader.validate(directory: forms)

        let inFile = problems.filter { $0.file == "agreements/stockholm/sthlm-lus.yaml" }
        #expect(inFile.contains { $0.key == "target_group" && $0.message.contains("okand-grupp") })
        #expect(inFile.contains { $0.key.hasPrefix("owners[") && $0.message.contains("finns-inte") })
        #expect(inFile.contains { $0.key == "valid_from" && $0.message.contains("2026-02-30") })
        #expect(inFile.allSatisfy { $0.line != nil })
    }

    @Test("missing common fields and unknown keys are problems")
    func formProblems() throws {
        let forms = try TestSupport.copyOfForms()
        let path = forms + "/form.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "key: expected", with: "key: expectd")
            .replacingOccurrences(of: "version: 1", with: "version: 1\ncolour: blue")
            .write(toFile: path, atomically: true, encoding: .utf8)

        let problems = CatalogueLoader.validate(directory: forms).map(\.description)

        #expect(problems.contains { $0.contains("form.yaml") && $0.contains("'expected' is missing") })
        #expect(problems.contains { $0.contains("form.yaml") && $0.contains("colour") && $0.contains("unknown key") })
    }

    @Test("an empty folder is reported, not crashed on")
    func emptyFolder() throws {
        let empty = try TestSupport.temporaryDirectory()
        let problems = CatalogueLoader.validate(directory: empty)
        #expect(problems.contains { $0.file == "catalog.yaml" })
        #expect(problems.contains { $0.file == "regions/" })
    }
}

@Suite("Routing and form validation")
struct RoutingAndFormTests {
    @Test("an agreement with two owners gives two routes")
    func twoOwners() throws {
        let catalogue = try TestSupport.catalogue()
        let region = try #require(catalogue.region("stockholm"))
        let lus = try #require(catalogue.agreement("sthlm-lus"))

        let routes = Routing.routes(for: lus, in: region, catalogue: catalogue)

        #expect(routes.map(\.functionKey) == lus.ownerKeys)
        #expect(routes.count == 2)
        #expect(routes.allSatisfy { !$0.isTriage })
    }

    @Test("'vet inte' goes to the region's triage function")
    func unknownGoesToTriage() throws {
        let catalogue = try TestSupport.catalogue()
        for region in catalogue.regions {
            let routes = Routing.routes(for: nil, in: region, catalogue: catalogue)
            #expect(routes == [Route(functionKey: region.triageFunctionKey, isTriage: true)])
        }
    }

    func values(_ form: FormEncoder) -> FormValues {
        Dictionary(grouping: form.pairs, by: \.0).mapValues { $0.map(\.1) }
    }

    @Test("a valid submission becomes a draft with routes, parties and contact data")
    func validDraft() throws {
        let catalogue = try TestSupport.catalogue()
        let form = ReportForm(catalogue: catalogue, region: catalogue.region("stockholm")!, agreement: catalogue.agreement("sthlm-lus"))

        let draft = try form.validate(values(.validLUS), language: .sv, today: CalendarDay(year: 2026, month: 11, day: 25)).get()

        #expect(draft.otherPartyKeys == ["solna-stad", "sundbybergs-stad"])
        #expect(draft.routes.count == 2)
        #expect(draft.reporterEmail == "asa.oberg@example.se")
        #expect(draft.agreementVersion == 1)
    }

    @Test("each kind of bad input gets its own message on its field", arguments: [
        ("what_happened", "Brukaren 811218-9876 fick ingen hjälp", "personnummer"),
        ("expected", "Samordningsnummer 701063-2391", "personnummer"),
        ("consequences", "Patienten Karin Svensson fick vänta", "namnet"),
        ("reporter_email", "inte-en-adress", "e-post"),
        ("occurred_on", "2026-13-01", "år-månad-dag"),
        ("occurred_on", "2027-01-01", "senare än i dag"),
        ("organisation", "okand-kommun", "Välj din organisation"),
        ("reporter_name", "Anna\nBcc: x@example.org", "en enda rad"),
    ])
    func fieldErrors(field: String, value: String, expected: String) throws {
        let catalogue = try TestSupport.catalogue()
        let form = ReportForm(catalogue: catalogue, region: catalogue.region("stockholm")!, agreement: catalogue.agreement("sthlm-lus"))

        let result = form.validate(values(FormEncoder.validLUS.set(field, value)), language: .sv, today: CalendarDay(year: 2026, month: 11, day: 25))

        guard case .failure(let rejection) = result else {
            Issue.record("\(field)=\(value) was accepted")
            return
        }
        #expect(rejection.errors.map(\.fieldKey) == [field])
        #expect(rejection.errors.first?.message.sv.contains(expected) == true, "\(rejection.errors)")
    }

    @Test("a yes/no field accepts ja or nej only and is shown with its label")
    func yesNoField() throws {
        let catalogue = try TestSupport.catalogue()
        let bus = try #require(catalogue.agreement("sthlm-bus"))
        let field = try #require(bus.fields.first { $0.key == "bup_referral" })
        let form = ReportForm(catalogue: catalogue, region: catalogue.region("stockholm")!, agreement: bus)
        let base = FormEncoder.validLUS.set("avtal", "sthlm-bus")
        let today = CalendarDay(year: 2026, month: 11, day: 25)

        let accepted = try form.validate(values(base.set("x_bup_referral", "ja")), language: .sv, today: today).get()
        let refused = form.validate(values(base.set("x_bup_referral", "kanske")), language: .sv, today: today)

        #expect(accepted.extraFields["bup_referral"] == ["ja"])
        guard case .failure(let rejection) = refused else { Issue.record("'kanske' accepted"); return }
        #expect(rejection.errors.map(\.fieldKey) == ["x_bup_referral"])
        #expect(field.displayValue("ja", in: .sv) == "Ja")
        #expect(field.displayValue("nej", in: .en) == "No")
    }

    @Test("a phone number starting with 0 is not taken for a personnummer in the phone field")
    func phoneNumber() throws {
        let catalogue = try TestSupport.catalogue()
        let form = ReportForm(catalogue: catalogue, region: catalogue.region("stockholm")!, agreement: nil)
        for phone in ["0701234567", "070-123 45 67", "+46 8 123 456 78"] {
            let result = form.validate(values(FormEncoder.validLUS.set("reporter_phone", phone)), language: .sv, today: CalendarDay(year: 2026, month: 11, day: 25))
            #expect((try? result.get())?.reporterPhone == phone)
        }
    }

    @Test("required fields missing are all listed")
    func requiredMissing() throws {
        let catalogue = try TestSupport.catalogue()
        let form = ReportForm(catalogue: catalogue, region: catalogue.region("stockholm")!, agreement: catalogue.agreement("sthlm-lus"))

        let result = form.validate([:], language: .en, today: CalendarDay(year: 2026, month: 11, day: 25))

        guard case .failure(let rejection) = result else { Issue.record("empty form accepted"); return }
        let required = catalogue.form.fields.filter(\.required).map(\.key) + catalogue.agreement("sthlm-lus")!.fields.filter(\.required).map { "x_\($0.key)" }
        #expect(Set(rejection.errors.map(\.fieldKey)) == Set(required))
    }
}
