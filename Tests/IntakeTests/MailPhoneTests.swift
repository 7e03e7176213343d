import Foundation
import Testing
@testable import IntakeDomain

/// Mail on a phone (#20.4): every HTML mail has a viewport and one column, links are built from
/// INTAKE_PUBLIC_URL, and the demo script sets that to the address it serves. The rendered mails
/// themselves are checked in Chromium at 320 px by the browser suite (`--mails`, `--public-url`).
@Suite("Mail on a phone")
struct MailPhoneTests {
    static var mailTemplates: [String] {
        let folder = TestSupport.templatesDirectory + "/mail"
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".html.mustache") }.sorted().map { folder + "/" + $0 }
    }

    @Test("every HTML mail: a viewport, no table (one column), a width limit, links only from URL variables")
    func templates() throws {
        #expect(Self.mailTemplates.count >= 10)
        for path in Self.mailTemplates {
            let html = try String(contentsOfFile: path, encoding: .utf8)
            let name = (path as NSString).lastPathComponent
            #expect(html.contains(#"<meta name="viewport" content="width=device-width, initial-scale=1">"#), "\(name)")
            #expect(!html.contains("<table") && !html.contains("<td"), "\(name): one column")
            #expect(html.contains("max-width: 600px") && html.contains("overflow-wrap: break-word"), "\(name)")
            for match in html.matches(of: /href="([^"]*)"/) {
                #expect(match.1.hasPrefix("{{") && match.1.hasSuffix("URL}}"), "\(name): link \(match.1) must come from the composer (INTAKE_PUBLIC_URL)")
            }
            // The reference number never breaks: every one outside <title> is in a nowrap span.
            let all = html.components(separatedBy: "{{reference}}").count - 1
            let inTitle = html.components(separatedBy: "<title>{{reference}}</title>").count - 1
            let kept = html.components(separatedBy: #"<span style="white-space: nowrap;">{{reference}}</span>"#).count - 1
            #expect(all - inTitle == kept, "\(name): \(all - inTitle) reference numbers, \(kept) kept on one line")
        }
    }

    @Test("the demo script sets INTAKE_PUBLIC_URL to the address it serves")
    func demoScript() throws {
        func run(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TestSupport.repositoryRoot + "/scripts/run-demo.sh")
            process.arguments = arguments
            var env = ProcessInfo.processInfo.environment
            for key in ["INTAKE_PUBLIC_URL", "INTAKE_PORT", "INTAKE_HOSTNAME"] { env[key] = nil }
            env["INTAKE_DEMO_DRY_RUN"] = "1"
            env.merge(environment) { _, new in new }
            process.environment = env
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            return String(decoding: data, as: UTF8.self)
        }
        #expect(try run([]).contains("INTAKE_PUBLIC_URL=http://localhost:8080\n"))
        #expect(try run(["--port", "9123"]).contains("INTAKE_PUBLIC_URL=http://localhost:9123\n"))
        #expect(try run(["--port=9124"]).contains("INTAKE_PUBLIC_URL=http://localhost:9124\n"))
        #expect(try run([], environment: ["INTAKE_PORT": "9125"]).contains("INTAKE_PUBLIC_URL=http://localhost:9125\n"))
        let lan = try run(["--hostname", "0.0.0.0", "--port", "9126"])
        #expect(lan.contains(":9126\n") && !lan.contains("0.0.0.0:"), "a phone cannot open 0.0.0.0: \(lan)")
        #expect(try run([], environment: ["INTAKE_PUBLIC_URL": "https://samverkan.example.se"]).contains("INTAKE_PUBLIC_URL=https://samverkan.example.se\n"))
    }
}
