#!/usr/bin/env python3
"""Writes the hostile-input corpus (Tests/corpus/*.jsonl) from readable rules.

The JSONL files are the corpus (committed, reviewed as data); this script only saves typing and
is rerun after editing it: `python3 Tests/corpus/generate.py`. One JSON object per line:

  name      unique case name
  method    HTTP method; path: request target (sent as is)
  headers   [[name, value], ...] sent as is (may hold anything, even CR/LF); the runner adds
            Host, Content-Length (unless given) and Connection: close
  body      request body as text, or body_b64 for raw bytes
  expect    "refuse": a 4xx, `status` if given, `message` (a substring of the page) if given,
                      and nothing stored (reports, outbox, messages, audit entries unchanged)
            "accept": a 303 and exactly one stored row; the text must be inert when rendered
                      (`marker` never appears unescaped on any page; mails carry no injected header)
  marker    (accept) a string that must never appear verbatim on a page (e.g. "<script>")

Placeholders filled in by the runner: {formulartid} a valid signed render time, {occurred_on}
yesterday (a valid day whatever the machine's clock says), {csrf} the login page's token,
{tracking} the tracking token of a report filed before the run.
"""
import base64, json, os, urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
Q = urllib.parse.quote_plus

VALID = [
    ("avtal", "sthlm-lus"), ("lang", "sv"), ("organisation", "region-stockholm"),
    ("other_parties", "solna-stad"), ("occurred_on", "{occurred_on}"),
    ("what_happened", "Kommunen fick inget inskrivningsmeddelande innan utskrivningen."),
    ("expected", "Enligt överenskommelsen ska kommunen få meddelande inom ett dygn."),
    ("consequences", "Hemtjänsten kunde inte planera."),
    ("reporter_name", "Test Testsson"), ("reporter_role", "Sjuksköterska"),
    ("reporter_email", "rapportor@example.se"), ("reporter_phone", "08-123 456 78"),
    ("formulartid", "{formulartid}"),
]
FORM_CT = [["Content-Type", "application/x-www-form-urlencoded"]]
MAIL_FIELDS = ["reporter_name", "reporter_role", "reporter_phone", "reporter_email", "what_happened", "expected", "consequences", "improvement"]


def encode(pairs):
    return "&".join(f"{Q(k, safe='{}')}={Q(v, safe='{}')}" for k, v in pairs)


def form(replace=None, drop=(), extra=()):
    pairs = []
    for k, v in VALID:
        if k in drop:
            continue
        if replace and k in replace:
            v = replace[k]
        pairs.append((k, v))
    for k, v in (replace or {}).items():
        if k not in dict(VALID):
            pairs.append((k, v))
    pairs.extend(extra)
    return encode(pairs)


cases = {"report-form": [], "privacy": [], "encoding": [], "routes": [], "staff-login": [], "tracking": []}


def add(group, name, expect, body=None, body_b64=None, method="POST", path="/rapportera/stockholm",
        headers=None, status=None, message=None, marker=None, protocol=False):
    case = {"name": name, "method": method, "path": path, "headers": FORM_CT if headers is None else headers, "expect": expect}
    if body is not None:
        case["body"] = body
    if body_b64 is not None:
        case["body_b64"] = body_b64
    if status is not None:
        case["status"] = status
    if message is not None:
        case["message"] = message
    if marker is not None:
        case["marker"] = marker
    if protocol:
        case["protocol"] = True  # malformed HTTP: the parser's bare 400, no page
    cases[group].append(case)


def luhn(nine):
    total = 0
    for i, ch in enumerate(nine):
        p = int(ch) * (2 if i % 2 == 0 else 1)
        total += p // 10 + p % 10
    return str((10 - total % 10) % 10)


def identity_forms():
    """Valid personnummer and samordningsnummer (day + 60) in every way people write them."""
    out = []
    for kind, (yy, cc, mm, dd, nnn) in [("personnummer", ("81", "19", "12", "18", "987")),
                                         ("samordningsnummer", ("90", "19", "03", "75", "123")),
                                         ("personnummer-2000s", ("05", "20", "07", "01", "456"))]:
        c = luhn(yy + mm + dd + nnn)
        short, last4 = yy + mm + dd, nnn + c
        out += [
            (f"{kind}-YYMMDD-NNNN", f"{short}-{last4}"),
            (f"{kind}-YYMMDDNNNN", f"{short}{last4}"),
            (f"{kind}-YYYYMMDD-NNNN", f"{cc}{short}-{last4}"),
            (f"{kind}-YYYYMMDDNNNN", f"{cc}{short}{last4}"),
            (f"{kind}-YYMMDD+NNNN", f"{short}+{last4}"),
            (f"{kind}-YYMMDD-space-NNNN", f"{short} {last4}"),
            (f"{kind}-YYYYMMDD-space-NNNN", f"{cc}{short} {last4}"),
        ]
    return out


