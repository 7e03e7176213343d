import Foundation

/// How the catalogue and the report form look through Open311 GeoReport v2: one service per
/// agreement in force plus one "vet inte" service per region, attributes from the form's fields,
/// and the mapping of a service request's parameters to the web form's field names, so a request
/// goes through exactly the same `ReportForm.validate` as the web form. Pure: no HTTP, no SQL.
public enum Open311 {
    /// `vet-inte-stockholm`: a report nobody could classify, routed to that region's triage.
    public static let unknownServicePrefix = "vet-inte-"

    public struct Service: Sendable {
        public var code: String
        public var region: Region
        public var agreement: Agreement?
        public var name: String
        public var description: String
        public var group: String
    }

    public enum Datatype: String, Sendable {
        case string, number, datetime, text, singlevaluelist, multivaluelist
    }

    public struct Attribute: Sendable {
        /// The parameter is `attribute[code]`; the code is the web form's field name.
        public var code: String
        public var datatype: Datatype
        public var required: Bool
        public var description: String
        public var datatypeDescription: String
        public var order: Int
        public var values: [(key: String, name: String)]
    }

    /// Services of the regions (all, or the jurisdiction's), agreements in force today, in catalogue order.
    public static func services(_ catalogue: Catalogue, today: CalendarDay, regionKey: String? = nil) -> [Service] {
        catalogue.regions.filter { regionKey == nil || $0.key == regionKey }.flatMap { region -> [Service] in
            let agreements = catalogue.agreementsByTargetGroup(region: region.key, on: today).flatMap { group, list in
                list.map { service(region: region, agreement: $0, groupName: group.name.sv) }
            }
            return agreements + [unknownService(region)]
        }
    }

    /// The service for a code: an agreement in force today, or `vet-inte-<region>`.
    public static func service(code: String, catalogue: Catalogue, today: CalendarDay) -> Service? {
        if code.hasPrefix(unknownServicePrefix), let region = catalogue.region(String(code.dropFirst(unknownServicePrefix.count))) {
            return unknownService(region)
        }
        guard let agreement = catalogue.agreement(code), agreement.isValid(on: today), let region = catalogue.region(agreement.regionKey) else { return nil }
        return service(region: region, agreement: agreement, groupName: catalogue.targetGroup(agreement.targetGroupKey)?.name.sv ?? agreement.targetGroupKey)
    }

    /// The service code and name for a stored report (its current classification).
    public static func serviceCode(agreementKey: String?, regionKey: String) -> String {
        agreementKey ?? unknownServicePrefix + regionKey
    }

    public static func serviceName(agreementKey: String?, regionKey: String, catalogue: Catalogue) -> String {
        if let key = agreementKey { return catalogue.agreement(key)?.name.sv ?? key }
        return "Vet inte / ingen passar (\(catalogue.region(regionKey)?.name.sv ?? regionKey))"
    }

    static func service(region: Region, agreement: Agreement, groupName: String) -> Service {
        Service(code: agreement.key, region: region, agreement: agreement, name: agreement.name.sv, description: agreement.summary.sv, group: groupName)
    }

    static func unknownService(_ region: Region) -> Service {
        Service(code: unknownServicePrefix + region.key, region: region, agreement: nil,
                name: "Vet inte / ingen passar (\(region.name.sv))",
                description: "Rapporten går till en central mottagning i \(region.name.sv) som tar reda på vem som ska hantera den.",
                group: "Vet inte")
    }

    // MARK: attributes

    /// Common fields that Open311 carries in its own parameters rather than as attributes.
    static let standardParameters: [CommonField: String] = [
        .whatHappened: "description", .reporterEmail: "email", .reporterPhone: "phone", .reporterName: "first_name + last_name",
    ]

    /// The service's attributes: the common form fields Open311 has no parameter for, then the
    /// agreement's extra fields (codes `x_<key>`, as on the web form).
    public static func attributes(for service: Service, catalogue: Catalogue) -> [Attribute] {
        var result: [Attribute] = []
        let parties = service.region.parties.map { (key: $0.key, name: $0.name) }
        for field in catalogue.form.fields {
            guard let common = CommonField(rawValue: field.key), standardParameters[common] == nil else { continue }
            result.append(attribute(field, code: field.key, order: result.count + 1, parties: parties))
        }
        for field in service.agreement?.fields ?? [] {
            result.append(attribute(field, code: ReportForm.extraFieldName(field.key), order: result.count + 1, parties: parties))
        }
        return result
    }

