import Foundation
import Hummingbird
import IntakeDomain
import IntakeServices
import IntakeStore
import NIOCore

/// Open311 GeoReport v2 under /open311/v2, in JSON and XML (the `.json`/`.xml` suffix picks the
/// format). Filing goes through the same validation, privacy refusal and routing as the web form.
/// No reporter contact data is ever returned; the text of a report and the replies to its reporter
/// only to the client that filed it (by its api_key) or to a token whose user may see the report.
struct Open311Controller: Sendable {
    let services: AppServices

    /// The GeoReport v2 window: at most 90 days between start_date and end_date, the last 90 days by default.
    static let maximumWindow: TimeInterval = 90 * 86_400
    static let changeset = "2026-11-25T00:00:00+01:00"

    func addRoutes(to router: RouteTable) {
        let group = router.group("/open311/v2")
        let attributes = Self.attributeParameters(catalogue)
        group.get(":file", reads: .init(query: ["jurisdiction_id", "api_key", "service_request_id", "service_code", "start_date", "end_date", "status"]), use: top)
        group.post(":file", reads: .init(query: ["api_key"], form: ["api_key", "jurisdiction_id", "service_code", "lang", "description", "email", "phone", "first_name", "last_name"] + attributes), use: post)
        group.get("services/:file", reads: .init(query: ["jurisdiction_id"]), use: serviceDefinition)
        group.get("requests/:file", reads: .init(query: ["jurisdiction_id", "api_key"]), use: oneRequest)
        group.methodNotAllowed(":file", allowed: [.get, .post], respond: Self.methodNotAllowed)
        group.methodNotAllowed("services/:file", allowed: [.get], respond: Self.methodNotAllowed)
        group.methodNotAllowed("requests/:file", allowed: [.get], respond: Self.methodNotAllowed)
    }

    private var catalogue: Catalogue { services.catalogue }

    /// `attribute[code]` for every field any service has (common and extra fields).
    static func attributeParameters(_ catalogue: Catalogue) -> [String] {
        var codes = catalogue.form.fields.map(\.key)
        for agreement in catalogue.agreements {
            for field in agreement.fields where !codes.contains(field.key) { codes.append(field.key) }
        }
        return codes.map { "attribute[\($0)]" }
    }
    private var today: CalendarDay { CalendarDay(services.clock()) }

    /// An Open311 refusal: the status and the specification's list of descriptions.
    static func failure(_ status: HTTPResponse.Status, _ descriptions: String...) -> AppError {
        .open311(status: status, descriptions: descriptions)
    }

    /// 405 with `Allow`; only `requests` takes POST.
    @Sendable static func methodNotAllowed(_ request: Request, _ context: AppRequestContext, _ allow: String) -> Response {
        let file = context.parameters.get("file") ?? ""
        let format = Open311Format.split(file)?.format ?? .json
        let allowed = request.uri.path.hasPrefix("/open311/v2/requests.") ? allow : "GET"
        var response = Open311Document.errorResponse(.methodNotAllowed, ["Metoden \(request.method.rawValue) stöds inte här. Tillåtna: \(allowed)."], format: format)
        response.headers[.allow] = allowed
        return response
    }

    /// Runs a handler for `name.format`, turning failures into the specification's error list.
    private func respond(_ context: AppRequestContext, _ body: (String, Open311Format) async throws -> Response) async throws -> Response {
        guard let (name, format) = Open311Format.split(context.parameters.get("file") ?? "") else {
            return Open311Document.errorResponse(.notFound, ["Okänd adress: använd .json eller .xml, till exempel /open311/v2/services.json."], format: .json)
        }
        do {
            return try await body(name, format)
        } catch AppError.open311(let status, let descriptions) {
            return Open311Document.errorResponse(status, descriptions, format: format)
        }
    }

    /// Query parameters (and, for POST, the urlencoded body) by name, with every value.
    static func parameters(_ request: Request) throws -> FormValues {
        guard let query = request.uri.query, !query.isEmpty else { return [:] }
        do {
            return try FormBody.parse(Array(query.utf8))
        } catch {
            throw Self.failure(.badRequest, "Frågesträngen kunde inte läsas (felaktig kodning).")
        }
    }