IDS = identity_forms()

# --- personnummer / samordningsnummer in every written form and every field --------------------
for form_name, number in IDS:
    for field in ["what_happened", "expected", "consequences", "improvement", "reporter_name", "reporter_role"]:
        if field in ("consequences", "improvement", "reporter_name", "reporter_role") and not form_name.endswith(("YYMMDD-NNNN", "YYYYMMDDNNNN")):
            continue  # every form in the long texts; two forms in each of the other fields
        add("privacy", f"{form_name} in {field}", "refuse", body=form({field: f"Det gällde {number} igen"}), status=422,
            message="personnummer")
    add("privacy", f"{form_name} alone in what_happened", "refuse", body=form({"what_happened": number}), status=422, message="personnummer")
for form_name, number in IDS[:4]:
    add("privacy", f"{form_name} in x_selfcare_task (an agreement's extra field)", "refuse",
        body=form({"avtal": "sthlm-egenvard", "x_selfcare_task": f"Insulin {number}"}), status=422, message="personnummer")
    add("privacy", f"{form_name} as the phone number", "refuse", body=form({"reporter_phone": number}), status=422)
    add("privacy", f"{form_name} as the e-mail local part", "refuse", body=form({"reporter_email": f"{number}@example.se"}), status=422)
    add("privacy", f"{form_name} in the tracking page's information", "refuse", path="/arende/{tracking}",
        body=encode([("information", f"Det gällde {number}"), ("lang", "sv")]), status=422, message="personnummer")
add("privacy", "patient name after a role word", "refuse", body=form({"what_happened": "Patienten Karin Andersson fick vänta."}), status=422)
add("privacy", "patient name in consequences", "refuse", body=form({"consequences": "Brukaren Per Olsson blev utan insats."}), status=422)

# --- report form: sizes, fields, content types, guard ------------------------------------------
add("report-form", "body over the limit with Content-Length", "refuse", body=form({"what_happened": "a" * 70000}), status=413, message="för stort")
add("report-form", "body over the limit, chunked", "refuse", body=None, status=413, message="för stort",
    headers=FORM_CT + [["Transfer-Encoding", "chunked"]])
cases["report-form"][-1]["body_chunks"] = [form({"what_happened": "b" * 40000}), "&x=" + "c" * 40000]
add("report-form", "Content-Length claims 10 MB", "refuse", body=form(), status=413,
    headers=FORM_CT + [["Content-Length", "10000000"]])
cases["report-form"][-1]["send_partial"] = True
for field, limit in [("what_happened", 4000), ("expected", 4000), ("consequences", 4000), ("improvement", 4000),
                     ("reporter_name", 200), ("reporter_role", 200), ("reporter_email", 254), ("reporter_phone", 40), ("x_selfcare_task", 200)]:
    value = "å" * (limit + 1) if field not in ("reporter_email", "reporter_phone") else ("a" * (limit + 1) + "@example.se" if field == "reporter_email" else "1" * (limit + 1))
    replace = {field: value, "avtal": "sthlm-egenvard"} if field.startswith("x_") else {field: value}
    add("report-form", f"{field} one character over its limit", "refuse", body=form(replace), status=422)
add("report-form", "501 fields", "refuse", body=form() + "".join(f"&f{i}=x" for i in range(501)), status=400)
add("report-form", "60,000 empty pairs (&&&) are skipped", "accept", body=form() + "&" * 60000)
for field in ["avtal", "organisation", "occurred_on", "what_happened", "expected", "formulartid"]:
    status = 400 if field == "formulartid" else 422
    add("report-form", f"missing {field}", "refuse", body=form(drop=(field,)), status=status)
    if field not in ("formulartid",):
        add("report-form", f"empty {field}", "refuse", body=form({field: "   "}), status=422)