    static func datatype(_ type: FieldType) -> Datatype {
        switch type {
        case .text: .string
        case .textarea: .text
        case .date: .datetime
        case .singleChoice, .yesNo, .party: .singlevaluelist
        case .multiChoice, .parties: .multivaluelist
        }
    }

    static func attribute(_ field: FieldDefinition, code: String, order: Int, parties: [(key: String, name: String)]) -> Attribute {
        let datatype = datatype(field.type)
        let values: [(key: String, name: String)] = switch field.type {
        case .party, .parties: parties
        default: field.choices(in: .sv).map { (key: $0.key, name: $0.label) }
        }
        var explanation = field.help?.sv ?? ""
        switch datatype {
        case .datetime: explanation = [explanation, "Datum som ÅÅÅÅ-MM-DD (eller en W3C-tidpunkt; dagen räknas i svensk tid)."].filter { !$0.isEmpty }.joined(separator: " ")
        case .string, .text: explanation = [explanation, "Högst \(field.effectiveMaxLength) tecken."].filter { !$0.isEmpty }.joined(separator: " ")
        default: break
        }
        return Attribute(code: code, datatype: datatype, required: field.required, description: field.label.sv,
                         datatypeDescription: explanation, order: order, values: values)
    }

    // MARK: a service request → the web form's values

    /// Maps Open311 parameters to the web form's field names: `description` → what_happened,
    /// `email`, `phone`, `first_name` + `last_name` → contact fields, `attribute[code]` (and
    /// `attribute[code][]` for multivaluelist) → the field `code`. Datetimes become days in Swedish time.
    /// `not_names=Karin` (repeated or comma-separated): the words are not names of persons.
    public static let notNamesParameter = "not_names"

    public static func formValues(_ parameters: FormValues, service: Service, catalogue: Catalogue) -> FormValues {
        var values: FormValues = [:]
        func first(_ name: String) -> String? {
            parameters[name]?.first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        if let text = parameters["description"]?.first { values[CommonField.whatHappened.rawValue] = [text] }
        if let email = first("email") { values[CommonField.reporterEmail.rawValue] = [email] }
        if let phone = first("phone") { values[CommonField.reporterPhone.rawValue] = [phone] }
        let name = [first("first_name"), first("last_name")].compactMap { $0 }.joined(separator: " ")
        if !name.isEmpty { values[CommonField.reporterName.rawValue] = [name] }
        // Words the client confirms are not names of persons (a lone first name is refused until then).
        if let words = parameters[notNamesParameter] { values[ReportForm.confirmedNotNamesField] = words }
        let attributes = attributes(for: service, catalogue: catalogue)
        for attribute in attributes {
            let given = (parameters["attribute[\(attribute.code)]"] ?? []) + (parameters["attribute[\(attribute.code)][]"] ?? [])
            guard !given.isEmpty else { continue }
            values[attribute.code] = attribute.datatype == .datetime ? given.map(day) : given
        }
        return values
    }

    /// Attribute parameters the service does not have (a typo must not lose data silently).
    public static func unknownAttributes(_ parameters: FormValues, service: Service, catalogue: Catalogue) -> [String] {
        let known = Set(attributes(for: service, catalogue: catalogue).map(\.code))
        return parameters.keys.filter { $0.hasPrefix("attribute[") }.compactMap { name -> String? in
            var code = name.dropFirst("attribute[".count)
            if code.hasSuffix("[]") { code = code.dropLast(2) }
            guard code.hasSuffix("]") else { return name }
            code = code.dropLast()
            return known.contains(String(code)) ? nil : name
        }.sorted()
    }

    /// `2026-11-20`, or a W3C datetime converted to its day in Swedish time; anything else is left for the form to refuse.
    static func day(_ value: String) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed.count > 10, let date = parseDateTime(trimmed) { return CalendarDay(date).description }
        return trimmed
    }

    /// A W3C datetime (`2026-11-20T10:00:00+01:00`, `…Z`, with or without fractions of a second).
    public static func parseDateTime(_ value: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: value) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: value)
    }

    /// `2026-11-25T10:00:00+01:00`: W3C format in Swedish time, as GeoReport v2 shows datetimes.
    public static func formatDateTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = CalendarDay.swedishTimeZone
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The end of a deadline day in Swedish time: a report is overdue only after it.
    public static func endOfDay(_ day: CalendarDay) -> Date {
        day.adding(days: 1).startInSweden.addingTimeInterval(-1)
    }
}
