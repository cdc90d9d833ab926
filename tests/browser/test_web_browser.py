"""The web UI in a real Chromium, served by the real `monitor web` over a real polled state.

Each test records every request the page makes: all go to the server on 127.0.0.1, none
anywhere else; and no Content-Security-Policy violation or script error shows in the console.
Screenshots of each page go to docs/screenshots/ with MONITOR_SCREENSHOTS=1 (the README shows
them), to the test's temporary folder otherwise.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from support.cli import ROOT, run_cli
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss
from support.tiny_argos import build_package
from support.web_state import EN_WIRE, HOSTILE_TITLE, build_web_state
from support.webhook_receiver import WebhookReceiver

pytestmark = [pytest.mark.browser, pytest.mark.integration]
PAGES = ["matches", "item", "search", "feeds", "rules", "outbox"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    receiver = WebhookReceiver().start()
    state = build_web_state(root, receiver,
                            model=build_package(root / "ru_en.argosmodel", "ru", "en"))
    web = DaemonProcess(root, "--port", "0", "--refresh", "1", command="web", tag="-web")
    try:
        wait_for(lambda: re.search(r"http://127\.0\.0\.1:(\d+)/", web.stdout()) or
                 not web.alive(), timeout=30, what="monitor web to listen")
        assert web.alive(), web.stderr()
        port = re.search(r"http://127\.0\.0\.1:(\d+)/", web.stdout()).group(1)
        yield state, f"http://127.0.0.1:{port}"
    finally:
        code = web.stop()
        receiver.stop()
    assert code == 0, web.stderr()


class Recorder:
    """Every request a page makes, console errors, dialogs (an alert() that ran)."""

    def __init__(self, page, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.problems: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: m.type in ("error", "warning") and
                self.problems.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))

    def check(self) -> None:
        strangers = [u for u in self.requests
                     if f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" != self.origin]
        assert strangers == [], f"requests that left {self.origin}: {strangers}"
        assert self.problems == []


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                  timezone_id="UTC")
    page = context.new_page()
    page.set_default_timeout(15_000)
    recorder = Recorder(page, served[1])
    page.recorder = recorder
    try:
        yield page
        recorder.check()
    finally:
        context.close()


def shots_dir(tmp_path: Path) -> Path:
    if os.environ.get("MONITOR_SCREENSHOTS") == "1":
        out = ROOT / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        return out
    return tmp_path


def test_every_page_loads_and_no_request_leaves_loopback(page, served, tmp_path):
    state, base = served
    out = shots_dir(tmp_path)
    page.goto(f"{base}/")
    assert page.url == f"{base}/matches"
    assert page.locator("li.match").count() == 7
    page.screenshot(path=out / "matches.png", full_page=False)
    page.click("text=Минобороны")
    assert re.search(r"/items/\w+$", page.url)
    assert page.locator("text=argos:ru-en").count() == 1
    page.screenshot(path=out / "item.png", full_page=True)
    page.goto(f"{base}/search?q=беспилотники")
    page.screenshot(path=out / "search.png")
    page.goto(f"{base}/feeds")
    assert page.locator("tr.failing strong").first.inner_text() == "broken"
    page.screenshot(path=out / "feeds.png")
    page.goto(f"{base}/rules?query=беспилотник+NEAR/5+завод&language=ru#preview")
    page.screenshot(path=out / "rules.png", full_page=True)
    page.goto(f"{base}/outbox")
    page.screenshot(path=out / "outbox.png")
    for name in PAGES:
        assert (out / f"{name}.png").stat().st_size > 10_000
    # htmx ran (the live poller fires every second) and the CSS loaded: from this origin only.
    assert any("/static/htmx.min.js" in u for u in page.recorder.requests)
    assert any("/static/monitor.css" in u for u in page.recorder.requests)


def test_search_finds_an_inflected_russian_form(page, served):
    _, base = served
    page.goto(f"{base}/search")
    page.fill("input[name=q]", "беспилотники")  # in no item: they hold беспилотников, -ика
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("#search-summary")
    marks = page.locator("ol.results mark").all_inner_texts()
    assert "беспилотников" in marks and "беспилотника" in marks
    assert "3 results" in page.inner_text("#search-summary")


def test_rule_preview_updates_as_a_query_is_typed(page, served):
    _, base = served
    page.goto(f"{base}/rules")
    loads = []
    page.on("framenavigated", lambda frame: loads.append(frame.url))
    page.click("#query")
    page.keyboard.type("погода", delay=40)
    # Locator assertions run in Playwright's isolated world: the page's CSP (no eval) stays on.
    expect(page.locator("#preview-summary")).to_have_text(re.compile(r"^Matches 1 "))
    assert page.locator("#preview mark").first.inner_text() == "Погода"
    page.keyboard.type(" OR беспилотник", delay=20)
    expect(page.locator("#preview-summary")).to_have_text(re.compile(r"^Matches 4 "))
    assert "rules:\n  - name: my-rule\n    query: погода OR беспилотник" in \
        page.inner_text("pre.snippet")
    page.keyboard.type(" NEAR/", delay=20)  # half-typed: says what is wrong, where
    page.wait_for_selector("#preview .problem")
    assert loads == []  # all of it without leaving or reloading the page
    assert any("/rules/preview?" in u for u in page.recorder.requests)


def test_retry_moves_a_dead_alert_back_to_pending(page, served):
    state, base = served
    page.goto(f"{base}/outbox")
    row = page.locator("tr[id^=alert-al_]").filter(has=page.locator("button")).first
    alert_id = row.get_attribute("id").removeprefix("alert-")
    assert status_of(state.state, alert_id) == "dead"
    row.locator("button").click()
    page.wait_for_selector("p.notice")
    assert "1 alert back in the queue" in page.inner_text("p.notice")
    assert status_of(state.state, alert_id) == "pending"
    assert page.locator(f"#alert-{alert_id} button").count() == 0


def status_of(path: Path, alert_id: str) -> str:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute("SELECT status FROM outbox WHERE alert_id = ?",
                          (alert_id,)).fetchone()[0]
    finally:
        db.close()


def test_a_hostile_title_runs_nothing(page, served):
    _, base = served
    for path in ("/matches", "/matches?feed=en-wire", "/search?q=drone+factory",
                 "/rules?query=drone*"):
        page.goto(f"{base}{path}")
        page.wait_for_timeout(300)  # let anything that would run, run
        assert page.title().endswith("· monitor"), path  # the hostile code sets 'pwned'
        assert page.locator("img, svg[onload], a[href^='javascript:']").count() == 0, path
        scripts = page.eval_on_selector_all("script", "els => els.map(e => e.src)")
        assert scripts == [f"{base}/static/htmx.min.js?v=" + scripts[0].split("=")[-1]], path
    page.goto(f"{base}/matches?feed=en-wire")
    hostile = page.locator("li.match h2").first.inner_text()
    assert hostile == HOSTILE_TITLE.replace("@everyone", "@everyone")  # shown as text


def test_new_matches_appear_without_reloading(page, served):
    state, base = served
    page.goto(f"{base}/matches")
    before = page.locator("li.match").count()
    loads = []
    page.on("framenavigated", lambda frame: loads.append(frame.url))
    (state.root / "en-wire.xml").write_bytes(rss(EN_WIRE + [
        {"guid": "en-live", "title": "Live: drone factory fire in Yelabuga",
         "description": "A fire broke out at the drone factory.",
         "link": "https://en.example/live"}], title="en-wire", language="en"))
    assert run_cli("poll", cwd=state.root).code == 0  # a poll beside the web server
    page.wait_for_selector("li.match.fresh", timeout=20_000)
    assert page.locator("li.match").count() == before + 1
    assert page.locator("li.match").first.locator("h2").inner_text() == \
        "Live: drone factory fire in Yelabuga"
    assert loads == []