add("report-form", "missing other_parties", "refuse", body=form(drop=("other_parties",)), status=422)
add("report-form", "empty body", "refuse", body="", status=400)
add("report-form", "only the signed time", "refuse", body="formulartid={formulartid}", status=422)
for field, second in [("avtal", "sthlm-bus"), ("organisation", "solna-stad"), ("occurred_on", "2026-11-01"),
                      ("what_happened", "Andra versionen 811218-9876"), ("expected", "<script>alert(2)</script>"),
                      ("reporter_email", "annan@example.org"), ("reporter_name", "Annan Person"),
                      ("formulartid", "forged.token")]:
    add("report-form", f"duplicated {field}", "refuse", body=form(extra=((field, second),)),
        status=400 if field == "formulartid" else 422)
add("report-form", "duplicated single-choice extra field", "refuse",
    body=form(extra=(("x_discharge_step", "sip"), ("x_discharge_step", "annat"))), status=422)
for ct in ["text/plain", "application/json", "multipart/form-data; boundary=x", "application/xml", "text/html",
           "application/x-www-form-urlencodedx", "application/x-www-form", "*/*", "", "form"]:
    add("report-form", f"content type {ct or '(empty)'}", "refuse", body=form(), status=415, message="format som inte stöds",
        headers=[["Content-Type", ct]])
add("report-form", "no content type", "refuse", body=form(), status=415, headers=[])
add("report-form", "JSON body with JSON content type", "refuse", body=json.dumps(dict(VALID)), status=415,
    headers=[["Content-Type", "application/json"]])
add("report-form", "honeypot filled", "refuse", body=form({"webbplats": "http://spam.example"}), status=400, message="Ingenting har sparats")
add("report-form", "forged render time", "refuse", body=form({"formulartid": "1700000000.AAAA"}), status=400, message="Ingenting har sparats")
add("report-form", "render time without signature", "refuse", body=form({"formulartid": "1700000000"}), status=400)
add("report-form", "render time with SQL", "refuse", body=form({"formulartid": "1' OR '1'='1"}), status=400)
for origin in ["https://evil.example", "null", "http://samverkan.example.se.evil.example", "https://samverkan.example.se:444",
               "javascript:alert(1)", "https://evil.example\tx"]:
    add("report-form", f"Origin {origin!r}", "refuse", body=form(), status=403, message="annan webbplats",
        headers=FORM_CT + [["Origin", origin]])
for referer in ["https://evil.example/rapportera/stockholm", "http://127.0.0.2:1/x"]:
    add("report-form", f"Referer {referer}", "refuse", body=form(), status=403, headers=FORM_CT + [["Referer", referer]])
for value in ["2026-13-45", "2099-01-01", "20261120", "1899-01-01", "'; DROP TABLE report; --", "<script>", "2026-02-30"]:
    add("report-form", f"occurred_on {value!r}", "refuse", body=form({"occurred_on": value}), status=422)
for field, value in [("avtal", "<script>alert(1)</script>"), ("avtal", "sthlm-lus' OR '1'='1"), ("avtal", "../../etc/passwd"),
                     ("avtal", "orebro-utskrivning"), ("organisation", "<img src=x onerror=alert(1)>"),
                     ("organisation", "region-stockholm'--"), ("other_parties", "'; DELETE FROM report; --"),
                     ("other_parties", "region-stockholm"), ("x_discharge_step", "<b>sip</b>"), ("x_discharge_step", "sip' OR 1=1 --"),
                     ("reporter_email", "a@example.se\r\nBcc: victim@example.org"), ("reporter_email", "a@example.se\nX-Injected: 1"),
                     ("reporter_email", "<script>@example.se"), ("reporter_email", "a@example.se, b@example.org"),
                     ("reporter_email", "\"a\"@example.se"), ("reporter_phone", "08-123<script>"), ("reporter_phone", "'; DROP TABLE report;--")]:
    add("report-form", f"{field} = {value!r}", "refuse", body=form({field: value}), status=422)
for field in MAIL_FIELDS:
    for sep_name, sep in [("CRLF", "\r\n"), ("LF", "\n"), ("CR", "\r")]:
        injected = f"Rad ett{sep}Bcc: victim@example.org{sep}X-Injected: yes"
        if field in ("what_happened", "expected", "consequences", "improvement"):
            # A textarea keeps line breaks; the mail body is base64, so the text can never become a header.
            add("report-form", f"{sep_name} header injection in {field}", "accept", body=form({field: injected}))
        else:
            add("report-form", f"{sep_name} header injection in {field}", "refuse", body=form({field: injected}), status=422)
