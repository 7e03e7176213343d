import Foundation
import GRDB
import Logging
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// The hand-written replacements on the submission path must produce exactly what the library
/// code they replaced did.
@Suite("Fast paths equal the library code they replace")
struct FastPathTests {
    @Test("StoredTime is GRDB's own text for a Date")
    func storedTimeMatchesGRDB() {
        var generator = TestSeed.generator()
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_795_000_000.9999), Date(timeIntervalSince1970: 1_795_000_000.0005),
                     Date(timeIntervalSince1970: 951_782_400.123)]
        for _ in 0..<500 { dates.append(Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800, using: &generator))) }
        for date in dates {
            #expect(StoredTime(date).databaseValue == date.databaseValue, "\(date.timeIntervalSince1970)")
        }
    }

    @Test("JSON string escaping round-trips through a JSON parser", arguments: [
        "", "plain", "åäö ÅÄÖ", "quote \" backslash \\ slash /", "line\nbreak\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}", "\u{2028}\u{2029}x",
        "emoji 👩‍⚕️ and combining e\u{301}", "</script><script>alert(1)</script>", "\u{E2}\u{80}",
    ])
    func jsonEscaping(_ text: String) throws {
        let encoded = JSONText.quote(text)
        let decoded = try JSONDecoder().decode(String.self, from: Data(encoded.utf8))
        #expect(decoded == text)
        #expect(!encoded.contains("\u{2028}") && !encoded.contains("\u{2029}"))
    }

    @Test("extra fields are stored as the JSON a sorted JSONEncoder wrote", arguments: [
        [String: [String]](), ["a": []], ["b": ["1", "2"], "a": ["x \"y\" \\ /"]], ["åäö": ["line\nbreak", "\u{2028}"], "z": [""]],
    ])
    func extraFieldsJSON(_ fields: [String: [String]]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let written = ReportRepository.extraFieldsJSON(fields)
        #expect(try JSONDecoder().decode([String: [String]].self, from: Data(written.utf8)) == fields)
        if !fields.values.joined().contains(where: { $0.unicodeScalars.contains { $0.value == 0x2028 } }) {
            #expect(written == String(decoding: try encoder.encode(fields), as: UTF8.self))
        }
    }

    @Test("a JSON log line holds the merged metadata: the event's over the provider's over the handler's, request id renamed")
    func logLineMetadata() throws {
        var handler = JSONLogHandler(label: "test")
        handler.metadata = ["hb.request.id": "r1", "a": "handler", "b": "handler", "msg": "not the message"]
        handler.metadataProvider = Logger.MetadataProvider { ["b": "provider", "c": .array(["x", .dictionary(["k": "v"])])] }
        let event = LogEvent(level: .info, message: "hello", metadata: ["a": "event", "d": .stringConvertible(4)],
                             source: nil, file: #fileID, function: #function, line: #line)
        let line = handler.line(for: event)
        #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["request_id"] as? String == "r1" && object["hb.request.id"] == nil)
        #expect(object["a"] as? String == "event" && object["b"] as? String == "provider" && object["d"] as? String == "4")
        #expect(object["msg"] as? String == "not the message" && object["level"] as? String == "info" && object["logger"] as? String == "test")
        #expect((object["c"] as? [Any])?.count == 2 && object["ts"] is String)
        // Fixed fields first, then metadata names sorted.
        let names = line.split(separator: ",").compactMap { $0.split(separator: ":").first.map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "{\"")) } }
        #expect(Array(names.prefix(3)) == ["ts", "level", "logger"])
    }

    // The plain twins that INTAKE_BENCH_PLAIN selects (benchmarks/fast-paths.sh) decide like the fast paths.

    @Test("hand padding and UTC times equal String(format:)")
    func digitTextMatchesFormat() {
        for value in [0, 1, 9, 10, 42, 99, 100, 999, 1000, 12345, 99999, 100000, 2026] {
            for width in [2, 3, 4, 5] {
                #expect(DigitText.padded(value, width: width) == DigitText.plainPadded(value, width: width), "\(value) \(width)")
            }
        }
        var generator = TestSeed.generator()
        let edges = [(0, 0), (-1, 999), (-62_135_596_800, 0), (253_402_300_799, 999), (253_402_300_800, 5), (1_795_000_000, 1000)]
        let random = (0..<500).map { _ in (Int.random(in: 0...4_102_444_800, using: &generator), Int.random(in: 0...999, using: &generator)) }
        for (seconds, milliseconds) in edges + random {
            var time = time_t(seconds)
            var parts = tm()
            gmtime_r(&time, &parts)
            for separator in [" ", "T"] {
                #expect(DigitText.utc(seconds: seconds, milliseconds: milliseconds, separator: separator)
                        == DigitText.plainUTC(parts, milliseconds: milliseconds, separator: separator))
            }
        }
    }

    @Test("hand JSON and the JSONEncoder / JSONSerialization twins read back the same", arguments: [
        "", "plain", "åäö ÅÄÖ", "quote \" backslash \\ slash /", "line\nbreak\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}", "\u{2028}\u{2029}x",
        "emoji 👩‍⚕️ and combining e\u{301}",
    ])
    func jsonMatchesPlain(_ text: String) throws {
        let decoder = JSONDecoder()
        #expect(try decoder.decode(String.self, from: Data(JSONText.quote(text).utf8)) == decoder.decode(String.self, from: Data(JSONText.plainQuote(text).utf8)))
        let fields = ["b": [text, "2"], "a": ["x"]]
        #expect(try decoder.decode([String: [String]].self, from: Data(ReportRepository.extraFieldsJSON(fields).utf8))
                == decoder.decode([String: [String]].self, from: Data(ReportRepository.plainExtraFieldsJSON(fields).utf8)))
        var handler = JSONLogHandler(label: "test")
        handler.metadata = ["hb.request.id": "r1", "a": .string(text)]
        let event = LogEvent(level: .info, message: "hello \(text)", metadata: ["d": .stringConvertible(4), "l": .array([.string(text)])],
                             source: nil, file: #fileID, function: #function, line: #line)
        let fast = try #require(try JSONSerialization.jsonObject(with: Data(handler.bytes(for: event))) as? [String: Any])
        let plain = try #require(try JSONSerialization.jsonObject(with: Data(handler.plainBytes(for: event))) as? [String: Any])
        #expect(Set(fast.keys) == Set(plain.keys))
        for key in fast.keys where key != "ts" {
            #expect(String(describing: fast[key]!) == String(describing: plain[key]!), "\(key)")
        }
        #expect(handler.plainBytes(for: event).last == 0x0A)
    }

    @Test("a stored mail context the models cannot read is still read as it is")
    func templateContextUntyped() throws {
        let json = #"{"sv":true,"en":false,"reference":"SB-2026-00001","count":3,"functions":[{"name":"Funktion \"A\""},{"name":"B\nC"}],"empty":[]}"#
        let decoded = try #require(TemplateContext.decode(json))
        #expect(decoded["sv"] as? Bool == true)
        #expect(decoded["en"] as? Bool == false)
        #expect(decoded["count"] as? Int == 3)
        #expect(decoded["reference"] as? String == "SB-2026-00001")
        #expect((decoded["functions"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Funktion \"A\"", "B\nC"])
        #expect(TemplateContext.decode("[1,2]") == nil)
        #expect(TemplateContext.decode("not json") == nil)
    }

    static let hostileStrings = ["", "plain", "åäö ÅÄÖ", "quote \" backslash \\ slash /", "line\nbreak\r\ttab", "\u{0}\u{1F}\u{7F}",
                                 "\u{2028}x", "emoji 👩‍⚕️ e\u{301}", "</script>"]

    @Test("a queued mail's JSON: the member-by-member writer and JSONEncoder give the same model (INTAKE_BENCH_PLAIN=mailjson)")
    func mailContextWriterMatchesEncoder() throws {
        var acknowledgements: [AcknowledgementMail] = []
        var notifications: [OwnerNotificationMail] = []
        for (index, text) in Self.hostileStrings.enumerated() {
            let full = index % 2 == 0
            acknowledgements.append(AcknowledgementMail(
                reference: full ? "SB-2026-0000\(index)" : nil, sv: full, en: !full, agreement: text, hasAgreement: !text.isEmpty, region: text,
                functions: (0..<index % 3).map { AcknowledgementMail.Function(name: "\(text) \($0)") }, triage: full,
                feedbackDate: text, trackingURL: "https://example.org/arende/\(text)", byPhone: full ? false : nil,
                reporterName: full ? text : nil, replyable: full ? true : nil, viaMail: full ? true : nil, formURL: full ? text : nil,
                hasMissing: full ? true : nil, missing: full ? [.init(label: text), .init(label: "x")] : nil))
            notifications.append(OwnerNotificationMail(reference: full ? text : nil, reportFacts: full ? true : nil, functionName: text,
                                                       triage: !full, reclassifiedBy: full ? nil : text))
        }
        for mail in acknowledgements {
            let fast = MailContextEncoding.fastJSON(mail), plain = MailContextEncoding.encoded(mail)
            #expect(MailContextEncoding.decode(AcknowledgementMail.self, from: fast) == mail, "\(fast)")
            #expect(MailContextEncoding.decode(AcknowledgementMail.self, from: plain) == mail, "\(plain)")
            #expect(try JSONSerialization.jsonObject(with: Data(fast.utf8)) as? NSDictionary == JSONSerialization.jsonObject(with: Data(plain.utf8)) as? NSDictionary)
        }
        for mail in notifications {
            let fast = MailContextEncoding.fastJSON(mail), plain = MailContextEncoding.encoded(mail)
            #expect(MailContextEncoding.decode(OwnerNotificationMail.self, from: fast) == mail, "\(fast)")
            #expect(MailContextEncoding.decode(OwnerNotificationMail.self, from: plain) == mail, "\(plain)")
            #expect(try JSONSerialization.jsonObject(with: Data(fast.utf8)) as? NSDictionary == JSONSerialization.jsonObject(with: Data(plain.utf8)) as? NSDictionary)
            // The outbox reads the report's facts for a context that asks for them, by this text.
            #expect(fast.contains("\"reportFacts\":true") == (mail.reportFacts == true))
            #expect(plain.contains("\"reportFacts\":true") == (mail.reportFacts == true))
        }
    }

    @Test("ordered tokens are well-formed, unique and sort by time")
    func orderedTokens() {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let tokens = (0..<2000).map { SecretToken.generateOrdered(now: start.addingTimeInterval(Double($0) / 100)) }
        #expect(tokens.allSatisfy(SecretToken.isWellFormed))
        #expect(Set(tokens).count == tokens.count)
        #expect(tokens.map { $0.prefix(8) } == tokens.map { $0.prefix(8) }.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }))
        #expect(SecretToken.generate().count == 32 && SecretToken.isWellFormed(SecretToken.generate()))
    }

    @Test("the tokens' base64url equals Foundation's base64 with the URL alphabet and no padding")
    func base64URL() {
        var generator = TestSeed.generator()
        for length in 0...40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let foundation = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(SecretToken.base64URL(bytes) == foundation, "\(bytes)")
        }
    }

    @Test("calendar days from dates and day arithmetic equal Foundation's Calendar")
    func calendarDays() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = CalendarDay.swedishTimeZone
        var generator = TestSeed.generator()
        // Around the DST changes of 2026 (29 March, 25 October) and midnight, plus random times.
        var dates = [1_774_742_399.0, 1_774_742_400, 1_774_746_000, 1_792_882_799, 1_792_882_800, 1_792_886_400, 0, 951_782_400]
            .map { Date(timeIntervalSince1970: $0) }
        for _ in 0..<500 { dates.append(Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800, using: &generator))) }
        for date in dates {
            let c = calendar.dateComponents([.year, .month, .day], from: date)
            let day = CalendarDay(date)
            let expectedDay: [Int] = [c.year!, c.month!, c.day!]
            #expect([day.year, day.month, day.day] == expectedDay, "\(date)")
            for offset in [1, 14, 30, 365, -1, -400] {
                let expected = calendar.dateComponents([.year, .month, .day], from: calendar.date(byAdding: .day, value: offset, to: day.date)!)
                let added = day.adding(days: offset)
                let want: [Int] = [expected.year!, expected.month!, expected.day!]
                #expect([added.year, added.month, added.day] == want, "\(day) + \(offset)")
            }
        }
    }

    @Test("the e-mail check decides like the regular expression it replaced", arguments: [
        "a@b.se", "asa.oberg@example.se", "x+y'z%_-.@sub-1.example.com", "@example.se", "a@", "a@b", "a@.se", "a@b..se", "a@b.s",
        "a@b.s1", "a@b.se.", "a@@b.se", "å@b.se", "a@bå.se", "a b@c.se", "a@b.se\n", "", "a@-.se", "a@b-.co", "a.@b.SE",
        String(repeating: "a", count: 250) + "@b.se", String(repeating: "a", count: 240) + "@b.se",
    ])
    func emailMatchesRegex(_ value: String) {
        let regex = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/
        #expect(ReportForm.isPlausibleEmail(value) == (value.wholeMatch(of: regex) != nil && value.utf8.count <= 254), "\(value)")
    }

    @Test("mail line breaks and Date header equal the Foundation versions they replaced")
    func mailFormatting() {
        for body in ["", "a", "a\nb", "a\r\nb", "a\rb", "\r\r\n\n\r", "åäö\r\n👩‍⚕️\n", "x\n\r"] {
            let foundation = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
                .replacingOccurrences(of: "\n", with: "\r\n")
            #expect(MailMessage.normalizedBody(body) == foundation, "\(body.debugDescription)")
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        var generator = TestSeed.generator()
        for _ in 0..<300 {
            let date = Date(timeIntervalSince1970: Double(Int.random(in: 0...4_102_444_800, using: &generator)))
            #expect(MailMessage.rfc5322Date(date) == formatter.string(from: date))
        }
    }
}

