import Foundation
import IntakeDomain
import Synchronization
import Prometheus

/// The application's Prometheus metrics, owned by one application (so tests running several
/// applications in one process each see their own). `intake serve` also bootstraps
/// swift-metrics with this registry, so the `IntakeMetrics` counters appear on /metrics too.
public final class AppMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    static let requestBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]
    static let writeBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    nonisolated(unsafe) private static let reportsReceived = MetricNameDescriptor(
        namespace: "intake", metricName: "reports_received", unitName: "total",
        helpText: "Reports stored, by region, agreement (vet-inte when the reporter did not know) and channel.")
    nonisolated(unsafe) private static let stateChanges = MetricNameDescriptor(
        namespace: "intake", metricName: "report_state_changes", unitName: "total",
        helpText: "Changes of a report's state, by previous and new state (new: entering the first state).")
    nonisolated(unsafe) private static let outboxMessages = MetricNameDescriptor(
        namespace: "intake", metricName: "outbox_messages", unitName: "",
        helpText: "Messages in the outbox by status, read from the database at scrape time.")
    nonisolated(unsafe) private static let outboxFailures = MetricNameDescriptor(
        namespace: "intake", metricName: "outbox_failures", unitName: "total",
        helpText: "Failed delivery attempts: temporary (will retry) or permanent (dead letter).")
    nonisolated(unsafe) private static let requestDuration = MetricNameDescriptor(
        namespace: "intake", metricName: "http_request_duration", unitName: "seconds",
        helpText: "Time from request to response, by method and route pattern.")
    nonisolated(unsafe) private static let requests = MetricNameDescriptor(
        namespace: "intake", metricName: "http_requests", unitName: "total",
        helpText: "Requests answered, by method, route pattern and status code.")
    nonisolated(unsafe) private static let writeDuration = MetricNameDescriptor(
        namespace: "intake", metricName: "db_write_duration", unitName: "seconds",
        helpText: "Duration of database write transactions including the commit, by operation.")

    nonisolated(unsafe) private static let processStartTime = MetricNameDescriptor(
        namespace: "intake", metricName: "process_start_time", unitName: "seconds",
        helpText: "When this process started, in Unix seconds (intake serve only).")
    nonisolated(unsafe) private static let starts = MetricNameDescriptor(
        namespace: "intake", metricName: "starts", unitName: "total",
        helpText: "Starts of intake serve on this database, this one included (kept in the database, so restarts show).")
    nonisolated(unsafe) private static let uncleanExits = MetricNameDescriptor(
        namespace: "intake", metricName: "unclean_exits", unitName: "total",
        helpText: "Earlier runs of intake serve on this database that ended without a clean shutdown (crash, kill, out of memory).")

    /// This process started; the counts come from the database (`ProcessLifetime`).
    public func processStarted(at date: Date, _ start: ProcessLifetime.Start) {
        registry.makeGauge(descriptor: Self.processStartTime).set(to: date.timeIntervalSince1970)
        registry.makeCounter(descriptor: Self.starts).increment(by: Int64(start.starts))
        registry.makeCounter(descriptor: Self.uncleanExits).increment(by: Int64(start.uncleanExits))
    }

    nonisolated(unsafe) private static let loginAttempts = MetricNameDescriptor(
        namespace: "intake", metricName: "login_attempts", unitName: "total",
        helpText: "Staff login attempts: throttled (refused before any password check), failed or succeeded.")

    public enum LoginOutcome: String, Sendable { case throttled, failed, succeeded }

    /// One login attempt; `failed` plus `succeeded` is the number of password checks.
    public func loginAttempt(_ outcome: LoginOutcome) {
        counters.get("login " + outcome.rawValue) {
            registry.makeCounter(descriptor: Self.loginAttempts, labels: [("outcome", outcome.rawValue)])
        }.increment()
    }

    public func reportReceived(region: String, agreement: String?, channel: ReportChannel) {
        counters.get("received " + region + " " + (agreement ?? "") + " " + channel.key) {
            registry.makeCounter(descriptor: Self.reportsReceived,
                                 labels: [("region", region), ("agreement", agreement ?? "vet-inte"), ("channel", channel.key)])
        }.increment()
    }

    /// A report's state changed; `from` is nil when the report entered its first state.
    public func stateChanged(from: String?, to: String) {
        counters.get("state " + (from ?? "") + " " + to) {
            registry.makeCounter(descriptor: Self.stateChanges, labels: [("from", from ?? "new"), ("to", to)])
        }.increment()
    }

    public func outboxDepth(_ counts: OutboxCounts) {
        for (status, n) in [("queued", counts.queued), ("sent", counts.sent), ("dead", counts.dead)] {
            registry.makeGauge(descriptor: Self.outboxMessages, labels: [("status", status)]).set(to: Double(n))
        }
    }

    public func outboxFailure(permanent: Bool) {
        registry.makeCounter(descriptor: Self.outboxFailures, labels: [("kind", permanent ? "permanent" : "temporary")]).increment()
    }

    public func request(method: String, route: String, status: Int, duration: Duration) {
        let key = "http " + method + " " + route
        histograms.get(key) {
            registry.makeDurationHistogram(descriptor: Self.requestDuration, labels: [("method", method), ("route", route)],
                                           buckets: Self.requestBuckets)
        }.record(duration)
        counters.get(key + " " + String(status)) {
            registry.makeCounter(descriptor: Self.requests, labels: [("method", method), ("route", route), ("status", String(status))])
        }.increment()
    }

    public func databaseWrite(_ operation: String, duration: Duration) {
        histograms.get("db " + operation) {
            registry.makeDurationHistogram(descriptor: Self.writeDuration, labels: [("operation", operation)], buckets: Self.writeBuckets)
        }.record(duration)
    }

    /// The registry's metrics for label values already seen: asking the registry builds the
    /// metric's name and hashes its labels under the registry's lock, on every request.
    private let counters = MetricCache<Counter>()
    private let histograms = MetricCache<DurationHistogram>()

    /// Measures one write.
    public func timeWrite<T>(_ operation: String, _ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer { databaseWrite(operation, duration: ContinuousClock.now - start) }
        return try await body()
    }

    /// The Prometheus text exposition of everything registered.
    public func exposition() -> String {
        registry.emitToString()
    }
}