for field in MAIL_FIELDS[:3] + ["what_happened"]:
    for ch_name, ch in [("NUL", "\x00"), ("ESC", "\x1b"), ("DEL", "\x7f"), ("vertical tab", "\x0b"), ("form feed", "\x0c"),
                        ("U+0085 NEL", "\u0085")]:
        status = 400 if ch == "\x00" else 422
        add("report-form", f"{ch_name} in {field}", "refuse", body=form({field: f"före{ch}efter"}), status=status)
HOSTILE_TEXTS = [
    ("script tag", "<script>alert('x')</script>", "<script>alert("),
    ("img onerror", "<img src=x onerror=alert(1)>", "<img src=x"),
    ("closing textarea", "</textarea><script>alert(1)</script>", "</textarea><script>"),
    ("attribute breakout", "\" onmouseover=\"alert(1)", "\" onmouseover=\"alert"),
    ("javascript url", "<a href=\"javascript:alert(1)\">klicka</a>", "<a href=\"javascript:"),
    ("svg onload", "<svg/onload=alert(1)>", "<svg/onload"),
    ("iframe", "<iframe src=//evil.example>", "<iframe"),
    ("style tag", "<style>body{display:none}</style>", "<style>body"),
    ("mustache syntax", "{{#x}}{{{html}}}{{/x}} {{> partial}}", None),
    ("SQL comment", "x'; DROP TABLE report; --", None),
    ("SQL union", "' UNION SELECT password_hash FROM staff_user --", None),
    ("SQL quotes", "x'); DROP TABLE Students;--", None),
    ("percent and underscore", "100% _ % \\ LIKE", None),
    ("unicode RTL override", "abc\u202edcba", None),
    ("emoji and Swedish", "Åäö ÅÄÖ 🚑 väntade", None),
    ("zero width joiner", "a\u200db\u200cc", None),
]
for label, text, marker in HOSTILE_TEXTS:
    for field in ["what_happened", "expected", "reporter_role"]:
        add("report-form", f"{label} in {field}", "accept", body=form({field: text}), marker=marker)
add("report-form", "script in reporter_name", "accept", body=form({"reporter_name": "<script>alert(1)</script>"}), marker="<script>alert(")
add("report-form", "mail header syntax in reporter_name", "accept", body=form({"reporter_name": "=?utf-8?q?Bcc:_x@evil.example?= <x@evil.example>"}), marker=None)
add("report-form", "script in lang", "refuse", body=form({"lang": "<script>alert(1)</script>", "avtal": "nope"}), status=422)

# --- encoding ---------------------------------------------------------------------------------
for field in ["what_happened", "reporter_name", "avtal", "organisation", "formulartid"]:
    for label, raw in [("%FF", "%FF"), ("overlong slash %C0%AF", "%C0%AF"), ("surrogate %ED%A0%80", "%ED%A0%80"),
                       ("truncated %E2%82", "%E2%82"), ("NUL %00", "%00"), ("bad escape %G1", "%G1"), ("lone %", "%"),
                       ("half escape %4", "%4")]:
        body = form().replace(f"{field}=", f"{field}=x{raw}", 1)
        # In the signed render time a broken escape may decode to a forged token instead: 400 either way.
        add("encoding", f"{label} in {field}", "refuse", body=body, status=400, message=None if field == "formulartid" else "kunde inte läsas")
for label, raw in [("raw 0xFF byte", b"\xff"), ("raw NUL byte", b"\x00"), ("raw overlong 0xC0 0x80", b"\xc0\x80"),
                   ("raw Latin-1 \xe5", b"\xe5"), ("raw UTF-16 BOM", b"\xff\xfe")]:
    body = form().encode().replace(b"what_happened=", b"what_happened=x" + raw, 1)
    add("encoding", f"{label} in what_happened", "refuse", body_b64=base64.b64encode(body).decode(), status=400, message="kunde inte läsas")
add("encoding", "raw 0xFF in a field name", "refuse", body_b64=base64.b64encode(b"\xff=1&" + form().encode()).decode(), status=400)
add("encoding", "%00 in a field name", "refuse", body="a%00b=1&" + form(), status=400)
add("encoding", "whole body UTF-16", "refuse", body_b64=base64.b64encode(form().encode("utf-16")).decode(), status=400)
add("encoding", "Latin-1 charset declared", "refuse", body_b64=base64.b64encode(form({"reporter_role": "Sjuksköterska"}).replace("%C3%B6", "%F6").encode()).decode(),
    status=400, headers=[["Content-Type", "application/x-www-form-urlencoded; charset=iso-8859-1"]])

