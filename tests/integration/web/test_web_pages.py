"""The web UI's pages over a real polled state (Starlette's TestClient, real SQLite file)."""

from __future__ import annotations

import re
import sqlite3

import pytest
from starlette.testclient import TestClient

from monitor.config import load_config
from monitor.web import WebSettings
from monitor.web.server import build_app
from support.cli import run_cli
from support.feed_server import rss
from support.web_state import EN_WIRE, RU_NEWS

pytestmark = pytest.mark.integration


def client_for(state) -> TestClient:
    config = load_config(state.config)
    # https: the session cookie is Secure, and the test client's cookie jar (like a browser
    # on any host but 127.0.0.1 and localhost) sends it over https only.
    return TestClient(build_app(lambda: config, WebSettings()), base_url="https://127.0.0.1:8080")


@pytest.fixture
def client(web_state):
    with client_for(web_state) as c:
        yield c


@pytest.fixture
def fresh_client(fresh_state):
    with client_for(fresh_state) as c:
        yield c


def main_of(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def test_matches_page_lists_newest_first_with_hits_translation_and_route(client):
    page = client.get("/matches")
    assert page.status_code == 200
    main = main_of(page.text)
    titles = re.findall(r'<h2 lang="\w+"><a href="/items/\w+">(.*?)</a></h2>', main)
    # Newest recorded first: the poll recorded the feeds in config order (ru, ru copy, be, en).
    assert titles[0].startswith("&lt;img src=x onerror=") and len(titles) == 7
    assert "В Елабуге расширяют <mark>завод</mark> <mark>беспилотников</mark>" in main
    # The Russian item's translation (a tiny real Argos model) and its route.
    assert "В Елабуге расширяют factory беспилотников" in main
    assert "translated ru → en by <code>argos:ru-en</code>" in main
    # Belarusian has no route: the alert's note says why.
    assert "translation unavailable" in main


@pytest.mark.parametrize("query, expected", [
    ("rule=weather", {"Погода в Москве"}),
    ("language=be", {"Беспілотнікі збіраюць на заводзе пад Мінскам"}),
    ("feed=ru-copy", {"В Елабуге расширяют завод беспилотников"}),
    ("rule=drone-production&language=en", {"Russia expands drone factory in Alabuga",
                                            "HOSTILE"}),
    ("rule=no-such-rule", set()),
    ("since=1h", "all"), ("from=2000-01-01&to=2000-01-02", set()),
])
def test_matches_filters(client, query, expected):
    main = main_of(client.get(f"/matches?{query}").text)
    listed = [re.sub(r"</?mark>", "", t) for t in
              re.findall(r'<h2 lang="\w+"><a href="/items/\w+">(.*?)</a></h2>', main)]
    titles = {"HOSTILE" if t.startswith("&lt;img") else t for t in listed}
    if expected == "all":
        assert len(listed) == 7
    else:
        assert titles == expected
        if not expected:
            assert "No matches with these filters yet." in main


def test_a_bad_date_filter_says_so_and_lists_everything(client):
    main = main_of(client.get("/matches?from=2026-13-01").text)
    assert "from: &#39;2026-13-01&#39; is not a date (YYYY-MM-DD)" in main
    assert main.count('<li class="match') == 7


def test_live_update_brings_only_matches_newer_than_the_cursor(fresh_client, fresh_state):
    client, web_state = fresh_client, fresh_state
    main = main_of(client.get("/matches").text)
    live = re.search(r'hx-get="(/matches/new\?[^"]+)"', main).group(1).replace("&amp;", "&")
    assert client.get(live).status_code == 204  # nothing new: htmx leaves the page alone
    # A new matching item arrives through a real poll.
    (web_state.root / "en-wire.xml").write_bytes(rss(EN_WIRE + [
        {"guid": "en-new", "title": "New drone factory opens near Minsk",
         "description": "The drone factory opened today.", "link": "https://en.example/new"}],
        title="en-wire", language="en"))
    assert run_cli("poll", cwd=web_state.root).code == 0
    fresh = client.get(live)
    assert fresh.status_code == 200
    assert 'hx-swap-oob="afterbegin:#match-list"' in fresh.text
    assert fresh.text.count('<li class="match fresh"') == 1
    assert "New <mark>drone</mark> <mark>factory</mark> opens near Minsk" in fresh.text
    # The next poller asks for what comes after this one only.
    nxt = re.search(r'hx-get="(/matches/new\?[^"]+)"', fresh.text).group(1).replace("&amp;", "&")
    assert client.get(nxt).status_code == 204
    # A filter that excludes it: nothing new for a Russian-only page.
    assert client.get(live + "&language=ru").status_code == 204


def test_item_page_shows_original_translation_route_rules_and_other_sources(client):
    main = main_of(client.get("/matches?feed=ru-copy").text)
    key = re.search(r'href="/items/(\w+)"', main).group(1)
    page = client.get(f"/items/{key}")
    assert page.status_code == 200
    item = main_of(page.text)
    assert "Перепечатка: <mark>завод</mark> <mark>беспилотников</mark> в Елабуге расширяется." \
        in item
    assert "Route: ru → en by <code>argos:ru-en</code>" in item
    assert '<a href="/matches?rule=drone-production">drone-production</a>' in item
    # Its first copy, in the other feed, with its own link and page.
    assert '<span class="feed">ru-news</span>' in item and "first copy" in item
    assert client.get("/items/no-such-key").status_code == 404


def test_the_item_and_matches_pages_show_the_story_across_languages(client):
    # en-1 (Alabuga) and ru-1 (Елабуга, and its copy in ru-copy) report one event: one story.
    main = main_of(client.get("/matches?feed=en-wire").text)
    [match] = [m for m in main.split('<li class="match')[1:] if "in Alabuga</a>" in m]
    assert "Story: 2 other reports · en ru" in match
    assert 'href="https://ru.example/news/1?utm_source=rss"' in match  # each its own link
    assert 'href="https://ru.example/news/1"' in match
    key = re.search(r'href="/items/(\w+)"', match).group(1)
    item = main_of(client.get(f"/items/{key}").text)
    assert "the other reports of the same event, in any language" in item
    assert re.search(r"story <code>s[0-9a-f]{16}</code>, en ru\)", item)
    assert '<span class="feed">ru-news</span> <span class="lang">ru</span>' in item
    assert '<span class="feed">ru-copy</span> <span class="lang">ru</span>' in item
    # An item whose event no other report carries shows no story list.
    weather = main_of(client.get("/matches?rule=weather").text)
    assert "Story:" not in weather


@pytest.mark.parametrize("query, titles", [
    # One form finds every inflected form (беспилотников, беспилотника) — Russian items only:
    # Belarusian stems differ (беспілотнік), as a rule's would.
    ("беспилотники", {"В Елабуге расширяют завод беспилотников",
                      "Минобороны получило партию беспилотника «Герань»"}),
    ("беспілотнікі", {"Беспілотнікі збіраюць на заводзе пад Мінскам"}),
    ("drone* NEAR/5 factory", {"Russia expands drone factory in Alabuga", "HOSTILE"}),
    ('title:погода OR "satellite images"', {"Погода в Москве",
                                            "Russia expands drone factory in Alabuga"}),
    # завод finds Belarusian заводзе too: each item is read with its own language's stems.
    ("завод -Татарстане", {"В Елабуге расширяют завод беспилотников",
                           "Беспілотнікі збіраюць на заводзе пад Мінскам"}),
])
def test_search_uses_the_rule_language_with_inflection(client, query, titles):
    page = client.get("/search", params={"q": query})
    assert page.status_code == 200
    main = main_of(page.text)
    found = {"HOSTILE" if t.startswith("&lt;img") else re.sub(r"</?mark>", "", t)
             for t in re.findall(r'<h2 lang="\w+"><a href="/items/\w+">(.*?)</a></h2>', main)}
    # The copy of ru-1 (another feed) is found too: search lists items, not stories.
    assert found - {"В Елабуге расширяют завод беспилотников"} == \
        titles - {"В Елабуге расширяют завод беспилотников"}


def test_search_finds_the_same_before_and_after_indexing(fresh_client, fresh_state):
    client, web_state = fresh_client, fresh_state
    def found():
        main = main_of(client.get("/search", params={"q": "беспилотник"}).text)
        return sorted(re.findall(r'href="/items/(\w+)"', main)), main
    before, main = found()
    assert "not indexed yet, read directly" in main
    from monitor.store import open_store as connect
    with connect(web_state.state) as store:
        while store.index_pending():
            pass
        assert store.unindexed_count() == 0
    after, main = found()
    assert "not indexed yet" not in main
    assert before == after and len(after) == 3


def test_a_query_that_does_not_parse_says_where(client):
    page = client.get("/search", params={"q": "(завод OR дрон"})
    assert page.status_code == 400
    assert "column 1: &#39;(&#39; is never closed" in page.text


def test_feeds_page_puts_failing_feeds_first(client):
    main = main_of(client.get("/feeds").text)
    rows = re.findall(r"<tr class=\"(\w+)\">\s*<td><strong>(.*?)</strong>", main)
    assert rows[0] == ("failing", "broken")
    assert {name for _, name in rows[1:]} == {"ru-news", "ru-copy", "be-svaboda", "en-wire"}
    assert "<code>file</code>" in main or "no such file" in main.lower()
    # Each row: last success, errors in a row, next check (in the future: within the feed's
    # 15 minutes, or its backoff), items per day over the last 7 days and items in all.
    cells = {name: re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for name, row in
             re.findall(r"<strong>([\w-]+)</strong>(.*?)</tr>", main, re.S)}
    assert cells["ru-news"][-2:] == ["0.4", "3"] and cells["en-wire"][-2:] == ["0.3", "2"]
    assert cells["broken"][-2:] == ["0.0", "0"] and cells["broken"][2] == "1"
    for name, row in cells.items():
        assert re.search(r'<time datetime="[^"]+"[^>]*>.*<span class="ago">in \d+ min</span>',
                         row[-3], re.S), (name, row[-3])
    assert "never" in cells["broken"][1] and "ago</span>" in cells["ru-news"][1]


def test_rules_page_counts_hits_per_day(client):
    main = main_of(client.get("/rules").text)
    assert re.search(r'<strong>drone-production</strong>.*?<td class="num">(\d+)</td>', main,
                     re.S).group(1) in ("6", "7")
    assert "<title>" in main and "hits per day" in main


def test_rule_preview_matches_the_newest_items_and_writes_nothing(client, web_state):
    before = (web_state.state.read_bytes(), counts(web_state.state))
    frag = client.get("/rules/preview", params={"query": "беспилотник NEAR/3 завод",
                                                "language": "ru", "name": "my drones"})
    assert frag.status_code == 200
    assert "<main" not in frag.text  # a fragment for htmx to swap in
    assert "Партию <mark>беспилотника</mark> передали с <mark>завода</mark>" in frag.text
    assert "Беспілотнікі" not in frag.text  # language=ru: a Russian-only query
    assert "беспилотник          word    stem" in frag.text  # rules explain
    assert "rules:\n  - name: my drones\n    query:\n      ru: беспилотник NEAR/3 завод" \
        in frag.text
    assert (web_state.state.read_bytes(), counts(web_state.state)) == before


def test_rule_preview_of_a_broken_query_says_where(client):
    frag = client.get("/rules/preview", params={"query": "завод NEAR/x дрон"})
    assert 'class="problem"' in frag.text
    assert "column 12: NEAR distance must be a whole number of words" in frag.text


def test_rules_page_renders_the_preview_without_javascript(client):
    page = client.get("/rules", params={"query": "weather"})
    assert '<section id="preview"' in page.text
    assert "Matches 0 of the newest" in page.text or "Matches 1 of the newest" in page.text


def counts(state) -> tuple:
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        return tuple(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("items", "matches", "outbox"))
    finally:
        db.close()


def test_outbox_lists_dead_and_pending_with_the_last_error(client):
    main = main_of(client.get("/outbox").text)
    assert "answered HTTP 400: no such hook" in main
    assert "answered HTTP 503: maintenance" in main
    # Five alerts went dead: en-1 (Alabuga) is in ru-1's story (Елабуга), so it and ru-1's
    # copy are one follow-up to ru-1's alert, not an alert of their own (issue 15).
    assert main.count("<button type=\"submit\">Retry</button>") >= 5


def test_retry_one_then_all(fresh_client, fresh_state):
    client, web_state = fresh_client, fresh_state
    page = client.get("/outbox")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    alert_id = re.search(r'name="alert_id" value="(al_\w+)"', page.text).group(1)
    done = client.post("/outbox/retry", data={"csrf": csrf, "alert_id": alert_id},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/outbox?retried=1"
    assert status_of(web_state.state, alert_id) == "pending"
    page = client.get("/outbox?retried=1")
    assert "1 alert back in the queue" in page.text
    assert f'value="{alert_id}"' not in page.text  # no longer among the dead
    dead = page.text.count('name="alert_id"')
    done = client.post("/outbox/retry", data={"csrf": csrf, "all": "1"})
    assert f"{dead} alerts back in the queue" in done.text
    assert "No dead alerts." in done.text


def status_of(state, alert_id: str) -> str:
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        return db.execute("SELECT status FROM outbox WHERE alert_id = ?",
                          (alert_id,)).fetchone()[0]
    finally:
        db.close()


def test_feed_text_is_escaped_everywhere(client):
    for path in ("/matches", "/search?q=drone", "/rules?query=drone*",
                 "/matches?feed=en-wire"):
        html = client.get(path).text
        assert "<img src=x" not in html and "<script>document" not in html, path
        assert "<svg onload" not in html and 'href="javascript:' not in html, path
        assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in html or \
            path.startswith("/rules"), path
