#!/usr/bin/env python3
"""Checks the running site in a real headless Chromium: axe-core (WCAG 2.0/2.1 A and AA) on
every page in pages.py, no browser console errors (CSP violations, failed loads), the language
attributes and switch, 320 px without sideways
scrolling, text at 200 % without loss, visible focus and the skip link, and the whole
reporting flow done with the keyboard only.

    check_site.py --base-url http://127.0.0.1:PORT [--var receipt=/kvitto/…] [--login ROLE=email:password]
                  [--artifacts test-artifacts/browser] [--report report.json] [--pages a,b] [--checks axe,…]

Exit 0 when every check passes, 1 with every failure listed, 2 when the browser cannot start.
Called by Tests/IntakeTests/BrowserTests.swift, which starts the server.
"""
import argparse
import datetime
import json
import os
import re
import signal
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import PAGES, Page  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402

os.environ.setdefault("SE_OFFLINE", "1")  # never let selenium download a driver

ALL_CHECKS = ["axe", "console", "language", "skiplink", "focus-walk", "small-screen", "text-200", "text-spacing", "keyboard-flow"]
FOCUS_WALK_STOPS = 40
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def find_axe() -> str:
    import importlib.util
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("axe-core not installed: run scripts/setup.sh --with-test-tools (axe-playwright-python, --no-deps)")
    path = Path(list(spec.submodule_search_locations)[0]) / "axe.min.js"
    return path.read_text(encoding="utf-8")


