import IntakeDomain

/// The follow-up feature's UI text that Swift chooses: the dashboard's filter messages and charts,
/// the agreement register, the public learning page and the summary mail's names. Here (not in
/// IntakeWeb) so that the summary mail and the web pages share one catalogue; the rest of the
/// pages' text is in their templates.
package enum FollowUpTexts {
    // MARK: names

    /// An agreement or target group for reports never classified.
    package static let notClassified = LocalizedText(sv: "Ej klassificerad", en: "Not classified")
    /// "3,5 dagar" / "3.5 days".
    package static let decimalSeparator = LocalizedText(sv: ",", en: ".")
    package static let daysUnit = LocalizedText(sv: " dagar", en: " days")
    /// Short month names for the labels under the columns, January first.
    package static let months: [LocalizedText] = [
        LocalizedText(sv: "jan", en: "Jan"), LocalizedText(sv: "feb", en: "Feb"), LocalizedText(sv: "mar", en: "Mar"),
        LocalizedText(sv: "apr", en: "Apr"), LocalizedText(sv: "maj", en: "May"), LocalizedText(sv: "jun", en: "Jun"),
        LocalizedText(sv: "jul", en: "Jul"), LocalizedText(sv: "aug", en: "Aug"), LocalizedText(sv: "sep", en: "Sep"),
        LocalizedText(sv: "okt", en: "Oct"), LocalizedText(sv: "nov", en: "Nov"), LocalizedText(sv: "dec", en: "Dec"),
    ]

    // MARK: filter

    package static let badFrom = LocalizedText(sv: "Från-datum ska skrivas ÅÅÅÅ-MM-DD.", en: "The from date must be written YYYY-MM-DD.")
    package static let badTo = LocalizedText(sv: "Till-datum ska skrivas ÅÅÅÅ-MM-DD.", en: "The to date must be written YYYY-MM-DD.")
    package static let swappedDates = LocalizedText(
        sv: "Till-datum ska vara samma dag som eller efter från-datum. Datumen har bytt plats.",
        en: "The to date must be on or after the from date. The dates have been swapped.")
    package static let periodTooLong = LocalizedText(sv: "Perioden får vara högst tio år.", en: "The period may be at most ten years.")

    // MARK: dashboard

    package static let dashboardTitle = LocalizedText(sv: "Uppföljning", en: "Follow-up")
    package static let currentPeriod = LocalizedText(sv: "Perioden", en: "Period")
    package static let previousPeriod = LocalizedText(sv: "Föregående period", en: "Previous period")
    package static let noReports = LocalizedText(sv: "Inga rapporter.", en: "No reports.")
    package static func chartShowsLargest(_ limit: Int, of count: Int) -> LocalizedText {
        LocalizedText(sv: "Diagrammet visar de \(limit) största; tabellen visar alla \(count).",
                      en: "The chart shows the \(limit) largest; the table shows all \(count).")
    }
    /// After the first bars of a chart's description for screen readers.
    package static func andMore(_ rest: Int) -> LocalizedText {
        LocalizedText(sv: " och \(rest) till (se tabellen).", en: " and \(rest) more (see the table).")
    }

    package static let perMonth = LocalizedText(sv: "Rapporter per månad", en: "Reports per month")
    package static let perChannel = LocalizedText(sv: "Rapporter per kanal och månad", en: "Reports per channel and month")
    package static let perAgreement = LocalizedText(sv: "Rapporter per överenskommelse", en: "Reports per agreement")
    package static let perTargetGroup = LocalizedText(sv: "Rapporter per målgrupp", en: "Reports per target group")
    package static let perRegion = LocalizedText(sv: "Rapporter per län", en: "Reports per county")
    package static let perState = LocalizedText(sv: "Rapporter per status", en: "Reports per status")
    package static let perReportingParty = LocalizedText(sv: "Rapporter per rapporterande part", en: "Reports per reporting party")
    package static let perParty = LocalizedText(sv: "Inblandade parter", en: "Parties involved")
    package static let perPartyPair = LocalizedText(sv: "Partspar (rapporterande part och annan part)", en: "Party pairs (reporting party and other party)")

    package static let month = LocalizedText(sv: "Månad", en: "Month")
    package static let agreement = LocalizedText(sv: "Överenskommelse", en: "Agreement")
    package static let targetGroup = LocalizedText(sv: "Målgrupp", en: "Target group")
    package static let county = LocalizedText(sv: "Län", en: "County")
    package static let status = LocalizedText(sv: "Status", en: "Status")
    package static let party = LocalizedText(sv: "Part", en: "Party")
    package static let partyPair = LocalizedText(sv: "Partspar", en: "Party pair")

    package static let duringPeriod = LocalizedText(sv: "Under perioden: ", en: "During the period: ")
    package static let wholePeriod = LocalizedText(sv: "Hela perioden", en: "Whole period")
    package static let last36Months = LocalizedText(sv: "Diagrammet visar de senaste 36 månaderna.", en: "The chart shows the last 36 months.")

    // MARK: register

    package static let registerTitle = LocalizedText(sv: "Överenskommelser", en: "Agreements")
    package static let untilFurtherNotice = LocalizedText(sv: "tills vidare", en: "until further notice")

    // MARK: learning page

    package static let learningTitle = LocalizedText(sv: "Vad rapporterna har lett till", en: "What the reports have led to")
    /// "2026 kv2" / "2026 Q2".
    package static let quarter = LocalizedText(sv: "kv", en: "Q")
    package static let otherReports = LocalizedText(sv: "Övriga rapporter", en: "Other reports")
    package static let withoutAgreement = LocalizedText(sv: "Utan överenskommelse", en: "Without an agreement")
}
