import Foundation
import Testing

/// The seed of every randomised test: INTAKE_TEST_SEED, else a fixed default (the one
/// scripts/test.sh and `scripts/fuzz.sh --ci` use). Each test prints it with its name, so a
/// failure replays with `INTAKE_TEST_SEED=N swift test --filter NAME`.
enum TestSeed {
    static let defaultValue: UInt64 = 20261125

    static let value: UInt64 = {
        guard let text = ProcessInfo.processInfo.environment["INTAKE_TEST_SEED"] else { return defaultValue }
        guard let seed = UInt64(text) else { fatalError("INTAKE_TEST_SEED=\(text) is not a whole number") }
        return seed
    }()

    /// A generator of its own for one test (tests run in parallel), its seed printed.
    static func generator(_ test: String = #function) -> SeededGenerator {
        print("seed \(value) for \(test): INTAKE_TEST_SEED=\(value) replays it")
        return SeededGenerator(seed: value)
    }
}

/// SplitMix64: small, fast, and the same numbers for the same seed on every machine.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
