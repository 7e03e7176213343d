import Foundation
import Hummingbird
import IntakeDomain
import IntakeServices
import IntakeStore

/// The phone as a channel (#21.4): a handläggare registers a report for someone who phoned.
/// The same agreement choice, form, validation and privacy check as the public form (its pages
/// and `ReportForm`, shown in the staff layout); the report gets the channel "telefon", its
/// history names the handläggare, and it is routed and acknowledged like any report (the
/// acknowledgement only when the caller gave an e-mail address).
struct PhoneReportController: Sendable {
    let services: AppServices
    let forms: PublicReportController

    init(services: AppServices) {
        self.services = services
        forms = PublicReportController(services: services)
    }

    static let basePath = "/handlaggning/telefon"

    func addRoutes(to router: RouteTable) {
        let phone = router.group(RouterPath(Self.basePath))
            .add(middleware: RequireStaffMiddleware(roles: [.admin, .handlaggare]))
            .add(middleware: CSRFMiddleware(services: services))
        phone.get(use: start)
        phone.get(":region", reads: .init(query: ["avtal", PublicReportController.searchField, PublicReportController.continueField]), use: form)
        phone.post(":region", reads: .init(form: ["csrf"] + Self.formFields(catalogue)), use: submit)
        phone.get("registrerad/:id", use: registered)
    }

    private var catalogue: Catalogue { services.catalogue }
    private var today: CalendarDay { CalendarDay(services.clock()) }

    /// The public form's fields without its bot protections (fill time, honeypot): staff are logged in.
    static func formFields(_ catalogue: Catalogue) -> [String] {
        PublicReportController.reportFormFields(catalogue).filter { $0 != FormGuard.fillTimeField && $0 != FormGuard.honeypotField }
    }

    /// The public form's pages in the staff layout: the navigation's user (their role in `language`,
    /// the form's language on a POST) and the session's CSRF token.
    func place(_ context: AppRequestContext, language: Language) -> PublicReportController.FormPlace {
        let session = context.staffSession
        let staff = session.map { Layout.StaffBar($0.user, language: language) }
        return PublicReportController.FormPlace(basePath: Self.basePath, homePath: Self.basePath, title: PhoneTexts.startTitle,
                                                staff: staff, csrf: session?.csrfToken)
    }

    // MARK: pages

    /// Which county the call is about.
    @Sendable func start(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = PublicReportController.language(request)
        let page = PhoneStartPage(regions: catalogue.regions.map { region in
            NamedLink(name: region.name[language], href: "\(Self.basePath)/\(region.key)" + language.query)
        })
        return services.renderer.page(page, layout: StaffPage.layout(request, context: context, title: PhoneTexts.startTitle[language], path: Self.basePath))
    }

    /// The agreement choice, then the form: the public pages in the staff layout.
    @Sendable func form(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = PublicReportController.language(request)
        guard let region = catalogue.region(context.parameters.get("region") ?? "") else { throw AppError.notFound }
        let place = place(context, language: language)
        return await forms.agreementStep(request, region: region, language: language, place: place) { form in
            forms.reportFormPage(form, language: language, values: [:], errors: [], fillTimeToken: nil, place: place)
        }
    }

    @Sendable func submit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try TriageController.user(context)
        guard let region = catalogue.region(context.parameters.get("region") ?? "") else { throw AppError.notFound }
        // Read once by the CSRF middleware, which also checked the origin and the session's token.
        let values = context.form
        let language = Language(parameter: values["lang"]?.first)
        let place = place(context, language: language)
        guard values["avtal"]?.count == 1, let choice = values["avtal"]?.first, let resolved = forms.resolveAgreement(choice, region: region) else {
            services.metrics.reportRefused()
            return await forms.chooseAgreementPage(region: region, language: language, error: PublicTexts.agreementGone,
                                                   status: .unprocessableContent, place: place)
        }
        let form = ReportForm(catalogue: catalogue, region: region, agreement: resolved.agreement)
        switch form.validate(values, language: language, today: today) {
        case .failure(let rejection):
            services.metrics.reportRefused()
            context.logger.info("phone report refused", metadata: ["fields": .string(rejection.errors.map(\.fieldKey).joined(separator: ","))])
            return forms.reportFormPage(form, language: language, values: values, errors: rejection.errors, fillTimeToken: nil,
                                        status: .unprocessableContent, place: place)
        case .success(let draft):
            let composer = services.mailComposer
            let filed = try await services.reports.file(draft, channel: .phone, initialState: catalogue.lifecycle.initialKey, now: services.clock(),
                                                        registeredBy: .user(id: user.id, name: user.name)) {
                composer.reportFiled(draft, channel: .phone, trackingToken: $0, feedbackDueOn: $1)
            }
            services.metrics.reportReceived(region: region.key, agreement: draft.agreementKey, channel: .phone)
            services.metrics.stateChanged(from: nil, to: filed.stateKey)
            context.logger.info("report filed", metadata: [
                "reference": .string(filed.reference), "agreement": .string(draft.agreementKey ?? PublicReportController.unknownAgreementKey),
                "routes": .stringConvertible(draft.routes.count), "channel": .string(ReportChannel.phone.key), "user": .stringConvertible(user.id),
            ])
            return StaffPage.redirect("\(Self.basePath)/registrerad/\(filed.id)", language: language)
        }
    }

    /// The confirmation: the reference to give the caller, where the report went, whether a mail
    /// goes out. Only for the handläggare who registered it (and admins).
    @Sendable func registered(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try TriageController.user(context)
        let language = PublicReportController.language(request)
        guard let id = BoundedNumber.id(context.parameters.get("id")),
              let registration = try await services.reports.phoneRegistration(id: id),
              registration.registeredBy == user.id || AccessPolicy.canAdminister(user)
        else { throw AppError.notFound }
        let receipt = registration.receipt
        let page = PhoneRegisteredPage(
            reference: receipt.reference,
            agreement: receipt.agreementKey.flatMap { catalogue.agreement($0)?.name[language] } ?? "",
            hasAgreement: receipt.agreementKey != nil,
            functions: receipt.routes.compactMap { catalogue.function($0.functionKey) }.map { NameItem(name: $0.name[language]) },
            feedbackDate: receipt.feedbackDueOn.formatted(language),
            hasEmail: receipt.hasEmail,
            trackingURL: services.mailComposer.trackingURL(token: registration.trackingToken, language: receipt.language),
            reportHref: AccessPolicy.canSee(reportRoutedTo: receipt.routes.map(\.functionKey), by: user)
                ? StaffPage.reportPath(id) + language.query : nil,
            againHref: Self.basePath + language.query)
        let layout = StaffPage.layout(request, context: context, title: PhoneTexts.registeredTitle[language], path: "\(Self.basePath)/registrerad/\(id)")
        return services.renderer.page(page, layout: layout)
    }
}
