import Foundation
import Mustache

/// Renders page and mail templates from Templates/. Fails at start if a template is missing,
/// because MustacheLibrary silently loads an empty library from a wrong folder.
public struct PageRenderer: Sendable {
    public static let requiredTemplates: [String] = [
        "pages/layout", "pages/home", "pages/choose-agreement", "pages/report-form", "pages/receipt", "pages/error",
        "pages/accessibility", "pages/privacy",
        "pages/login", "pages/password", "pages/password-fields", "pages/staff-home", "pages/queue", "pages/case",
        "pages/admin-users", "pages/admin-user", "pages/admin-log", "pages/admin-outbox", "pages/admin-tokens",
        "pages/dashboard", "pages/register", "pages/learning", "pages/phone-start", "pages/phone-registered",
    ] + ["acknowledgement", "owner-notification", "status-change", "reply", "assignment", "escalation", "escalation-notice",
         "reporter-addition", "mail-refused", "reminder", "password-reset", "summary"].flatMap { ["mail/\($0).text", "mail/\($0).html"] }

    let library: MustacheLibrary
    public let stylesheet: String

    public init(directory: String) async throws {
        var library = try await MustacheLibrary(directory: directory)
        // Mustache names cannot contain "/" in closing tags, so page templates refer to each
        // other (layout, field) by their base name.
        for name in Self.pageTemplateNames(in: directory) {
            if let template = library.getTemplate(named: "pages/\(name)") { library.register(template, named: name) }
        }
        self.library = library
        let missing = Self.requiredTemplates.filter { library.getTemplate(named: $0) == nil }
        guard missing.isEmpty else { throw MailError.missingTemplates(directory: directory, names: missing) }
        let cssPath = (directory as NSString).appendingPathComponent("static/app.css")
        guard let css = try? String(contentsOfFile: cssPath, encoding: .utf8) else {
            throw MailError.missingTemplates(directory: directory, names: ["static/app.css"])
        }
        stylesheet = css
    }

    static func pageTemplateNames(in directory: String) -> [String] {
        let pages = (directory as NSString).appendingPathComponent("pages")
        return ((try? FileManager.default.contentsOfDirectory(atPath: pages)) ?? [])
            .filter { $0.hasSuffix(".mustache") }.map { String($0.dropLast(".mustache".count)) }
    }

    public func render(_ template: String, _ context: [String: Any]) -> String {
        render(template, context as Any)
    }

    private func render(_ template: String, _ context: Any) -> String {
        guard let text = library.render(context, withTemplate: template) else {
            preconditionFailure("template \(template) was checked at start")
        }
        return text
    }

    /// Renders a typed model (one struct per page or mail): a name is looked up in `model` first,
    /// then in `layout` (the values every page's layout needs), as in a context stack. A value that
    /// may be missing is an Optional in the model, so that `{{#name}}` hides its label.
    public func render(_ template: String, model: Any, layout: Any? = nil) -> String {
        render(template, ModelContext(layers: layout.map { [model, $0] } ?? [model]))
    }

    /// For names that come from stored data (a queued mail's template): nil instead of a crash.
    func renderIfPresent(_ template: String, model: Any, layout: Any? = nil) -> String? {
        library.render(ModelContext(layers: layout.map { [model, $0] } ?? [model]), withTemplate: template)
    }
}

/// The top of a typed model's context stack: names resolved in each layer's stored properties, in order.
struct ModelContext: MustacheParent {
    let layers: [Any]

    func child(named name: String) -> Any? {
        for layer in layers {
            if let value = Self.value(named: name, in: layer) { return value }
        }
        return nil
    }

    static func value(named name: String, in object: Any) -> Any? {
        if let parent = object as? MustacheParent { return parent.child(named: name) }
        guard let child = Mirror(reflecting: object).children.first(where: { $0.label == name }) else { return nil }
        let optional = Mirror(reflecting: child.value)
        guard optional.displayStyle == .optional else { return child.value }
        return optional.children.first?.value
    }
}
