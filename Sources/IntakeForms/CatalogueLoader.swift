import Foundation
import IntakeDomain
import Yams

/// One thing wrong in Forms/, with where it is.
public struct CatalogueProblem: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var key: String
    public var line: Int?
    public var message: String

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}

public struct CatalogueError: Error, CustomStringConvertible {
    public var problems: [CatalogueProblem]
    public var description: String {
        "Forms/ has \(problems.count) problem(s):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// Loads and cross-checks the catalogue. Collects every problem instead of stopping at the first,
/// so `intake catalog validate` can list them all.
public enum CatalogueLoader {
    public static func load(directory: String) throws(CatalogueError) -> Catalogue {
        var context = LoadContext(root: directory)
        let catalogue = context.loadAll()
        guard context.problems.isEmpty, let catalogue else {
            throw CatalogueError(problems: context.problems.isEmpty
                ? [CatalogueProblem(file: directory, key: "", line: nil, message: "could not be loaded")]
                : context.problems)
        }
        return catalogue
    }

    public static func validate(directory: String) -> [CatalogueProblem] {
        do {
            _ = try load(directory: directory)
            return []
        } catch {
            return error.problems
        }
    }
}

nonisolated(unsafe) private let keyPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
nonisolated(unsafe) private let fieldKeyPattern = /^[a-z0-9]+(?:_[a-z0-9]+)*$/
nonisolated(unsafe) private let mailboxPattern = /^[^@\s<>",;]+@[^@\s<>",;]+\.[a-z]{2,}$/

/// A YAML node with the file and key path it came from, so every problem can say where it is.
private struct Located {
    var node: Node?
    var file: String
    var path: String

    var line: Int? { node?.mark.map { $0.line + 1 } }

    subscript(key: String) -> Located {
        let child: Node? = if case .mapping(let m) = node { m[Node(key)] } else { nil }
        return Located(node: child, file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    var isMissing: Bool {
        guard let node else { return true }
        if case .scalar(let s) = node, s.tag.rawValue == Tag.Name.null.rawValue || (s.string.isEmpty && s.style == .plain) { return true }
        return false
    }

    var items: [Located]? {
        guard case .sequence(let s) = node else { return nil }
        return s.enumerated().map { Located(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    var scalarString: String? {
        guard case .scalar(let s) = node else { return nil }
        return s.string
    }

    var keys: [String] {
        guard case .mapping(let m) = node else { return [] }
        return m.keys.compactMap { if case .scalar(let s) = $0 { s.string } else { nil } }
    }
}

private struct LoadContext {
    var root: String
    var problems: [CatalogueProblem] = []

    mutating func problem(_ at: Located, _ message: String) {
        problems.append(CatalogueProblem(file: at.file, key: at.path, line: at.line, message: message))
    }

    mutating func fileProblem(_ file: String, _ message: String) {
        problems.append(CatalogueProblem(file: file, key: "", line: nil, message: message))
    }

    mutating func document(_ relative: String) -> Located? {
        let path = (root as NSString).appendingPathComponent(relative)
        guard let data = FileManager.default.contents(atPath: path) else {
            fileProblem(relative, "file is missing or unreadable")
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            fileProblem(relative, "is not valid UTF-8")
            return nil
        }
        do {
            guard let node = try Yams.compose(yaml: text) else {
                fileProblem(relative, "is empty")
                return nil
            }
            guard case .mapping = node else {
                fileProblem(relative, "must be a mapping (key: value) at the top level")
                return nil
            }
            return Located(node: node, file: relative, path: "")
        } catch let error as YamlError {
            problems.append(CatalogueProblem(file: relative, key: "", line: nil, message: "is not valid YAML: \(Self.describe(error))"))
            return nil
        } catch {
            fileProblem(relative, "is not valid YAML")
            return nil
        }
    }

    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            "\(problem) at line \(mark.line + 1), column \(mark.column + 1)"
        default:
            "\(error)"
        }
    }

    func yamlFiles(in relativeDirectory: String) -> [String] {
        let dir = (root as NSString).appendingPathComponent(relativeDirectory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            .map { (relativeDirectory as NSString).appendingPathComponent($0) }
    }

    func subdirectories(of relativeDirectory: String) -> [String] {
        let dir = (root as NSString).appendingPathComponent(relativeDirectory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.sorted().filter { name in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(name), isDirectory: &isDir) && isDir.boolValue
        }
    }

    // MARK: scalars

    mutating func string(_ at: Located, required: Bool = true) -> String? {
        if at.isMissing {
            if required { problem(at, "is required") }
            return nil
        }
        guard let value = at.scalarString else {
            problem(at, "must be a plain value, not a list or mapping")
            return nil
        }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            if required { problem(at, "must not be empty") }
            return nil
        }
        return trimmed
    }

    mutating func key(_ at: Located, field: Bool = false) -> String? {
        let pattern = field ? fieldKeyPattern : keyPattern
        guard let value = string(at) else { return nil }
        guard value.wholeMatch(of: pattern) != nil else {
            problem(at, "'\(value)' is not a valid key (lowercase a-z, 0-9 and \(field ? "_" : "-"))")
            return nil
        }
        return value
    }

    mutating func int(_ at: Located, required: Bool, range: ClosedRange<Int>) -> Int? {
        guard let raw = string(at, required: required) else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            problem(at, "'\(raw)' must be a whole number between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return value
    }

    mutating func bool(_ at: Located, default fallback: Bool) -> Bool {
        guard let raw = string(at, required: false) else { return fallback }
        switch raw.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            problem(at, "'\(raw)' must be true or false")
            return fallback
        }
    }

    mutating func day(_ at: Located, required: Bool) -> CalendarDay? {
        guard let raw = string(at, required: required) else { return nil }
        guard let day = CalendarDay(iso: raw) else {
            problem(at, "'\(raw)' is not a date in the form YYYY-MM-DD")
            return nil
        }
        return day
    }

    mutating func text(_ at: Located, required: Bool = true) -> LocalizedText? {
        if at.isMissing {
            if required { problem(at, "is required ({sv: ..., en: ...})") }
            return nil
        }
        guard case .mapping = at.node else {
            problem(at, "must be a mapping with sv and en texts")
            return nil
        }
        let sv = string(at["sv"])
        let en = string(at["en"])
        for extra in at.keys where extra != "sv" && extra != "en" {
            problem(at[extra], "unknown language (use sv and en)")
        }
        guard let sv, let en else { return nil }
        return LocalizedText(sv: sv, en: en)
    }

    mutating func mailbox(_ at: Located) -> String? {
        guard let value = string(at) else { return nil }
        guard value.wholeMatch(of: mailboxPattern) != nil else {
            problem(at, "'\(value)' is not an e-mail address")
            return nil
        }
        if let unwritable = MailAddress.problem(value) {
            problem(at, "'\(value)' cannot be written in a mail header: \(unwritable.reason)")
            return nil
        }
        return value
    }

    mutating func list(_ at: Located, required: Bool = true) -> [Located] {
        if at.isMissing {
            if required { problem(at, "is required (a list)") }
            return []
        }
        guard let items = at.items else {
            problem(at, "must be a list")
            return []
        }
        return items
    }

    mutating func unknownKeys(_ at: Located, allowed: Set<String>) {
        for key in at.keys where !allowed.contains(key) {
            problem(at[key], "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    // MARK: documents

    mutating func loadAll() -> Catalogue? {
        let catalog = document("catalog.yaml")
        let form = document("form.yaml")
        let lifecycleDoc = document("lifecycle.yaml")

        var feedbackDays = 60
        var reminders = ReminderPolicy()
        var targetGroups: [TargetGroup] = []
        if let catalog {
            unknownKeys(catalog, allowed: ["default_feedback_days", "target_groups", "reminders"])
            feedbackDays = int(catalog["default_feedback_days"], required: true, range: 1...365) ?? 60
            let reminderDoc = catalog["reminders"]
            if !reminderDoc.isMissing {
                unknownKeys(reminderDoc, allowed: ["days_before_deadline", "overdue_every_days"])
                reminders.daysBeforeDeadline = int(reminderDoc["days_before_deadline"], required: false, range: 0...365) ?? reminders.daysBeforeDeadline
                reminders.overdueEveryDays = int(reminderDoc["overdue_every_days"], required: false, range: 1...365) ?? reminders.overdueEveryDays
            }
            var seen = Set<String>()
            for item in list(catalog["target_groups"]) {
                unknownKeys(item, allowed: ["key", "name"])
                guard let key = key(item["key"]), let name = text(item["name"]) else { continue }
                if !seen.insert(key).inserted { problem(item["key"], "'\(key)' is defined twice") }
                targetGroups.append(TargetGroup(key: key, name: name))
            }
            if targetGroups.isEmpty && !catalog["target_groups"].isMissing { problem(catalog["target_groups"], "must list at least one target group") }
        }

        var formDefinition: FormDefinition?
        if let form {
            unknownKeys(form, allowed: ["version", "fields"])
            let version = int(form["version"], required: true, range: 1...100_000)
            let fields = fieldList(form["fields"], allowPartyTypes: true)
            let keys = Set(fields.map(\.key))
            for common in CommonField.allCases {
                if let field = fields.first(where: { $0.key == common.rawValue }) {
                    if field.type != common.expectedType {
                        problem(form["fields"], "field '\(common.rawValue)' must have type \(common.expectedType.rawValue)")
                    }
                } else {
                    problem(form["fields"], "the common field '\(common.rawValue)' is missing")
                }
            }
            for extra in keys.subtracting(CommonField.allCases.map(\.rawValue)).sorted() {
                problem(form["fields"], "'\(extra)' is not a common field; put extra fields on an agreement")
            }
            if let version { formDefinition = FormDefinition(version: version, fields: fields) }
        }

        let lifecycle = lifecycleDoc.flatMap { loadLifecycle($0) }

        var regions: [Region] = []
        let regionFiles = yamlFiles(in: "regions")
        if regionFiles.isEmpty { fileProblem("regions/", "no region files found") }
        for file in regionFiles {
            if let doc = document(file), let region = loadRegion(doc, file: file) { regions.append(region) }
        }
        checkUniqueAcrossRegions(regions)

        var agreements: [Agreement] = []
        for dir in subdirectories(of: "agreements") {
            for file in yamlFiles(in: "agreements/\(dir)") {
                if let doc = document(file),
                   let agreement = loadAgreement(doc, file: file, directoryRegion: dir, regions: regions, targetGroups: targetGroups, commonKeys: Set(CommonField.allCases.map(\.rawValue))) {
                    if agreements.contains(where: { $0.key == agreement.key }) {
                        problem(doc["key"], "'\(agreement.key)' is defined twice")
                    }
                    agreements.append(agreement)
                }
            }
        }
        if agreements.isEmpty { fileProblem("agreements/", "no agreement files found (agreements/<region>/<key>.yaml)") }

        guard let formDefinition, let lifecycle else { return nil }
        var catalogue = Catalogue(defaultFeedbackDays: feedbackDays, targetGroups: targetGroups, form: formDefinition,
                                  lifecycle: lifecycle, regions: regions, agreements: agreements)
        catalogue.reminders = reminders
        catalogue.names = loadNames(regions: regions)
        return catalogue
    }

    /// Forms/privacy/: the word lists of the name check (sources and licences in its README.md).
    /// A missing or empty list is a problem: without it names of persons would pass.
    mutating func loadNames(regions: [Region]) -> NameLexicon {
        func words(_ file: String) -> [String] {
            let path = (root as NSString).appendingPathComponent("privacy/" + file)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                fileProblem("privacy/\(file)", "missing or not UTF-8 (the name check needs it)")
                return []
            }
            let list = NameLexicon.words(text)
            if list.isEmpty { fileProblem("privacy/\(file)", "has no words") }
            return list
        }
        var lexicon = NameLexicon(firstNames: Set(words("first-names.txt")), surnames: Set(words("surnames.txt")),
                                  ordinaryWords: Set(words("ordinary-words.txt")), places: Set(words("places.txt")),
                                  placeWords: words("place-words.txt"))
        // A municipality of the catalogue is a place ("Nora kommun", "i Nora").
        for region in regions {
            for party in region.parties where party.kind == .municipality {
                guard let first = party.name.split(separator: " ").first?.lowercased() else { continue }
                lexicon.places.insert(first)
                if first.hasSuffix("s") { lexicon.places.insert(String(first.dropLast())) }
            }
        }
        return lexicon
    }

    mutating func fieldList(_ at: Located, allowPartyTypes: Bool) -> [FieldDefinition] {
        var fields: [FieldDefinition] = []
        for item in list(at, required: false) {
            unknownKeys(item, allowed: ["key", "type", "required", "label", "help", "max_length", "options"])
            let key = key(item["key"], field: true)
            var type: FieldType?
            if let raw = string(item["type"]) {
                type = FieldType(rawValue: raw)
                if type == nil || (!allowPartyTypes && (type == .party || type == .parties)) {
                    let allowed = FieldType.allCases.filter { allowPartyTypes || ($0 != .party && $0 != .parties) }.map(\.rawValue)
                    problem(item["type"], "'\(raw)' is not a field type (one of: \(allowed.joined(separator: ", ")))")
                    type = nil
                }
            }
            let required = bool(item["required"], default: false)
            let label = text(item["label"])
            let help = text(item["help"], required: false)
            let maxLength = int(item["max_length"], required: false, range: 1...20_000)
            var options: [FieldOption] = []
            if type == .singleChoice || type == .multiChoice {
                var seen = Set<String>()
                for option in list(item["options"]) {
                    unknownKeys(option, allowed: ["key", "label"])
                    guard let key = self.key(option["key"]), let label = text(option["label"]) else { continue }
                    if !seen.insert(key).inserted { problem(option["key"], "'\(key)' is defined twice") }
                    options.append(FieldOption(key: key, label: label))
                }
                if options.count < 2 && !item["options"].isMissing { problem(item["options"], "a choice needs at least two options") }
            } else if !item["options"].isMissing {
                problem(item["options"], "only single_choice and multi_choice fields have options")
            }
            guard let key, let type, let label else { continue }
            if fields.contains(where: { $0.key == key }) {
                problem(item["key"], "'\(key)' is defined twice in this form")
                continue
            }
            fields.append(FieldDefinition(key: key, type: type, required: required, label: label, help: help, maxLength: maxLength, options: options))
        }
        return fields
    }

    mutating func loadLifecycle(_ doc: Located) -> Lifecycle? {
        unknownKeys(doc, allowed: ["initial", "states", "transitions"])
        var states: [ReportState] = []
        for item in list(doc["states"]) {
            unknownKeys(item, allowed: ["key", "name", "description", "open", "notify_reporter"])
            guard let key = key(item["key"]), let name = text(item["name"]) else { continue }
            let description = text(item["description"]) ?? name
            if states.contains(where: { $0.key == key }) { problem(item["key"], "'\(key)' is defined twice") }
            states.append(ReportState(key: key, name: name, description: description,
                                      isOpen: bool(item["open"], default: true),
                                      notifiesReporter: bool(item["notify_reporter"], default: false)))
        }
        let keys = Set(states.map(\.key))
        let initial = string(doc["initial"])
        if let initial, !keys.contains(initial) { problem(doc["initial"], "'\(initial)' is not one of the states") }
        var transitions: [String: [String]] = [:]
        for item in list(doc["transitions"]) {
            unknownKeys(item, allowed: ["from", "to"])
            guard let from = string(item["from"]) else { continue }
            if !keys.contains(from) { problem(item["from"], "'\(from)' is not one of the states") }
            for target in list(item["to"]) {
                guard let to = string(target) else { continue }
                if !keys.contains(to) { problem(target, "'\(to)' is not one of the states") }
                transitions[from, default: []].append(to)
            }
        }
        guard let initial, keys.contains(initial) else { return nil }
        return Lifecycle(initialKey: initial, states: states, transitions: transitions)
    }

    /// `summary: weekly | monthly` on a function or escalation level; absent: no summary.
    mutating func summaryFrequency(_ at: Located) -> SummaryFrequency? {
        guard let raw = string(at, required: false) else { return nil }
        guard let frequency = SummaryFrequency(rawValue: raw) else {
            problem(at, "'\(raw)' is not a summary frequency (weekly or monthly)")
            return nil
        }
        return frequency
    }

    mutating func loadRegion(_ doc: Located, file: String) -> Region? {
        unknownKeys(doc, allowed: ["key", "name", "triage_function", "parties", "functions", "escalation"])
        let key = key(doc["key"])
        let expected = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        if let key, key != expected { problem(doc["key"], "'\(key)' must match the file name '\(expected)'") }
        let name = text(doc["name"])
        let triage = string(doc["triage_function"])

        var parties: [Party] = []
        for item in list(doc["parties"]) {
            unknownKeys(item, allowed: ["key", "kind", "name"])
            let partyKey = self.key(item["key"])
            var kind: PartyKind?
            if let raw = string(item["kind"]) {
                kind = PartyKind(rawValue: raw)
                if kind == nil { problem(item["kind"], "'\(raw)' is not a party kind (region, municipality, association)") }
            }
            let partyName = string(item["name"])
            guard let partyKey, let kind, let partyName else { continue }
            if parties.contains(where: { $0.key == partyKey }) { problem(item["key"], "'\(partyKey)' is defined twice") }
            parties.append(Party(key: partyKey, kind: kind, name: partyName, regionKey: key ?? expected))
        }
        if parties.count < 2 && !doc["parties"].isMissing { problem(doc["parties"], "a region needs at least two parties") }

        var functions: [OwningFunction] = []
        for item in list(doc["functions"]) {
            unknownKeys(item, allowed: ["key", "name", "mailbox", "organisation", "triage", "summary"])
            let summary = summaryFrequency(item["summary"])
            let functionKey = self.key(item["key"])
            let functionName = text(item["name"])
            let mailbox = mailbox(item["mailbox"])
            let organisation = string(item["organisation"], required: false)
            if let organisation, !parties.contains(where: { $0.key == organisation }) {
                problem(item["organisation"], "'\(organisation)' is not a party of this region")
            }
            let isTriage = bool(item["triage"], default: false)
            guard let functionKey, let functionName, let mailbox else { continue }
            if functions.contains(where: { $0.key == functionKey }) { problem(item["key"], "'\(functionKey)' is defined twice") }
            functions.append(OwningFunction(key: functionKey, name: functionName, mailbox: mailbox, organisationKey: organisation,
                                            isTriage: isTriage, regionKey: key ?? expected, summary: summary))
        }
        if let triage {
            if let function = functions.first(where: { $0.key == triage }) {
                if !function.isTriage { problem(doc["triage_function"], "'\(triage)' must have triage: true") }
            } else {
                problem(doc["triage_function"], "'\(triage)' is not one of this region's functions")
            }
        }

        var escalation: [EscalationLevel] = []
        for item in list(doc["escalation"]) {
            unknownKeys(item, allowed: ["key", "name", "mailbox", "summary"])
            let summary = summaryFrequency(item["summary"])
            guard let levelKey = self.key(item["key"]), let levelName = text(item["name"]), let mailbox = mailbox(item["mailbox"]) else { continue }
            if escalation.contains(where: { $0.key == levelKey }) { problem(item["key"], "'\(levelKey)' is defined twice") }
            escalation.append(EscalationLevel(key: levelKey, name: levelName, mailbox: mailbox, summary: summary))
        }

        guard let key, let name, let triage else { return nil }
        return Region(key: key, name: name, triageFunctionKey: triage, parties: parties, functions: functions, escalation: escalation)
    }

    mutating func checkUniqueAcrossRegions(_ regions: [Region]) {
        var partyOwner: [String: String] = [:]
        var functionOwner: [String: String] = [:]
        for region in regions {
            let file = "regions/\(region.key).yaml"
            for party in region.parties {
                if let other = partyOwner[party.key] {
                    fileProblem(file, "party '\(party.key)' is also defined in region '\(other)'")
                }
                partyOwner[party.key] = region.key
            }
            for function in region.functions {
                if let other = functionOwner[function.key] {
                    fileProblem(file, "function '\(function.key)' is also defined in region '\(other)'")
                }
                functionOwner[function.key] = region.key
            }
        }
    }

    mutating func loadAgreement(_ doc: Located, file: String, directoryRegion: String, regions: [Region], targetGroups: [TargetGroup], commonKeys: Set<String>) -> Agreement? {
        unknownKeys(doc, allowed: ["key", "version", "region", "name", "summary", "target_group", "valid_from", "valid_to",
                                   "next_revision", "demo_dates", "owners", "feedback_days", "fields", "keywords"])
        let key = key(doc["key"])
        let expected = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        if let key, key != expected { problem(doc["key"], "'\(key)' must match the file name '\(expected)'") }
        let version = int(doc["version"], required: true, range: 1...100_000)
        let regionKey = string(doc["region"])
        let region = regionKey.flatMap { r in regions.first { $0.key == r } }
        if let regionKey {
            if region == nil { problem(doc["region"], "'\(regionKey)' is not a region in regions/") }
            if regionKey != directoryRegion { problem(doc["region"], "'\(regionKey)' does not match the folder agreements/\(directoryRegion)/") }
        }
        let name = text(doc["name"])
        let summary = text(doc["summary"])
        let targetGroup = string(doc["target_group"])
        if let targetGroup, !targetGroups.contains(where: { $0.key == targetGroup }) {
            problem(doc["target_group"], "'\(targetGroup)' is not a target group in catalog.yaml")
        }
        let validFrom = day(doc["valid_from"], required: true)
        let validTo = day(doc["valid_to"], required: false)
        if let validFrom, let validTo, validTo < validFrom { problem(doc["valid_to"], "is before valid_from") }
        let nextRevision = day(doc["next_revision"], required: false)
        let demoDates = bool(doc["demo_dates"], default: false)
        let feedbackDays = int(doc["feedback_days"], required: false, range: 1...365)
        var owners: [String] = []
        for item in list(doc["owners"]) {
            guard let owner = string(item) else { continue }
            if let region {
                if let function = region.functions.first(where: { $0.key == owner }) {
                    if function.isTriage { problem(item, "'\(owner)' is a triage function, not an owner") }
                } else {
                    problem(item, "'\(owner)' is not a function of region '\(region.key)'")
                }
            }
            if owners.contains(owner) { problem(item, "'\(owner)' is listed twice") }
            owners.append(owner)
        }
        if owners.isEmpty && !doc["owners"].isMissing { problem(doc["owners"], "an agreement needs at least one owning function") }
        let fields = fieldList(doc["fields"], allowPartyTypes: false)
        for field in fields where commonKeys.contains(field.key) {
            problem(doc["fields"], "'\(field.key)' is a common field name; choose another key")
        }
        let keywords = keywordList(doc["keywords"])
        guard let key, let version, let regionKey, let name, let summary, let targetGroup, let validFrom, !owners.isEmpty else { return nil }
        return Agreement(key: key, version: version, regionKey: regionKey, name: name, summary: summary, targetGroupKey: targetGroup,
                         validFrom: validFrom, validTo: validTo, nextRevision: nextRevision, demoDates: demoDates,
                         ownerKeys: owners, feedbackDays: feedbackDays, fields: fields, keywords: keywords)
    }

    /// `keywords:` (optional): everyday words and short phrases for the agreement finder.
    mutating func keywordList(_ at: Located) -> [String] {
        guard !at.isMissing else { return [] }
        var keywords: [String] = []
        for item in list(at, required: false) {
            guard let word = string(item) else { continue }
            if word.count > 60 {
                problem(item, "'\(word.prefix(20))…' is longer than 60 characters; a keyword is a word or a short phrase")
            } else if FinderText.words(word).isEmpty {
                problem(item, "'\(word)' has no letters")
            } else if keywords.contains(where: { $0.lowercased() == word.lowercased() }) {
                problem(item, "'\(word)' is listed twice")
            } else {
                keywords.append(word)
            }
        }
        if keywords.count > 300 { problem(at, "more than 300 keywords") }
        return keywords
    }
}