@Suite("Group commit")
struct GroupCommitTests {
    @Test("a failing job gets its error; the other jobs of its batch are committed")
    func failingJobIsolated() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = try AppDatabase(path: directory + "/g.sqlite")
        try await database.pool.write { db in try db.execute(sql: "CREATE TABLE t (x INTEGER PRIMARY KEY)") }
        let writer = GroupCommitWriter(pool: database.pool)
        struct Refused: Error {}
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            for i in 0..<40 {
                group.addTask {
                    do {
                        try await writer.perform { db in
                            try db.execute(sql: "INSERT INTO t (x) VALUES (?)", arguments: [i])
                            if i % 13 == 5 { throw Refused() }
                        }
                        return (i, true)
                    } catch {
                        return (i, false)
                    }
                }
            }
            var results: [Int: Bool] = [:]
            for await (i, ok) in group { results[i] = ok }
            return results
        }
        let stored = try await database.pool.read { db in try Int.fetchAll(db, sql: "SELECT x FROM t ORDER BY x") }
        let failing = Set((0..<40).filter { $0 % 13 == 5 })
        #expect(Set(results.filter { !$0.value }.keys) == failing)
        #expect(stored == (0..<40).filter { !failing.contains($0) })
    }

    @Test("group commit checkpoints the WAL between batches: it stays small and every row is kept")
    func checkpointsBetweenBatches() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = try AppDatabase(path: directory + "/w.sqlite")
        try await database.pool.write { db in try db.execute(sql: "CREATE TABLE t (x INTEGER PRIMARY KEY, pad TEXT)") }
        let writer = GroupCommitWriter(pool: database.pool, wal: database.wal)
        let pad = String(repeating: "x", count: 3000)
        // Each row needs a page of its own: 12,000 frames written, so a WAL never checkpointed would pass 48 MB.
        for round in 0..<120 {
            await withTaskGroup(of: Void.self) { group in
                for i in 0..<100 {
                    group.addTask { try? await writer.perform { db in try db.execute(sql: "INSERT INTO t VALUES (?, ?)", arguments: [round * 100 + i, pad]) } }
                }
            }
        }
        // Without checkpoints between batches the WAL would pass 48 MB; with only the writer's
        // fallback at `writerFrames` it would pass 33 MB. (Whether the writer had to copy the last
        // frames itself depends on timing: the background connection may have caught up alone.)
        let walSize = try FileManager.default.attributesOfItem(atPath: directory + "/w.sqlite-wal")[.size] as? Int ?? 0
        // Past restartFrames the WAL still grows while the background copies the last part.
        #expect(walSize < Int(WALMonitor.restartFrames + WALMonitor.writerFrames) / 2 * 4120)
        #expect(try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") } == 12000)
    }

    @Test("writes outside group commit (the outbox worker's) keep the WAL as small, copied in the background")
    func checkpointsOtherWrites() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let database = try AppDatabase(path: directory + "/o.sqlite")
        try await database.pool.write { db in try db.execute(sql: "CREATE TABLE t (x INTEGER PRIMARY KEY, pad TEXT)") }
        let pad = String(repeating: "x", count: 3000)
        for round in 0..<120 {
            try await database.pool.write { db in
                for i in 0..<100 { try db.execute(sql: "INSERT INTO t VALUES (?, ?)", arguments: [round * 100 + i, pad]) }
            }
        }
        let walSize = try FileManager.default.attributesOfItem(atPath: directory + "/o.sqlite-wal")[.size] as? Int ?? 0
        #expect(walSize < Int(WALMonitor.restartFrames + WALMonitor.writerFrames) / 2 * 4120)
        #expect(try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") } == 12000)
    }
}
