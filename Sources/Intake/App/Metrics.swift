import CoreMetrics

/// The application's counters, in one typed namespace. Exported for Prometheus by operations work.
public enum IntakeMetrics {
    public static let reportsReceived = Counter(label: "intake_reports_received_total")
    public static let reportsRefused = Counter(label: "intake_reports_refused_total")
    public static let mailsQueued = Counter(label: "intake_mail_queued_total")
    public static let mailsSent = Counter(label: "intake_mail_sent_total")
    public static let mailsRetried = Counter(label: "intake_mail_retried_total")
    public static let mailsDead = Counter(label: "intake_mail_dead_total")
}
