import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// The pages every Swedish public service must have, linked from every page's footer.
@Suite("Accessibility statement and privacy notice")
struct PublicPagesTests {
    @Test("both pages exist in Swedish and English and every page's footer links to them")
    func pagesAndFooter() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let application = try await TestSupport.application(directory: directory, clock: { TestSupport.fixedNow }, configure: { $0.contactRetentionDays = 45; $0.openReportMaxDays = 400 })
        try await application.test(.live) { client in
            let statement = try await client.execute(uri: "/tillganglighet", method: .get)
            #expect(statement.status == .ok)
            #expect(statement.text.contains("<h1>Tillgänglighetsredogörelse</h1>"))
            for heading in ["Hur tillgänglig är tjänsten?", "Innehåll som inte är tillgängligt", "Rapportera brister i tjänstens tillgänglighet", "Tillsyn"] {
                #expect(statement.text.contains(heading), "\(heading)")
            }
            #expect(statement.text.contains("https://www.digg.se/anmal-bristande-tillganglighet"))
            #expect(statement.text.contains("delvis förenlig"))
            let statementEN = try await client.execute(uri: "/tillganglighet?lang=en", method: .get)
            #expect(statementEN.text.contains(#"<html lang="en">"#))
            #expect(statementEN.text.contains("<h1>Accessibility statement</h1>"))

            let privacy = try await client.execute(uri: "/personuppgifter", method: .get)
            #expect(privacy.status == .ok)
            #expect(privacy.text.contains("<h1>Så hanterar vi personuppgifter</h1>"))
            #expect(privacy.text.contains("raderas 45 dagar efter att ärendet har avslutats"), "retention comes from the configuration")
            #expect(privacy.text.contains("fortfarande öppet efter 400 dagar"))
            #expect(privacy.text.contains("artikel 6.1 e"))
            #expect(privacy.text.contains("samverkan@example.se"))
            let privacyEN = try await client.execute(uri: "/personuppgifter?lang=en", method: .get)
            #expect(privacyEN.text.contains("deleted 45 days after the case has been closed"))

            for uri in ["/", "/rapportera/stockholm", "/rapportera/stockholm?avtal=sthlm-lus", "/tillganglighet", "/personuppgifter", "/finns-inte"] {
                let page = try await client.execute(uri: uri, method: .get).text
                #expect(page.contains(#"<a href="/tillganglighet">Tillgänglighetsredogörelse</a>"#), "\(uri)")
                #expect(page.contains(#"<a href="/personuppgifter">Så hanterar vi personuppgifter</a>"#), "\(uri)")
            }
            let english = try await client.execute(uri: "/rapportera/stockholm?lang=en", method: .get).text
            #expect(english.contains(#"<a href="/tillganglighet?lang=en">Accessibility statement</a>"#))
            #expect(english.contains(#"<a href="/personuppgifter?lang=en">How we handle personal data</a>"#))
        }
    }
}
