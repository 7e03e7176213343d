import CoreMetrics

/// Process-wide counters through swift-metrics; `intake serve` bootstraps it with the
/// application's Prometheus registry (AppMetrics), so they appear on /metrics. Names must not
/// clash with AppMetrics' own.
public enum IntakeMetrics {
    // Reports received are counted by region and agreement in AppMetrics.
    public static let reportsRefused = Counter(label: "intake_reports_refused_total")
    public static let mailsQueued = Counter(label: "intake_mail_queued_total")
    public static let mailsSent = Counter(label: "intake_mail_sent_total")
    public static let mailsRetried = Counter(label: "intake_mail_retried_total")
    public static let mailsDead = Counter(label: "intake_mail_dead_total")
}