# --- routes: traversal, methods, hostile headers ------------------------------------------------
for path in ["/rapportera/..%2f..%2fetc%2fpasswd", "/rapportera/%2e%2e/%2e%2e/etc/passwd", "/static/..%2f..%2fPackage.swift",
             "/static/%2e%2e/%2e%2e/etc/passwd", "/static/app.css%00.txt", "/static/..%5c..%5cPackage.swift",
             "/kvitto/..%2f..%2fintake.sqlite", "/arende/%2e%2e%2f%2e%2e%2fintake.sqlite", "/kvitto/'%20OR%20'1'='1",
             "/arende/<script>alert(1)</script>", "/rapportera/<script>alert(1)</script>", "/Templates/pages/home.mustache",
             "/Forms/catalog.yaml", "/.git/config", "/data/intake.sqlite", "/handlaggning/rapporter/1%20OR%201=1",
             "/handlaggning/rapporter/..%2f..%2fadmin", "/admin/../admin/utkorg", "/static/../Package.swift",
             "//etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/rapportera/stockholm/../../etc/passwd"]:
    add("routes", f"GET {path}", "refuse", method="GET", path=path, headers=[], body="")
    if path.startswith(("/handlaggning", "/admin")):
        cases["routes"][-1]["session"] = "admin"
    cases["routes"][-1]["forbidden_text"] = ["root:x:", "swift-tools-version", "SQLite format", "[core]", "{{", "<script>alert"]
for path in ["/rapportera/..%2fstockholm", "/rapportera/stockholm%00", "/rapportera/STOCKHOLM", "/rapportera/stockholm/extra",
             "/rapportera/%73tockholm%2f..", "/arende/{tracking}%00", "/arende/{tracking}/../../admin"]:
    add("routes", f"POST {path}", "refuse", path=path, body=form())
for method in ["PUT", "DELETE", "PATCH"]:
    add("routes", f"{method} /rapportera/stockholm", "refuse", method=method, body=form())
add("routes", "overlong header (100 kB cookie)", "refuse", protocol=True, method="POST", body=form(), headers=FORM_CT + [["Cookie", "a=" + "b" * 100000]])
add("routes", "overlong header name", "refuse", protocol=True, method="POST", body=form(), headers=FORM_CT + [["X-" + "a" * 90000, "1"]])
add("routes", "10,000 headers", "refuse", protocol=True, method="POST", body=form(), headers=FORM_CT + [[f"X-H{i}", "1"] for i in range(10000)])
add("routes", "overlong request target", "refuse", protocol=True, method="GET", path="/rapportera/" + "a" * 100000, headers=[], body="")
add("routes", "header value with bare CR", "refuse", protocol=True, body=form(), headers=FORM_CT + [["X-Test", "a\rInjected: 1"]])
add("routes", "NUL in a header value", "refuse", protocol=True, body=form(), headers=FORM_CT + [["X-Test", "a\x00b"]])
add("routes", "two Content-Length headers that differ", "refuse", protocol=True, body=form(), headers=FORM_CT + [["Content-Length", "5"], ["Content-Length", "6"]])
add("routes", "chunked header with a body that is not chunked", "refuse", body=form(), status=400, headers=FORM_CT + [["Transfer-Encoding", "chunked"]])
add("routes", "negative Content-Length", "refuse", protocol=True, body=form(), headers=FORM_CT + [["Content-Length", "-1"]])
add("routes", "hostile X-Request-Id is not echoed", "refuse", body=form({"avtal": "nope"}), status=422,
    headers=FORM_CT + [["X-Request-Id", "<script>alert(1)</script>"]])
# Origin may be the request's own host (README): a client that forges Host and Origin together is not
# a browser, and a non-browser client is let through the Origin check by design; the report is inert.
add("routes", "forged Host and matching Origin", "accept", body=form(), headers=FORM_CT + [["Origin", "https://evil.example"]])
cases["routes"][-1]["host"] = "evil.example"

# --- staff login form -------------------------------------------------------------------------
def login(email="admin@example.se", password="fel lösenord", csrf="{csrf}", extra=()):
    pairs = []
    if csrf is not None:
        pairs.append(("csrf", csrf))
    if email is not None:
        pairs.append(("email", email))
    if password is not None:
        pairs.append(("password", password))
    return encode(pairs + list(extra))