    static func single(_ values: FormValues, _ name: String) -> String? {
        values[name]?.first.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `jurisdiction_id` is a region key (`stockholm`, `orebro`, `varmland`); optional, as service codes are unique.
    func jurisdiction(_ values: FormValues) throws -> Region? {
        guard let id = Self.single(values, "jurisdiction_id") else { return nil }
        guard let region = catalogue.region(id) else {
            throw Self.failure(.notFound, "jurisdiction_id \(id) finns inte. Giltiga: \(catalogue.regions.map(\.key).joined(separator: ", ")).")
        }
        return region
    }

    /// An api_key, if one was given: it must be live. Nil when none was given.
    func apiToken(_ values: FormValues) async throws -> APIToken? {
        guard let key = Self.single(values, "api_key") else { return nil }
        guard let token = try await services.apiTokens.authenticate(key, now: services.clock()) else {
            throw Self.failure(.forbidden, "api_key är ogiltig eller återkallad.")
        }
        return token
    }

    // MARK: GET discovery, services, requests

    @Sendable func top(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await respond(context) { name, format in
            let values = try Self.parameters(request)
            switch name {
            case "discovery": return discovery().response(format)
            case "services": return serviceList(region: try jurisdiction(values)).response(format)
            case "requests": return try await requests(values).response(format)
            default: throw Self.failure(.notFound, "Okänd adress.")
            }
        }
    }

    func discovery() -> Open311Document {
        let base = services.configuration.publicURL + "/open311/v2/"
        return Open311Document(root: "discovery", value: .object([
            ("changeset", .text(Self.changeset)),
            ("contact", .text("Samverkansbrister, se \(services.configuration.publicURL)/")),
            ("key_service", .text("API-nycklar (api_key) delas ut av en administratör: intake token create --user E-POST --read-write.")),
            ("endpoints", .list(item: "endpoint", [.object([
                ("specification", .text("http://wiki.open311.org/GeoReport_v2")),
                ("url", .text(base)),
                ("changeset", .text(Self.changeset)),
                ("type", .text("production")),
                ("formats", .list(item: "format", [.text("text/xml"), .text("application/json")])),
            ])])),
        ]))
    }

    func serviceList(region: Region?) -> Open311Document {
        let list = Open311.services(catalogue, today: today, regionKey: region?.key)
        return Open311Document(root: "services", value: .list(item: "service", list.map { service in
            .object([
                ("service_code", .text(service.code)),
                ("service_name", .text(service.name)),
                ("description", .text(service.description)),
                ("metadata", .bool(true)),
                ("type", .text("realtime")),
                ("keywords", .text(service.region.key)),
                ("group", .text(service.group)),
            ])
        }))
    }

    @Sendable func serviceDefinition(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await respond(context) { code, format in
            let region = try jurisdiction(try Self.parameters(request))
            guard let service = Open311.service(code: code, catalogue: catalogue, today: today), region == nil || region?.key == service.region.key else {
                throw Self.failure(.notFound, "service_code \(code) finns inte.")
            }
            let attributes = Open311.attributes(for: service, catalogue: catalogue)
            return Open311Document(root: "service_definition", value: .object([
                ("service_code", .text(service.code)),
                ("attributes", .list(item: "attribute", attributes.map { attribute in
                    .object([
                        ("variable", .bool(true)),
                        ("code", .text(attribute.code)),
                        ("datatype", .text(attribute.datatype.rawValue)),
                        ("required", .bool(attribute.required)),
                        ("datatype_description", .text(attribute.datatypeDescription)),
                        ("order", .int(attribute.order)),
                        ("description", .text(attribute.description)),
                        ("values", .list(item: "value", attribute.values.map { .object([("key", .text($0.key)), ("name", .text($0.name))]) })),
                    ])
                })),
            ])).response(format)
        }
    }

    func requests(_ values: FormValues) async throws -> Open311Document {
        let token = try await apiToken(values)
        let region = try jurisdiction(values)
        let now = services.clock()
        var from = now.addingTimeInterval(-Self.maximumWindow)
        var to = now
        // With service_request_id every other filter is ignored, as the specification says (but must still be well-formed).
        let byId = Self.single(values, "service_request_id") != nil
        var start = try values["start_date"]?.first.map { try Self.dateTime($0, name: "start_date") }
        var end = try values["end_date"]?.first.map { try Self.dateTime($0, name: "end_date") }
        if byId { (start, end) = (nil, nil) }
        switch (start, end) {
        case let (start?, end?):
            guard start <= end else { throw Self.failure(.badRequest, "start_date måste vara före end_date.") }
            guard end.timeIntervalSince(start) <= Self.maximumWindow else {
                throw Self.failure(.badRequest, "Högst 90 dagar mellan start_date och end_date.")
            }
            (from, to) = (start, end)
        case let (start?, nil): (from, to) = (start, start.addingTimeInterval(Self.maximumWindow))
        case let (nil, end?): (from, to) = (end.addingTimeInterval(-Self.maximumWindow), end)
        case (nil, nil): break
        }
        var filter = Open311RequestFilter(from: from, to: to)
        filter.regionKey = region?.key
        if let ids = Self.single(values, "service_request_id") {
            filter.references = Self.commaList(ids).map { $0.uppercased() }
        }
        if let codes = Self.single(values, "service_code") {
            var keys: [String] = []
            for code in Self.commaList(codes) {
                if code.hasPrefix(Open311.unknownServicePrefix) {
                    filter.unclassifiedRegions.append(String(code.dropFirst(Open311.unknownServicePrefix.count)))
                } else {
                    keys.append(code)
                }
            }
            filter.agreementKeys = keys
        }
        if let statuses = Self.single(values, "status") {
            let lifecycle = catalogue.lifecycle
            var states: [String] = []
            for status in Self.commaList(statuses) {
                switch status {
                case "open": states += lifecycle.states.filter(\.isOpen).map(\.key)
                case "closed": states += lifecycle.states.filter { !$0.isOpen }.map(\.key)
                default: throw Self.failure(.badRequest, "status måste vara open eller closed (eller open,closed).")
                }
            }
            filter.stateKeys = states
        }
        let rows = try await services.cases.open311Requests(filter)
        return Open311Document(root: "service_requests", value: .list(item: "request", rows.map { serviceRequest($0, token: token) }))
    }

    @Sendable func oneRequest(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await respond(context) { id, format in
            let values = try Self.parameters(request)
            let token = try await apiToken(values)
            let region = try jurisdiction(values)
            var filter = Open311RequestFilter(from: .distantPast, to: .distantFuture)
            filter.references = [id.uppercased()]
            guard let row = try await services.cases.open311Requests(filter).first, region == nil || region?.key == row.regionKey else {
                throw Self.failure(.notFound, "service_request_id \(id) finns inte.")
            }
            return Open311Document(root: "service_requests", value: .list(item: "request", [serviceRequest(row, token: token)])).response(format)
        }
    }

    static func commaList(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func dateTime(_ text: String, name: String) throws -> Date {
        if let date = Open311.parseDateTime(text.trimmingCharacters(in: .whitespaces)) { return date }
        throw Self.failure(.badRequest, "\(name) måste vara en W3C-tidpunkt, till exempel 2026-11-01T00:00:00+01:00.")
    }

    func serviceRequest(_ row: PublicRequestRow, token: APIToken?) -> Open311Value {
        let mayRead = token.map { $0.id == row.filedWithTokenId || AccessPolicy.canSee(reportRoutedTo: row.functionKeys, by: $0.user) } ?? false
        let state = catalogue.lifecycle.state(row.stateKey)
        return .object([
            ("service_request_id", .text(row.reference)),
            ("status", .text(state?.isOpen ?? true ? "open" : "closed")),
            ("status_notes", .string(mayRead ? row.latestReply : nil)),
            ("service_name", .text(Open311.serviceName(agreementKey: row.agreementKey, regionKey: row.regionKey, catalogue: catalogue))),
            ("service_code", .text(Open311.serviceCode(agreementKey: row.agreementKey, regionKey: row.regionKey))),
            ("description", .string(mayRead ? row.whatHappened : nil)),
            ("agency_responsible", .text(row.functionKeys.map { catalogue.function($0)?.name.sv ?? $0 }.joined(separator: "; "))),
            ("service_notice", .string(state.map { "\($0.name.sv): \($0.description.sv)" })),
            ("requested_datetime", .text(Open311.formatDateTime(row.receivedAt))),
            ("updated_datetime", .text(Open311.formatDateTime(row.updatedAt))),
            ("expected_datetime", .text(Open311.formatDateTime(Open311.endOfDay(row.feedbackDueOn)))),
            ("address", .string(nil)),
            ("address_id", .string(nil)),
            ("zipcode", .string(nil)),
            ("lat", .string(nil)),
            ("long", .string(nil)),
            ("media_url", .string(nil)),
        ])
    }

    // MARK: POST requests

    @Sendable func post(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await respond(context) { name, format in
            guard name == "requests" else {
                guard ["discovery", "services"].contains(name) else { throw Self.failure(.notFound, "Okänd adress.") }
                var response = Open311Document.errorResponse(.methodNotAllowed, ["Metoden POST stöds inte här. Tillåtna: GET."], format: format)
                response.headers[.allow] = "GET"
                return response
            }
            var values = try Self.parameters(request)
            let body = try await PublicReportController.readForm(request, limit: services.configuration.maxBodyBytes)
            for (key, list) in body { values[key] = list }
            guard let token = try await apiToken(values) else { throw Self.failure(.forbidden, "api_key krävs för att skicka in en rapport.") }
            guard token.readWrite else { throw Self.failure(.forbidden, "api_key får bara läsa; en nyckel som får skriva krävs.") }
            let language = Language(parameter: values["lang"]?.first)
            let region = try jurisdiction(values)
            guard let code = Self.single(values, "service_code") else { throw Self.failure(.badRequest, "service_code saknas.") }
            guard let service = Open311.service(code: code, catalogue: catalogue, today: today) else {
                throw Self.failure(.notFound, "service_code \(code) finns inte.")
            }
            if let region, region.key != service.region.key {
                throw Self.failure(.badRequest, "service_code \(code) hör inte till jurisdiction_id \(region.key).")
            }
            let unknown = Open311.unknownAttributes(values, service: service, catalogue: catalogue)
            guard unknown.isEmpty else {
                throw AppError.open311(status: .badRequest, descriptions: unknown.map { "\($0) finns inte för service_code \(code)." })
            }
            let form = ReportForm(catalogue: catalogue, region: service.region, agreement: service.agreement)
            switch form.validate(Open311.formValues(values, service: service, catalogue: catalogue), language: language, today: today) {
            case .failure(let rejection):
                services.metrics.reportRefused()
                context.logger.info("open311 report refused", metadata: ["fields": .string(rejection.errors.map(\.fieldKey).joined(separator: ","))])
                throw AppError.open311(status: .badRequest, descriptions: rejection.errors.map { error in
                    let confirm = error.unconfirmedNames.isEmpty ? "" : language == .sv
                        ? " Om det inte är ett namn: skicka igen med \(Open311.notNamesParameter)=\(error.unconfirmedNames.joined(separator: ","))."
                        : " If it is not a name: send again with \(Open311.notNamesParameter)=\(error.unconfirmedNames.joined(separator: ","))."
                    return "\(Self.parameterName(error.fieldKey)): \(error.message[language])" + confirm
                })
            case .success(let draft):
                let composer = services.mailComposer
                let filed = try await services.reports.file(draft, channel: .open311, initialState: catalogue.lifecycle.initialKey, now: services.clock(),
                                                            filedWithToken: token.id) { composer.reportFiled(draft, channel: .open311, trackingToken: $0, feedbackDueOn: $1) }
                services.metrics.reportReceived(region: draft.regionKey, agreement: draft.agreementKey, channel: .open311)
                services.metrics.stateChanged(from: nil, to: filed.stateKey)
                context.logger.info("report filed", metadata: [
                    "reference": .string(filed.reference), "agreement": .string(service.code), "channel": "open311",
                    "token": .stringConvertible(token.id),
                ])
                let owners = draft.routes.compactMap { catalogue.function($0.functionKey)?.name.sv }.joined(separator: "; ")
                return Open311Document(root: "service_requests", value: .list(item: "request", [.object([
                    ("service_request_id", .text(filed.reference)),
                    ("service_notice", .text("Mottagen. Hanteras av \(owners). Återkoppling senast \(filed.feedbackDueOn).")),
                    ("account_id", .string(nil)),
                ])])).response(format, status: .created)
            }
        }
    }

    /// The Open311 parameter a form field came from, for error messages.
    static func parameterName(_ fieldKey: String) -> String {
        switch fieldKey {
        case CommonField.whatHappened.rawValue: "description"
        case CommonField.reporterEmail.rawValue: "email"
        case CommonField.reporterPhone.rawValue: "phone"
        case CommonField.reporterName.rawValue: "first_name/last_name"
        default: "attribute[\(fieldKey)]"
        }
    }
}
