"""Every page the browser suite checks. Adding a page is one line.

path      -- address on the server; {name} is filled from --var name=value (receipt, tracking, …)
lang      -- the page's expected <html lang>
action    -- None, or "submit": press the page's main form button first (form with errors, 429, …);
             "submit-as-bot": fill the honeypot first; "choose-and-submit": pick the last option of
             each list in the first form, then submit
expect    -- text that must be on the page (proves we reached the right state, e.g. "Felkod 404")
login     -- None, or a role: log in first with --login ROLE=email:password (staff pages)
headers   -- extra request headers for this page only, e.g. a client address behind the proxy
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    lang: str = "sv"
    action: str | None = None
    expect: str | None = None
    login: str | None = None
    headers: dict = field(default_factory=dict)


FORM = "/rapportera/stockholm?avtal=sthlm-lus"
PHONE_FORM = "/handlaggning/telefon/stockholm?avtal=sthlm-lus"

PAGES = [
    Page("home", "/", expect="Välj län för att börja"),
    Page("home-en", "/?lang=en", lang="en", expect="Choose your county to start"),
    Page("choose-agreement", "/rapportera/stockholm", expect="Vilken överenskommelse gäller det?"),
    Page("choose-agreement-en", "/rapportera/stockholm?lang=en", lang="en", expect="Which agreement is it about?"),
    Page("choose-agreement-422", "/rapportera/stockholm?avtal=finns-inte", expect="Välj en överenskommelse i listan"),
    Page("choose-agreement-search", "/rapportera/stockholm?sok=rullstolen+kom+aldrig", expect="Förslag som passar bäst"),
    Page("choose-agreement-search-en", "/rapportera/varmland?sok=the+wheelchair+never+came&lang=en", lang="en", expect="Best matches"),
    Page("choose-agreement-no-match", "/rapportera/orebro?sok=xyzzy", expect="Ingen överenskommelse passade"),
    Page("choose-agreement-nothing-chosen", "/rapportera/stockholm?sok=utskrivningsklar&fortsatt=1", expect="Rätta 1 sak"),
    Page("choose-agreement-nothing-chosen-en", "/rapportera/stockholm?fortsatt=1&lang=en", lang="en", expect="Correct 1 item"),
    Page("form", FORM, expect="Skicka rapporten"),
    Page("form-en", FORM + "&lang=en", lang="en", expect="Send the report"),
    Page("form-triage", "/rapportera/stockholm?avtal=vet-inte", expect="central mottagning"),
    Page("form-errors-422", FORM, action="submit", expect="Rapporten är inte skickad"),
    Page("form-errors-422-en", FORM + "&lang=en", lang="en", action="submit", expect="The report has not been sent"),
    Page("receipt", "{receipt}", expect="Tack! Vi har tagit emot din rapport"),
    Page("receipt-en", "{receipt}?lang=en", lang="en", expect="Thank you! We have received your report"),
    Page("tracking", "{tracking}", expect="Din rapport SB-"),
    Page("tracking-en", "{tracking}?lang=en", lang="en", expect="Your report SB-"),
    Page("accessibility", "/tillganglighet", expect="Tillgänglighetsredogörelse"),
    Page("accessibility-en", "/tillganglighet?lang=en", lang="en", expect="Accessibility statement"),
    Page("privacy", "/personuppgifter", expect="Så hanterar vi personuppgifter"),
    Page("privacy-en", "/personuppgifter?lang=en", lang="en", expect="How we handle personal data"),
    Page("error-404", "/finns-inte", expect="Felkod 404"),
    Page("error-404-en", "/finns-inte?lang=en", lang="en", expect="Error code 404"),
    Page("error-429", FORM, action="submit", headers={"X-Forwarded-For": "{limited_ip}"}, expect="Felkod 429"),
    Page("error-429-en", FORM + "&lang=en", lang="en", action="submit", headers={"X-Forwarded-For": "{limited_ip}"}, expect="Error code 429"),
    Page("error-400-bot", FORM, action="submit-as-bot", expect="Rapporten kunde inte tas emot"),
    Page("error-403", FORM, action="submit", headers={"Origin": "https://annan-webbplats.example"}, expect="Felkod 403"),
    Page("tracking-add-error", "{tracking}", action="submit", expect="Informationen kunde inte sparas"),
    # Issue 19: the receipt without an e-mail address keeps the link; a closed report leads with its answer.
    Page("receipt-anonymous", "{receipt_anonymous}", expect="du får ingen e-post från oss"),
    Page("receipt-anonymous-en", "{receipt_anonymous}?lang=en", lang="en", expect="you will not get any e-mail from us"),
    Page("tracking-closed", "{tracking_closed}", expect="Vad rapporten ledde till"),
    Page("tracking-closed-en", "{tracking_closed}?lang=en", lang="en", expect="What the report led to"),
    Page("login", "/login"),
    Page("login-en", "/login?lang=en", lang="en"),
    Page("login-error", "/login", action="submit"),
    Page("forgot-password", "/losenord/glomt"),
    # Staff pages: the checker logs in first (BrowserTests makes the accounts).
    Page("staff-home", "/handlaggning", login="handlaggare"),
    Page("staff-home-en", "/handlaggning?lang=en", lang="en", login="handlaggare"),
    Page("queue", "/handlaggning/ko/sthlm-lus-region", login="handlaggare"),
    Page("queue-triage", "/handlaggning/ko/stockholm-triage", login="handlaggare"),
    Page("queue-all", "/handlaggning/ko/sthlm-lus-region?status=alla", login="handlaggare", expect="Alla, även avslutade"),
    Page("queue-en", "/handlaggning/ko/sthlm-lus-region?lang=en", lang="en", login="handlaggare", expect="open reports"),
    Page("case", "/handlaggning/rapporter/1", login="handlaggare", expect="SB-"),
    Page("case-en", "/handlaggning/rapporter/1?lang=en", lang="en", login="handlaggare", expect="SB-"),
    # A report registered from a phone call (#21.4): the public form's pages in the staff layout.
    Page("phone-start", "/handlaggning/telefon", login="handlaggare", expect="Vilket län gäller samtalet?"),
    Page("phone-start-en", "/handlaggning/telefon?lang=en", lang="en", login="handlaggare", expect="Which county is the call about?"),
    Page("phone-choose-agreement", "/handlaggning/telefon/stockholm", login="handlaggare", expect="Du registrerar en rapport för någon som ringde"),
    Page("phone-form", PHONE_FORM, login="handlaggare", expect="Registrera rapporten"),
    Page("phone-form-en", PHONE_FORM + "&lang=en", lang="en", login="handlaggare", expect="Register the report"),
    Page("phone-form-errors-422", PHONE_FORM, login="handlaggare", action="submit", expect="Rapporten är inte skickad"),
    Page("phone-registered", "{phone_registered}", login="handlaggare", expect="Referensnummer att ge uppringaren"),
    Page("phone-registered-en", "{phone_registered}?lang=en", lang="en", login="handlaggare", expect="Reference number to give the caller"),
    Page("case-closed", "{case_closed}", login="handlaggare", expect="Orsak (internt)"),
    # Report 2 was filed as "Vet inte": the agreement finder's suggestion with its one-click form.
    Page("case-suggestion", "/handlaggning/rapporter/2", login="handlaggare", expect="Förslag på överenskommelse"),
    Page("case-suggestion-en", "/handlaggning/rapporter/2?lang=en", lang="en", login="handlaggare", expect="Suggested agreement"),
    Page("change-password", "/konto/losenord", login="handlaggare"),
    Page("analyst-home", "/handlaggning", login="analytiker"),
    Page("admin-users", "/admin/anvandare", login="admin"),
    Page("admin-new-user", "/admin/anvandare/ny", login="admin"),
    Page("admin-user", "/admin/anvandare/1", login="admin"),
    Page("admin-log", "/admin/logg", login="admin", expect="SB-"),
    Page("admin-log-en", "/admin/logg?lang=en", lang="en", login="admin", expect="SB-"),
    Page("admin-outbox", "/admin/utkorg", login="admin"),
    Page("admin-outbox-en", "/admin/utkorg?lang=en", lang="en", login="admin"),
    Page("admin-tokens", "/admin/nycklar", login="admin", expect="Skapa en nyckel"),
    Page("admin-tokens-en", "/admin/nycklar?lang=en", lang="en", login="admin", expect="Make a token"),
    Page("admin-tokens-error", "/admin/nycklar", login="admin", action="submit", expect="Nyckeln kunde inte skapas"),
    Page("admin-token-created", "/admin/nycklar", login="admin", action="choose-and-submit", expect="visas bara den här gången"),
    Page("dashboard", "/handlaggning/uppfoljning", login="analytiker"),
    Page("dashboard-en", "/handlaggning/uppfoljning?lang=en", lang="en", login="analytiker"),
    Page("dashboard-handler", "/handlaggning/uppfoljning", login="handlaggare"),
    Page("register", "/handlaggning/overenskommelser", login="analytiker"),
    Page("register-en", "/handlaggning/overenskommelser?lang=en", lang="en", login="admin"),
    Page("learning", "/larande", expect="färre än 3"),
    Page("learning-en", "/larande?lang=en", lang="en", expect="fewer than 3"),
]
