import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// Parsed by the official Prometheus client's parser (Tests/ops/parse_metrics.py).
struct ParsedMetrics: Decodable {
    struct Sample: Decodable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var families: [String: String]
    var samples: [Sample]

    static func parse(_ text: String) throws -> ParsedMetrics {
        try TestTool.require(.prometheusClient)
        let directory = try TestSupport.temporaryDirectory("metrics")
        try text.write(toFile: directory + "/metrics.txt", atomically: true, encoding: .utf8)
        try TestProcess.run(SMTPTestServer.python, [TestSupport.repositoryRoot + "/Tests/ops/parse_metrics.py",
                                                    directory + "/metrics.txt", directory + "/metrics.json"])
        return try JSONDecoder().decode(ParsedMetrics.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/metrics.json")))
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }?.value
    }
}

@Suite("Metrics, readiness and request ids", .timeLimit(.minutes(3)))
struct ObservabilityTests {
    @Test("/metrics is Prometheus text with reports by region and agreement, states, outbox, latency and write times")
    func metrics() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let app = try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function)
        let text = try await app.test(.live) { client in
            for form in [FormEncoder.validLUS, FormEncoder.validLUS, FormEncoder.triageOnly] {
                let response = try await client.execute(uri: "/rapportera/stockholm", method: .post, headers: .form, body: form.body)
                #expect(response.status == .seeOther)
            }
            _ = try await client.execute(uri: "/finns-inte", method: .get)
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            return response.text
        }
        let metrics = try ParsedMetrics.parse(text)

        #expect(metrics.families["intake_reports_received"] == "counter")
        #expect(metrics.value("intake_reports_received_total", ["region": "stockholm", "agreement": "sthlm-lus"]) == 2)
        #expect(metrics.value("intake_reports_received_total", ["region": "stockholm", "agreement": "vet-inte"]) == 1)
        #expect(metrics.value("intake_report_state_changes_total", ["from": "new", "to": "mottagen"]) == 3)
        // 2 × (acknowledgement + 2 owners) + 1 triage notification, queued or already sent.
        let outbox = ["queued", "sent", "dead"].compactMap { metrics.value("intake_outbox_messages", ["status": $0]) }
        #expect(outbox.count == 3 && outbox.reduce(0, +) == 7)
        // Counted when the report's transaction commits, in this application's registry.
        #expect(metrics.value("intake_mail_queued_total") == 7)
        #expect(metrics.families["intake_http_request_duration_seconds"] == "histogram")
        #expect(metrics.value("intake_http_request_duration_seconds_count", ["method": "POST", "route": "/rapportera/{region}"]) == 3)
        #expect(metrics.value("intake_http_request_duration_seconds_bucket", ["method": "POST", "route": "/rapportera/{region}", "le": "+Inf"]) == 3)
        #expect(metrics.value("intake_http_requests_total", ["method": "POST", "route": "/rapportera/{region}", "status": "303"]) == 3)
        // An unknown path is counted without its concrete path (paths can hold tracking tokens).
        #expect(metrics.value("intake_http_requests_total", ["route": "NotFound", "status": "404"]) == 1)
        #expect(!text.contains("finns-inte"))
        #expect(metrics.families["intake_db_write_duration_seconds"] == "histogram")
        #expect((metrics.value("intake_db_write_duration_seconds_count", ["operation": "report_commit"]) ?? 0) >= 1)
    }

    @Test("a handläggare's state change is counted by previous and new state")
    func stateChangeCounted() async throws {
        let directory = try TestSupport.temporaryDirectory()
        try await StaffFixtures.create(in: directory)
        let metrics = AppMetrics()
        let services = try await AppServices.load(configuration: TestSupport.configuration(directory: directory), clock: { TestSupport.fixedNow },
                                                  logger: TestSupport.quietLogger, metrics: metrics)
        let region = try #require(services.catalogue.region("stockholm"))
        let form = ReportForm(catalogue: services.catalogue, region: region, agreement: services.catalogue.agreement("sthlm-lus"))
        guard case .success(let draft) = form.validate(try FormBody.parse(Array(FormEncoder.validLUS.encoded.utf8)), language: .sv,
                                                      today: CalendarDay(TestSupport.fixedNow)) else { Issue.record("invalid form"); return }
        let filed = try await services.reports.file(draft, channel: .web, initialState: services.catalogue.lifecycle.initialKey, now: TestSupport.fixedNow)
        let handler = try #require(try await services.staff.user(email: StaffFixtures.lusHandler.email))

        try await services.triage.changeState(filed.id, to: "ej-samverkansbrist", message: "Händelsen gällde inte samarbetet mellan organisationerna.", by: handler, now: TestSupport.fixedNow)

        let parsed = try ParsedMetrics.parse(metrics.exposition())
        #expect(parsed.value("intake_report_state_changes_total", ["from": "mottagen", "to": "ej-samverkansbrist"]) == 1)
        #expect((parsed.value("intake_db_write_duration_seconds_count", ["operation": "report_commit"]) ?? 0) >= 1)
    }

    @Test("each application has its own registry: two apps in one process do not mix their counts")
    func registryPerApplication() async throws {
        let first = AppMetrics(), second = AppMetrics()
        first.reportReceived(region: "stockholm", agreement: "sthlm-lus", channel: .web)
        #expect(try ParsedMetrics.parse(first.exposition()).value("intake_reports_received_total") == 1)
        #expect(try ParsedMetrics.parse(second.exposition()).value("intake_reports_received_total") == nil)
    }

    @Test("delivery failures are counted: temporary and permanent")
    func outboxFailures() throws {
        let metrics = AppMetrics()
        metrics.outboxFailure(permanent: false)
        metrics.outboxFailure(permanent: false)
        metrics.outboxFailure(permanent: true)
        let parsed = try ParsedMetrics.parse(metrics.exposition())
        #expect(parsed.value("intake_outbox_failures_total", ["kind": "temporary"]) == 2)
        #expect(parsed.value("intake_outbox_failures_total", ["kind": "permanent"]) == 1)
    }

    @Test("/ready reports database, catalogue and outbox worker; /health stays")
    func ready() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let app = try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function)
        try await app.test(.live) { client in
            // The worker starts with the server; wait until it says so (bounded).
            var response = try await client.execute(uri: "/ready", method: .get)
            for _ in 0..<100 where response.status != .ok {
                try await Task.sleep(for: .milliseconds(50))
                response = try await client.execute(uri: "/ready", method: .get)
            }
            #expect(response.status == .ok)
            #expect(response.text == #"{"status":"ready","database":"ok","catalogue":"ok","outbox_worker":"ok"}"#)
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
        }
    }

    @Test("a sane X-Request-Id is kept, a missing or unsafe one is replaced, and it is returned")
    func requestId() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let app = try await TestSupport.application(directory: directory, clock: TestSupport.Clock(TestSupport.fixedNow).function)
        try await app.test(.live) { client in
            let name = HTTPField.Name("X-Request-Id")!
            let kept = try await client.execute(uri: "/health", method: .get, headers: [name: "4f1c0e2a-nginx.7"])
            #expect(kept.headers[name] == "4f1c0e2a-nginx.7")
            let generated = try await client.execute(uri: "/", method: .get)
            let id = try #require(generated.headers[name])
            #expect(id.count == 24)
            let other = try await client.execute(uri: "/", method: .get)
            #expect(other.headers[name] != id)
            let forged = try await client.execute(uri: "/health", method: .get, headers: [name: "x\" level=error msg=fake"])
            #expect(forged.headers[name]?.contains("fake") == false)
            // Error pages carry it too.
            let missing = try await client.execute(uri: "/finns-inte", method: .get, headers: [name: "abc"])
            #expect(missing.status == .notFound)
            #expect(missing.headers[name] == "abc")
        }
    }

    @Test("JSON log lines carry the request id and metadata, one object per line")
    func jsonLogLine() throws {
        // Formatting only; the real binary's JSON log is checked in the shutdown test.
        let object: [String: Any] = ["a": JSONLogHandler.json(.string("x")), "n": JSONLogHandler.json(.stringConvertible(3)),
                                     "list": JSONLogHandler.json(.array([.string("y")]))]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        #expect(String(decoding: data, as: UTF8.self) == #"{"a":"x","list":["y"],"n":"3"}"#)
        let stamp = JSONLogHandler.timestamp()
        #expect(stamp.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil, "\(stamp)")
        let parsed = try #require(ISO8601DateFormatter.withFractionalSeconds.date(from: stamp))
        #expect(abs(parsed.timeIntervalSinceNow) < 3600)
    }
}

extension ISO8601DateFormatter {
    static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
