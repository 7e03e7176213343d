import Foundation
import Testing
@testable import IntakeDomain
@testable import IntakeForms
@testable import IntakeMail
@testable import IntakeServices
@testable import IntakeStore
@testable import IntakeWeb

/// The triage rules as plain Swift: lifecycle, escalation ladders, reminders, access, throttling.
@Suite("Workflow rules")
struct WorkflowTests {
    let catalogue: Catalogue

    init() throws {
        catalogue = try TestSupport.catalogue()
    }

    @Test("transitions follow Forms/lifecycle.yaml; closed states notify the reporter")
    func transitions() throws {
        let lifecycle = catalogue.lifecycle
        #expect(try Workflow.checkTransition(lifecycle, from: "mottagen", to: "under-utredning").get().notifiesReporter)
        #expect(Workflow.checkTransition(lifecycle, from: "mottagen", to: "aterkopplad")
                == .failure(.transitionNotAllowed(from: "Mottagen", to: "Återkopplad och avslutad")))
        #expect(Workflow.checkTransition(lifecycle, from: "mottagen", to: "finns-inte") == .failure(.unknownState("finns-inte")))
        let closed = try Workflow.checkTransition(lifecycle, from: "uppfoljning", to: "aterkopplad").get()
        #expect(!closed.isOpen && closed.notifiesReporter)
        #expect(!(try Workflow.checkTransition(lifecycle, from: "under-utredning", to: "atgard-pagar").get().notifiesReporter))
    }

    @Test("escalation climbs each region's ladder one step at a time and stops at the top")
    func escalation() throws {
        let stockholm = try #require(catalogue.region("stockholm"))
        var level: String?
        var climbed: [String] = []
        while case .success(let next) = Workflow.nextEscalation(in: stockholm, current: level) {
            climbed.append(next.key)
            level = next.key
        }
        #expect(climbed == ["lokal", "delregional", "vis-tjanstestyrgrupp", "vis-politisk-styrgrupp"])
        #expect(Workflow.nextEscalation(in: stockholm, current: level) == .failure(.topOfLadder))

        let orebro = try #require(catalogue.region("orebro"))
        #expect(try Workflow.nextEscalation(in: orebro, current: nil).get().key == "operativ")
        #expect(try Workflow.nextEscalation(in: orebro, current: "operativ").get().key == "taktisk")
        #expect(try Workflow.nextEscalation(in: orebro, current: "taktisk").get().key == "strategisk")
        #expect(Workflow.nextEscalation(in: orebro, current: "strategisk") == .failure(.topOfLadder))
    }

    @Test("reminders: once before the deadline, then the day after and every N days while overdue")
    func reminders() {
        let due = CalendarDay(year: 2026, month: 12, day: 25)
        let policy = catalogue.reminders
        #expect(policy.daysBeforeDeadline == 7 && policy.overdueEveryDays == 7)
        #expect(Workflow.reminderDue(feedbackDue: due, today: CalendarDay(year: 2026, month: 12, day: 17), policy: policy) == nil)
        let before = Workflow.reminderDue(feedbackDue: due, today: CalendarDay(year: 2026, month: 12, day: 18), policy: policy)
        #expect(before?.kind == .beforeDeadline && before?.forDay == CalendarDay(year: 2026, month: 12, day: 18))
        // A server that was down on the day still reminds later, for the same day (so only once).
        #expect(Workflow.reminderDue(feedbackDue: due, today: CalendarDay(year: 2026, month: 12, day: 24), policy: policy)?.forDay == CalendarDay(year: 2026, month: 12, day: 18))
        #expect(Workflow.reminderDue(feedbackDue: due, today: due, policy: policy)?.kind == .beforeDeadline)
        let overdue1 = Workflow.reminderDue(feedbackDue: due, today: CalendarDay(year: 2026, month: 12, day: 26), policy: policy)
        #expect(overdue1?.kind == .overdue && overdue1?.forDay == CalendarDay(year: 2026, month: 12, day: 26))
        #expect(Workflow.reminderDue(feedbackDue: due, today: CalendarDay(year: 2027, month: 1, day: 1), policy: policy)?.forDay == CalendarDay(year: 2026, month: 12, day: 26))
        #expect(Workflow.reminderDue(feedbackDue: due, today: CalendarDay(year: 2027, month: 1, day: 2), policy: policy)?.forDay == CalendarDay(year: 2027, month: 1, day: 2))
    }

    @Test("texts written after filing are checked for identity numbers and names too")
    func textChecks() {
        #expect(Workflow.checkText("  ", names: NameCheckTests.lexicon) == .failure(.emptyText))
        #expect(Workflow.checkText(String(repeating: "a", count: 4001), names: NameCheckTests.lexicon) == .failure(.textTooLong(4000)))
        if case .failure(.containsPersonalData) = Workflow.checkText("Gäller 19121212-1212", names: NameCheckTests.lexicon) {} else { Issue.record("personnummer passed") }
        if case .failure(.containsPersonalData) = Workflow.checkText("patienten Karin Larsson ringde", names: NameCheckTests.lexicon) {} else { Issue.record("name passed") }
        #expect(Workflow.checkText(" Vi har pratat med kommunen. ", names: NameCheckTests.lexicon) == .success("Vi har pratat med kommunen."))
    }

    @Test("access: admins see all, handläggare their functions' reports, analysts no reports")
    func access() {
        let admin = StaffUser(id: 1, email: "a@x.se", name: "A", role: .admin, functionKeys: [])
        let handler = StaffUser(id: 2, email: "h@x.se", name: "H", role: .handlaggare, functionKeys: ["sthlm-lus-region"])
        let analyst = StaffUser(id: 3, email: "n@x.se", name: "N", role: .analytiker, functionKeys: [])
        #expect(AccessPolicy.canSee(reportRoutedTo: ["orebro-triage"], by: admin))
        #expect(AccessPolicy.canSee(reportRoutedTo: ["sthlm-lus-storsthlm", "sthlm-lus-region"], by: handler))
        #expect(!AccessPolicy.canSee(reportRoutedTo: ["orebro-triage"], by: handler))
        #expect(!AccessPolicy.canSee(reportRoutedTo: ["sthlm-lus-region"], by: analyst))
        #expect(AccessPolicy.canSeeQueue(of: "sthlm-lus-region", by: handler) && !AccessPolicy.canSeeQueue(of: "stockholm-triage", by: handler))
        #expect(AccessPolicy.canAdminister(admin) && !AccessPolicy.canAdminister(handler) && !AccessPolicy.canAdminister(analyst))
    }

    @Test("login throttling per account and per address, in a sliding window")
    func throttle() {
        var throttle = LoginThrottle()
        let start = TestSupport.fixedNow
        for i in 0..<5 {
            #expect(throttle.blockedUntil(account: "A@x.se", address: "10.0.0.1", now: start) == nil, "attempt \(i)")
            throttle.recordFailure(account: "a@x.se", address: "10.0.0.1", now: start)
        }
        #expect(throttle.blockedUntil(account: "a@X.se", address: "10.0.0.2", now: start) == start.addingTimeInterval(15 * 60))
        #expect(throttle.blockedUntil(account: "b@x.se", address: "10.0.0.1", now: start) == nil)
        #expect(throttle.blockedUntil(account: "a@x.se", address: "10.0.0.1", now: start.addingTimeInterval(15 * 60)) == nil)
        for i in 0..<20 { throttle.recordFailure(account: "user\(i)@x.se", address: "10.9.9.9", now: start) }
        #expect(throttle.blockedUntil(account: "new@x.se", address: "10.9.9.9", now: start) != nil)
    }

    @Test("passwords: long enough, not trivial; generated ones pass the policy")
    func passwords() {
        #expect(PasswordPolicy.problem(with: "kort") != nil)
        #expect(PasswordPolicy.problem(with: "aaaaaaaaaaaaaaaa") != nil)
        #expect(PasswordPolicy.problem(with: "korrekt häst batteri") == nil)
        for _ in 0..<20 { #expect(PasswordPolicy.problem(with: PasswordPolicy.generate()) == nil) }
    }

    @Test("the anonymous form token is signed and expires")
    func anonymousToken() {
        let key = Array("a key of thirty-two bytes length".utf8)
        let token = AnonymousFormToken.make(key: key, now: TestSupport.fixedNow)
        #expect(AnonymousFormToken.verify(token, key: key, now: TestSupport.fixedNow.addingTimeInterval(60)))
        #expect(!AnonymousFormToken.verify(token, key: key, now: TestSupport.fixedNow.addingTimeInterval(3 * 3600)))
        #expect(!AnonymousFormToken.verify(token, key: Array("another key of thirty-two bytes!".utf8), now: TestSupport.fixedNow))
        #expect(!AnonymousFormToken.verify("123.abc", key: key, now: TestSupport.fixedNow))
        #expect(StaffAuthController.safeNext("/handlaggning/ko/x") == "/handlaggning/ko/x")
        #expect(StaffAuthController.safeNext("//evil.example") == nil)
        #expect(StaffAuthController.safeNext("https://evil.example") == nil)
    }
}
