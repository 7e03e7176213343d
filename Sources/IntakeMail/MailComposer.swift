import Foundation
import IntakeDomain

/// Renders the mails an event causes from the templates in Templates/mail/, in the report's language.
public struct MailComposer: Sendable {
    let renderer: PageRenderer
    let catalogue: Catalogue
    let publicURL: String
    /// Replies to mails to a reporter come back to a mailbox the service reads
    /// (`INTAKE_MAIL_REPLY_TO` and a mailbox configured): the mails then say so.
    public var repliesReachReports = false

    public init(renderer: PageRenderer, catalogue: Catalogue, publicURL: String, repliesReachReports: Bool = false) {
        self.renderer = renderer
        self.catalogue = catalogue
        self.publicURL = publicURL
        self.repliesReachReports = repliesReachReports
    }

    /// `[SB-2026-00042]`: how the reference stands in the subject of every mail to a reporter, so a
    /// reply finds its report even when the mail program drops In-Reply-To.
    public static func subjectReference(_ reference: String) -> String { "[\(reference)]" }

    /// A queued message's text and HTML bodies: as stored, or rendered now from its template and
    /// context, with the report's facts added when the context asks for them. Nil when the
    /// template no longer exists, the context cannot be read or the report is gone.
    public func bodies(of message: OutboxMessage) -> (text: String, html: String)? {
        guard let template = message.template else { return (message.textBody, message.htmlBody) }
        guard var context = message.templateContext.flatMap(TemplateContext.decode) else { return nil }
        if context.removeValue(forKey: TemplateContext.reportFactsKey) != nil {
            guard let facts = message.reportFacts else { return nil }
            context.merge(factsContext(facts)) { own, _ in own }
        }
        guard let text = renderer.renderIfPresent("mail/\(template).text", context),
              let html = renderer.renderIfPresent("mail/\(template).html", context)
        else { return nil }
        return (text, html)
    }

    public func trackingURL(token: String, language: Language) -> String {
        "\(publicURL)/arende/\(token)" + language.query
    }

    public func staffReportURL(id: Int64) -> String {
        "\(publicURL)/handlaggning/rapporter/\(id)"
    }

    /// The acknowledgement to the reporter (when they left an e-mail) and one notification per
    /// owning function. Composed before the filing transaction, without what it assigns (the
    /// reference number and the report's id); the bodies are rendered when the mails are sent.
    public func reportFiled(_ draft: ReportDraft, channel: ReportChannel, trackingToken: String, feedbackDueOn: CalendarDay,
                            missingLabels: [String] = []) -> [PreparedMail] {
        let language = draft.language
        let agreement = draft.agreementKey.flatMap(catalogue.agreement)
        let region = catalogue.region(draft.regionKey)
        let functions = draft.routes.compactMap { catalogue.function($0.functionKey) }
        var mails: [PreparedMail] = []

        if let email = draft.reporterEmail {
            var context = TemplateContext.Writer()
            context.add("sv", language == .sv)
            context.add("en", language == .en)
            context.add("agreement", agreement.map { $0.name[language] } ?? "")
            context.add("hasAgreement", agreement != nil)
            context.add("region", region.map { $0.name[language] } ?? "")
            context.add("functions", objects: functions.map { ["name": $0.name[language]] })
            context.add("triage", draft.routes.contains(where: \.isTriage))
            context.add("feedbackDate", feedbackDueOn.formatted(language))
            context.add("trackingURL", trackingURL(token: trackingToken, language: language))
            // A caller's report was written down by a handläggare: the mail says so.
            context.add("byPhone", channel == .phone)
            if let name = draft.reporterName { context.add("reporterName", name) }
            context.add("replyable", repliesReachReports)
            if channel == .email {
                context.add("viaMail", true)
                context.add("formURL", "\(publicURL)/rapportera/\(draft.regionKey)" + (draft.agreementKey.map { "?avtal=\($0)" } ?? ""))
                if !missingLabels.isEmpty {
                    context.add("hasMissing", true)
                    context.add("missing", objects: missingLabels.map { ["label": $0] })
                }
            }
            let subject = language == .sv ? "Vi har tagit emot din rapport [" : "We have received your report ["
            mails.append(PreparedMail(kind: .acknowledgement, recipient: email, subjectBeforeReference: subject, subjectAfterReference: "]",
                                      template: "acknowledgement", contextJSON: context.json))
        }

        // The report's own text is not copied into each notification: the context says to read
        // the report's facts (`factsContext`) from the database when the mail is rendered.
        for function in functions {
            var context = TemplateContext.Writer()
            context.add(TemplateContext.reportFactsKey, true)
            context.add("functionName", function.name[language])
            context.add("triage", function.isTriage)
            let subject = Self.notificationSubject(language, triage: function.isTriage, reclassifiedBy: nil, agreement: agreement)
            mails.append(PreparedMail(kind: .ownerNotification, recipient: function.mailbox, subjectBeforeReference: subject.before,
                                      subjectAfterReference: subject.after, template: "owner-notification", contextJSON: context.json))
        }
        return mails
    }

