import Foundation
import GRDB
import IntakeDomain

/// Fills a database with realistic synthetic reports for demos, tests and benchmarks: every
/// region, agreement and state, receipt dates over three years (more recent years a little
/// busier), routes as the catalogue routes them, other parties, first feedback and closing for
/// most older reports. Free text comes from a few neutral sentences; about one report in fifty
/// has a fake `@example.se` contact. Reproducible for a given seed. Batched: one prepared
/// statement per table and one transaction per batch.
public struct DemoSeeder: Sendable {
    let database: AppDatabase
    let catalogue: Catalogue
    public var seed: UInt64 = 2026
    public var batchSize = 20_000
    public var years = 3

    public init(database: AppDatabase, catalogue: Catalogue) {
        self.database = database
        self.catalogue = catalogue
    }

    /// SplitMix64: fast and reproducible (demo data needs no secure randomness).
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ upper: Int) -> Int { Int(next() % UInt64(max(upper, 1))) }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
        mutating func pick<T>(_ list: [T]) -> T { list[int(list.count)] }
    }

    /// The closing reply of a closed demo report (required when staff close one): for the first
    /// closed state (the report led somewhere), and for the others. Picked by the running number.
    static let closingReplies = [
        "Regionen och kommunen har gått igenom händelsen och ändrat rutinen: inskrivningsmeddelandet skickas nu samma dag som patienten skrivs in.",
        "Händelsen togs upp i den lokala samverkansgruppen. Ansvarsfördelningen i överenskommelsen har förtydligats i ett brev till verksamheterna.",
        "Kontaktvägarna mellan avdelningen och kommunens biståndshandläggare har setts över, och en gemensam telefonlista finns nu i journalsystemet.",
    ]
    static let otherClosingReplies = [
        "Efter genomgång gällde händelsen inte samverkan mellan organisationerna. Den hanteras i verksamhetens egen avvikelsehantering.",
        "Händelsen har lämnats över till den organisation där den hör hemma, som utreder den i sin egen avvikelsehantering.",
    ]

    static let happened = [
        "Utskrivningen planerades inte enligt överenskommelsen och kommunen fick besked samma dag.",
        "Remissen skickades mellan skolhälsovården och barnpsykiatrin utan att någon tog ansvar.",
        "Det var oklart vem som skulle bekosta hjälpmedlet och beslutet drog ut på tiden.",
        "Informationen om läkemedel följde inte med vid överflyttningen till hemtjänsten.",
        "Den samordnade individuella planen kallades inte in trots att behovet var känt.",
        "Hemsjukvården fick inte veta att insatserna skulle starta förrän efter helgen.",
    ]
    static let expected = [
        "Enligt överenskommelsen ska parterna planera tillsammans innan utskrivning.",
        "Parterna ska enas om ansvar utan att den enskilde hamnar mellan huvudmännen.",
        "Kostnadsansvaret ska vara klarlagt enligt riktlinjen innan insatsen påbörjas.",
    ]

    public struct Progress: Sendable {
        public var done: Int
        public var total: Int
        public var elapsed: TimeInterval
    }

    /// Adds `count` reports; calls `progress` after each batch. Returns the number added.
    @discardableResult
    public func run(count: Int, now: Date, progress: (Progress) -> Void = { _ in }) throws -> Int {
        let started = Date()
        var random = Random(state: seed)
        let nowSeconds = Int(now.timeIntervalSince1970)
        let spanSeconds = years * 365 * 86_400
        let states = catalogue.lifecycle.states
        let open = states.filter(\.isOpen), closed = states.filter { !$0.isOpen }
        let regionWeights: [(Region, Int)] = catalogue.regions.map { ($0, $0.key == "stockholm" ? 6 : 2) }
        let totalWeight = regionWeights.map(\.1).reduce(0, +)
        struct RegionPlan { var region: Region; var agreements: [(Agreement, [Route])]; var triage: [Route] }
        let plans: [String: RegionPlan] = Dictionary(uniqueKeysWithValues: catalogue.regions.map { region in
            let agreements = catalogue.agreements.filter { $0.regionKey == region.key }.map { ($0, Routing.routes(for: $0, in: region, catalogue: catalogue)) }
            return (region.key, RegionPlan(region: region, agreements: agreements, triage: Routing.routes(for: nil, in: region, catalogue: catalogue)))
        })
        var days = SwedishDayConverter()
        let tokenAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

        var done = 0
        try database.pool.writeWithoutTransaction { db in
            // Bulk load: a big page cache for the random index inserts.
            try db.execute(sql: "PRAGMA cache_size = -262144")
        }
        // Reference numbers continue each year's counter.
        var counters = try database.pool.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT year, last_value FROM reference_counter").map { ($0["year"] as Int, $0["last_value"] as Int) })
        }
        while done < count {
            let batch = min(batchSize, count - done)
            try database.pool.write { db in
                let insertReport = try db.makeStatement(sql: """
                    INSERT INTO report (reference, tracking_token, region_key, agreement_key, agreement_version, form_version,
                        organisation_key, occurred_on, what_happened, expected, consequences, improvement, extra_fields,
                        reporter_name, reporter_role, reporter_email, reporter_phone, language, state, received_at, updated_at,
                        feedback_due_on, first_feedback_at, closed_at, systemfel, escalation_level, channel)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, '{}', ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let insertParty = try db.makeStatement(sql: "INSERT OR IGNORE INTO report_party (report_id, party_key) VALUES (?, ?)")
                let insertRoute = try db.makeStatement(sql: "INSERT INTO report_route (report_id, function_key, is_triage, routed_at) VALUES (?, ?, ?, ?)")
                let insertClosingReply = try db.makeStatement(sql: """
                    INSERT INTO report_message (report_id, kind, author_user_id, author_name, body, created_at, closes_state)
                    VALUES (?, 'reply', NULL, 'Demo-handläggare', ?, ?, ?)
                    """)
                for _ in 0..<batch {
                    var pickWeight = random.int(totalWeight)
                    var region = regionWeights[0].0
                    for (candidate, weight) in regionWeights {
                        if pickWeight < weight { region = candidate; break }
                        pickWeight -= weight
                    }
                    let plan = plans[region.key]!
                    // Later dates a little more likely: the service becomes known.
                    let u = Double(random.int(1_000_000)) / 1_000_000
                    let ageSeconds = Int(Double(spanSeconds) * (1 - u.squareRoot() * 0.6 - u * 0.4))
                    let receivedSeconds = nowSeconds - max(60, ageSeconds)
                    let receivedDay = CalendarDay(dayNumber: Int(days.day(unixSeconds: receivedSeconds)))
                    let classified = random.chance(0.9) && !plan.agreements.isEmpty
                    let (agreement, routes) = classified ? random.pick(plan.agreements) : (nil, plan.triage)
                    let organisation = random.pick(region.parties)
                    var others = Set<String>()
                    for _ in 0..<(1 + random.int(3) / 2) {
                        let other = random.pick(region.parties)
                        if other.key != organisation.key { others.insert(other.key) }
                    }
                    let feedbackDays = catalogue.feedbackDays(for: agreement)
                    let due = CalendarDay(dayNumber: receivedDay.dayNumber + feedbackDays)
                    let ageDays = (nowSeconds - receivedSeconds) / 86_400
                    // Older reports are mostly handled; recent ones mostly open.
                    let closedChance = min(0.92, Double(ageDays) / 150)
                    let isClosed = random.chance(closedChance)
                    let state = isClosed ? (random.chance(0.8) ? closed.first! : random.pick(closed)) : random.pick(open)
                    var firstFeedback: Int? = nil
                    if isClosed || (ageDays > 3 && random.chance(0.6)) {
                        let delay = 3600 * (2 + random.int(24 * min(max(ageDays, 1), 70)))
                        if receivedSeconds + delay < nowSeconds { firstFeedback = receivedSeconds + delay }
                    }
                    var closedAt: Int? = nil
                    if isClosed {
                        let after = (firstFeedback ?? receivedSeconds) + 3600 * (1 + random.int(24 * min(max(ageDays, 1), 120)))
                        closedAt = min(after, nowSeconds - 1)
                        if firstFeedback == nil || firstFeedback! > closedAt! { firstFeedback = closedAt }
                    }
                    let year = receivedDay.year
                    let sequence = (counters[year] ?? 0) + 1
                    counters[year] = sequence
                    let token = String(decoding: (0..<32).map { _ in tokenAlphabet[random.int(64)] }, as: UTF8.self)
                    let contact = random.chance(0.02)
                    let n = done + 1
                    let escalation: String? = random.chance(0.03) ? region.escalation.first?.key : nil
                    // Mostly the web form; mail was more common before people changed habits.
                    // From the running number, not the generator, so the rest of the data stays as it was.
                    let slot = n % 20
                    let channel: ReportChannel = slot < 2 ? .phone : slot < (ageDays > 365 ? 7 : 4) ? .email : slot == 19 ? .open311 : .web
                    try insertReport.execute(arguments: [
                        ReferenceNumber.format(year: year, sequence: sequence), token, region.key, agreement?.key, agreement?.version,
                        1, organisation.key, CalendarDay(dayNumber: receivedDay.dayNumber - random.int(10)).description,
                        random.pick(Self.happened), random.pick(Self.expected),
                        contact ? "Exempel Exempelsson" : nil, contact ? "Undersköterska" : nil, contact ? "rapportor\(n)@example.se" : nil,
                        random.chance(0.95) ? "sv" : "en", state.key, Self.timestamp(receivedSeconds),
                        Self.timestamp(max(receivedSeconds, closedAt ?? firstFeedback ?? receivedSeconds)), due.description,
                        firstFeedback.map(Self.timestamp), closedAt.map(Self.timestamp), random.chance(0.03), escalation, channel.key,
                    ])
                    let id = db.lastInsertedRowID
                    for other in others.sorted() { try insertParty.execute(arguments: [id, other]) }
                    for route in routes { try insertRoute.execute(arguments: [id, route.functionKey, route.isTriage, Self.timestamp(receivedSeconds)]) }
                    if let closedAt {
                        // As staff must when closing: a closing reply, shown first on the tracking page.
                        let texts = state.key == closed.first?.key ? Self.closingReplies : Self.otherClosingReplies
                        try insertClosingReply.execute(arguments: [id, texts[n % texts.count], Self.timestamp(closedAt), state.key])
                    }
                    done += 1
                }
                for (year, value) in counters {
                    try db.execute(sql: """
                        INSERT INTO reference_counter (year, last_value) VALUES (?, ?)
                        ON CONFLICT(year) DO UPDATE SET last_value = MAX(last_value, excluded.last_value)
                        """, arguments: [year, value])
                }
            }
            progress(Progress(done: done, total: count, elapsed: Date().timeIntervalSince(started)))
        }
        return done
    }

    /// GRDB's storage format for dates (`yyyy-MM-dd HH:mm:ss.SSS`, UTC), without a DateFormatter.
    static func timestamp(_ seconds: Int) -> String {
        let day = CalendarDay(dayNumber: seconds / 86_400)
        let s = seconds % 86_400
        var bytes = [UInt8]()
        bytes.reserveCapacity(23)
        func two(_ n: Int) { bytes.append(UInt8(48 + n / 10)); bytes.append(UInt8(48 + n % 10)) }
        two(day.year / 100); two(day.year % 100)
        bytes.append(45); two(day.month); bytes.append(45); two(day.day)
        bytes.append(32); two(s / 3600); bytes.append(58); two(s % 3600 / 60); bytes.append(58); two(s % 60)
        bytes.append(contentsOf: [46, 48, 48, 48])
        return String(decoding: bytes, as: UTF8.self)
    }
}
