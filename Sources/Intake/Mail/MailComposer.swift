import Foundation

/// Renders the mails an event causes from the templates in Templates/mail/, in the report's language.
public struct MailComposer: Sendable {
    let renderer: PageRenderer
    let catalogue: Catalogue
    let publicURL: String

    public init(renderer: PageRenderer, catalogue: Catalogue, publicURL: String) {
        self.renderer = renderer
        self.catalogue = catalogue
        self.publicURL = publicURL
    }

    public func trackingURL(token: String, language: Language) -> String {
        "\(publicURL)/arende/\(token)" + language.query
    }

    public func staffReportURL(id: Int64) -> String {
        "\(publicURL)/handlaggning/rapporter/\(id)"
    }

    /// The acknowledgement to the reporter (when they left an e-mail) and one notification per owning function.
    public func reportFiled(_ filed: FiledReport) -> [OutboxDraft] {
        let draft = filed.draft
        let language = draft.language
        let agreement = draft.agreementKey.flatMap(catalogue.agreement)
        let region = catalogue.region(draft.regionKey)
        let functions = draft.routes.compactMap { catalogue.function($0.functionKey) }
        var mails: [OutboxDraft] = []

        if let email = draft.reporterEmail {
            var context: [String: Any] = [
                "sv": language == .sv, "en": language == .en,
                "reference": filed.reference,
                "agreement": agreement.map { $0.name[language] } ?? "",
                "hasAgreement": agreement != nil,
                "region": region.map { $0.name[language] } ?? "",
                "functions": functions.map { ["name": $0.name[language]] },
                "triage": draft.routes.contains(where: \.isTriage),
                "feedbackDate": filed.feedbackDueOn.formatted(language),
                "trackingURL": trackingURL(token: filed.trackingToken, language: language),
            ]
            if let name = draft.reporterName { context["reporterName"] = name }
            let subject = language == .sv
                ? "Vi har tagit emot din rapport \(filed.reference)"
                : "We have received your report \(filed.reference)"
            mails.append(OutboxDraft(kind: .acknowledgement, recipient: email, subject: subject,
                                     textBody: renderer.render("mail/acknowledgement.text", context),
                                     htmlBody: renderer.render("mail/acknowledgement.html", context)))
        }

        // The notification follows the report's language too; it carries no reporter contact data.
        let organisation = catalogue.party(draft.organisationKey)?.name ?? draft.organisationKey
        let others = draft.otherPartyKeys.map { catalogue.party($0)?.name ?? $0 }
        let extras: [[String: Any]] = (agreement?.fields ?? []).compactMap { field in
            guard let values = draft.extraFields[field.key] else { return nil }
            return ["label": field.label[language], "value": values.map { field.displayValue($0, in: language) }.joined(separator: ", ")]
        }
        let unclassified = LocalizedText(sv: "Ej klassificerad (vet inte / ingen passar)", en: "Not classified (don’t know / none fits)")
        for function in functions {
            var context: [String: Any] = [
                "sv": language == .sv, "en": language == .en,
                "reference": filed.reference,
                "functionName": function.name[language],
                "agreement": agreement?.name[language] ?? unclassified[language],
                "region": region?.name[language] ?? draft.regionKey,
                "organisation": organisation,
                "otherParties": others.joined(separator: ", "),
                "occurredOn": draft.occurredOn.description,
                "whatHappened": draft.whatHappened,
                "expected": draft.expected,
                "extras": extras,
                "triage": function.isTriage,
                "feedbackDate": filed.feedbackDueOn.formatted(language),
                "staffURL": staffReportURL(id: filed.id),
            ]
            if let consequences = draft.consequences { context["consequences"] = consequences }
            if let improvement = draft.improvement { context["improvement"] = improvement }
            let subject: String = switch (language, function.isTriage) {
            case (.sv, true): "Ny samverkansbrist att klassificera: \(filed.reference)"
            case (.sv, false): "Ny samverkansbrist \(filed.reference): \(agreement?.name.sv ?? "")"
            case (.en, true): "New collaboration failure to classify: \(filed.reference)"
            case (.en, false): "New collaboration failure \(filed.reference): \(agreement?.name.en ?? "")"
            }
            mails.append(OutboxDraft(kind: .ownerNotification, recipient: function.mailbox, subject: subject,
                                     textBody: renderer.render("mail/owner-notification.text", context),
                                     htmlBody: renderer.render("mail/owner-notification.html", context)))
        }
        return mails
    }
}