/// Metrics by a key made of their label values (each key names one metric of one kind).
final class MetricCache<Metric: AnyObject & Sendable>: Sendable {
    private let metrics = Mutex<[String: Metric]>([:])

    func get(_ key: String, make: () -> Metric) -> Metric {
        metrics.withLock { metrics in
            if let metric = metrics[key] { return metric }
            let metric = make()
            metrics[key] = metric
            return metric
        }
    }
}

/// Whether the outbox worker's loop is running, for /ready.
public final class WorkerStatus: Sendable {
    private let running = Atomic(false)
    public init() {}
    public var isRunning: Bool { running.load(ordering: .acquiring) }
    package func set(_ running: Bool) { self.running.store(running, ordering: .releasing) }
}

// MARK: mail intake (IMAP)

extension AppMetrics {
    nonisolated(unsafe) private static let mailIntakeUp = MetricNameDescriptor(
        namespace: "intake", metricName: "mail_intake_up", unitName: "",
        helpText: "1 when the last poll of the mailbox worked, 0 while its IMAP server cannot be read (retrying with backoff).")
    nonisolated(unsafe) private static let mailIntakeFailures = MetricNameDescriptor(
        namespace: "intake", metricName: "mail_intake_consecutive_failures", unitName: "",
        helpText: "Polls of the mailbox that failed in a row (0 after a good poll).")
    nonisolated(unsafe) private static let mailIntakeLastSuccess = MetricNameDescriptor(
        namespace: "intake", metricName: "mail_intake_last_success", unitName: "seconds",
        helpText: "When the mailbox was last read without error, in Unix seconds.")
    nonisolated(unsafe) private static let mailIntakeMessages = MetricNameDescriptor(
        namespace: "intake", metricName: "mail_intake_messages", unitName: "total",
        helpText: "Mails read from the mailbox, by what they became: report, addition, refused, ignored.")

    /// A poll of `mailbox` ended: fine, or failing for the `failures`-th time in a row.
    public func mailIntakePoll(mailbox: String, ok: Bool, failures: Int, at date: Date) {
        registry.makeGauge(descriptor: Self.mailIntakeUp, labels: [("mailbox", mailbox)]).set(to: ok ? 1 : 0)
        registry.makeGauge(descriptor: Self.mailIntakeFailures, labels: [("mailbox", mailbox)]).set(to: Double(failures))
        if ok { registry.makeGauge(descriptor: Self.mailIntakeLastSuccess, labels: [("mailbox", mailbox)]).set(to: date.timeIntervalSince1970) }
    }

    public func mailIntakeMessage(mailbox: String, outcome: String) {
        registry.makeCounter(descriptor: Self.mailIntakeMessages, labels: [("mailbox", mailbox), ("outcome", outcome)]).increment()
    }
}

/// Each mailbox's state for /ready: nil while fine, else what fails and since when.
public final class MailIntakeStatus: Sendable {
    public struct Problem: Sendable, Hashable {
        public var since: Date
        public var failures: Int
        public var reason: String
    }

    private let state = LockedMap()
    public init() {}

    public var problems: [(mailbox: String, problem: Problem)] { state.all() }
    public func ok(_ mailbox: String) { state.set(mailbox, nil) }
    public func failing(_ mailbox: String, reason: String, at date: Date) -> Int {
        state.update(mailbox) { old in
            Problem(since: old?.since ?? date, failures: (old?.failures ?? 0) + 1, reason: reason)
        }
    }

    final class LockedMap: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [String: Problem] = [:]
        func set(_ key: String, _ value: Problem?) { lock.withLock { values[key] = value } }
        func update(_ key: String, _ change: (Problem?) -> Problem) -> Int {
            lock.withLock {
                let new = change(values[key])
                values[key] = new
                return new.failures
            }
        }
        func all() -> [(mailbox: String, problem: Problem)] {
            lock.withLock { values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
        }
    }
}
