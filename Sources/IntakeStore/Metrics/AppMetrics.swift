import CoreMetrics
import Foundation
import IntakeDomain
import Metrics
import Synchronization
import class Prometheus.PrometheusCollectorRegistry
import struct Prometheus.PrometheusMetricsFactory

/// The application's metrics: swift-metrics counters, timers and gauges made through a
/// `PrometheusMetricsFactory` over this application's own registry, which /metrics renders.
/// The factory is per application, not the process-global `MetricsSystem` (tests run several
/// applications in one process and each counts its own); `intake serve` also bootstraps
/// `MetricsSystem` with it, so any library's swift-metrics land on /metrics too.
public final class AppMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [Name.requestDuration: Self.requestBuckets, Name.writeDuration: Self.writeBuckets]
        self.factory = factory
    }

    static let requestBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]
    static let writeBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    /// The metric names (what each means: README, Operations).
    enum Name {
        static let reportsReceived = "intake_reports_received_total"
        static let reportsRefused = "intake_reports_refused_total"
        static let stateChanges = "intake_report_state_changes_total"
        static let outboxMessages = "intake_outbox_messages"
        static let outboxFailures = "intake_outbox_failures_total"
        static let mailsQueued = "intake_mail_queued_total"
        static let mailsSent = "intake_mail_sent_total"
        static let mailsRetried = "intake_mail_retried_total"
        static let mailsDead = "intake_mail_dead_total"
        static let requestDuration = "intake_http_request_duration_seconds"
        static let requests = "intake_http_requests_total"
        static let writeDuration = "intake_db_write_duration_seconds"
        static let processStartTime = "intake_process_start_time_seconds"
        static let starts = "intake_starts_total"
        static let uncleanExits = "intake_unclean_exits_total"
        static let loginAttempts = "intake_login_attempts_total"
        static let mailIntakeUp = "intake_mail_intake_up"
        static let mailIntakeFailures = "intake_mail_intake_consecutive_failures"
        static let mailIntakeLastSuccess = "intake_mail_intake_last_success_seconds"
        static let mailIntakeMessages = "intake_mail_intake_messages_total"
    }

    private func counter(_ name: String, _ dimensions: [(String, String)] = []) -> Counter {
        Counter(label: name, dimensions: dimensions, factory: factory)
    }
    private func gauge(_ name: String, _ dimensions: [(String, String)] = []) -> Gauge {
        Gauge(label: name, dimensions: dimensions, factory: factory)
    }

    /// This process started; the counts come from the database (`ProcessLifetime`).
    public func processStarted(at date: Date, _ start: ProcessLifetime.Start) {
        gauge(Name.processStartTime).record(date.timeIntervalSince1970)
        counter(Name.starts).increment(by: start.starts)
        counter(Name.uncleanExits).increment(by: start.uncleanExits)
    }

    public enum LoginOutcome: String, Sendable { case throttled, failed, succeeded }

    /// One login attempt; `failed` plus `succeeded` is the number of password checks.
    public func loginAttempt(_ outcome: LoginOutcome) {
        counters.get("login " + outcome.rawValue) { counter(Name.loginAttempts, [("outcome", outcome.rawValue)]) }.increment()
    }

    public func reportReceived(region: String, agreement: String?, channel: ReportChannel) {
        counters.get("received " + region + " " + (agreement ?? "") + " " + channel.key) {
            counter(Name.reportsReceived, [("region", region), ("agreement", agreement ?? "vet-inte"), ("channel", channel.key)])
        }.increment()
    }

    /// A submission was refused before anything was stored (rate limit, origin, honeypot, …).
    public func reportRefused() {
        reportsRefused.increment()
    }

    /// A report's state changed; `from` is nil when the report entered its first state.
    public func stateChanged(from: String?, to: String) {
        counters.get("state " + (from ?? "") + " " + to) {
            counter(Name.stateChanges, [("from", from ?? "new"), ("to", to)])
        }.increment()
    }

    public func outboxDepth(_ counts: OutboxCounts) {
        for (status, n) in [("queued", counts.queued), ("sent", counts.sent), ("dead", counts.dead)] {
            gauge(Name.outboxMessages, [("status", status)]).record(n)
        }
    }

    public func outboxFailure(permanent: Bool) {
        counter(Name.outboxFailures, [("kind", permanent ? "permanent" : "temporary")]).increment()
    }

    /// Mails queued in the outbox, counted when their transaction commits (`QueuedMailCounter`).
    func mailsQueued(_ count: Int) {
        mailsQueuedCounter.increment(by: count)
    }

    public func mailSent() { mailsSentCounter.increment() }
    public func mailRetried() { mailsRetriedCounter.increment() }
    public func mailDead() { mailsDeadCounter.increment() }

    public func request(method: String, route: String, status: Int, duration: Duration) {
        let key = "http " + method + " " + route
        timers.get(key) {
            CoreMetrics.Timer(label: Name.requestDuration, dimensions: [("method", method), ("route", route)], factory: factory)
        }.record(duration: duration)
        counters.get(key + " " + String(status)) {
            counter(Name.requests, [("method", method), ("route", route), ("status", String(status))])
        }.increment()
    }

    public func databaseWrite(_ operation: String, duration: Duration) {
        timers.get("db " + operation) {
            CoreMetrics.Timer(label: Name.writeDuration, dimensions: [("operation", operation)], factory: factory)
        }.record(duration: duration)
    }

    /// The metrics for label values already seen: making one asks the registry, which builds the
    /// metric's name and hashes its labels under the registry's lock, on every request.
    private let counters = MetricCache<Counter>()
    private let timers = MetricCache<CoreMetrics.Timer>()
    private var reportsRefused: Counter { counters.get("refused") { counter(Name.reportsRefused) } }
    private var mailsQueuedCounter: Counter { counters.get("mail queued") { counter(Name.mailsQueued) } }
    private var mailsSentCounter: Counter { counters.get("mail sent") { counter(Name.mailsSent) } }
    private var mailsRetriedCounter: Counter { counters.get("mail retried") { counter(Name.mailsRetried) } }
    private var mailsDeadCounter: Counter { counters.get("mail dead") { counter(Name.mailsDead) } }

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
    /// A poll of `mailbox` ended: fine, or failing for the `failures`-th time in a row.
    public func mailIntakePoll(mailbox: String, ok: Bool, failures: Int, at date: Date) {
        gauge(Name.mailIntakeUp, [("mailbox", mailbox)]).record(ok ? 1 : 0)
        gauge(Name.mailIntakeFailures, [("mailbox", mailbox)]).record(failures)
        if ok { gauge(Name.mailIntakeLastSuccess, [("mailbox", mailbox)]).record(date.timeIntervalSince1970) }
    }

    public func mailIntakeMessage(mailbox: String, outcome: String) {
        counter(Name.mailIntakeMessages, [("mailbox", mailbox), ("outcome", outcome)]).increment()
    }
}

/// Each mailbox's state for /ready: nil while fine, else what fails and since when.
public final class MailIntakeStatus: Sendable {
    public struct Problem: Sendable, Hashable {
        public var since: Date
        public var failures: Int
        public var reason: String
    }

    private let state = Mutex<[String: Problem]>([:])
    public init() {}

    public var problems: [(mailbox: String, problem: Problem)] {
        state.withLock { state in state.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }
    public func ok(_ mailbox: String) { state.withLock { $0[mailbox] = nil } }
    public func failing(_ mailbox: String, reason: String, at date: Date) -> Int {
        state.withLock { state in
            let old = state[mailbox]
            let new = Problem(since: old?.since ?? date, failures: (old?.failures ?? 0) + 1, reason: reason)
            state[mailbox] = new
            return new.failures
        }
    }
}