add("staff-login", "login without CSRF token", "refuse", path="/login", body=login(csrf=None), status=403, message="Formuläret har gått ut")
add("staff-login", "login with forged CSRF token", "refuse", path="/login", body=login(csrf="1700000000.AAAA"), status=403)
add("staff-login", "login with SQL in the CSRF token", "refuse", path="/login", body=login(csrf="' OR 1=1 --"), status=403)
for label, email, password in [
    ("SQL in e-mail", "' OR '1'='1' --", "x"), ("SQL in password", "admin@example.se", "' OR '1'='1"),
    ("script in e-mail", "<script>alert(1)</script>", "x"), ("CRLF in e-mail", "admin@example.se\r\nBcc: x@evil.example", "x"),
    ("personnummer as e-mail", "811218-9876", "x"), ("empty e-mail", "", "x"), ("empty password", "admin@example.se", ""),
    ("10 kB password", "admin@example.se", "p" * 10000), ("5 kB e-mail", "a" * 5000 + "@example.se", "x"),
    ("LIKE wildcard e-mail", "%@example.se", "x"), ("unicode e-mail", "ädmin@exämple.se", "x"),
]:
    add("staff-login", f"login: {label}", "refuse", path="/login", body=login(email, password), marker="<script>alert(")
add("staff-login", "login with %FF", "refuse", path="/login", body=login() + "&email=%FF", status=400)
add("staff-login", "login with %00", "refuse", path="/login", body="csrf={csrf}&email=a%00b&password=x", status=400)
add("staff-login", "login as JSON", "refuse", path="/login", body='{"email":"admin@example.se"}', status=415, headers=[["Content-Type", "application/json"]])
add("staff-login", "login body over the limit", "refuse", path="/login", body=login(password="p" * 70000), status=413)
add("staff-login", "login with next= open redirect", "refuse", path="/login", body=login(extra=(("next", "https://evil.example"),)))
add("staff-login", "logout without session or CSRF", "refuse", path="/logout", body="", status=403)

# --- tracking page's add-information form ------------------------------------------------------
T = "/arende/{tracking}"
add("tracking", "information empty", "refuse", path=T, body="information=&lang=sv", status=422)
add("tracking", "information missing", "refuse", path=T, body="lang=sv", status=422)
add("tracking", "information over its limit", "refuse", path=T, body=encode([("information", "å" * 4001)]), status=422)
add("tracking", "information body over the limit", "refuse", path=T, body=encode([("information", "a" * 70000)]), status=413)
add("tracking", "information with %FF", "refuse", path=T, body="information=x%FFy", status=400, message="kunde inte läsas")
add("tracking", "information with NUL", "refuse", path=T, body="information=x%00y", status=400)
add("tracking", "information with ESC", "refuse", path=T, body=encode([("information", "x\x1by")]), status=422)
add("tracking", "information as JSON", "refuse", path=T, body='{"information":"x"}', status=415, headers=[["Content-Type", "application/json"]])
add("tracking", "information cross-site", "refuse", path=T, body="information=hej", status=403, headers=FORM_CT + [["Origin", "https://evil.example"]])
add("tracking", "information Origin null", "refuse", path=T, body="information=hej", status=403, headers=FORM_CT + [["Origin", "null"]])
add("tracking", "information to an unknown token", "refuse", path="/arende/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", body="information=hej", status=404)
add("tracking", "information to a SQL token", "refuse", path="/arende/'%20OR%20'1'='1", body="information=hej", status=404)
add("tracking", "information patient name", "refuse", path=T, body=encode([("information", "Patienten Karin Andersson väntade.")]), status=422)
for label, text, marker in HOSTILE_TEXTS[:8] + [("CRLF header lines", "rad\r\nBcc: victim@example.org\r\nX-Injected: yes", "X-Injected: yes\r\n")]:
    add("tracking", f"information: {label}", "accept", path=T, body=encode([("information", text), ("lang", "sv")]), marker=marker)

total = 0
for group, items in cases.items():
    names = set()
    with open(os.path.join(HERE, f"{group}.jsonl"), "w", encoding="utf-8") as f:
        for case in items:
            assert case["name"] not in names, case["name"]
            names.add(case["name"])
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
    total += len(items)
    print(f"{group}: {len(items)}")
print(f"total: {total}")
