import Foundation
import GRDB
import Hummingbird
import IntakeDomain
import IntakeServices
import IntakeStore

/// Administration: staff accounts and their functions, the audit log, the mail outbox.
struct AdminController: Sendable {
    let services: AppServices

    func addRoutes(to router: RouteTable) {
        let admin = router.group("/admin")
            .add(middleware: RequireStaffMiddleware(roles: [.admin]))
            .add(middleware: CSRFMiddleware(services: services))
        admin.get { request, _ in StaffPage.redirect("/admin/anvandare", language: PublicReportController.language(request)) }
        admin.get("anvandare", use: users)
        admin.get("anvandare/ny", use: newUserPage)
        admin.post("anvandare", reads: .init(form: ["csrf", "email", "name", "role", "functions", "active"]), use: createUser)
        admin.get("anvandare/:id", use: editUserPage)
        admin.post("anvandare/:id", reads: .init(form: ["csrf", "name", "role", "functions", "active"]), use: updateUser)
        admin.post("anvandare/:id/losenord", reads: .init(form: ["csrf"]), use: sendReset)
        admin.get("logg", reads: .init(query: ["fore"]), use: auditLog)
        admin.get("utkorg", reads: .init(query: ["status", "fore"]), use: outbox)
        admin.post("utkorg/:id/forsok-igen", reads: .init(form: ["csrf"]), use: retryMail)
        admin.get("nycklar", use: tokens)
        admin.post("nycklar", reads: .init(form: ["csrf", "konto", "skriva", "beskrivning"]), use: createToken)
        admin.post("nycklar/:id/aterkalla", reads: .init(form: ["csrf"]), use: revokeToken)
    }

    private var catalogue: Catalogue { services.catalogue }
    private var now: Date { services.clock() }

    // MARK: users

    @Sendable func users(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = PublicReportController.language(request)
        var page = StaffPage.base(request, context: context, title: language == .sv ? "Konton" : "Accounts", path: "/admin/anvandare")
        page["notice"] = StaffPage.notice(request, language: language)
        page["users"] = try await services.staff.allUsers().map { user -> [String: Any] in
            [
                "name": user.name, "email": user.email, "role": user.role.name[language], "active": user.active,
                "functions": user.functionKeys.sorted().map { catalogue.function($0)?.name[language] ?? $0 }.joined(separator: "; "),
                "href": "/admin/anvandare/\(user.id)" + language.query,
            ]
        }
        page["newHref"] = "/admin/anvandare/ny" + language.query
        return services.renderer.page("pages/admin-users", page)
    }

    func userForm(_ request: Request, context: AppRequestContext, user: StaffUser?, values: FormValues, error: LocalizedText?,
                  oneTimePassword: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let language = PublicReportController.language(request)
        let title = user.map { $0.name } ?? (language == .sv ? "Nytt konto" : "New account")
        let path = user.map { "/admin/anvandare/\($0.id)" } ?? "/admin/anvandare/ny"
        var page = StaffPage.base(request, context: context, title: (error == nil ? "" : (language == .sv ? "Fel: " : "Error: ")) + title, path: path)
        page["heading"] = title
        page["isNew"] = user == nil
        page["action"] = (user.map { "/admin/anvandare/\($0.id)" } ?? "/admin/anvandare") + language.query
        if let user {
            page["resetAction"] = "/admin/anvandare/\(user.id)/losenord" + language.query
            page["email"] = user.email
        } else {
            page["email"] = values["email"]?.first ?? ""
        }
        page["name"] = values["name"]?.first ?? user?.name ?? ""
        let role = values["role"]?.first ?? user?.role.rawValue ?? StaffRole.handlaggare.rawValue
        page["roles"] = StaffRole.allCases.map { ["value": $0.rawValue, "label": $0.name[language], "checked": $0.rawValue == role, "id": "role-\($0.rawValue)"] }
        let chosen = Set(values["functions"] ?? user.map { Array($0.functionKeys) } ?? [])
        page["regions"] = catalogue.regions.map { region -> [String: Any] in
            ["name": region.name[language],
             "functions": region.functions.map { ["value": $0.key, "label": $0.name[language], "checked": chosen.contains($0.key), "id": "fn-\($0.key)"] }]
        }
        page["active"] = values.isEmpty ? (user?.active ?? true) : values["active"]?.first == "1"
        if let error { page["error"] = error[language] }
        if let oneTimePassword { page["oneTimePassword"] = oneTimePassword }
        page["usersHref"] = "/admin/anvandare" + language.query
        if let user {
            let history = try await services.staff.history(userId: user.id)
            page["hasHistory"] = !history.isEmpty
            let text = AuditText(catalogue: catalogue)
            page["history"] = history.map { entry -> [String: Any] in
                ["at": TriageController.timestamp(entry.at), "actor": text.actor(entry.actor, language: language), "action": entry.action.label[language],
                 "before": text.value(entry.before, action: entry.action, region: nil, language: language),
                 "after": text.value(entry.after, action: entry.action, region: nil, language: language)]
            }
        }
        return services.renderer.page("pages/admin-user", page, status: status)
    }

