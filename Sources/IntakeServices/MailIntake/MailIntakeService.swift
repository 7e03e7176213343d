import Foundation
import IntakeDomain
import IntakeMail
import IntakeStore
import Logging
import ServiceLifecycle

/// Reads the configured mailboxes over IMAP and turns each new mail into what it is: a report
/// (channel "e-post"), the reporter's reply to one of our mails (an addition to that report),
/// a refusal (identity numbers or names: nothing stored, the sender told why), or nothing
/// (auto-replies, bounces, list mail, our own mail).
///
/// Exactly once: a mail's Message-ID (or the hash of the message) is written in the same
/// transaction as what it caused, and only after that commit is the message flagged `\Seen` and
/// moved to the done folder. A crash in between leaves it in the folder; the next poll finds its
/// key already stored and only moves it.
public struct MailIntakeService: NamedService {
    let services: AppServices
    let mailboxes: [IMAPMailbox]
    let inbound: InboundMailRepository
    /// The channel mailed reports are filed under.
    public static let channel = ReportChannel.email

    public init(services: AppServices, mailboxes: [IMAPMailbox]) {
        self.services = services
        self.mailboxes = mailboxes
        inbound = InboundMailRepository(database: services.database)
    }

    /// The catalogue must know every mailbox's route: an agreement key or a region key.
    public static func routeProblems(_ mailboxes: [IMAPMailbox], catalogue: Catalogue) -> [String] {
        mailboxes.compactMap { mailbox in
            if catalogue.agreement(mailbox.route) != nil || catalogue.region(mailbox.route) != nil { return nil }
            let prefix = mailbox.name.isEmpty ? "INTAKE_IMAP_" : "INTAKE_IMAP_\(mailbox.name)_"
            return "\(prefix)ROUTE=\(mailbox.route) is neither an agreement key nor a region key of the catalogue in Forms/"
        }
    }

    public func run() async throws {
        guard !mailboxes.isEmpty else { return }
        logger.info("mail intake started", metadata: ["mailboxes": .string(mailboxes.map(\.label).joined(separator: ","))])
        await withTaskGroup(of: Void.self) { group in
            for mailbox in mailboxes {
                group.addTask { await self.loop(mailbox) }
            }
        }
        logger.info("mail intake stopped")
    }

    var logger: Logger { services.logger }