def start_browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    binary = next((p for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] if os.path.exists(p)), None)
    driver_path = next((p for p in ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"] if os.path.exists(p)), None)
    if binary is None or driver_path is None:
        raise RuntimeError("Chromium or chromedriver missing: apt-get install chromium chromium-driver (scripts/setup.sh --with-test-tools does)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP violations and failed loads
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,900", "--hide-scrollbars"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(30)
    driver.execute_cdp_cmd("Network.enable", {})
    return driver


class Site:
    def __init__(self, args):
        self.base = args.base_url.rstrip("/")
        self.vars = dict(v.split("=", 1) for v in args.var)
        self.logins = dict(v.split("=", 1) for v in args.login)
        for key, value in os.environ.items():  # BROWSER_LOGIN_HANDLAGGARE=email:password
            if key.startswith("BROWSER_LOGIN_"):
                self.logins.setdefault(key[len("BROWSER_LOGIN_"):].lower(), value)
        self.artifacts = Path(args.artifacts)
        self.failures = []
        self.passed = 0
        self.driver = start_browser()
        self.axe = find_axe()
        self.logged_in_as = None
        self.public_url = (args.public_url or "").rstrip("/")

    # ---------- helpers

    def fill(self, template: str) -> str:
        def replace(match):
            name = match.group(1)
            if name not in self.vars:
                raise KeyError(f"no --var {name}=… given")
            return self.vars[name]
        return re.sub(r"\{(\w+)\}", replace, template)

    def fail(self, page: str, check: str, message: str, rule: str | None = None, nodes=None):
        self.failures.append({"page": page, "check": check, "rule": rule, "message": message, "nodes": nodes or []})

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def viewport(self, width: int, height: int = 900, mobile: bool = False):
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})

    def text_size(self, percent: int):
        # The browser's own text-size setting (Chrome: Settings › Appearance › Font size), which
        # scales text only; our CSS sizes everything in rem/em from it. Zoom would scale layout too.
        self.driver.execute_cdp_cmd("Page.setFontSizes", {"fontSizes": {"standard": 16 * percent // 100, "fixed": 13 * percent // 100}})

    def login(self, role: str):
        if self.logged_in_as == role:
            return
        from selenium.webdriver.common.by import By
        if role not in self.logins:
            raise KeyError(f"page needs login as {role}: give --login {role}=email:password or BROWSER_LOGIN_{role.upper()}")
        email, password = self.logins[role].split(":", 1)
        self.driver.delete_all_cookies()
        self.driver.get(self.base + "/login")
        self.driver.find_element(By.NAME, "email").send_keys(email)
        self.driver.find_element(By.NAME, "password").send_keys(password)
        mark_page(self.driver)
        self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        wait_for_new_page(self.driver)
        if "/login" in self.driver.current_url:
            raise AssertionError(f"login as {role} ({email}) failed: still at {self.driver.current_url}")
        self.logged_in_as = role

    def open(self, page: Page):
        """Brings the browser to the page's state: login, headers, address, action."""
        from selenium.webdriver.common.by import By
        if page.login:
            self.login(page.login)
        elif self.logged_in_as:
            self.driver.delete_all_cookies()
            self.logged_in_as = None
        headers = {k: self.fill(v) for k, v in page.headers.items()}
        self.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": headers})
        try:
            for attempt in range(3):
                try:
                    self.driver.get(self.base + self.fill(page.path))
                    if page.action == "submit-as-bot":
                        # What a bot does: fill every field it finds, the hidden one too.
                        self.js("document.querySelector('input[name=webbplats]').value = 'https://example.com'")
                    if page.action == "choose-and-submit":
                        # Pick the last choice in each list of the first form (e.g. an account), then send it.
                        self.js("document.querySelectorAll('main form:first-of-type select').forEach(s => { s.selectedIndex = s.options.length - 1; })")
                    if page.action in ("submit", "submit-as-bot", "choose-and-submit"):
                        mark_page(self.driver)
                        self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
                        wait_for_new_page(self.driver)
                    break
                except WebDriverException:
                    if attempt == 2:
                        raise
        finally:
            if headers:
                self.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})
        if page.expect and page.expect not in self.driver.find_element(By.TAG_NAME, "body").text:
            raise AssertionError(f"expected text {page.expect!r} not on the page (at {self.driver.current_url})")

    def focus_visible(self) -> str | None:
        """Why the focused element has no visible focus indicator, or None. Asks a few times:
        a date field's inner part takes focus a frame after the field itself."""
        for _ in range(5):
            problem = self.focus_problem()
            if problem is None:
                return None
            time.sleep(0.05)
        return problem

    def focus_problem(self) -> str | None:
        return self.js("""
            const el = document.activeElement;
            if (!el || el === document.body) return 'nothing has focus';
            const s = getComputedStyle(el);
            const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
            const shadow = s.boxShadow && s.boxShadow !== 'none';
            const r = el.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) return 'focused element is not rendered: ' + el.outerHTML.slice(0, 120);
            if (!(outline || shadow)) return `no outline or box-shadow (outline ${s.outlineStyle} ${s.outlineWidth}) on ` + el.outerHTML.slice(0, 120);
            if (!outline) return null;
            // WCAG 1.4.11: the outline needs 3:1 against what it is drawn on, found beside the element.
            const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
            const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
                .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
            const gap = parseFloat(s.outlineOffset || 0) + parseFloat(s.outlineWidth) / 2;
            let x = r.left - gap, y = r.top + r.height / 2;
            if (x < 1) x = r.right + gap;
            let background = [255, 255, 255];
            for (const under of document.elementsFromPoint(Math.min(x, innerWidth - 1), Math.max(1, Math.min(y, innerHeight - 1)))) {
                if (under === el || el.contains(under)) continue;
                const c = rgb(getComputedStyle(under).backgroundColor);
                if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) { background = c.slice(0, 3); break; }
            }
            const [a, b] = [lum(rgb(s.outlineColor).slice(0, 3)), lum(background)];
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            return ratio >= 3 ? null : `focus outline ${s.outlineColor} has contrast ${ratio.toFixed(2)}:1 against rgb(${background}) (needs 3:1) on ` + el.outerHTML.slice(0, 120);
        """)

    def active(self):
        return self.js("""const el = document.activeElement; return el ? {tag: el.tagName.toLowerCase(), id: el.id,
            name: el.getAttribute('name'), type: el.getAttribute('type'), cls: el.className, href: el.getAttribute('href'),
            value: el.value, checked: !!el.checked} : null;""")

    # ---------- checks on one page

    def console_errors(self):
        """Errors the browser logged since the last call: CSP violations, failed loads, …"""
        return [entry["message"] for entry in self.driver.get_log("browser") if entry.get("level") == "SEVERE"]

    def check_console(self, page: Page, errors):
        # An error page answers 4xx itself; Chromium logs that as a failed load of the page.
        own_status = re.compile(r"^(\S+) - Failed to load resource: the server responded with a status of 4\d\d")
        for message in errors:
            match = own_status.match(message)
            if match and match.group(1) == self.driver.current_url:
                continue
            self.fail(page.name, "console", "browser console: " + message[:300])

    def check_axe(self, page: Page):
        self.js(self.axe)
        result = self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
               .then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                     nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').replace(/\\s+/g, ' '))}))}))
               .catch(e => done({error: String(e)}));
        """, AXE_TAGS)
        if "error" in result:
            self.fail(page.name, "axe", "axe did not run: " + result["error"])
            return
        for violation in result["violations"]:
            self.fail(page.name, "axe", f"{violation['id']} ({violation['impact']}): {violation['help']}",
                      rule=violation["id"], nodes=violation["nodes"][:5])

    def check_language(self, page: Page):
        lang = self.js("return document.documentElement.getAttribute('lang')")
        if lang != page.lang:
            self.fail(page.name, "language", f"<html lang> is {lang!r}, expected {page.lang!r}")
        other = "en" if page.lang == "sv" else "sv"
        switch = self.js("""const a = document.querySelector('a.lang-switch');
            return a ? {lang: a.getAttribute('lang'), hreflang: a.getAttribute('hreflang'), href: a.getAttribute('href'), text: a.textContent.trim()} : null""")
        if not switch:
            self.fail(page.name, "language", "no language switch link (a.lang-switch)")
        elif switch["lang"] != other or switch["hreflang"] != other:
            self.fail(page.name, "language", f"language switch has lang={switch['lang']!r} hreflang={switch['hreflang']!r}, expected {other!r}")
        elif other == "en" and "lang=en" not in switch["href"] or other == "sv" and "lang=en" in switch["href"]:
            self.fail(page.name, "language", f"language switch goes to {switch['href']!r}")
        for path in ["/tillganglighet", "/personuppgifter"]:
            if not self.js("return !!document.querySelector(`footer a[href^='${arguments[0]}']`)", path):
                self.fail(page.name, "language", f"footer has no link to {path}")

    def check_skip_link(self, page: Page):
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.common.action_chains import ActionChains
        self.js("if (document.activeElement) document.activeElement.blur(); window.scrollTo(0, 0);")
        ActionChains(self.driver).send_keys(Keys.TAB).perform()
        el = self.active()
        if not el or "skip-link" not in (el.get("cls") or ""):
            self.fail(page.name, "skiplink", f"first Tab stop is not the skip link but {el}")
            return
        if problem := self.focus_visible():
            self.fail(page.name, "skiplink", "skip link focus not visible: " + problem)
        onscreen = self.js("const r = document.activeElement.getBoundingClientRect(); return r.left >= 0 && r.top >= 0 && r.right <= innerWidth;")
        if not onscreen:
            self.fail(page.name, "skiplink", "the focused skip link is not on screen")
        ActionChains(self.driver).send_keys(Keys.ENTER).perform()
        time.sleep(0.05)
        el = self.active()
        if not el or el.get("id") != "main":
            self.fail(page.name, "skiplink", f"Enter on the skip link did not move focus to <main id=main> but to {el}")

    def check_focus_walk(self, page: Page):
        """Tab through the page's first stops: each one shows focus with enough contrast."""
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.common.action_chains import ActionChains
        self.js("if (document.activeElement) document.activeElement.blur(); window.scrollTo(0, 0);")
        seen = set()
        for _ in range(FOCUS_WALK_STOPS):
            ActionChains(self.driver).send_keys(Keys.TAB).perform()
            where = self.js("const e = document.activeElement; return e && e !== document.body ? e.outerHTML.slice(0, 160) : ''")
            if not where or where in seen:
                break  # past the last stop, or round the page once
            seen.add(where)
            if problem := self.focus_visible():
                self.fail(page.name, "focus-walk", problem)
                break

    def no_sideways_scroll(self, page: Page, check: str, label: str):
        width = self.js("return [document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            wide = self.js("""return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
                   .slice(0, 5).map(e => e.outerHTML.slice(0, 100))""")
            self.fail(page.name, check, f"{label}: page scrolls sideways (scrollWidth {width[0]} > innerWidth {width[1]})", nodes=wide)

    def clipped(self, page: Page, check: str, label: str):
        clipped = self.js("""
            return [...document.querySelectorAll('body *')].filter(e => {
                if (e.closest('.visually-hidden, .skip-link')) return false;
                // A one-line text field scrolls its own value by design (the caret and arrow keys
                // reach all of it); only its size matters, which the sideways-scroll check covers.
                if (e.tagName === 'INPUT') return false;
                const s = getComputedStyle(e);
                const hides = ['hidden', 'clip'].includes(s.overflowX) || ['hidden', 'clip'].includes(s.overflowY);
                return hides && (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1);
            }).slice(0, 5).map(e => e.outerHTML.slice(0, 100));""")
        if clipped:
            self.fail(page.name, check, f"{label}: content is cut off", nodes=clipped)

    def screenshot(self, page: Page, folder: str):
        target = self.artifacts / folder
        target.mkdir(parents=True, exist_ok=True)
        height = self.js("return Math.min(document.documentElement.scrollHeight, 6000)")
        width = self.js("return window.innerWidth")
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 700})
        self.driver.save_screenshot(str(target / f"{page.name}.png"))

    # ---------- keyboard helpers of the keyboard-only flows

    def keys(self, *k):
        from selenium.webdriver.common.action_chains import ActionChains
        ActionChains(self.driver).send_keys(*k).perform()

    def tab_to(self, predicate, what, limit=80):
        """Tabs until `predicate` holds for the focused element; focus must stay visible and never
        reach the honeypot field on the way."""
        from selenium.webdriver.common.keys import Keys
        for _ in range(limit):
            self.keys(Keys.TAB)
            el = self.active()
            if problem := self.focus_visible():
                raise AssertionError(f"focus not visible while looking for {what}: {problem}")
            if el and (el.get("name") == "webbplats"):
                raise AssertionError("the honeypot field got keyboard focus")
            if el and predicate(el):
                return el
        raise AssertionError(f"{what} not reached with Tab")

    def page_changes(self, action):
        mark_page(self.driver)
        action()
        wait_for_new_page(self.driver)

    def fill_report_form(self, texts):
        """Tabs through the report form from the current focus to its submit button, filling each
        control with the keyboard only: arrows for the organisation, Space for a checkbox and the
        agreement's radio questions, digits for the date, typing for the texts in `texts`."""
        from selenium.webdriver.common.keys import Keys
        keys = self.keys
        seen_options = set()
        for _ in range(120):
            keys(Keys.TAB)
            el = self.active()
            if problem := self.focus_visible():
                raise AssertionError(f"focus not visible in the form: {problem}")
            if el.get("name") == "webbplats":
                raise AssertionError("the honeypot field got keyboard focus")
            if el["tag"] == "button":
                break
            field = el.get("name") or ""
            if el["tag"] == "select" and field == "organisation":
                keys(Keys.ARROW_DOWN)  # first party: Region Stockholm
                if not self.js("return document.activeElement.value"):
                    raise AssertionError("arrow key did not choose an organisation")
            elif el.get("type") == "checkbox" and field == "other_parties" and "other" not in seen_options:
                seen_options.add("other")
                # The first party is the reporter's own organisation; tick the next one.
                keys(Keys.TAB)
                keys(Keys.SPACE)
                if not self.js("return document.activeElement.checked"):
                    raise AssertionError("Space did not tick a checkbox")
            elif el["tag"] == "summary" and "municipality" not in seen_options:
                # The other parties' municipalities sit in a <details>: Enter opens it, the next
                # Tab reaches the first municipality, Space ticks it.
                seen_options.add("municipality")
                keys(Keys.ENTER)
                if not self.js("return document.activeElement.parentElement.open"):
                    raise AssertionError("Enter on the municipalities' summary did not open it")
                keys(Keys.TAB)
                box = self.active()
                if box.get("type") != "checkbox" or box.get("name") != "other_parties":
                    raise AssertionError(f"Tab after the opened summary reached {box}, not a municipality")
                keys(Keys.SPACE)
                if not self.js("return document.activeElement.checked"):
                    raise AssertionError("Space did not tick a municipality")
            elif el.get("type") == "date" and field == "occurred_on":
                # The date field takes digits segment by segment, in the browser locale's order.
                order = self.js("return new Intl.DateTimeFormat().formatToParts(new Date(2026, 10, 20))"
                                ".map(p => p.type).filter(t => ['year', 'month', 'day'].includes(t))")
                # Yesterday: a day in the past whatever the machine's clock says.
                day = datetime.date.today() - datetime.timedelta(days=1)
                keys(*[{"year": f"{day.year:04d}", "month": f"{day.month:02d}", "day": f"{day.day:02d}"}[part] for part in order])
                value = self.js("return document.activeElement.value")
                if value != day.isoformat():
                    raise AssertionError(f"typing the date gave {value!r}")
            elif el.get("type") == "radio" and field.startswith("x_") and field not in seen_options:
                seen_options.add(field)
                keys(Keys.SPACE)
            elif field in texts:
                keys(texts[field])
        else:
            raise AssertionError("the submit button was not reached with Tab")
        return seen_options

    # ---------- the keyboard-only reporting flow

    def keyboard_flow(self, lang: str):
        """Home → county → agreement → form → errors → fix → receipt → tracking, with Tab, arrows,
        Space, Enter and typing only."""
        from selenium.webdriver.common.keys import Keys
        name = f"keyboard-flow-{lang}"
        query = "?lang=en" if lang == "en" else ""
        self.viewport(1280)
        self.text_size(100)
        self.driver.delete_all_cookies()
        self.driver.get(self.base + "/" + query)
        keys, tab_to, page_changes = self.keys, self.tab_to, self.page_changes

        # Skip link first, then into the content.
        keys(Keys.TAB)
        if "skip-link" not in (self.active() or {}).get("cls", ""):
            raise AssertionError("the skip link is not the first Tab stop")
        keys(Keys.ENTER)
        tab_to(lambda e: e["tag"] == "a" and "/rapportera/stockholm" in (e.get("href") or ""), "the Stockholm link")
        page_changes(lambda: keys(Keys.ENTER))

        # The agreement finder: Tab to the search field, type a few words, Enter.
        tab_to(lambda e: e.get("type") == "search", "the agreement finder's search field")
        keys("discharged without notice" if lang == "en" else "skrevs ut utan besked")
        page_changes(lambda: keys(Keys.ENTER))
        if "sok=" not in self.driver.current_url:
            raise AssertionError(f"the search did not answer with the ranked page: {self.driver.current_url}")
        first = self.js("return document.querySelector('fieldset.suggestions input[type=radio]')?.value")
        if first != "sthlm-lus":
            raise AssertionError(f"the first suggestion for a discharge is not LUS but {first}")

        # "Continue" with nothing chosen: an error summary whose link leads to the first choice.
        tab_to(lambda e: e["tag"] == "button" and e.get("name") == "fortsatt", "the Continue button")
        page_changes(lambda: keys(Keys.SPACE))
        if not self.js("return !!document.querySelector('.error-summary a[href=\"#avtal-sthlm-lus\"]')"):
            raise AssertionError("Continue with nothing chosen did not give an error summary linking to the choice")
        keys(Keys.TAB)  # the skip link
        tab_to(lambda e: e["tag"] == "a" and e.get("href") == "#avtal-sthlm-lus", "the error summary's link")
        keys(Keys.ENTER)
        time.sleep(0.1)
        radio = self.active() or {}
        if radio.get("id") != "avtal-sthlm-lus":
            raise AssertionError(f"Enter on the error link did not focus the first choice but {radio}")
        if problem := self.focus_visible():
            raise AssertionError(f"focus not visible on the choice with the error: {problem}")

        # The agreements are one radio group: Space chooses the focused one (or arrows to LUS), Tab to Continue.
        for _ in range(60):
            if radio.get("value") == "sthlm-lus":
                if not radio.get("checked"):
                    keys(Keys.SPACE)
                    radio = self.active()
                if radio.get("checked"):
                    break
            keys(Keys.ARROW_DOWN)
            radio = self.active()
        else:
            raise AssertionError("the keyboard did not choose the LUS agreement")
        tab_to(lambda e: e["tag"] == "button" and e.get("name") == "fortsatt", "the Continue button")
        page_changes(lambda: keys(Keys.SPACE))
        if "avtal=sthlm-lus" not in self.driver.current_url:
            raise AssertionError(f"did not reach the LUS form: {self.driver.current_url}")

        # The form: every control in Tab order, filled with the keyboard.
        # "expected" is left empty on purpose: the error summary must lead back to it by keyboard.
        seen_options = self.fill_report_form({
            "what_happened": "Utskrivningen planerades inte enligt överenskommelsen. Kommunen fick inget meddelande i tid.",
            "reporter_role": "Undersköterska",
        })
        if "municipality" not in seen_options:
            raise AssertionError("the municipalities' disclosure (<details><summary>) was not reached with Tab")
        page_changes(lambda: keys(Keys.ENTER))
        # The chosen municipality is kept, and its disclosure comes back open.
        if not self.js("return !!document.querySelector('details.party-group[open] input:checked')"):
            raise AssertionError("the form with errors lost the chosen municipality or closed its disclosure")

        # The form comes back with an error summary; its link takes the keyboard to the field.
        if not self.js("return !!document.querySelector('.error-summary a[href=\"#f-expected\"]')"):
            raise AssertionError("the form with a missing answer did not come back with an error summary linking to it")
        keys(Keys.TAB)  # the skip link
        tab_to(lambda e: e["tag"] == "a" and e.get("href") == "#f-expected", "the error summary's link")
        keys(Keys.ENTER)
        time.sleep(0.1)
        if (self.active() or {}).get("id") != "f-expected":
            raise AssertionError(f"Enter on the error link did not focus the field but {self.active()}")
        if problem := self.focus_visible():
            raise AssertionError(f"focus not visible on the field with the error: {problem}")
        keys("Kommunen skulle ha fått inskrivningsmeddelande inom ett dygn.")
        tab_to(lambda e: e["tag"] == "button" and e.get("id") == "f-skicka", "the send button", limit=40)
        page_changes(lambda: keys(Keys.ENTER))
        body = self.driver.find_element("tag name", "body").text
        if "/kvitto/" not in self.driver.current_url:
            errors = self.js("return [...document.querySelectorAll('.error-summary li')].map(e => e.textContent.trim())")
            raise AssertionError(f"the report was not accepted: {self.driver.current_url} {errors}")
        thanks = "Thank you!" if lang == "en" else "Tack!"
        if thanks not in body:
            raise AssertionError("the receipt does not thank the reporter")

        # From the receipt, the tracking link with the keyboard.
        tab_to(lambda e: e["tag"] == "a" and "/arende/" in (e.get("href") or ""), "the tracking link")
        page_changes(lambda: keys(Keys.ENTER))
        if "/arende/" not in self.driver.current_url:
            raise AssertionError("Enter on the tracking link did not open the tracking page")

    def phone_keyboard_flow(self):
        """A handläggare registers a phone call with the keyboard only: the header link → county →
        agreement → form → the confirmation with the reference number."""
        from selenium.webdriver.common.keys import Keys
        self.viewport(1280)
        self.text_size(100)
        self.logged_in_as = None  # the public flows dropped the cookies
        self.login("handlaggare")
        self.driver.get(self.base + "/handlaggning")
        keys, tab_to, page_changes = self.keys, self.tab_to, self.page_changes

        tab_to(lambda e: e["tag"] == "a" and (e.get("href") or "").endswith("/handlaggning/telefon"), "the header's phone link")
        page_changes(lambda: keys(Keys.ENTER))
        tab_to(lambda e: e["tag"] == "a" and "/handlaggning/telefon/stockholm" in (e.get("href") or ""), "the Stockholm link")
        page_changes(lambda: keys(Keys.ENTER))
        radio = tab_to(lambda e: e.get("type") == "radio", "the agreement radio group")
        for _ in range(60):
            if radio.get("value") == "sthlm-lus" and radio.get("checked"):
                break
            keys(Keys.ARROW_DOWN)
            radio = self.active()
        else:
            raise AssertionError("arrow keys did not reach the LUS agreement")
        tab_to(lambda e: e["tag"] == "button" and self.js("return !!document.activeElement.closest('main')"), "the Continue button")
        page_changes(lambda: keys(Keys.SPACE))
        if "/handlaggning/telefon/stockholm?" not in self.driver.current_url or "avtal=sthlm-lus" not in self.driver.current_url:
            raise AssertionError(f"did not reach the phone form: {self.driver.current_url}")
        # Past the staff navigation (its logout button) into the content, then the whole form.
        keys(Keys.TAB)
        if "skip-link" not in (self.active() or {}).get("cls", ""):
            raise AssertionError("the skip link is not the first Tab stop")
        keys(Keys.ENTER)
        self.fill_report_form({
            "what_happened": "Uppringaren berättar att utskrivningen inte planerades enligt överenskommelsen.",
            "expected": "Kommunen skulle ha fått inskrivningsmeddelande inom ett dygn.",
        })
        page_changes(lambda: keys(Keys.ENTER))
        if "/handlaggning/telefon/registrerad/" not in self.driver.current_url:
            errors = self.js("return [...document.querySelectorAll('.error-summary li')].map(e => e.textContent.trim())")
            raise AssertionError(f"the phone report was not registered: {self.driver.current_url} {errors}")
        if "Referensnummer att ge uppringaren" not in self.driver.find_element("tag name", "body").text:
            raise AssertionError("the confirmation does not show the reference to give the caller")

    # ---------- form heights

    def check_form_heights(self, paths: list[str], limit: int = 3000):
        """Every agreement's report form, empty, at 390 × 844 (a phone): at most `limit` px tall.
        On the first form the other parties' disclosure is opened: axe, and no sideways scroll at 320 px."""
        heights = {}
        self.text_size(100)
        for index, path in enumerate(paths):
            name = "form-height " + path
            try:
                self.viewport(390, 844, mobile=True)
                self.driver.get(self.base + path)
                height = self.js("return document.documentElement.scrollHeight")
                heights[path] = height
                if height > limit:
                    self.fail(name, "form-height", f"{height} px tall at 390 px wide, more than {limit}")
                if index == 0:
                    opened = Page("form-parties-open", path)
                    count = self.js("const d = [...document.querySelectorAll('details.party-group')]; d.forEach(e => e.open = true); return d.length")
                    if not count:
                        self.fail(opened.name, "form-height", "no <details class=party-group> for the other parties")
                    self.check_axe(opened)
                    self.viewport(320, 640, mobile=True)
                    self.no_sideways_scroll(opened, "small-screen", "320 px wide, parties opened")
                self.passed += 1
            except Exception as error:
                self.fail(name, "open", f"{type(error).__name__}: {error}".strip())
        (self.artifacts).mkdir(parents=True, exist_ok=True)
        (self.artifacts / "form-heights.json").write_text(json.dumps(heights, indent=1))
        if heights:
            tallest = max(heights, key=heights.get)
            print(f"form heights at 390 px: {len(heights)} forms, tallest {heights[tallest]} px ({tallest}), limit {limit}")

    # ---------- HTML mails

    def check_mails(self, folder: Path):
        """axe and lang on the HTML part of every .eml the demo mail transport wrote."""
        import email
        from email import policy
        work = self.artifacts / "mails"
        work.mkdir(parents=True, exist_ok=True)
        files = sorted(folder.glob("*.eml"))
        if not files:
            self.fail("mails", "open", f"no .eml files in {folder}")
        for path in files:
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            name = f"mail-{path.stem}"
            html = message.get_body(preferencelist=("html",))
            if html is None:
                self.fail(name, "open", "mail without an HTML part")
                continue
            target = work / f"{path.stem}.html"
            target.write_text(html.get_content(), encoding="utf-8")
            self.driver.get(target.resolve().as_uri())
            page = Page(name, str(target))
            self.check_axe(page)
            lang = self.js("return document.documentElement.getAttribute('lang')")
            if lang not in ("sv", "en"):
                self.fail(name, "language", f"mail <html lang> is {lang!r}")
            # On a phone: a viewport, one column, nothing wider than 320 px, links to the public address.
            if not self.js("const m = document.querySelector('meta[name=viewport]'); return !!m && m.content.includes('width=device-width')"):
                self.fail(name, "mail-phone", "no <meta name=viewport content=width=device-width …>")
            self.viewport(320, 640, mobile=True)
            self.driver.get(target.resolve().as_uri())
            self.no_sideways_scroll(page, "mail-phone", "mail at 320 px wide")
            if self.js("return document.querySelectorAll('table').length"):
                self.fail(name, "mail-phone", "a table in the mail: use one column")
            if self.public_url:
                links = self.js("return [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
                for href in links:
                    if href.startswith("http") and not href.startswith(self.public_url + "/"):
                        self.fail(name, "mail-phone", f"link {href!r} does not use the public address {self.public_url}")
            self.viewport(1280)
            self.passed += 1

    # ---------- driver

    def run(self, pages, checks):
        for page in pages:
            try:
                self.viewport(1280)
                self.text_size(100)
                self.console_errors()  # drop what earlier pages logged
                self.open(page)
                if "console" in checks:
                    self.check_console(page, self.console_errors())
                if "axe" in checks:
                    self.check_axe(page)
                if "language" in checks:
                    self.check_language(page)
                if "skiplink" in checks:
                    self.check_skip_link(page)
                if "focus-walk" in checks:
                    self.check_focus_walk(page)
                if "small-screen" in checks:
                    self.viewport(320, 640, mobile=True)
                    self.open(page)
                    self.no_sideways_scroll(page, "small-screen", "320 px wide")
                    self.screenshot(page, "320px")
                if "text-200" in checks:
                    self.viewport(640, 900, mobile=True)
                    self.text_size(200)
                    self.open(page)
                    size = self.js("return getComputedStyle(document.body).fontSize")
                    if size != "32px":
                        self.fail(page.name, "text-200", f"text did not grow to 200 % (body font-size {size})")
                    self.no_sideways_scroll(page, "text-200", "640 px wide, text 200 %")
                    self.clipped(page, "text-200", "640 px wide, text 200 %")
                    self.screenshot(page, "640px-text200")
                if "text-spacing" in checks:
                    # WCAG 1.4.12's values, added to our own stylesheet through CSSOM (the CSP
                    # forbids a <style> element, rightly).
                    self.viewport(320, 640, mobile=True)
                    self.text_size(100)
                    self.open(page)
                    self.js("""const sheet = [...document.styleSheets].find(s => s.href && s.href.endsWith('/static/app.css'));
                        sheet.insertRule('* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }', sheet.cssRules.length);
                        sheet.insertRule('p { margin-bottom: 2em !important; }', sheet.cssRules.length);""")
                    self.no_sideways_scroll(page, "text-spacing", "320 px wide, WCAG text spacing")
                    self.clipped(page, "text-spacing", "320 px wide, WCAG text spacing")
                    self.screenshot(page, "320px-text-spacing")
                self.passed += 1
            except Exception as error:  # a page that cannot be reached is a failure, not a crash
                self.fail(page.name, "open", f"{type(error).__name__}: {error}".strip())
            finally:
                self.text_size(100)
        if "keyboard-flow" in checks:
            for lang in ["sv", "en"]:
                try:
                    self.keyboard_flow(lang)
                    self.passed += 1
                except Exception as error:
                    self.fail(f"keyboard-flow-{lang}", "keyboard-flow", f"{type(error).__name__}: {error}".strip())
                    self.screenshot(Page(f"keyboard-flow-{lang}-failed", "/"), "failures")
            if "handlaggare" in self.logins:
                try:
                    self.phone_keyboard_flow()
                    self.passed += 1
                except Exception as error:
                    self.fail("keyboard-flow-phone", "keyboard-flow", f"{type(error).__name__}: {error}".strip())
                    self.screenshot(Page("keyboard-flow-phone-failed", "/"), "failures")


def mark_page(driver):
    """Marks the current document, so wait_for_new_page can tell when it has been replaced."""
    driver.execute_script("window.__checkSiteOldPage = true")


def wait_for_new_page(driver, timeout=15):
    """Waits until the marked document is gone and the new one has loaded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if driver.execute_script("return !window.__checkSiteOldPage && document.readyState === 'complete'"):
                return
        except WebDriverException:
            pass  # between documents
        time.sleep(0.05)
    raise AssertionError(f"no new page within {timeout} s (still at {driver.current_url})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--var", action="append", default=[], help="NAME=VALUE for {NAME} in page paths")
    parser.add_argument("--login", action="append", default=[], help="ROLE=email:password for pages that need a login")
    parser.add_argument("--artifacts", default="test-artifacts/browser")
    parser.add_argument("--report", help="write the failures as JSON here")
    parser.add_argument("--pages", help="comma-separated page names (default: all)")
    parser.add_argument("--checks", default=",".join(ALL_CHECKS), help="comma-separated, from: " + ", ".join(ALL_CHECKS))
    parser.add_argument("--mails", help="a folder of .eml files whose HTML parts get axe and lang checks")
    parser.add_argument("--public-url", help="INTAKE_PUBLIC_URL of the server: every link in a mail must start with it")
    parser.add_argument("--form-heights", help="comma-separated form paths measured at 390 px (at most --max-form-height px)")
    parser.add_argument("--max-form-height", type=int, default=3000)
    args = parser.parse_args()

    # Stopped from outside (a test's time limit): leave through `finally`, which quits the browser.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    checks = set(args.checks.split(","))
    pages = [p for p in PAGES if not args.pages or p.name in args.pages.split(",")]
    try:
        site = Site(args)
    except Exception as error:
        print(f"BROWSER UNAVAILABLE: {error}", file=sys.stderr)
        traceback.print_exc()
        if args.report:
            Path(args.report).write_text(json.dumps({"error": str(error), "failures": []}))
        return 2
    try:
        site.run(pages, checks)
        if args.form_heights:
            site.check_form_heights([p for p in args.form_heights.split(",") if p], args.max_form_height)
        if args.mails:
            site.check_mails(Path(args.mails))
    finally:
        site.driver.quit()

    if args.report:
        Path(args.report).write_text(json.dumps({"passed": site.passed, "failures": site.failures}, ensure_ascii=False, indent=1))
    for failure in site.failures:
        print(f"FAIL {failure['page']} [{failure['check']}] {failure['message']}")
        for node in failure["nodes"]:
            print(f"     {node}")
    print(f"{len(pages)} pages, checks: {', '.join(sorted(checks))}; {len(site.failures)} failure(s); artefacts in {args.artifacts}")
    return 1 if site.failures else 0


if __name__ == "__main__":
    sys.exit(main())
