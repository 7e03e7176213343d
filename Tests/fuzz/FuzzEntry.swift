import Foundation

// The one libFuzzer entry of the fuzz binary that scripts/fuzz.sh builds once for all targets:
// INTAKE_FUZZ_TARGET (set by the script) names the target each run exercises.
private let target = ProcessInfo.processInfo.environment["INTAKE_FUZZ_TARGET"] ?? ""

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    switch target {
    case "FormBody": fuzzFormBody(data, size)
    case "PrivacyCheck": fuzzPrivacyCheck(data, size)
    case "MailMessage": fuzzMailMessage(data, size)
    case "InboundMail": fuzzInboundMail(data, size)
    default: fatalError("INTAKE_FUZZ_TARGET names no fuzz target: run scripts/fuzz.sh")
    }
}
