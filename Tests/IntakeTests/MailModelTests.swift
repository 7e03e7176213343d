import Foundation
import Testing
@testable import IntakeDomain
@testable import IntakeMail

/// Queued mails keep their context as JSON and are rendered when sent: a row queued before the
/// mails had one model each, or by another version, must still be sent as it was written.
@Suite("Stored mail contexts")
struct MailModelTests {
    func composer() async throws -> MailComposer {
        MailComposer(renderer: try await PageRenderer(directory: TestSupport.templatesDirectory), catalogue: try TestSupport.catalogue(),
                     publicURL: "https://samverkan.example.se")
    }

    func message(kind: String, template: String, context: String) -> OutboxMessage {
        OutboxMessage(id: 1, messageId: "m1", kind: kind, recipient: "asa@example.se", subject: "s", textBody: "", htmlBody: "", template: template,
                      templateContext: context, status: .queued, attempts: 0, createdAt: TestSupport.fixedNow, nextAttemptAt: TestSupport.fixedNow)
    }

    /// Acknowledgements as the composer wrote them before the models (member by member, the reference first).
    static let storedAcknowledgements = [
        #"{"reference":"SB-2026-00042","sv":true,"en":false,"agreement":"Utskrivning","hasAgreement":true,"region":"Region Örebro län","functions":[{"name":"Funktion A"},{"name":"Funktion \"B\""}],"triage":false,"feedbackDate":"15 januari 2027","trackingURL":"https://samverkan.example.se/arende/abc","byPhone":false,"reporterName":"Åsa","replyable":true}"#,
        #"{"reference":"SB-2026-00043","sv":false,"en":true,"agreement":"","hasAgreement":false,"region":"","functions":[],"triage":true,"feedbackDate":"January 15, 2027","trackingURL":"https://samverkan.example.se/arende/abc?lang=en","byPhone":false,"replyable":false,"viaMail":true,"formURL":"https://samverkan.example.se/rapportera/orebro","hasMissing":true,"missing":[{"label":"Vad hände?"}]}"#,
        // Older still: without the flags added later.
        #"{"reference":"SB-2026-00044","sv":true,"en":false,"agreement":"Utskrivning","hasAgreement":true,"region":"Region Örebro län","functions":[{"name":"Funktion A"}],"triage":false,"feedbackDate":"15 januari 2027","trackingURL":"https://samverkan.example.se/arende/abc"}"#,
    ]

    @Test("a stored acknowledgement decodes into its model and renders as the untyped context did", arguments: storedAcknowledgements)
    func storedAcknowledgement(_ json: String) async throws {
        let composer = try await composer()
        #expect(MailContextEncoding.decode(AcknowledgementMail.self, from: json) != nil)
        let typed = try #require(composer.bodies(of: message(kind: "acknowledgement", template: "acknowledgement", context: json)))
        // A kind without a model is rendered from the context as it is: the pre-model way.
        let untyped = try #require(composer.bodies(of: message(kind: "legacy", template: "acknowledgement", context: json)))
        #expect(typed.text == untyped.text)
        #expect(typed.html == untyped.html)
        #expect(typed.text.contains("SB-2026-0004"))
    }

    @Test("a stored context that does not fit its model is still rendered; an unknown template or unreadable context is a dead letter, not a crash")
    func undecodableContexts() async throws {
        let composer = try await composer()
        let partial = #"{"reference":"SB-2026-00045","sv":true,"functions":"not a list"}"#
        #expect(MailContextEncoding.decode(AcknowledgementMail.self, from: partial) == nil)
        let bodies = try #require(composer.bodies(of: message(kind: "acknowledgement", template: "acknowledgement", context: partial)))
        #expect(bodies.text.contains("SB-2026-00045"))
        #expect(composer.bodies(of: message(kind: "acknowledgement", template: "no-such-template", context: partial)) == nil)
        #expect(composer.bodies(of: message(kind: "acknowledgement", template: "acknowledgement", context: "not json")) == nil)
        // An owner's notification that asks for the report's facts, without them (the report is gone).
        let owner = #"{"reference":"SB-2026-00046","reportFacts":true,"functionName":"Funktion A","triage":false}"#
        #expect(MailContextEncoding.decode(OwnerNotificationMail.self, from: owner)?.reportFacts == true)
        #expect(composer.bodies(of: message(kind: "owner-notification", template: "owner-notification", context: owner)) == nil)
    }

    @Test("what the composer queues for a new report is the model's JSON, with the reference the filing transaction adds")
    func preparedMailsRoundTrip() async throws {
        let composer = try await composer()
        let mail = AcknowledgementMail(reference: nil, sv: true, en: false, agreement: "A", hasAgreement: true, region: "R",
                                       functions: [.init(name: "F")], triage: false, feedbackDate: "1 januari", trackingURL: "https://x/arende/t",
                                       byPhone: true, reporterName: nil, replyable: false, viaMail: nil, formURL: nil, hasMissing: nil, missing: nil)
        let prepared = PreparedMail(kind: .acknowledgement, recipient: "asa@example.se", subjectBeforeReference: "[", subjectAfterReference: "]",
                                    template: "acknowledgement", contextJSON: MailContextEncoding.json(mail))
        let draft = prepared.finish(reference: "SB-2026-00047")
        guard case .template(let template, let context) = draft.body else { Issue.record("not a template body"); return }
        var expected = mail
        expected.reference = "SB-2026-00047"
        #expect(MailContextEncoding.decode(AcknowledgementMail.self, from: context) == expected)
        let bodies = try #require(composer.bodies(of: message(kind: "acknowledgement", template: template, context: context)))
        #expect(bodies.text.contains("SB-2026-00047"))
        #expect(!bodies.text.contains("{{"))
    }
}
