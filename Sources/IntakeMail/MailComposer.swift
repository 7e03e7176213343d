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
    /// the model its kind names, decoded from the stored context, over the report's facts when
    /// the model asks for them. A context that does not decode into the model (a row queued by
    /// another version) is rendered as it is (`untypedBodies`). Nil when the template no longer
    /// exists, the context cannot be read or the report is gone.
    public func bodies(of message: OutboxMessage) -> (text: String, html: String)? {
        guard let template = message.template else { return (message.textBody, message.htmlBody) }
        guard let json = message.templateContext else { return nil }
        if let kind = OutboxDraft.Kind(rawValue: message.kind), kind.rawValue == template,
           case .decoded(let bodies) = typedBodies(kind, json: json, facts: message.reportFacts) {
            return bodies
        }
        return untypedBodies(template: template, json: json, facts: message.reportFacts)
    }

    private enum Stored {
        case decoded((text: String, html: String)?)
        case notDecodable
    }

    private func typedBodies(_ kind: OutboxDraft.Kind, json: String, facts: ReportFacts?) -> Stored {
        switch kind {
        case .acknowledgement: stored(AcknowledgementMail.self, json, facts)
        case .ownerNotification: stored(OwnerNotificationMail.self, json, facts)
        case .statusChange: stored(StatusChangeMail.self, json, facts)
        case .reply: stored(ReplyMail.self, json, facts)
        case .escalationNotice: stored(EscalationNoticeMail.self, json, facts)
        case .mailRefused: stored(MailRefusedMail.self, json, facts)
        case .escalation: stored(EscalationMail.self, json, facts)
        case .assignment: stored(AssignmentMail.self, json, facts)
        case .reporterAddition: stored(ReporterAdditionMail.self, json, facts)
        case .reminder: stored(ReminderMail.self, json, facts)
        case .passwordReset: stored(PasswordResetMail.self, json, facts)
        case .summary: stored(SummaryMail.self, json, facts)
        }
    }

    private func stored<Model: MailModel>(_ type: Model.Type, _ json: String, _ facts: ReportFacts?) -> Stored {
        guard let mail = MailContextEncoding.decode(type, from: json) else { return .notDecodable }
        guard mail.reportFacts == true else { return .decoded(bodiesIfPresent(mail, facts: nil)) }
        guard let facts else { return .decoded(nil) }
        return .decoded(bodiesIfPresent(mail, facts: factsModel(facts)))
    }

    private func bodiesIfPresent<Model: MailModel>(_ mail: Model, facts: ReportFactsMail?) -> (text: String, html: String)? {
        let template = "mail/\(Model.kind.rawValue)"
        guard let text = renderer.renderIfPresent("\(template).text", model: mail, layout: facts),
              let html = renderer.renderIfPresent("\(template).html", model: mail, layout: facts)
        else { return nil }
        return (text, html)
    }

    /// A stored context rendered as it is, with the report's facts added when it asks for them.
    private func untypedBodies(template: String, json: String, facts: ReportFacts?) -> (text: String, html: String)? {
        guard let mail = TemplateContext.decode(json) else { return nil }
        let layout: ReportFactsMail?
        if mail[TemplateContext.reportFactsKey] != nil {
            guard let facts else { return nil }
            layout = factsModel(facts)
        } else {
            layout = nil
        }
        guard let text = renderer.renderIfPresent("mail/\(template).text", model: mail, layout: layout),
              let html = renderer.renderIfPresent("mail/\(template).html", model: mail, layout: layout)
        else { return nil }
        return (text, html)
    }

    /// Renders a model now, over the report's facts for mails to staff about a report.
    private func mail<Model: MailModel>(_ mail: Model, facts: ReportFactsMail? = nil, to recipient: String, subject: String) -> OutboxDraft {
        let template = "mail/\(Model.kind.rawValue)"
        return OutboxDraft(kind: Model.kind, recipient: recipient, subject: subject,
                           textBody: renderer.render("\(template).text", model: mail, layout: facts),
                           htmlBody: renderer.render("\(template).html", model: mail, layout: facts))
    }

    public func trackingURL(token: String, language: Language) -> String {
        publicURL + SitePaths.tracking(token) + language.query
    }

    public func staffReportURL(id: Int64) -> String {
        publicURL + SitePaths.staffReport(id)
    }

    /// The acknowledgement to the reporter (when they left an e-mail) and one notification per
    /// owning function. Composed before the filing transaction, without what it assigns (the
    /// reference number and the report's id); the bodies are rendered when the mails are sent.
    public func reportFiled(_ draft: ReportDraft, channel: ReportChannel, trackingToken: String, feedbackDueOn: CalendarDay,
                            missingLabels: [String] = []) -> [PreparedMail] {
        let language = draft.language
        let agreement = draft.agreementKey.flatMap(catalogue.agreement)
        let functions = draft.routes.compactMap { catalogue.function($0.functionKey) }
        var mails: [PreparedMail] = []

        if let email = draft.reporterEmail {
            let mail = acknowledgement(draft, agreement: agreement, functions: functions, channel: channel, trackingToken: trackingToken,
                                       feedbackDueOn: feedbackDueOn, missingLabels: missingLabels)
            mails.append(PreparedMail(kind: .acknowledgement, recipient: email, subjectBeforeReference: MailTexts.acknowledgementSubject[language],
                                      subjectAfterReference: "]", template: AcknowledgementMail.kind.rawValue,
                                      contextJSON: MailContextEncoding.json(mail)))
        }

        // The report's own text is not copied into each notification: the context says to read
        // the report's facts (`factsModel`) from the database when the mail is rendered.
        for function in functions {
            let mail = OwnerNotificationMail(reference: nil, reportFacts: true, functionName: function.name[language], triage: function.isTriage,
                                             reclassifiedBy: nil)
            let subject = Self.notificationSubject(language, triage: function.isTriage, reclassifiedBy: nil, agreement: agreement)
            mails.append(PreparedMail(kind: .ownerNotification, recipient: function.mailbox, subjectBeforeReference: subject.before,
                                      subjectAfterReference: subject.after, template: OwnerNotificationMail.kind.rawValue,
                                      contextJSON: MailContextEncoding.json(mail)))
        }
        return mails
    }

    /// The acknowledgement's model, without the reference (added by `PreparedMail.finish`).
    func acknowledgement(_ draft: ReportDraft, agreement: Agreement?, functions: [OwningFunction], channel: ReportChannel, trackingToken: String,
                         feedbackDueOn: CalendarDay, missingLabels: [String]) -> AcknowledgementMail {
        let language = draft.language
        // A report that came by mail: the form's address, and the fields the mail lacked.
        let viaMail = channel == .email
        let missing = viaMail && !missingLabels.isEmpty ? missingLabels.map(AcknowledgementMail.Missing.init(label:)) : nil
        return AcknowledgementMail(
            reference: nil, sv: language == .sv, en: language == .en,
            agreement: agreement.map { $0.name[language] } ?? "", hasAgreement: agreement != nil,
            region: catalogue.region(draft.regionKey).map { $0.name[language] } ?? "",
            functions: functions.map { AcknowledgementMail.Function(name: $0.name[language]) },
            triage: draft.routes.contains(where: \.isTriage),
            feedbackDate: feedbackDueOn.formatted(language),
            trackingURL: trackingURL(token: trackingToken, language: language),
            // A caller's report was written down by a handläggare: the mail says so.
            byPhone: channel == .phone,
            reporterName: draft.reporterName,
            replyable: repliesReachReports,
            viaMail: viaMail ? true : nil,
            formURL: viaMail ? formURL(regionKey: draft.regionKey, agreementKey: draft.agreementKey) : nil,
            hasMissing: missing == nil ? nil : true,
            missing: missing)
    }

    private func formURL(regionKey: String, agreementKey: String?) -> String {
        "\(publicURL)/rapportera/\(regionKey)" + (agreementKey.map { "?avtal=\($0)" } ?? "")
    }

    /// One notification per owning function, in the report's language, without contact data,
    /// rendered now. Sent to the new owners when a report is reclassified.
    public func ownerNotifications(_ facts: ReportFacts, routes: [Route], reclassifiedBy: String?) -> [OutboxDraft] {
        let language = facts.language
        let agreement = facts.agreementKey.flatMap(catalogue.agreement)
        let factsMail = factsModel(facts)
        return routes.compactMap({ catalogue.function($0.functionKey) }).map { function in
            let subject = Self.notificationSubject(language, triage: function.isTriage, reclassifiedBy: reclassifiedBy, agreement: agreement)
            return mail(OwnerNotificationMail(reference: nil, reportFacts: nil, functionName: function.name[language], triage: function.isTriage,
                                              reclassifiedBy: reclassifiedBy),
                        facts: factsMail, to: function.mailbox, subject: subject.before + facts.reference + subject.after)
        }
    }

    /// A notification's subject around the report's reference.
    private static func notificationSubject(_ language: Language, triage: Bool, reclassifiedBy: String?, agreement: Agreement?)
        -> (before: String, after: String) {
        if triage { return (MailTexts.triageSubject[language], "") }
        let before = reclassifiedBy == nil ? MailTexts.newReportSubject : MailTexts.reclassifiedReportSubject
        let agreementName = switch language {
        case .sv: agreement?.name.sv ?? ""
        case .en: agreement?.name.en ?? ""
        }
        return (before[language], ": \(agreementName)")
    }

    /// The report's content for mails to staff (owners, escalation levels). Also read when a
    /// queued mail's model asks for the report's facts (`MailModel.reportFacts`).
    func factsModel(_ facts: ReportFacts) -> ReportFactsMail {
        let language = facts.language
        let agreement = facts.agreementKey.flatMap(catalogue.agreement)
        let extras: [ReportFactsMail.Extra] = (agreement?.fields ?? []).compactMap { field in
            guard let values = facts.extraFields[field.key] else { return nil }
            return ReportFactsMail.Extra(label: field.label[language], value: values.map { field.displayValue($0, in: language) }.joined(separator: ", "))
        }
        return ReportFactsMail(
            sv: language == .sv, en: language == .en,
            reference: facts.reference,
            agreement: agreement?.name[language] ?? MailTexts.unclassified[language],
            region: catalogue.region(facts.regionKey)?.name[language] ?? facts.regionKey,
            organisation: catalogue.party(facts.organisationKey)?.name ?? facts.organisationKey,
            otherParties: facts.otherPartyKeys.map { catalogue.party($0)?.name ?? $0 }.joined(separator: ", "),
            occurredOn: facts.occurredOn.description,
            whatHappened: facts.whatHappened,
            expected: facts.expected,
            consequences: facts.consequences,
            improvement: facts.improvement,
            extras: extras,
            feedbackDate: facts.feedbackDueOn.formatted(language),
            staffURL: staffReportURL(id: facts.id))
    }

    // MARK: to the reporter (in the report's language)

    /// A new state, with the final message (or the message written with the change) in the mail itself.
    public func statusChanged(reference: String, token: String, language: Language, state: ReportState, message: String? = nil, recipient: String) -> OutboxDraft {
        let tag = Self.subjectReference(reference)
        let subject = state.isOpen ? MailTexts.statusOpenSubject(tag, state: state.name) : MailTexts.statusClosedSubject(tag, state: state.name)
        return mail(StatusChangeMail(sv: language == .sv, en: language == .en, reference: reference, stateName: state.name[language],
                                     stateDescription: state.description[language], closed: !state.isOpen, message: message,
                                     trackingURL: trackingURL(token: token, language: language), replyable: repliesReachReports),
                    to: recipient, subject: subject[language])
    }

    public func reply(reference: String, token: String, language: Language, text: String, recipient: String) -> OutboxDraft {
        mail(ReplyMail(sv: language == .sv, en: language == .en, reference: reference, text: text,
                       trackingURL: trackingURL(token: token, language: language), replyable: repliesReachReports),
             to: recipient, subject: MailTexts.replySubject(Self.subjectReference(reference))[language])
    }

    /// To the reporter: the report was raised one step, with the handläggare's plain sentence.
    public func escalationNotice(reference: String, token: String, language: Language, level: EscalationLevel, text: String, recipient: String) -> OutboxDraft {
        mail(EscalationNoticeMail(sv: language == .sv, en: language == .en, reference: reference, levelName: level.name[language], text: text,
                                  trackingURL: trackingURL(token: token, language: language)),
             to: recipient, subject: MailTexts.escalationNoticeSubject(Self.subjectReference(reference))[language])
    }

    /// To the sender of a mail that was not stored because it carried a personnummer,
    /// samordningsnummer or a name: why (without quoting it) and how to send again.
    public func mailRefused(finding: PrivacyFinding, recipient: String, regionKey: String, agreementKey: String?) -> OutboxDraft {
        let isName = switch finding {
        case .personName, .possibleName: true
        case .personalIdentityNumber, .coordinationNumber: false
        }
        return mail(MailRefusedMail(identityNumber: !isName, name: isName, formURL: formURL(regionKey: regionKey, agreementKey: agreementKey)),
                    to: recipient, subject: MailTexts.mailRefusedSubject)
    }

    // MARK: to staff (Swedish, then English)

    private func agreementName(_ key: String?) -> LocalizedText {
        key.flatMap(catalogue.agreement)?.name ?? MailTexts.unclassifiedShort
    }

    public func assigned(reference: String, reportId: Int64, agreementKey: String?, feedbackDue: CalendarDay, assignee: StaffUser, by name: String) -> OutboxDraft {
        let agreement = agreementName(agreementKey)
        return mail(AssignmentMail(reference: reference, assignee: assignee.name, by: name, agreementSv: agreement.sv, agreementEn: agreement.en,
                                   feedbackDateSv: feedbackDue.formatted(.sv), feedbackDateEn: feedbackDue.formatted(.en),
                                   staffURL: staffReportURL(id: reportId)),
                    to: assignee.email, subject: MailTexts.assignmentSubject(reference))
    }

    public func escalated(_ facts: ReportFacts, level: EscalationLevel, reason: String, publicText: String, by name: String) -> OutboxDraft {
        mail(EscalationMail(levelName: level.name[facts.language], by: name, reason: reason, publicText: publicText), facts: factsModel(facts),
             to: level.mailbox, subject: MailTexts.escalationSubject(facts.reference, level: level.name)[facts.language])
    }

    public func reporterAdded(reference: String, reportId: Int64, text: String, recipient: String, byMail: Bool = false) -> OutboxDraft {
        mail(ReporterAdditionMail(reference: reference, text: text, staffURL: staffReportURL(id: reportId), byMail: byMail),
             to: recipient, subject: MailTexts.reporterAdditionSubject(reference))
    }

    public func reminder(reference: String, reportId: Int64, agreementKey: String?, feedbackDue: CalendarDay, overdue: Bool, recipient: String) -> OutboxDraft {
        let agreement = agreementName(agreementKey)
        return mail(ReminderMail(reference: reference, overdue: overdue, agreementSv: agreement.sv, agreementEn: agreement.en,
                                 feedbackDateSv: feedbackDue.formatted(.sv), feedbackDateEn: feedbackDue.formatted(.en),
                                 staffURL: staffReportURL(id: reportId)),
                    to: recipient, subject: overdue ? MailTexts.overdueSubject(reference) : MailTexts.reminderSubject(reference, feedbackDue: feedbackDue))
    }

    public func passwordReset(user: StaffUser, token: String) -> OutboxDraft {
        mail(PasswordResetMail(name: user.name, resetURL: "\(publicURL)/losenord/aterstall/\(token)", minutes: Int(PasswordPolicy.resetValidity / 60),
                               loginURL: "\(publicURL)/login"),
             to: user.email, subject: MailTexts.passwordResetSubject)
    }

    /// A summary, rendered now (`SummarySender` builds its model).
    public func summary(_ mail: SummaryMail, to recipient: String, subject: String) -> OutboxDraft {
        self.mail(mail, to: recipient, subject: subject)
    }
}
