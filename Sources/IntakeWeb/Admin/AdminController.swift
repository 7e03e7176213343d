import Foundation
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
        let layout = StaffPage.layout(request, context: context, title: AdminTexts.usersTitle[language], path: "/admin/anvandare")
        let page = AdminUsersPage(
            notice: StaffPage.notice(request, language: language),
            users: try await services.staff.allUsers().map { user in
                AdminUsersPage.User(
                    name: user.name, email: user.email, role: user.role.name[language], active: user.active,
                    functions: user.functionKeys.sorted().map { catalogue.function($0)?.name[language] ?? $0 }.joined(separator: "; "),
                    href: "/admin/anvandare/\(user.id)" + language.query)
            },
            newHref: "/admin/anvandare/ny" + language.query)
        return services.renderer.page(page, layout: layout)
    }

    func userForm(_ request: Request, context: AppRequestContext, user: StaffUser?, values: FormValues, error: LocalizedText?,
                  oneTimePassword: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let language = PublicReportController.language(request)
        let title = user.map { $0.name } ?? AdminTexts.newAccount[language]
        let path = user.map { "/admin/anvandare/\($0.id)" } ?? "/admin/anvandare/ny"
        let layout = StaffPage.layout(request, context: context, title: Layout.title(title, error: error != nil, language), path: path)
        let role = values["role"]?.first ?? user?.role.rawValue ?? StaffRole.handlaggare.rawValue
        let chosen = Set(values["functions"] ?? user.map { Array($0.functionKeys) } ?? [])
        var history: [AuditEntry] = []
        if let user { history = try await services.staff.history(userId: user.id) }
        let text = AuditText(catalogue: catalogue)
        let page = AdminUserPage(
            heading: title,
            isNew: user == nil,
            action: (user.map { "/admin/anvandare/\($0.id)" } ?? "/admin/anvandare") + language.query,
            resetAction: user.map { "/admin/anvandare/\($0.id)/losenord" + language.query },
            email: user?.email ?? values["email"]?.first ?? "",
            name: values["name"]?.first ?? user?.name ?? "",
            roles: StaffRole.allCases.map { AdminUserPage.Choice(value: $0.rawValue, label: $0.name[language], checked: $0.rawValue == role, id: "role-\($0.rawValue)") },
            regions: catalogue.regions.map { region in
                AdminUserPage.Region(name: region.name[language],
                      functions: region.functions.map { AdminUserPage.Choice(value: $0.key, label: $0.name[language], checked: chosen.contains($0.key), id: "fn-\($0.key)") })
            },
            active: values.isEmpty ? (user?.active ?? true) : values["active"]?.first == "1",
            error: error?[language],
            oneTimePassword: oneTimePassword,
            usersHref: "/admin/anvandare" + language.query,
            hasHistory: !history.isEmpty,
            history: history.map { entry in
                AdminUserPage.HistoryRow(at: TriageController.timestamp(entry.at), actor: text.actor(entry.actor, language: language), action: entry.action.label[language],
                      before: text.value(entry.before, action: entry.action, region: nil, language: language),
                      after: text.value(entry.after, action: entry.action, region: nil, language: language))
            })
        return services.renderer.page(page, layout: layout, status: status)
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
        } catch let problem as StoreError {
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
        let log = try await services.database.auditLogPage(limit: pageSize, beforeId: before)
        let text = AuditText(catalogue: catalogue)
        let layout = StaffPage.layout(request, context: context, title: AdminTexts.logTitle[language], path: "/admin/logg")
        let page = AdminLogPage(
            entries: log.entries.map { entry in
                let region = entry.reportId.flatMap { log.reports[$0] }.flatMap { catalogue.region($0.regionKey) }
                return AdminLogPage.Entry(
                    at: TriageController.timestamp(entry.at), actor: text.actor(entry.actor, language: language), action: entry.action.label[language],
                    before: text.value(entry.before, action: entry.action, region: region, language: language),
                    after: entry.action == .replied ? "" : text.value(entry.after, action: entry.action, region: region, language: language),
                    reportHref: entry.reportId.map { StaffPage.reportPath($0) + language.query },
                    reference: entry.reportId.map { log.reports[$0]?.reference ?? AuditText.Words.removedReport[language] },
                    userHref: entry.targetUserId.map { "/admin/anvandare/\($0)" + language.query },
                    userName: entry.targetUserId.map { log.userNames[$0] ?? AuditText.Words.removedAccount[language] })
            },
            olderHref: log.entries.count == pageSize ? log.entries.last.map { "/admin/logg?fore=\($0.id)" + language.queryContinuation } : nil)
        return services.renderer.page(page, layout: layout)
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
        let layout = StaffPage.layout(request, context: context, title: AdminTexts.outboxTitle[language], path: "/admin/utkorg")
        let page = AdminOutboxPage(
            notice: StaffPage.notice(request, language: language),
            counts: [(OutboxMessage.Status.queued, counts.queued), (.sent, counts.sent), (.dead, counts.dead)].map { status, count in
                AdminOutboxPage.Count(label: status.label[language], count: count, href: "/admin/utkorg?status=\(status.rawValue)" + language.queryContinuation)
            },
            messages: messages.map { message in
                AdminOutboxPage.Message(id: message.id, kind: OutboxDraft.Kind(rawValue: message.kind)?.label[language] ?? message.kind,
                      recipient: message.recipient, subject: message.subject,
                      status: message.status.label[language], attempts: message.attempts, created: TriageController.timestamp(message.createdAt),
                      error: message.lastError.flatMap { $0.isEmpty ? nil : $0 }, dead: message.status == .dead,
                      retryAction: "/admin/utkorg/\(message.id)/forsok-igen" + language.query)
            },
            olderHref: messages.count == pageSize ? messages.last.map { last in
                "/admin/utkorg?" + (status.map { "status=\($0.rawValue)&" } ?? "") + "fore=\(last.id)" + language.queryContinuation
            } : nil)
        return services.renderer.page(page, layout: layout)
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

    static func tokenProblem(_ problem: StoreError) -> LocalizedText {
        switch problem {
        case .inactiveUser: AdminTexts.inactiveAccount
        default: AdminTexts.chooseAccount
        }
    }

    /// The list of tokens and the form for a new one; after a creation, the new secret (shown this once).
    func tokensPage(_ request: Request, context: AppRequestContext, created: (secret: String, token: APIToken)? = nil,
                    values: FormValues = [:], error: LocalizedText? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let language = PublicReportController.language(request)
        let title = AdminTexts.tokensTitle[language]
        let layout = StaffPage.layout(request, context: context, title: Layout.title(title, error: error != nil, language), path: "/admin/nycklar")
        let chosen = values["konto"]?.first ?? ""
        let page = AdminTokensPage(
            notice: StaffPage.notice(request, language: language),
            error: error?[language],
            created: created.map { created in
                AdminTokensPage.Created(secret: created.secret, prefix: created.token.displayPrefix,
                      user: "\(created.token.user.name) <\(created.token.user.email)>",
                      scope: created.token.readWrite ? AuditText.Words.readWrite[language] : AuditText.Words.readOnly[language])
            },
            accountOptions: try await services.staff.allUsers().filter(\.active).map { user in
                AdminTokensPage.Option(value: String(user.id), label: "\(user.name) <\(user.email)> (\(user.role.name[language]))", selected: chosen == String(user.id))
            },
            readWrite: values["skriva"]?.first == "1",
            label: values["beskrivning"]?.first ?? "",
            createAction: "/admin/nycklar" + language.query,
            tokens: try await services.apiTokens.all().map { token in
                AdminTokensPage.Token(id: token.id, prefix: token.displayPrefix, user: "\(token.user.name) <\(token.user.email)>",
                      userHref: "/admin/anvandare/\(token.user.id)" + language.query,
                      scope: token.readWrite ? AdminTexts.readWrite[language] : AdminTexts.readOnly[language],
                      label: token.label ?? "", created: TriageController.timestamp(token.createdAt),
                      lastUsed: token.lastUsedAt.map(TriageController.timestamp) ?? "–",
                      revokeAction: "/admin/nycklar/\(token.id)/aterkalla" + language.query,
                      revoked: token.revokedAt.map(TriageController.timestamp))
            })
        return services.renderer.page(page, layout: layout, status: status)
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
            throw (error as? StoreError) == .storageUnavailable ? AppError.storageUnavailable : AppError.notFound
        }
        return StaffPage.redirect("/admin/nycklar", message: "aterkallad", language: PublicReportController.language(request))
    }
}
