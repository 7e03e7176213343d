import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// The agreement finder (#20.1): Swedish normalisation, the bounded `sok` value, ranking over the
/// real catalogue, the corpus figures, learned words, and the pages that use it.
@Suite("Agreement finder")
struct AgreementFinderTests {
    static let day = CalendarDay(year: 2026, month: 11, day: 25)

    // MARK: text

    @Test("case is folded, å/ä/ö kept, inflections meet: utskrivningen, utskrivna and utskrivning")
    func normalisation() {
        #expect(FinderText.words("Rullstolen KOM ALDRIG, 3 dagar!") == ["rullstolen", "kom", "aldrig", "dagar"])
        #expect(FinderText.words("Åsa ÄR på Öland") == ["åsa", "är", "på", "öland"])
        #expect(FinderText.words("Café Bäckström") == ["cafe", "bäckström"])
        let forms = ["utskrivningen", "utskrivna", "utskrivning", "Utskrivningar", "utskriven"].map { FinderText.stem($0.lowercased()) }
        for form in forms {
            #expect(AgreementFinder.closeness(query: form, term: FinderText.stem("utskrivning")) > 0, "\(form)")
        }
        #expect(FinderText.stem("hjälpmedlet") == FinderText.stem("hjälpmedel"))
        #expect(FinderText.stem("rullstolar") == FinderText.stem("rullstol"))
        // Short words and abbreviations stay whole.
        #expect(FinderText.stem("bup") == "bup" && FinderText.stem("barn") == "barn")
        // Function words are not terms.
        #expect(FinderText.terms("och det var inte som vi ville") == [])
    }

    @Test("the sok value is read in one place: trimmed, + and whitespace as spaces, at most 200 characters")
    func boundedQuery() {
        #expect(FinderQuery.parse(nil as String?) == nil)
        #expect(FinderQuery.parse("") == nil)
        #expect(FinderQuery.parse("  \t\n ") == nil)
        #expect(FinderQuery.parse("+++") == nil)
        #expect(FinderQuery.parse("rullstolen+kom++aldrig")?.text == "rullstolen kom aldrig")
        #expect(FinderQuery.parse("a\u{0}b")?.text == "a b")
        let long = String(repeating: "å", count: 5000)
        let read = FinderQuery.parse(long)
        #expect(read?.text.count == FinderQuery.maximumCharacters && read?.wasShortened == true)
        let huge = String(repeating: "utskrivning ", count: 200_000)
        #expect(FinderQuery.parse(huge)?.text.count ?? 0 <= FinderQuery.maximumCharacters)
        // Ranking a hostile text never traps and uses at most maximumTerms distinct terms.
        let catalogue = try? TestSupport.catalogue()
        if let catalogue {
            let finder = catalogue.agreementFinder(region: "stockholm", on: Self.day)
            _ = finder.rank(String((0..<5000).map { _ in "aäöx1 -+\u{301}".randomElement() ?? "a" }))
            #expect(finder.rank("").allSatisfy { $0.score == 0 })
        }
    }

    // MARK: ranking over the real catalogue

    func first(_ text: String, in region: String) throws -> String? {
        try TestSupport.catalogue().agreementFinder(region: region, on: Self.day).rank(text).first.map(\.agreement.key)
    }

