/// How long a background worker waits after a run that failed: 1 s, 2 s, 4 s … at most 60 s,
/// and from the start again after a run that worked. A worker whose database cannot be written
/// (a full disk) then tries a handful of times a minute instead of spinning, and logs once per
/// wait instead of once per attempt.
struct RetryBackoff: Sendable {
    var first: Duration = .seconds(1)
    var maximum: Duration = .seconds(60)
    private(set) var current: Duration?

    /// The wait after one more failure.
    mutating func next() -> Duration {
        let delay = current.map { min($0 * 2, maximum) } ?? first
        current = delay
        return delay
    }

    mutating func reset() {
        current = nil
    }

    /// Whole seconds, for log lines.
    static func seconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds)
    }
}
