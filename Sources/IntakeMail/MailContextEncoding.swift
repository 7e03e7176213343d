import Foundation
import IntakeDomain

/// How a mail model becomes the JSON stored with a queued message, and back.
enum MailContextEncoding {
    /// `INTAKE_BENCH_PLAIN=mailjson`: the plain `JSONEncoder` for the mails queued on every submission.
    static let plain = BenchPlain.mailJSON

    /// The acknowledgement's JSON, written member by member on the submission path unless `plain`.
    static func json(_ mail: AcknowledgementMail) -> String { plain ? encoded(mail) : fastJSON(mail) }
    static func json(_ mail: OwnerNotificationMail) -> String { plain ? encoded(mail) : fastJSON(mail) }

    /// The plain code: `JSONEncoder`. Nil Optionals are left out, as the fast writer does.
    static func encoded<Model: Encodable>(_ mail: Model) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Strings, booleans, integers and arrays of them: encoding cannot fail.
        guard let data = try? encoder.encode(mail) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The stored JSON as the model; nil when it does not decode into it (an older or foreign row).
    static func decode<Model: Decodable>(_ type: Model.Type, from json: String) -> Model? {
        try? JSONDecoder().decode(type, from: Data(json.utf8))
    }

    /// The fast path: no encoder, no intermediate `Data`.
    static func fastJSON(_ mail: AcknowledgementMail) -> String {
        var out = TemplateContext.Writer()
        out.add("reference", mail.reference)
        out.add("sv", mail.sv)
        out.add("en", mail.en)
        out.add("agreement", mail.agreement)
        out.add("hasAgreement", mail.hasAgreement)
        out.add("region", mail.region)
        out.add("functions", objects: mail.functions, key: "name", \.name)
        out.add("triage", mail.triage)
        out.add("feedbackDate", mail.feedbackDate)
        out.add("trackingURL", mail.trackingURL)
        out.add("byPhone", mail.byPhone)
        out.add("reporterName", mail.reporterName)
        out.add("replyable", mail.replyable)
        out.add("viaMail", mail.viaMail)
        out.add("formURL", mail.formURL)
        out.add("hasMissing", mail.hasMissing)
        if let missing = mail.missing { out.add("missing", objects: missing, key: "label", \.label) }
        return out.json
    }

    static func fastJSON(_ mail: OwnerNotificationMail) -> String {
        var out = TemplateContext.Writer()
        out.add("reference", mail.reference)
        out.add(TemplateContext.reportFactsKey, mail.reportFacts)
        out.add("functionName", mail.functionName)
        out.add("triage", mail.triage)
        out.add("reclassifiedBy", mail.reclassifiedBy)
        return out.json
    }
}
