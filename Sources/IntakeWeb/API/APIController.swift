import Foundation
import Hummingbird
import IntakeDomain
import IntakeServices
import IntakeStore
import NIOCore

/// The staff JSON API under /api/v1 (bearer tokens), and its OpenAPI description at
/// /api/openapi.yaml. Every change goes through `TriageService`, like the web pages: the same
/// access rules, workflow rules, audit log and mails. Reporter contact data is never returned.
struct APIController: Sendable {
    let services: AppServices

    func addRoutes(to router: RouteTable) {
        router.get("/api/openapi.yaml") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml; charset=utf-8"
            headers[.cacheControl] = "no-cache"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: services.openAPIDocument)))
        }
        router.methodNotAllowed("/api/openapi.yaml", allowed: [.get], respond: MachineError.apiMethodNotAllowed)
        let api = router.group("/api/v1").add(middleware: APITokenMiddleware(services: services))
        api.methodNotAllowed("me", allowed: [.get], respond: MachineError.apiMethodNotAllowed)
        api.methodNotAllowed("reports", allowed: [.get], respond: MachineError.apiMethodNotAllowed)
        api.methodNotAllowed("reports/:id", allowed: [.get], respond: MachineError.apiMethodNotAllowed)
        for action in ["state", "replies", "notes", "escalations"] {
            api.methodNotAllowed(RouterPath("reports/:id/\(action)"), allowed: [.post], respond: MachineError.apiMethodNotAllowed)
        }
        api.get("me", use: me)
        api.get("reports", reads: .init(query: Self.listParameters), use: list)
        api.get("reports/:id", use: show)
        api.post("reports/:id/state", reads: .init(json: ["state", "message", "not_names"]), use: changeState)
        api.post("reports/:id/replies", reads: .init(json: ["text", "not_names"]), use: reply)
        api.post("reports/:id/notes", reads: .init(json: ["text", "not_names"]), use: addNote)
        api.post("reports/:id/escalations", reads: .init(json: ["reason", "public_text", "confirm"]), use: escalate)
    }

    private var catalogue: Catalogue { services.catalogue }

    static func language(_ request: Request) -> Language {
        if let lang = request.uri.queryParameters["lang"] { return Language(parameter: String(lang)) }
        return request.headers[.acceptLanguage]?.lowercased().hasPrefix("en") == true ? .en : .sv
    }

    static let notFound = AppError.problem(status: .notFound, detail: LocalizedText(sv: "Rapporten finns inte, eller så får du inte se den.", en: "The report does not exist, or you may not see it."))

    private func respond(_ request: Request, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch AppError.problem(let status, let detail) {
            return MachineError.problem(status, detail: detail[Self.language(request)])
        }
    }

    static func json(_ value: Open311Value, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.json)))
    }

    static func user(_ context: AppRequestContext) throws -> StaffUser {
        guard let token = context.apiToken else { throw AppError.problem(status: .unauthorized, detail: LocalizedText(sv: "En API-nyckel krävs.", en: "An API token is required.")) }
        return token.user
    }

    /// Analysts work with statistics only, as on the web.
    static func reportUser(_ context: AppRequestContext) throws -> StaffUser {
        let user = try user(context)
        guard AccessPolicy.canWorkWithReports(user) else {
            throw AppError.problem(status: .forbidden, detail: LocalizedText(sv: "Kontot får inte läsa rapporter.", en: "The account may not read reports."))
        }
        return user
    }

    // MARK: me

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await respond(request) {
            guard let token = context.apiToken else { throw Self.notFound }
            var tokenFields: [(String, Open311Value)] = [("id", .int(Int(token.id))), ("prefix", .text(token.displayPrefix)), ("read_write", .bool(token.readWrite))]
            if let label = token.label { tokenFields.append(("label", .text(label))) }
            return Self.json(.object([
                ("user", .object([
                    ("id", .int(Int(token.user.id))), ("name", .text(token.user.name)), ("email", .text(token.user.email)),
                    ("role", .text(token.user.role.rawValue)),
                    ("functions", .list(item: "function", token.user.functionKeys.sorted().map { .text($0) })),
                ])),
                ("token", .object(tokenFields)),
            ]))
        }
    }

    // MARK: list

    nonisolated(unsafe) static let pattern = /[A-Za-z0-9][A-Za-z0-9_-]{0,99}/

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await respond(request) {
            let user = try Self.reportUser(context)
            let filter = try Self.filter(request, user: user, lifecycle: catalogue.lifecycle)
            let today = CalendarDay(services.clock())
            let (rows, total) = try await services.cases.apiList(filter, visibleTo: user, today: today)
            return Self.json(.object([
                ("reports", .list(item: "report", rows.map { summary($0.0, functions: $0.1, today: today) })),
                ("total", .int(total)),
                ("page", .int(filter.paging.page)),
                ("page_size", .int(filter.paging.size)),
            ]))
        }
    }

    static func bad(_ sv: String, _ en: String) -> AppError { AppError.problem(status: .badRequest, detail: LocalizedText(sv: sv, en: en)) }

    static let listParameters = ["function", "status", "agreement", "region", "channel", "party", "from", "to", "assigned", "open", "overdue", "sort", "order", "page", "page_size"]

    static func filter(_ request: Request, user: StaffUser, lifecycle: Lifecycle) throws -> APIReportFilter {
        let query = request.uri.queryParameters
        let known = Set(listParameters + ["lang"])
        if let unknown = query.map({ String($0.key) }).first(where: { !known.contains($0) }) {
            throw bad("Okänd parameter: \(unknown).", "Unknown parameter: \(unknown).")
        }
        func value(_ name: String) -> String? { query[Substring(name)].map(String.init) }
        func key(_ name: String) throws -> String? {
            guard let raw = value(name) else { return nil }
            guard raw.wholeMatch(of: pattern) != nil else { throw bad("\(name) ska vara en nyckel ur katalogen.", "\(name) must be a catalogue key.") }
            return raw
        }
        func flag(_ name: String) throws -> Bool {
            switch value(name) {
            case nil, "false": return false
            case "true": return true
            default: throw bad("\(name) ska vara true eller false.", "\(name) must be true or false.")
            }
        }
        func day(_ name: String) throws -> CalendarDay? {
            guard let raw = value(name) else { return nil }
            guard let day = CalendarDay(iso: raw) else { throw bad("\(name) ska vara ett datum som 2026-11-25.", "\(name) must be a date such as 2026-11-25.") }
            return day
        }
        func integer(_ name: String, _ range: ClosedRange<Int>, default fallback: Int) throws -> Int {
            guard let raw = value(name) else { return fallback }
            guard case .value(let number) = BoundedNumber.read(raw, in: range) else {
                throw bad("\(name) ska vara ett heltal \(range.lowerBound)–\(range.upperBound).", "\(name) must be a whole number \(range.lowerBound)–\(range.upperBound).")
            }
            return number
        }
        var filter = APIReportFilter()
        if let function = try key("function") {
            guard AccessPolicy.canSeeQueue(of: function, by: user) else {
                throw AppError.problem(status: .forbidden, detail: LocalizedText(sv: "Du är inte med i funktionen \(function).", en: "You are not a member of the function \(function)."))
            }
            filter.functionKey = function
        }
        if let state = value("status") {
            guard lifecycle.state(state) != nil else {
                throw bad("Okänd status \(state). Giltiga: \(lifecycle.states.map(\.key).joined(separator: ", ")).", "Unknown status \(state). Valid: \(lifecycle.states.map(\.key).joined(separator: ", ")).")
            }
            filter.stateKey = state
        }
        if let agreement = value("agreement") {
            guard agreement.wholeMatch(of: pattern) != nil else { throw bad("agreement ska vara en nyckel ur katalogen eller none.", "agreement must be a catalogue key or none.") }
            filter.agreementKey = agreement == "none" ? "" : agreement
        }
        filter.regionKey = try key("region")
        if let channel = value("channel") {
            guard let parsed = ReportChannel(key: channel) else {
                let valid = ReportChannel.allCases.map(\.key).joined(separator: ", ")
                throw bad("Okänd kanal \(channel). Giltiga: \(valid).", "Unknown channel \(channel). Valid: \(valid).")
            }
            filter.channel = parsed
        }
        filter.partyKey = try key("party")
        filter.from = try day("from")
        filter.to = try day("to")
        switch value("assigned") {
        case nil: break
        case "me": filter.assigned = .user(user.id)
        case "none": filter.assigned = .nobody
        case let raw?:
            guard let id = BoundedNumber.id(raw) else { throw bad("assigned ska vara me, none eller ett användar-id.", "assigned must be me, none or a user id.") }
            filter.assigned = .user(id)
        }
        filter.openOnly = try flag("open")
        filter.overdueOnly = try flag("overdue")
        if let sort = value("sort") {
            guard let parsed = QueueFilter.Sort(rawValue: sort) else { throw bad("sort ska vara received, due, reference eller state.", "sort must be received, due, reference or state.") }
            filter.sort = parsed
        }
        switch value("order") {
        case nil, "desc": filter.descending = true
        case "asc": filter.descending = false
        default: throw bad("order ska vara asc eller desc.", "order must be asc or desc.")
        }
        filter.paging = PageRequest(page: try integer("page", 1...100_000, default: 1), size: try integer("page_size", 1...100, default: 25))
        return filter
    }

    func summary(_ s: CaseSummary, functions: [String], today: CalendarDay) -> Open311Value {
        let state = catalogue.lifecycle.state(s.stateKey)
        let isOpen = state?.isOpen ?? true
        var fields: [(String, Open311Value)] = [
            ("id", .int(Int(s.id))), ("reference", .text(s.reference)), ("region", .text(s.regionKey)),
        ]
        if let agreement = s.agreementKey { fields.append(("agreement", .text(agreement))) }
        fields += [
            ("organisation", .text(s.organisationKey)),
            ("state", .text(s.stateKey)),
            ("open", .bool(isOpen)),
            ("received_at", .text(Open311.formatDateTime(s.receivedAt))),
            ("feedback_due_on", .text(s.feedbackDueOn.description)),
            ("overdue", .bool(isOpen && s.feedbackDueOn < today)),
        ]
        if let id = s.assignedUserId { fields.append(("assigned", .object([("id", .int(Int(id))), ("name", .text(s.assignedName ?? ""))]))) }
        fields.append(("systemfel", .bool(s.systemfel)))
        fields.append(("channel", .text(s.channelKey)))
        if let level = s.escalationLevel { fields.append(("escalation_level", .text(level))) }
        fields.append(("functions", .list(item: "function", functions.map { .text($0) })))
        return .object(fields)
    }

    // MARK: one report

    func reportId(_ context: AppRequestContext) async throws -> Int64 {
        let raw = context.parameters.get("id") ?? ""
        if let id = BoundedNumber.id(raw) { return id }
        if raw.uppercased().wholeMatch(of: /SB-[0-9]{4}-[0-9]{5,}/) != nil, let id = try await services.cases.reportId(reference: raw) { return id }
        throw Self.notFound
    }

    /// The report as the user may see it, or 404 (also for a report routed elsewhere: ids are not enumerable).
    func detailResponse(_ id: Int64, user: StaffUser, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let detail = try await services.cases.detail(id: id, includeContact: true),
              AccessPolicy.canSee(reportRoutedTo: detail.activeFunctionKeys, by: user) else { throw Self.notFound }
        return Self.json(report(detail, today: CalendarDay(services.clock())), status: status)
    }

    func report(_ detail: CaseDetail, today: CalendarDay) -> Open311Value {
        guard case .object(var fields) = summary(detail.summary, functions: detail.activeFunctionKeys, today: today) else { return .object([]) }
        let state = catalogue.lifecycle.state(detail.summary.stateKey)
        func optional(_ name: String, _ value: String?) { if let value { fields.append((name, .text(value))) } }
        fields.append(("state_name", .text(state?.name.sv ?? detail.summary.stateKey)))
        optional("agreement_name", detail.summary.agreementKey.flatMap { catalogue.agreement($0)?.name.sv })
        fields += [
            ("other_parties", .list(item: "party", detail.facts.otherPartyKeys.map { .text($0) })),
            ("occurred_on", .text(detail.facts.occurredOn.description)),
            ("what_happened", .text(detail.facts.whatHappened)),
            ("expected", .text(detail.facts.expected)),
        ]
        optional("consequences", detail.facts.consequences)
        optional("improvement", detail.facts.improvement)
        fields.append(("extra_fields", .object(detail.facts.extraFields.sorted { $0.key < $1.key }.map { ($0.key, .list(item: "value", $0.value.map { .text($0) })) })))
        fields.append(("language", .text(detail.facts.language.rawValue)))
        fields.append(("updated_at", .text(Open311.formatDateTime(detail.updatedAt))))
        optional("first_feedback_at", detail.firstFeedbackAt.map(Open311.formatDateTime))
        optional("closed_at", detail.closedAt.map(Open311.formatDateTime))
        // Whether a reply will also be mailed; the address itself is never returned.
        fields.append(("reporter_has_email", .bool(detail.contact?.email != nil)))
        fields.append(("routes", .list(item: "route", detail.routes.map { route in
            .object([("function", .text(route.functionKey)), ("triage", .bool(route.isTriage)),
                     ("routed_at", .text(Open311.formatDateTime(route.routedAt))), ("active", .bool(route.active))])
        })))
        fields.append(("messages", .list(item: "message", detail.messages.map { message in
            .object([("id", .int(Int(message.id))), ("kind", .text(message.kind.rawValue)), ("author", .text(message.authorName)),
                     ("body", .text(message.body)), ("created_at", .text(Open311.formatDateTime(message.createdAt)))])
        })))
        fields.append(("escalations", .list(item: "escalation", detail.escalations.map { escalation in
            var item: [(String, Open311Value)] = [
                ("level", .text(escalation.levelKey)), ("at", .text(Open311.formatDateTime(escalation.at))),
                ("reason", .text(escalation.reason)), ("public_text", .text(escalation.publicText)),
            ]
            if let by = escalation.byName { item.append(("by", .text(by))) }
            return .object(item)
        })))
        fields.append(("links", .list(item: "link", detail.links.map { .object([("id", .int(Int($0.id))), ("reference", .text($0.reference))]) })))
        fields.append(("history", .list(item: "entry", detail.history.map { entry in
            var item: [(String, Open311Value)] = [("at", .text(Open311.formatDateTime(entry.at))), ("actor", .text(entry.actor.label)), ("action", .text(entry.action.rawValue))]
            if let before = entry.before { item.append(("before", .text(before))) }
            if let after = entry.after { item.append(("after", .text(after))) }
            return .object(item)
        })))
        return .object(fields)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await respond(request) {
            let user = try Self.reportUser(context)
            return try await detailResponse(try await reportId(context), user: user)
        }
    }

    // MARK: actions

    /// `message`: the final message to the reporter, required when `state` is closed.
    struct StateBody: Decodable, ConfirmsNotNames {
        var state: String
        var message: String?
        var notNames: [String]?
        enum CodingKeys: String, CodingKey { case state, message, notNames = "not_names" }
    }
    struct TextBody: Decodable, ConfirmsNotNames {
        var text: String
        var notNames: [String]?
        enum CodingKeys: String, CodingKey { case text, notNames = "not_names" }
    }
    /// A body whose `not_names` lists words the client confirms are not names of persons
    /// ("Är ”Karin” namnet på en person?"), read as the web forms' `inte_namn` is.
    protocol ConfirmsNotNames {
        var notNames: [String]? { get }
    }

    /// An escalation to the region's next level, as on the report page: `reason` for staff,
    /// `public_text` the sentence the reporter sees, `confirm: true` (escalating is not undone).
    struct EscalationBody: Decodable {
        var reason: String
        var publicText: String
        var confirm: Bool?
        enum CodingKeys: String, CodingKey { case reason, publicText = "public_text", confirm }
    }

    func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        guard let contentType = request.headers[.contentType], let media = MediaType(from: contentType), media.isType(.applicationJson) else {
            throw AppError.problem(status: .unsupportedMediaType, detail: LocalizedText(sv: "Skicka JSON (Content-Type: application/json).", en: "Send JSON (Content-Type: application/json)."))
        }
        let limit = services.configuration.maxBodyBytes
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw AppError.problem(status: .contentTooLarge, detail: AppError.payloadTooLarge(limit: limit).message)
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw Self.bad("Innehållet kunde inte läsas som JSON med de fält som krävs.", "The body could not be read as JSON with the required fields.")
        }
    }

    /// Runs a TriageService action as the token's user and answers with the report as it is afterwards.
    func act<Body: Decodable>(_ request: Request, context: AppRequestContext, body: Body.Type,
                              _ action: (Int64, Body, StaffUser, Date) async throws -> Void) async throws -> Response {
        try await respond(request) {
            let user = try Self.reportUser(context)
            let id = try await reportId(context)
            let decoded = try await decode(Body.self, request)
            do {
                try await action(id, decoded, user, services.clock())
            } catch let failure as ServiceError {
                switch failure {
                case .notFound: throw Self.notFound
                case .forbidden: throw AppError.problem(status: .forbidden, detail: AppError.forbidden.message)
                case .refused(let refusal): throw AppError.problem(status: .unprocessableContent, detail: refusal.message)
                case .storageUnavailable: throw AppError.storageUnavailable
                case .configuration, .openAPIDescriptionMissing, .mailbox: throw failure  // not thrown by actions: a 500
                }
            }
            context.logger.info("api action", metadata: ["report": .stringConvertible(id), "token": .stringConvertible(context.apiToken?.id ?? 0)])
            return try await detailResponse(id, user: user)
        }
    }

    @Sendable func changeState(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context: context, body: StateBody.self) { id, body, user, now in
            try await services.triage.changeState(id, to: body.state, message: body.message, by: user, now: now, confirmedNotNames: body.confirmed)
        }
    }

    @Sendable func reply(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context: context, body: TextBody.self) { id, body, user, now in
            try await services.triage.reply(id, text: body.text, by: user, now: now, confirmedNotNames: body.confirmed)
        }
    }

    @Sendable func escalate(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context: context, body: EscalationBody.self) { id, body, user, now in
            try await services.triage.escalate(id, reason: body.reason, publicText: body.publicText, confirmed: body.confirm == true, by: user, now: now)
        }
    }

    @Sendable func addNote(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context: context, body: TextBody.self) { id, body, user, now in
            try await services.triage.addNote(id, text: body.text, by: user, now: now, confirmedNotNames: body.confirmed)
        }
    }
}

extension APIController.ConfirmsNotNames {
    var confirmed: Set<String> { ReportForm.confirmedNotNames([ReportForm.confirmedNotNamesField: notNames ?? []]) }
}