    func loop(_ mailbox: IMAPMailbox) async {
        var backoff = RetryBackoff()
        let queue = DispatchQueue(label: "samverkan-intake.imap.\(mailbox.label)")
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Not cancelled with the service: a poll that committed a report finishes its IMAP move.
            let result = await Task.detached { await self.poll(mailbox, queue: queue) }.value
            let wait: Duration
            let now = services.clock()
            switch result {
            case .success:
                backoff.reset()
                services.mailIntakeStatus.ok(mailbox.label)
                services.metrics.mailIntakePoll(mailbox: mailbox.label, ok: true, failures: 0, at: now)
                wait = .seconds(mailbox.pollSeconds)
            case .failure(let error):
                let failures = services.mailIntakeStatus.failing(mailbox.label, reason: error.description, at: now)
                services.metrics.mailIntakePoll(mailbox: mailbox.label, ok: false, failures: failures, at: now)
                wait = min(backoff.next(), .seconds(max(mailbox.pollSeconds, 60)))
                logger.warning("mailbox could not be read; retrying", metadata: [
                    "mailbox": .string(mailbox.label), "error": .string(error.description),
                    "failures": .stringConvertible(failures), "retry_in_s": .stringConvertible(RetryBackoff.seconds(wait)),
                ])
            }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: wait)
            }
        }
    }

    /// Runs blocking IMAP work on the mailbox's own queue, off the cooperative pool.
    func onQueue<T: Sendable>(_ queue: DispatchQueue, _ work: @escaping @Sendable () throws(MailError) -> T) async throws(MailError) -> T {
        let result: Result<T, MailError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(MailError) { continuation.resume(returning: .success(try work())) }
                catch { continuation.resume(returning: .failure(error)) }
            }
        }
        return try result.get()
    }

    /// One pass over the mailbox: every message still in the folder, oldest first.
    func poll(_ mailbox: IMAPMailbox, queue: DispatchQueue) async -> Result<Int, ServiceError> {
        do {
            let session = try await onQueue(queue) { () throws(MailError) in try IMAPSession(mailbox: mailbox) }
            let uids = try await onQueue(queue) { () throws(MailError) in
                try session.ensureDoneFolder()
                return try session.pendingUIDs()
            }
            var handled = 0
            for uid in uids {
                guard let bytes = try await onQueue(queue, { () throws(MailError) in try session.fetch(uid: uid) }) else {
                    logger.warning("mail too large or gone; moved to the done folder unread", metadata: ["mailbox": .string(mailbox.label), "uid": .stringConvertible(uid)])
                    try await onQueue(queue) { () throws(MailError) in try session.finish(uid: uid) }
                    continue
                }
                let outcome: String
                do {
                    outcome = try await handle(bytes, mailbox: mailbox)
                } catch {
                    // Not stored (the database cannot be written): the message stays for the next poll.
                    services.database.storage.noteFailure(error, during: "mail intake")
                    return .failure(ServiceError.mailbox("the mail could not be stored: the database cannot be written"))
                }
                services.metrics.mailIntakeMessage(mailbox: mailbox.label, outcome: outcome)
                if let pause = services.configuration.imapTestPauseBeforeMove {
                    // Tests only: a window between the commit and the IMAP move to kill the process in.
                    logger.notice("test pause between commit and IMAP move", metadata: ["pause_s": .stringConvertible(pause)])
                    try? await Task.sleep(for: .seconds(pause))
                }
                try await onQueue(queue) { () throws(MailError) in try session.finish(uid: uid) }
                handled += 1
            }
            return .success(handled)
        } catch {
            return .failure(ServiceError.mailbox(error.description))
        }
    }

    // MARK: one mail

    /// Handles one message and returns what it became (`report`, `addition`, `refused`,
    /// `ignored`, `duplicate`). Returns only once that is committed.
    public func handle(_ bytes: [UInt8], mailbox: IMAPMailbox) async throws -> String {
        let message = InboundMessage.parse(bytes)
        let key = Self.key(of: message, bytes: bytes)
        let record = InboundMailRecord(key: key, mailbox: mailbox.label)
        let now = services.clock()
        let log: Logger.Metadata = ["mailbox": .string(mailbox.label)]
        if try await inbound.outcome(of: key) != nil {
            logger.info("mail already handled (moved after a restart)", metadata: log)
            return "duplicate"
        }
        if let reason = try await ignoreReason(message) {
            try await inbound.recordWithoutReport(record, outcome: .ignored, mails: [], now: now)
            logger.info("mail ignored", metadata: log.merging(["reason": .string(reason)]) { a, _ in a })
            return "ignored"
        }

        let sender = message.fromAddress.flatMap { ReportForm.isPlausibleEmail($0) ? $0 : nil }
        let catalogue = services.catalogue
        let agreement = catalogue.agreement(mailbox.route)
        guard let region = catalogue.region(agreement?.regionKey ?? mailbox.route) else {
            throw ServiceError.mailbox("INTAKE_IMAP ROUTE \(mailbox.route) names nothing in the catalogue")
        }
        var attachmentLines: [String] = []
        for attachment in message.attachments where Self.isDocx(attachment) {
            do throws(MailError) {
                attachmentLines += try DocxText.lines(of: attachment.data) + [""]
            } catch {
                logger.info("a .docx attachment could not be read; the mail's text is used", metadata: log)
            }
        }
        let ownText = MailReport.ownText(message.bodyText)
        let form = ReportForm(catalogue: catalogue, region: region, agreement: agreement)

        // Privacy first: nothing of a mail with an identity number or a name is stored.
        if let finding = MailReport.privacyFinding(subject: message.subject, text: ownText, attachmentLines: attachmentLines, form: form) {
            let mails = sender.map { [services.mailComposer.mailRefused(finding: finding, recipient: $0, regionKey: region.key, agreementKey: agreement?.key)] } ?? []
            try await inbound.recordWithoutReport(record, outcome: .refused, mails: mails, now: now)
            logger.notice("mail refused: identity number or name found; nothing stored, the sender was told", metadata: log)
            return "refused"
        }

        // A reply to one of our mails, from the report's own address: the reporter's addition.
        let ids = message.inReplyTo + message.references
        if !ids.isEmpty || InboundMailRepository.reference(in: message.subject) != nil,
           let target = try await inbound.replyTarget(messageIds: ids, subject: message.subject, domain: services.configuration.mail.messageIdDomain),
           let sender, let reporter = target.reporterEmail, reporter.lowercased() == sender.lowercased() {
            var text = ownText
            if !attachmentLines.isEmpty { text += "\n\n" + attachmentLines.joined(separator: "\n") }
            text = MailReport.truncated(text.trimmingCharacters(in: .whitespacesAndNewlines), to: 4000)
            if text.isEmpty { text = "(Tomt svar)" }
            if try await services.triage.reporterAddsByMail(reportId: target.reportId, text: text, mail: record, now: now) {
                logger.info("reply by mail added to its report", metadata: log.merging(["report_id": .stringConvertible(target.reportId)]) { a, _ in a })
                return "addition"
            }
            return "duplicate"
        }

        // A new report. A reply that matched no report (or came from another address) goes to the
        // region's triage rather than to the mailbox's agreement.
        let domain = "@" + services.configuration.mail.messageIdDomain.lowercased()
        let isUnmatchedReply = InboundMailRepository.reference(in: message.subject) != nil || ids.contains { $0.lowercased().hasSuffix(domain) }
        let reportForm = isUnmatchedReply ? ReportForm(catalogue: catalogue, region: region, agreement: nil) : form
        let today = CalendarDay(now)
        let result = MailReport.draft(subject: message.subject, text: ownText, attachmentLines: attachmentLines, senderAddress: sender,
                                      senderName: message.fromName, form: reportForm, receivedOn: today, today: today)
        let labels = result.missing.map { Self.label(of: $0, form: reportForm) }
        let composer = services.mailComposer
        let filed: FiledReport
        do {
            filed = try await services.reports.file(
                result.draft, channel: Self.channel, initialState: catalogue.lifecycle.initialKey, now: now, missingFields: result.missing,
                inboundMail: record,
                mails: { token, due in composer.reportFiled(result.draft, channel: Self.channel, trackingToken: token, feedbackDueOn: due, missingLabels: labels) })
        } catch {
            // Another poll stored it meanwhile (the key is unique): nothing more to do.
            if (try? await inbound.outcome(of: key)) != nil { return "duplicate" }
            throw error
        }
        services.metrics.reportReceived(region: filed.draft.regionKey, agreement: filed.draft.agreementKey, channel: Self.channel)
        services.metrics.stateChanged(from: nil, to: filed.stateKey)
        logger.info("mail filed as report", metadata: log.merging([
            "report_id": .stringConvertible(filed.id), "missing_fields": .string(result.missing.joined(separator: ",")),
        ]) { a, _ in a })
        return "report"
    }

    /// The Message-ID, or `sha256:` and the message's hash when it has none.
    static func key(of message: InboundMessage, bytes: [UInt8]) -> String {
        if let id = message.messageId, !id.isEmpty, id.utf8.count <= 500 { return id }
        return "sha256:" + Digest.hex(Digest.sha256(bytes))
    }

    static func isDocx(_ attachment: InboundMessage.Attachment) -> Bool {
        attachment.filename.lowercased().hasSuffix(".docx")
            || attachment.contentType == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    }

    static func label(of key: String, form: ReportForm) -> String {
        if let field = form.commonFields.first(where: { $0.key == key }) { return field.label.sv }
        if let field = form.extraFields.first(where: { ReportForm.extraFieldName($0.key) == key }) { return field.label.sv }
        return key
    }

    /// Why a mail is not turned into anything, or nil.
    func ignoreReason(_ message: InboundMessage) async throws -> String? {
        if !message.autoSubmitted.isEmpty && message.autoSubmitted != "no" { return "Auto-Submitted" }
        if let path = message.returnPath, path.replacingOccurrences(of: " ", with: "") == "<>" { return "bounce (Return-Path <>)" }
        if ["bulk", "junk", "list", "auto_reply"].contains(message.precedence) { return "Precedence" }
        if message.hasListHeaders { return "mailing list" }
        if message.hasAutoReplyHeaders { return "auto-reply headers" }
        if message.contentType == "multipart/report" { return "delivery status report" }
        let subject = message.subject.lowercased()
        if ["automatiskt svar", "autosvar", "out of office", "frånvaromeddelande", "automatic reply", "autoreply", "undeliverable", "olevererbart",
            "delivery status notification"].contains(where: { subject.hasPrefix($0) }) {
            return "auto-reply subject"
        }
        let mail = services.configuration.mail
        if let from = message.fromAddress {
            if from == mail.fromAddress.lowercased() || from == mail.replyTo?.lowercased() { return "our own mail" }
            let local = from.split(separator: "@").first.map { $0.lowercased() } ?? ""
            if ["mailer-daemon", "postmaster"].contains(local) { return "mailer daemon" }
        } else {
            return "no sender"
        }
        if let id = message.messageId, try await inbound.isOurs(messageId: id, domain: mail.messageIdDomain) { return "our own mail" }
        return nil
    }
}