    @Sendable func newUserPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await userForm(request, context: context, user: nil, values: [:], error: nil)
    }

    func actor(_ context: AppRequestContext) throws -> AuditActor {
        let user = try TriageController.user(context)
        return .user(id: user.id, name: user.name)
    }

    @Sendable func createUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = context.form
        let password = PasswordPolicy.generate()
        let role = StaffRole(rawValue: form["role"]?.first ?? "") ?? .handlaggare
        let actor = try actor(context)
        let created: StaffUser
        do {
            created = try await services.staff.create(
                .init(email: form["email"]?.first ?? "", name: form["name"]?.first ?? "", role: role,
                      functionKeys: role == .handlaggare ? (form["functions"] ?? []) : [], password: password, mustChangePassword: true),
                catalogue: catalogue, by: actor, now: now)
        } catch {
            if error == .storageUnavailable { throw AppError.storageUnavailable }
            return try await userForm(request, context: context, user: nil, values: form, error: error.message, status: .unprocessableContent)
        }
        context.logger.info("staff account created", metadata: ["user": .stringConvertible(created.id)])
        // The one-time password is shown once, on this page; the user must change it at first login.
        return try await userForm(request, context: context, user: created, values: [:], error: nil, oneTimePassword: password, status: .created)
    }

    func targetUser(_ context: AppRequestContext) async throws -> StaffUser {
        guard let id = BoundedNumber.id(context.parameters.get("id")), let user = try await services.staff.user(id: id) else { throw AppError.notFound }
        return user
    }

    @Sendable func editUserPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await userForm(request, context: context, user: try await targetUser(context), values: [:], error: nil)
    }

    @Sendable func updateUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try await targetUser(context)
        let form = context.form
        let role = StaffRole(rawValue: form["role"]?.first ?? "") ?? user.role
        do {
            _ = try await services.staff.update(id: user.id, name: form["name"]?.first ?? "", role: role,
                                                functionKeys: role == .handlaggare ? (form["functions"] ?? []) : [],
                                                active: form["active"]?.first == "1", catalogue: catalogue, by: try actor(context), now: now)
        } catch let problem as StaffRepository.Problem {
            if problem == .storageUnavailable { throw AppError.storageUnavailable }
            return try await userForm(request, context: context, user: user, values: form, error: problem.message, status: .unprocessableContent)
        }
        return StaffPage.redirect("/admin/anvandare", message: "sparad", language: PublicReportController.language(request))
    }

    @Sendable func sendReset(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try await targetUser(context)
        let composer = services.mailComposer
        _ = try await services.staff.startPasswordReset(email: user.email, now: now) { user, token in composer.passwordReset(user: user, token: token) }
        return StaffPage.redirect("/admin/anvandare/\(user.id)", message: "lank", language: PublicReportController.language(request))
    }

    // MARK: audit log

    @Sendable func auditLog(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = PublicReportController.language(request)
        let before = BoundedNumber.id(request.uri.queryParameters["fore"])
        let pageSize = 100
        // The log stores ids; people know reports by reference number and accounts by name.
        let (entries, reports, users) = try await services.database.pool.read { db in
            let entries = try AuditLog.recent(limit: pageSize, beforeId: before, in: db)
            func marks(_ ids: [Int64]) -> String { ids.map { _ in "?" }.joined(separator: ",") }
            var reports: [Int64: (reference: String, regionKey: String)] = [:]
            let reportIds = Array(Set(entries.compactMap(\.reportId)))
            if !reportIds.isEmpty {
                for row in try Row.fetchAll(db, sql: "SELECT id, reference, region_key FROM report WHERE id IN (\(marks(reportIds)))",
                                            arguments: StatementArguments(reportIds)) {
                    reports[row["id"]] = (row["reference"], row["region_key"])
                }
            }
            var users: [Int64: String] = [:]
            let userIds = Array(Set(entries.compactMap(\.targetUserId)))
            if !userIds.isEmpty {
                for row in try Row.fetchAll(db, sql: "SELECT id, name FROM staff_user WHERE id IN (\(marks(userIds)))", arguments: StatementArguments(userIds)) {
                    users[row["id"]] = row["name"]
                }
            }
            return (entries, reports, users)
        }
        let text = AuditText(catalogue: catalogue)
        var page = StaffPage.base(request, context: context, title: language == .sv ? "Granskningslogg" : "Audit log", path: "/admin/logg")
        page["entries"] = entries.map { entry -> [String: Any] in
            let region = entry.reportId.flatMap { reports[$0] }.flatMap { catalogue.region($0.regionKey) }
            var row: [String: Any] = [
                "at": TriageController.timestamp(entry.at), "actor": text.actor(entry.actor, language: language), "action": entry.action.label[language],
                "before": text.value(entry.before, action: entry.action, region: region, language: language),
                "after": entry.action == .replied ? "" : text.value(entry.after, action: entry.action, region: region, language: language),
            ]
            if let id = entry.reportId {
                row["reportHref"] = "/handlaggning/rapporter/\(id)" + language.query
                row["reference"] = reports[id]?.reference ?? AuditText.Words.removedReport[language]
            }
            if let id = entry.targetUserId {
                row["userHref"] = "/admin/anvandare/\(id)" + language.query
                row["userName"] = users[id] ?? AuditText.Words.removedAccount[language]
            }
            return row
        }
        if entries.count == pageSize, let last = entries.last {
            page["olderHref"] = "/admin/logg?fore=\(last.id)" + language.queryContinuation
        }
        return services.renderer.page("pages/admin-log", page)
    }

    // MARK: outbox

    @Sendable func outbox(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = PublicReportController.language(request)
        let status = request.uri.queryParameters["status"].flatMap { OutboxMessage.Status(rawValue: String($0)) }
        // Paged like the audit log: 200 at a time, `fore` = the last id of the previous page.
        let before = BoundedNumber.id(request.uri.queryParameters["fore"])
        let pageSize = 200
        let messages = try await services.outbox.list(status: status, limit: pageSize, beforeId: before)
        let counts = try await services.outbox.counts()
        var page = StaffPage.base(request, context: context, title: language == .sv ? "Utkorg" : "Outbox", path: "/admin/utkorg")
        page["notice"] = StaffPage.notice(request, language: language)
        page["counts"] = [(OutboxMessage.Status.queued, counts.queued), (.sent, counts.sent), (.dead, counts.dead)].map { status, count -> [String: Any] in
            ["label": status.label[language], "count": count, "href": "/admin/utkorg?status=\(status.rawValue)" + language.queryContinuation]
        }
        page["messages"] = messages.map { message -> [String: Any] in
            [
                "id": message.id, "kind": OutboxDraft.Kind(rawValue: message.kind)?.label[language] ?? message.kind,
                "recipient": message.recipient, "subject": message.subject,
                "status": message.status.label[language], "attempts": message.attempts, "created": TriageController.timestamp(message.createdAt),
                "error": message.lastError ?? "", "dead": message.status == .dead,
                "retryAction": "/admin/utkorg/\(message.id)/forsok-igen" + language.query,
            ]
        }
        if messages.count == pageSize, let last = messages.last {
            page["olderHref"] = "/admin/utkorg?" + (status.map { "status=\($0.rawValue)&" } ?? "") + "fore=\(last.id)" + language.queryContinuation
        }
        return services.renderer.page("pages/admin-outbox", page)
    }

    @Sendable func retryMail(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let id = BoundedNumber.id(context.parameters.get("id")) else { throw AppError.notFound }
        guard try await services.outbox.retry(id, now: now) else { throw AppError.notFound }
        return StaffPage.redirect("/admin/utkorg", message: "forsok-igen", language: PublicReportController.language(request))
    }

    // MARK: API tokens

    @Sendable func tokens(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await tokensPage(request, context: context)
    }

    static func tokenProblem(_ problem: APITokenRepository.Problem) -> LocalizedText {
        switch problem {
        case .inactiveUser: LocalizedText(sv: "Kontot är inte aktivt. En nyckel kan bara skapas för ett aktivt konto.", en: "The account is not active. A token can only be made for an active account.")
        default: LocalizedText(sv: "Välj ett konto i listan.", en: "Choose an account in the list.")
        }
    }

    /// The list of tokens and the form for a new one; after a creation, the new secret (shown this once).
    func tokensPage(_ request: Request, context: AppRequestContext, created: (secret: String, token: APIToken)? = nil,
                    values: FormValues = [:], error: LocalizedText? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let language = PublicReportController.language(request)
        let title = language == .sv ? "API-nycklar" : "API tokens"
        var page = StaffPage.base(request, context: context, title: (error == nil ? "" : (language == .sv ? "Fel: " : "Error: ")) + title, path: "/admin/nycklar")
        page["notice"] = StaffPage.notice(request, language: language)
        if let error { page["error"] = error[language] }
        if let created {
            page["created"] = [
                "secret": created.secret, "prefix": created.token.displayPrefix,
                "user": "\(created.token.user.name) <\(created.token.user.email)>",
                "scope": created.token.readWrite ? AuditText.Words.readWrite[language] : AuditText.Words.readOnly[language],
            ] as [String: Any]
        }
        let chosen = values["konto"]?.first ?? ""
        page["accountOptions"] = try await services.staff.allUsers().filter(\.active).map { user -> [String: Any] in
            ["value": String(user.id), "label": "\(user.name) <\(user.email)> (\(user.role.name[language]))", "selected": chosen == String(user.id)]
        }
        page["readWrite"] = values["skriva"]?.first == "1"
        page["label"] = values["beskrivning"]?.first ?? ""
        page["createAction"] = "/admin/nycklar" + language.query
        page["tokens"] = try await services.apiTokens.all().map { token -> [String: Any] in
            var row: [String: Any] = [
                "id": token.id, "prefix": token.displayPrefix, "user": "\(token.user.name) <\(token.user.email)>",
                "userHref": "/admin/anvandare/\(token.user.id)" + language.query,
                "scope": token.readWrite ? (language == .sv ? "Läsa och skriva" : "Read and write") : (language == .sv ? "Bara läsa" : "Read only"),
                "label": token.label ?? "", "created": TriageController.timestamp(token.createdAt),
                "lastUsed": token.lastUsedAt.map(TriageController.timestamp) ?? "–",
                "revokeAction": "/admin/nycklar/\(token.id)/aterkalla" + language.query,
            ]
            if let revoked = token.revokedAt { row["revoked"] = TriageController.timestamp(revoked) }
            return row
        }
        return services.renderer.page("pages/admin-tokens", page, status: status)
    }

    /// A new token for an active account, like `intake token create`: the secret is shown once, on
    /// the answer to this POST (no-store, like every page); only its SHA-256 is stored.
    @Sendable func createToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = context.form
        var account: StaffUser? = nil
        if let id = BoundedNumber.id(form["konto"]?.first) { account = try await services.staff.user(id: id) }
        let readWrite = form["skriva"]?.first == "1"
        let label = form["beskrivning"]?.first
        guard let account else {
            return try await tokensPage(request, context: context, values: form, error: Self.tokenProblem(.unknownUser), status: .unprocessableContent)
        }
        let actor = try actor(context)
        let created: (secret: String, token: APIToken)
        do {
            created = try await services.apiTokens.create(userEmail: account.email, readWrite: readWrite, label: label, by: actor, now: now)
        } catch {
            if error == .storageUnavailable { throw AppError.storageUnavailable }
            return try await tokensPage(request, context: context, values: form, error: Self.tokenProblem(error), status: .unprocessableContent)
        }
        context.logger.info("api token created", metadata: ["token": .stringConvertible(created.token.id)])
        return try await tokensPage(request, context: context, created: created, status: .created)
    }

    @Sendable func revokeToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let id = BoundedNumber.id(context.parameters.get("id")), try await services.apiTokens.token(id: id) != nil else { throw AppError.notFound }
        do {
            let token = try await services.apiTokens.revoke(String(id), by: try actor(context), now: now)
            context.logger.info("api token revoked", metadata: ["token": .stringConvertible(token.id)])
        } catch {
            throw (error as? APITokenRepository.Problem) == .storageUnavailable ? AppError.storageUnavailable : AppError.notFound
        }
        return StaffPage.redirect("/admin/nycklar", message: "aterkallad", language: PublicReportController.language(request))
    }
}
