import Foundation
import IntakeDomain
import IntakeServices

/// Demo mode only: staff accounts so a newcomer sees the staff side at once. Created when the
/// database has no accounts yet, each with a one-time password that is printed once.
public enum DemoAccounts {
    public struct Created: Sendable {
        public var email: String
        public var role: StaffRole
        public var password: String
    }

    public static func createIfNone(services: AppServices) async throws -> [Created] {
        guard services.configuration.demo, try await services.staff.count() == 0 else { return [] }
        let accounts: [(String, String, StaffRole, [String])] = [
            ("admin@demo.example.se", "Demo Administratör", .admin, []),
            ("handlaggare@demo.example.se", "Demo Handläggare", .handlaggare, ["stockholm-triage", "sthlm-lus-region", "sthlm-lus-storsthlm"]),
            ("analytiker@demo.example.se", "Demo Analytiker", .analytiker, []),
        ]
        var created: [Created] = []
        for (email, name, role, functions) in accounts {
            let keys = functions.filter { services.catalogue.function($0) != nil }
            if role == .handlaggare && keys.isEmpty { continue }
            let password = PasswordPolicy.generate()
            _ = try await services.staff.create(.init(email: email, name: name, role: role, functionKeys: keys, password: password, mustChangePassword: true),
                                                catalogue: services.catalogue, by: .system, now: services.clock())
            created.append(Created(email: email, role: role, password: password))
        }
        return created
    }
}
