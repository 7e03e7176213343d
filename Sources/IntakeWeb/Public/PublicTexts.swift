import IntakeDomain

/// The public pages' UI text that Swift chooses (titles, messages); the rest is in the templates.
enum PublicTexts {
    static let accessibilityTitle = LocalizedText(sv: "Tillgänglighetsredogörelse", en: "Accessibility statement")
    static let privacyTitle = LocalizedText(sv: "Så hanterar vi personuppgifter", en: "How we handle personal data")


    // MARK: start page and form

    static let reportTitle = LocalizedText(sv: "Rapportera en samverkansbrist", en: "Report a collaboration failure")
    static let chooseAgreementTitle = LocalizedText(sv: "Vilken överenskommelse gäller det?", en: "Which agreement is it about?")
    static let unknownAgreementName = LocalizedText(sv: "Vet inte / ingen passar", en: "Don’t know / none fits")
    static let unknownAgreementSummary = LocalizedText(
        sv: "Rapporten går till en central mottagning som tar reda på vem som ska hantera den.",
        en: "The report goes to a central triage team that finds out who should handle it.")

    static let agreementNotChosen = LocalizedText(
        sv: "Välj en överenskommelse, eller ”Vet inte / ingen passar” om du är osäker.",
        en: "Choose an agreement, or “Don’t know / none fits” if you are not sure.")
    static let agreementNotInList = LocalizedText(
        sv: "Välj en överenskommelse i listan, eller ”Vet inte / ingen passar”.",
        en: "Choose an agreement from the list, or “Don’t know / none fits”.")
    static let agreementGone = LocalizedText(
        sv: "Överenskommelsen du valde finns inte (längre). Välj en i listan, eller ”Vet inte / ingen passar”.",
        en: "The agreement you chose does not exist (any more). Choose one from the list, or “Don’t know / none fits”.")

    // MARK: refusals

    static let toTheForm = LocalizedText(sv: "Till formuläret", en: "To the form")
    static let crossSiteReport = LocalizedText(
        sv: "Rapporten skickades från en annan webbplats än vår, och därför tog vi inte emot den. Öppna formuläret här och skicka rapporten därifrån.",
        en: "The report was sent from another website than ours, so we did not accept it. Open the form here and send the report from there.")
    static let automatedTitle = LocalizedText(sv: "Rapporten kunde inte tas emot", en: "The report could not be accepted")
    static let automatedReport = LocalizedText(
        sv: "Vi kunde inte ta emot rapporten. Ingenting har sparats. Öppna formuläret på nytt, fyll i det och skicka igen.",
        en: "We could not accept the report. Nothing has been saved. Open the form again, fill it in and send it again.")
    static let sentTooFast = LocalizedText(
        sv: "Rapporten skickades mycket snabbt efter att formuläret öppnades. Kontrollera uppgifterna och skicka igen.",
        en: "The report was sent very soon after the form was opened. Check the details and send it again.")
    static let formExpired = LocalizedText(
        sv: "Formuläret har varit öppet i mer än ett dygn, och därför tog vi inte emot rapporten ännu. Ingenting har sparats men dina uppgifter finns kvar här. Kontrollera dem och skicka igen.",
        en: "The form has been open for more than a day, so we did not accept the report yet. Nothing has been saved, but your details are kept here. Check them and send again.")
    static let crossSiteInformation = LocalizedText(
        sv: "Det du skrev skickades från en annan webbplats än vår, och därför tog vi inte emot det. Öppna länken till din rapport och skriv där.",
        en: "What you wrote was sent from another website than ours, so we did not accept it. Open the link to your report and write there.")

    /// 429: when sending works again (`clock` as "14.05" in Swedish, `clockEnglish` as "14:05"), in about `minutes`.
    static func rateLimited(limit: Int, clock: String, clockEnglish: String, minutes: Int) -> LocalizedText {
        LocalizedText(
            sv: "Det har skickats många rapporter från samma nätverk den senaste timmen (högst \(limit) per timme). Din rapport är inte skickad. Försök igen efter klockan \(clock), om ungefär \(minutes) \(minutes == 1 ? "minut" : "minuter"). Gå tillbaka i webbläsaren så finns det du skrev kvar.",
            en: "Many reports have been sent from the same network in the last hour (at most \(limit) per hour). Your report has not been sent. Try again after \(clockEnglish) Swedish time, in about \(minutes) \(minutes == 1 ? "minute" : "minutes"). Go back in your browser and what you wrote is still there.")
    }

    // MARK: receipt and tracking

    static let receiptTitle = LocalizedText(sv: "Tack! Vi har tagit emot din rapport", en: "Thank you! We have received your report")

    static func trackingTitle(reference: String) -> LocalizedText {
        LocalizedText(sv: "Din rapport \(reference)", en: "Your report \(reference)")
    }

    /// A step of the tracking page's timeline: the report was raised to an escalation level.
    static func raisedTo(_ level: String) -> LocalizedText {
        LocalizedText(sv: "Lyft till \(level)", en: "Raised to \(level)")
    }

    static let feedbackStep = LocalizedText(sv: "Återkoppling till dig", en: "Feedback to you")
    /// Put before the feedback step's date.
    static let feedbackByPrefix = LocalizedText(sv: "senast ", en: "by ")
}
