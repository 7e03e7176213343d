import Foundation
import Testing

/// The targets' dependencies go one way (Sources/ARCHITECTURE.md). SwiftPM already refuses an
/// import of a module a target does not depend on; these checks keep the declared dependencies
/// themselves from growing: the domain stays Foundation only, the store and mail stay free of HTTP.
@Suite("Architecture: the targets' imports")
struct ArchitectureTests {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return url
    }()

    /// Every Swift file under Sources/<target>, with the modules it imports.
    static func imports(of target: String) throws -> [(file: String, modules: [String])] {
        let directory = root.appendingPathComponent("Sources/\(target)")
        guard let files = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        var result: [(String, [String])] = []
        for case let file as String in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            result.append((file, importedModules(text)))
        }
        return result
    }

    /// `import X`, `@testable import X`, `@preconcurrency import X`, `import struct X.Y`, `@_exported import X`.
    static func importedModules(_ source: String) -> [String] {
        source.split(separator: "\n").compactMap { line -> String? in
            var words = line.trimmingCharacters(in: .whitespaces).split(separator: " ").map(String.init)
            while let first = words.first, first.hasPrefix("@") || ["public", "package", "internal"].contains(first) { words.removeFirst() }
            guard words.first == "import", words.count >= 2 else { return nil }
            let name = ["struct", "class", "enum", "protocol", "typealias", "func", "var", "let"].contains(words[1]) && words.count >= 3
                ? words[2] : words[1]
            return String(name.split(separator: ".").first ?? "")
        }
    }

    @Test("the tests find the sources")
    func sourcesFound() throws {
        #expect(try Self.imports(of: "IntakeDomain").count >= 10)
        #expect(try Self.imports(of: "IntakeStore").count >= 10)
        #expect(try Self.imports(of: "IntakeMail").count >= 5)
        #expect(Self.importedModules("@preconcurrency import GRDB\nimport struct NIOCore.ByteBuffer\n  import Foundation") == ["GRDB", "NIOCore", "Foundation"])
    }

    @Test("IntakeDomain imports Foundation only")
    func domainIsFoundationOnly() throws {
        for (file, modules) in try Self.imports(of: "IntakeDomain") {
            for module in modules where module != "Foundation" {
                Issue.record("Sources/IntakeDomain/\(file) imports \(module): the domain depends on Foundation only")
            }
        }
    }

    @Test("IntakeDomain declares no dependencies in Package.swift")
    func domainHasNoDependencies() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let target = try #require(manifest.range(of: "name: \"IntakeDomain\""), "Package.swift declares no IntakeDomain target")
        let rest = manifest[target.upperBound...]
        // The target's declaration ends where the next one starts.
        let end = rest.range(of: ".target(")?.lowerBound ?? rest.range(of: ".executableTarget(")?.lowerBound ?? rest.endIndex
        let declaration = rest[..<end]
        if let dependencies = declaration.range(of: "dependencies:") {
            let list = declaration[dependencies.upperBound...].drop { $0 == " " }
            #expect(list.hasPrefix("[]"), "IntakeDomain lists dependencies: \(declaration)")
        }
        #expect(!declaration.contains(".product("))
    }

    @Test("IntakeStore and IntakeMail know nothing of HTTP")
    func storeAndMailWithoutHTTP() throws {
        let http: Set = ["Hummingbird", "HummingbirdCore", "HummingbirdTesting", "HummingbirdRouter", "HTTPTypes", "NIOHTTP1", "IntakeWeb"]
        for target in ["IntakeStore", "IntakeMail"] {
            for (file, modules) in try Self.imports(of: target) {
                for module in modules where http.contains(module) {
                    Issue.record("Sources/\(target)/\(file) imports \(module)")
                }
            }
        }
    }

    @Test("Dependencies point down: no target imports one above it")
    func layersPointDown() throws {
        let layers = ["IntakeDomain", "IntakeForms", "IntakeMail", "IntakeStore", "IntakeServices", "IntakeWeb", "IntakeCLI"]
        // Forms, Mail and Store sit side by side above the domain: none of them imports another.
        let allowed: [String: Set<String>] = [
            "IntakeDomain": [],
            "IntakeForms": ["IntakeDomain"],
            "IntakeMail": ["IntakeDomain"],
            "IntakeStore": ["IntakeDomain"],
            "IntakeServices": ["IntakeDomain", "IntakeForms", "IntakeMail", "IntakeStore"],
            "IntakeWeb": ["IntakeDomain", "IntakeForms", "IntakeMail", "IntakeStore", "IntakeServices"],
            "IntakeCLI": Set(layers.dropLast()),
        ]
        for target in layers {
            for (file, modules) in try Self.imports(of: target) {
                for module in modules where module.hasPrefix("Intake") && module != target && !(allowed[target] ?? []).contains(module) {
                    Issue.record("Sources/\(target)/\(file) imports \(module)")
                }
            }
        }
    }
}