    @Test("everyday words find their agreement: rullstol → hjälpmedel, utskrivningsklar → utskrivning, elevhälsan/BUP → barn och unga")
    func everydayWords() throws {
        #expect(try first("rullstolen kom aldrig", in: "stockholm") == "sthlm-hjalpmedel")
        #expect(try first("utskrivningsklar", in: "stockholm") == "sthlm-lus")
        #expect(try first("utskrivningen", in: "orebro") == "orebro-utskrivning")
        #expect(try first("utskrivna patienter", in: "varmland") == "varmland-utskrivning")
        #expect(try first("elevhälsan", in: "stockholm") == "sthlm-bus")
        #expect(try first("BUP svarar inte", in: "orebro") == "orebro-barn-unga-psykisk-halsa")
        #expect(try first("BUP svarar inte", in: "varmland") == "varmland-barn-unga")
        #expect(try first("spelskulder nätcasino", in: "stockholm") == "sthlm-spel-om-pengar")
        #expect(try first("dospåsarna fel", in: "stockholm") == "sthlm-logoped-fotvard-apodos")
        #expect(try first("the wheelchair never came", in: "varmland") == "varmland-hjalpmedel")
        // The explanation names the catalogue word that matched.
        let match = try #require(try TestSupport.catalogue().agreementFinder(region: "stockholm", on: Self.day).rank("rullstolen").first)
        #expect(match.matchedWords.contains("rullstol"))
        #expect(try first("xyzzy qwerty", in: "stockholm") != nil)
        #expect(AgreementFinder.suggestions(try TestSupport.catalogue().agreementFinder(region: "stockholm", on: Self.day).rank("xyzzy")).isEmpty)
    }

    @Test("every agreement of every region in Forms/ has keywords")
    func everyAgreementHasKeywords() throws {
        let catalogue = try TestSupport.catalogue()
        #expect(catalogue.agreements.count >= 25)
        for agreement in catalogue.agreements {
            #expect(agreement.keywords.count >= 10, "\(agreement.key) has \(agreement.keywords.count) keywords")
        }
    }

    @Test("keywords: are checked by the catalogue loader")
    func keywordValidation() throws {
        let forms = try TestSupport.copyOfForms()
        let file = forms + "/agreements/stockholm/sthlm-lus.yaml"
        var text = try String(contentsOfFile: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "keywords:\n  [", with: "keywords:\n  [\"Utskrivning\", \"\(String(repeating: "x", count: 70))\", \"!!!\", ")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let problems = CatalogueLoader.validate(directory: forms).map(\.description).joined(separator: "\n")
        #expect(problems.contains("longer than 60 characters"), "\(problems)")
        #expect(problems.contains("has no letters"), "\(problems)")
        #expect(problems.contains("listed twice"), "\(problems)")
    }

    // MARK: the corpus

    /// Every case, and the held-out ones (`"set": "holdout"`, written after the keywords were last tuned).
    static func corpus() throws -> (all: [FinderEvaluation.Case], holdout: [FinderEvaluation.Case]) {
        let text = try String(contentsOfFile: TestSupport.repositoryRoot + "/Tests/finder/reports.jsonl", encoding: .utf8)
        var all: [FinderEvaluation.Case] = [], holdout: [FinderEvaluation.Case] = []
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
            let testCase = FinderEvaluation.Case(region: try #require(object["region"]), agreement: try #require(object["agreement"]), text: try #require(object["text"]))
            all.append(testCase)
            if object["set"] == "holdout" { holdout.append(testCase) }
        }
        return (all, holdout)
    }

    @Test("corpus: at least 100 report texts across the three regions; the right agreement first and among the first three often enough")
    func corpusFigures() throws {
        let catalogue = try TestSupport.catalogue()
        let (cases, holdout) = try Self.corpus()
        #expect(cases.count >= 100)
        #expect(holdout.count >= 30)
        #expect(Set(cases.map(\.region)) == ["stockholm", "orebro", "varmland"])
        for testCase in cases {
            let agreement = catalogue.agreement(testCase.agreement)
            #expect(agreement?.regionKey == testCase.region, "\(testCase.agreement) is an agreement of \(testCase.region)")
        }
        let result = FinderEvaluation(cases: cases, catalogue: catalogue, on: Self.day)
        print("agreement finder corpus: \(result.total) texts, top-1 \(result.first) (\(Int(result.topOneShare * 100)) %), top-3 \(result.topThree) (\(Int(result.topThreeShare * 100)) %)")
        // Safe lower bounds under the measured figures (benchmarks/agreement-finder.sh prints them):
        // the issue's goals are ≥ 90 % top-3 and ≥ 70 % top-1.
        #expect(result.topThreeShare >= 0.90)
        #expect(result.topOneShare >= 0.75)
        // The held-out texts alone (measured 92 % and 77 %): a smaller set, so a wider margin.
        let held = FinderEvaluation(cases: holdout, catalogue: catalogue, on: Self.day)
        print("agreement finder held-out texts: \(held.total), top-1 \(held.first), top-3 \(held.topThree)")
        #expect(held.topThreeShare >= 0.85)
        #expect(held.topOneShare >= 0.65)
    }