    /// One notification per owning function, in the report's language, without contact data,
    /// rendered now. Sent to the new owners when a report is reclassified.
    public func ownerNotifications(_ facts: ReportFacts, routes: [Route], reclassifiedBy: String?) -> [OutboxDraft] {
        let language = facts.language
        let agreement = facts.agreementKey.flatMap(catalogue.agreement)
        return routes.compactMap({ catalogue.function($0.functionKey) }).map { function in
            var context = factsContext(facts)
            context["functionName"] = function.name[language]
            context["triage"] = function.isTriage
            if let reclassifiedBy { context["reclassifiedBy"] = reclassifiedBy }
            let subject = Self.notificationSubject(language, triage: function.isTriage, reclassifiedBy: reclassifiedBy, agreement: agreement)
            return OutboxDraft(kind: .ownerNotification, recipient: function.mailbox, subject: subject.before + facts.reference + subject.after,
                               textBody: renderer.render("mail/owner-notification.text", context),
                               htmlBody: renderer.render("mail/owner-notification.html", context))
        }
    }

    /// A notification's subject around the report's reference.
    private static func notificationSubject(_ language: Language, triage: Bool, reclassifiedBy: String?, agreement: Agreement?)
        -> (before: String, after: String) {
        switch (language, triage) {
        case (.sv, true): ("Ny samverkansbrist att klassificera: ", "")
        case (.sv, false): ("\(reclassifiedBy == nil ? "Ny samverkansbrist" : "Omklassificerad samverkansbrist") ", ": \(agreement?.name.sv ?? "")")
        case (.en, true): ("New collaboration failure to classify: ", "")
        case (.en, false): ("\(reclassifiedBy == nil ? "New collaboration failure" : "Reclassified collaboration failure") ", ": \(agreement?.name.en ?? "")")
        }
    }

    /// The report's content for mails to staff (owners, escalation levels). Also used when a
    /// queued mail's context asks for the report's facts (`TemplateContext.reportFactsKey`).
    public func factsContext(_ facts: ReportFacts) -> [String: Any] {
        let language = facts.language
        let agreement = facts.agreementKey.flatMap(catalogue.agreement)
        let extras: [[String: Any]] = (agreement?.fields ?? []).compactMap { field in
            guard let values = facts.extraFields[field.key] else { return nil }
            return ["label": field.label[language], "value": values.map { field.displayValue($0, in: language) }.joined(separator: ", ")]
        }
        let unclassified = LocalizedText(sv: "Ej klassificerad (vet inte / ingen passar)", en: "Not classified (don’t know / none fits)")
        var context: [String: Any] = [
            "sv": language == .sv, "en": language == .en,
            "reference": facts.reference,
            "agreement": agreement?.name[language] ?? unclassified[language],
            "region": catalogue.region(facts.regionKey)?.name[language] ?? facts.regionKey,
            "organisation": catalogue.party(facts.organisationKey)?.name ?? facts.organisationKey,
            "otherParties": facts.otherPartyKeys.map { catalogue.party($0)?.name ?? $0 }.joined(separator: ", "),
            "occurredOn": facts.occurredOn.description,
            "whatHappened": facts.whatHappened,
            "expected": facts.expected,
            "extras": extras,
            "feedbackDate": facts.feedbackDueOn.formatted(language),
            "staffURL": staffReportURL(id: facts.id),
        ]
        if let consequences = facts.consequences { context["consequences"] = consequences }
        if let improvement = facts.improvement { context["improvement"] = improvement }
        return context
    }

    private func mail(_ kind: OutboxDraft.Kind, template: String, to recipient: String, subject: String, _ context: [String: Any]) -> OutboxDraft {
        OutboxDraft(kind: kind, recipient: recipient, subject: subject,
                    textBody: renderer.render("mail/\(template).text", context),
                    htmlBody: renderer.render("mail/\(template).html", context))
    }

    // MARK: to the reporter (in the report's language)

    /// A new state, with the final message (or the message written with the change) in the mail itself.
    public func statusChanged(reference: String, token: String, language: Language, state: ReportState, message: String? = nil, recipient: String) -> OutboxDraft {
        var context: [String: Any] = [
            "sv": language == .sv, "en": language == .en, "reference": reference,
            "stateName": state.name[language], "stateDescription": state.description[language], "closed": !state.isOpen,
            "trackingURL": trackingURL(token: token, language: language), "replyable": repliesReachReports,
        ]
        let tag = Self.subjectReference(reference)
        if let message { context["message"] = message }
        let subject = switch (language, state.isOpen) {
        case (.sv, true): "Ny status för din rapport \(tag): \(state.name.sv)"
        case (.sv, false): "Din rapport \(tag) är avslutad: \(state.name.sv)"
        case (.en, true): "New status for your report \(tag): \(state.name.en)"
        case (.en, false): "Your report \(tag) is closed: \(state.name.en)"
        }
        return mail(.statusChange, template: "status-change", to: recipient, subject: subject, context)
    }

