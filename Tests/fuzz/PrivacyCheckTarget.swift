// libFuzzer target: PrivacyCheck never crashes on any text, and its two entry points agree.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPrivacyCheck(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let findings = PrivacyCheck.findings(in: text)
    let first = PrivacyCheck.firstFinding(in: text)
    precondition((first == nil) == findings.isEmpty, "findings and firstFinding disagree")
    _ = PrivacyCheck.identityNumber(in: text)
    _ = PrivacyCheck.containsPatientName(text)
    return 0
}