    // MARK: learned words

    @Test("a word occurring in enough reports a handläggare classified to an agreement counts for it; fewer do not")
    func learnedTerms() throws {
        let catalogue = try TestSupport.catalogue()
        let reports = (0..<3).map { _ in (agreementKey: "sthlm-fardtjanst", text: "Portkoden fungerade inte och ingen kom in.") }
        let below = LearnedTerms(reports: Array(reports.prefix(2)), minimumReports: 3)
        #expect(below.terms.isEmpty)
        let learned = LearnedTerms(reports: reports, minimumReports: 3)
        #expect(learned.terms["sthlm-fardtjanst"]?[FinderText.stem("portkoden")] == 3)
        let plain = catalogue.agreementFinder(region: "stockholm", on: Self.day).rank("portkod")
        #expect(AgreementFinder.suggestions(plain).isEmpty)
        let ranked = catalogue.agreementFinder(region: "stockholm", on: Self.day, learned: learned).rank("portkod")
        #expect(ranked.first?.agreement.key == "sthlm-fardtjanst")
        // A word spread over many agreements is not learned for any.
        let spread = ["sthlm-lus", "sthlm-demens", "sthlm-egenvard"].flatMap { key in (0..<3).map { _ in (agreementKey: key, text: "ordinationen") } }
        #expect(LearnedTerms(reports: spread, minimumReports: 3).terms.isEmpty)
    }

    // MARK: pages

    func app(_ directory: String, configure: @escaping (inout AppConfiguration) -> Void = { _ in }) async throws -> some ApplicationProtocol {
        try await TestSupport.application(directory: directory, clock: { TestSupport.fixedNow }, configure: configure)
    }

    func reportCount(_ directory: String) throws -> Int {
        try StaffFixtures.database(directory).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report") ?? -1 }
    }

    @Test("GET /rapportera/{region}?sok= answers the same page ranked: suggestions with summaries first, then the rest, then Vet inte; nothing stored")
    func searchPage() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await app(directory).test(.live) { client in
            let response = try await client.execute(uri: "/rapportera/stockholm?sok=rullstolen+kom+aldrig", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.setCookie] == nil)
            let page = response.text
            let suggestions = try #require(page.range(of: "Förslag som passar bäst"))
            let others = try #require(page.range(of: "Övriga överenskommelser"))
            let unknown = try #require(page.range(of: "Vet inte / ingen passar</label>"))
            #expect(suggestions.lowerBound < others.lowerBound && others.lowerBound < unknown.lowerBound)
            let aid = try #require(page.range(of: #"id="avtal-sthlm-hjalpmedel""#))
            #expect(aid.lowerBound > suggestions.lowerBound && aid.lowerBound < others.lowerBound, "the aid agreement is suggested")
            #expect(page.contains("Gäller om det är kommunen eller regionen som betalar för ett hjälpmedel"), "with its one-line summary")
            #expect(page.contains("Passar orden: rullstol"))
            #expect(page.contains(#"value="rullstolen kom aldrig""#), "the words stay in the field")
            #expect(page.contains(#"<input type="hidden" name="sok" value="rullstolen kom aldrig">"#), "and go with the choice")
            // Every agreement of the region is still there, once.
            for agreement in try TestSupport.catalogue().agreements where agreement.regionKey == "stockholm" {
                #expect(page.components(separatedBy: #"id="avtal-\#(agreement.key)""#).count == 2, "\(agreement.key)")
            }