    public func reply(reference: String, token: String, language: Language, text: String, recipient: String) -> OutboxDraft {
        let context: [String: Any] = [
            "sv": language == .sv, "en": language == .en, "reference": reference, "text": text,
            "trackingURL": trackingURL(token: token, language: language), "replyable": repliesReachReports,
        ]
        let tag = Self.subjectReference(reference)
        let subject = language == .sv ? "Svar om din rapport \(tag)" : "Reply about your report \(tag)"
        return mail(.reply, template: "reply", to: recipient, subject: subject, context)
    }

    // MARK: to staff (Swedish, then English)

    private func agreementName(_ key: String?) -> LocalizedText {
        key.flatMap(catalogue.agreement)?.name ?? LocalizedText(sv: "ej klassificerad", en: "not classified")
    }

    public func assigned(reference: String, reportId: Int64, agreementKey: String?, feedbackDue: CalendarDay, assignee: StaffUser, by name: String) -> OutboxDraft {
        let agreement = agreementName(agreementKey)
        let context: [String: Any] = [
            "reference": reference, "assignee": assignee.name, "by": name, "agreementSv": agreement.sv, "agreementEn": agreement.en,
            "feedbackDateSv": feedbackDue.formatted(.sv), "feedbackDateEn": feedbackDue.formatted(.en), "staffURL": staffReportURL(id: reportId),
        ]
        return mail(.assignment, template: "assignment", to: assignee.email, subject: "Tilldelad: \(reference) / Assigned: \(reference)", context)
    }

    /// To the reporter: the report was raised one step, with the handläggare's plain sentence.
    public func escalationNotice(reference: String, token: String, language: Language, level: EscalationLevel, text: String, recipient: String) -> OutboxDraft {
        let context: [String: Any] = [
            "sv": language == .sv, "en": language == .en, "reference": reference, "levelName": level.name[language], "text": text,
            "trackingURL": trackingURL(token: token, language: language),
        ]
        let subject = language == .sv ? "Din rapport \(Self.subjectReference(reference)) har lyfts till en högre nivå" : "Your report \(Self.subjectReference(reference)) has been raised to a higher level"
        return mail(.escalationNotice, template: "escalation-notice", to: recipient, subject: subject, context)
    }

    public func escalated(_ facts: ReportFacts, level: EscalationLevel, reason: String, publicText: String, by name: String) -> OutboxDraft {
        var context = factsContext(facts)
        context["levelName"] = level.name[facts.language]
        context["by"] = name
        context["reason"] = reason
        context["publicText"] = publicText
        let subject = facts.language == .sv ? "Eskalerad samverkansbrist \(facts.reference) till \(level.name.sv)" : "Escalated collaboration failure \(facts.reference) to \(level.name.en)"
        return mail(.escalation, template: "escalation", to: level.mailbox, subject: subject, context)
    }

    public func reporterAdded(reference: String, reportId: Int64, text: String, recipient: String, byMail: Bool = false) -> OutboxDraft {
        let context: [String: Any] = ["reference": reference, "text": text, "staffURL": staffReportURL(id: reportId), "byMail": byMail]
        return mail(.reporterAddition, template: "reporter-addition", to: recipient,
                    subject: "Ny information från rapportören: \(reference) / New information from the reporter", context)
    }

    public func reminder(reference: String, reportId: Int64, agreementKey: String?, feedbackDue: CalendarDay, overdue: Bool, recipient: String) -> OutboxDraft {
        let agreement = agreementName(agreementKey)
        let context: [String: Any] = [
            "reference": reference, "overdue": overdue, "agreementSv": agreement.sv, "agreementEn": agreement.en,
            "feedbackDateSv": feedbackDue.formatted(.sv), "feedbackDateEn": feedbackDue.formatted(.en), "staffURL": staffReportURL(id: reportId),
        ]
        let subject = overdue
            ? "Försenad återkoppling: \(reference) / Feedback overdue"
            : "Påminnelse: återkoppling senast \(feedbackDue.formatted(.sv)) för \(reference) / Reminder"
        return mail(.reminder, template: "reminder", to: recipient, subject: subject, context)
    }

    /// To the sender of a mail that was not stored because it carried a personnummer,
    /// samordningsnummer or a name: why (without quoting it) and how to send again.
    public func mailRefused(finding: PrivacyFinding, recipient: String, regionKey: String, agreementKey: String?) -> OutboxDraft {
        let isName = switch finding {
        case .personName, .possibleName: true
        case .personalIdentityNumber, .coordinationNumber: false
        }
        let context: [String: Any] = [
            "identityNumber": !isName, "name": isName,
            "formURL": "\(publicURL)/rapportera/\(regionKey)" + (agreementKey.map { "?avtal=\($0)" } ?? ""),
        ]
        return mail(.mailRefused, template: "mail-refused", to: recipient,
                    subject: "Din rapport kunde inte tas emot / Your report could not be received", context)
    }

    public func passwordReset(user: StaffUser, token: String) -> OutboxDraft {
        let context: [String: Any] = [
            "name": user.name, "resetURL": "\(publicURL)/losenord/aterstall/\(token)",
            "minutes": Int(PasswordPolicy.resetValidity / 60), "loginURL": "\(publicURL)/login",
        ]
        return mail(.passwordReset, template: "password-reset", to: user.email, subject: "Nytt lösenord för Samverkansbrister / New password", context)
    }
}