            let english = try await client.execute(uri: "/rapportera/varmland?sok=discharged+from+hospital&lang=en", method: .get).text
            #expect(english.contains("Best matches") && english.contains(#"id="avtal-varmland-utskrivning""#))
            #expect(english.contains(#"<input type="hidden" name="lang" value="en">"#))

            let none = try await client.execute(uri: "/rapportera/orebro?sok=xyzzy", method: .get)
            #expect(none.status == .ok)
            #expect(none.text.contains("Ingen överenskommelse passade orden ”xyzzy”"))
            #expect(none.text.contains("Alla överenskommelser"))

            let long = try await client.execute(uri: "/rapportera/stockholm?sok=" + String(repeating: "hj%C3%A4lpmedel+", count: 400), method: .get)
            #expect(long.status == .ok)
            #expect(long.text.contains("Vi använde bara de första 200 tecknen."))

            // The words are shown escaped, in the field and in the sentence about the result.
            let hostile = try await client.execute(uri: "/rapportera/stockholm?sok=%3Cscript%3Ealert(1)%3C%2Fscript%3E+rullstol", method: .get)
            #expect(hostile.status == .ok && !hostile.text.contains("<script>alert(1)"))
            #expect(hostile.text.contains("&lt;script&gt;alert(1)"))

            // Searching stores nothing.
            #expect(try reportCount(directory) == 0)
        }
        var config = TestSupport.configuration(directory: directory)
        config.databasePath = directory + "/routes.sqlite"
        let services = try await AppServices.load(configuration: config, logger: TestSupport.quietLogger)
        let declared = try #require(buildRoutes(services: services).routes.first { $0.method == "GET" && $0.path == "/rapportera/{region}" })
        #expect(declared.query.contains("sok") && declared.query.contains("fortsatt"), "declared for intake routes and the route sweep")
    }

    @Test("Fortsätt with nothing chosen shows an error summary linking to the choice (422), keeping the search")
    func emptyContinue() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await app(directory).test(.live) { client in
            let plain = try await client.execute(uri: "/rapportera/stockholm?fortsatt=1", method: .get)
            #expect(plain.status == .unprocessableContent)
            #expect(plain.text.contains("<title>Fel: "))
            #expect(plain.text.contains("Rätta 1 sak:"))
            let href = try #require(plain.text.firstMatch(of: /<div class="error-summary"[^>]*>[\s\S]*?<a href="#([^"]+)">Välj en överenskommelse/)?.1)
            #expect(plain.text.contains(#"<input type="radio" name="avtal" id="\#(href)""#), "the link goes to the first choice")
            #expect(plain.text.contains(#"<p class="error-message" id="avtal-fel">"#))

            let english = try await client.execute(uri: "/rapportera/stockholm?fortsatt=1&lang=en", method: .get)
            #expect(english.status == .unprocessableContent && english.text.contains("Correct 1 item:"))

            let searched = try await client.execute(uri: "/rapportera/stockholm?sok=utskrivningsklar&fortsatt=1", method: .get)
            #expect(searched.status == .unprocessableContent)
            #expect(searched.text.contains("Förslag som passar bäst"))
            #expect(searched.text.contains(##"<a href="#avtal-sthlm-lus">"##), "the link goes to the first suggestion")

            // Opening the page is no error; choosing goes on to the form.
            #expect(try await client.execute(uri: "/rapportera/stockholm", method: .get).status == .ok)
            let chosen = try await client.execute(uri: "/rapportera/stockholm?sok=utskrivningsklar&avtal=sthlm-lus&fortsatt=1", method: .get)
            #expect(chosen.status == .ok && chosen.text.contains("Skicka rapporten"))
        }
    }

    @Test("the report form's error summary lists errors in page order and counts naturally")
    func errorSummaryOrderAndCount() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await app(directory).test(.live) { client in
            let two = FormEncoder.validLUS.set("what_happened", nil).set("reporter_email", "inte en adress")
            let response = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: two.body)
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("Rätta 2 saker:"))
            let one = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: FormEncoder.validLUS.set("what_happened", nil).body)
            #expect(one.text.contains("Rätta 1 sak:"))
            let english = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form,
                                                   body: two.set("lang", "en").body)
            #expect(english.text.contains("Correct 2 items:"))

            // Page order: the organisation (first on the page) before what happened, before the e-mail (last).
            let many = FormEncoder.validLUS.set("organisation", nil).set("what_happened", nil).set("reporter_email", "x").set("occurred_on", "igår")
            let page = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: many.body).text
            let summary = String(try #require(page.firstMatch(of: /<div class="error-summary"[\s\S]*?<\/div>/)?.0))
            let links = summary.matches(of: /href="#f-([a-z_]+)"/).map { String($0.1) }
            #expect(links == ["organisation", "occurred_on", "what_happened", "reporter_email"], "\(links)")
        }
    }

    @Test("a report filed as Vet inte gets a suggested agreement on the staff page, reclassified with one click")
    func staffSuggestion() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        try await app(directory).test(.live) { client in
            _ = try await TestSupport.fileReport(client, .triageOnly) // a discharge text, filed as "vet inte"
            let handler = StaffBrowser(client)
            try await handler.login(StaffFixtures.lusHandler.email)
            let page = try await handler.get("/handlaggning/rapporter/1").text
            let section = String(try #require(page.firstMatch(of: /<section class="suggestion"[\s\S]*?<\/section>/)?.0))
            #expect(section.contains("Förslag på överenskommelse"))
            let firstKey = try #require(section.firstMatch(of: /name="avtal" value="([a-z0-9-]+)"/)?.1)
            #expect(firstKey == "sthlm-lus")
            #expect(section.contains(#"action="/handlaggning/rapporter/1/klassificera""#))
            #expect(section.contains("Ord som passar:"))

            let moved = try await handler.post("/handlaggning/rapporter/1/klassificera", [("avtal", String(firstKey))])
            #expect(moved.status == .seeOther)
            let after = try await handler.get("/handlaggning/rapporter/1").text
            #expect(!after.contains("Förslag på överenskommelse"), "a classified report gets no suggestion")
            #expect(after.contains("Samverkan vid utskrivning"))
        }
    }

    @Test("words of reports handläggare reclassified are learned once the threshold is reached, and the public finder uses them")
    func learningThroughTheServer() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        try await app(directory, configure: { $0.finderLearnMinReports = 2 }).test(.live) { client in
            let text = "Portkoden var fel så ingen kom in på flera timmar."
            let handler = StaffBrowser(client)
            try await handler.login(StaffFixtures.lusHandler.email)
            for id in 1...2 {
                _ = try await TestSupport.fileReport(client, FormEncoder.triageOnly.set("what_happened", text).set("expected", "Att larmet besvaras."))
                _ = try await handler.get("/handlaggning/rapporter/\(id)")
                let moved = try await handler.post("/handlaggning/rapporter/\(id)/klassificera", [("avtal", "sthlm-fardtjanst")])
                #expect(moved.status == .seeOther)
                let page = try await client.execute(uri: "/rapportera/stockholm?sok=portkoden", method: .get).text
                let section = page.firstMatch(of: /Förslag som passar bäst[\s\S]*?<\/fieldset>/).map { String($0.0) } ?? ""
                let suggested = section.contains(#"id="avtal-sthlm-fardtjanst""#)
                #expect(suggested == (id == 2), "learned after \(id) reclassified report(s): \(suggested)")
            }
        }
    }
}
