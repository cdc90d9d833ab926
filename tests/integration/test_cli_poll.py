"""`monitor poll` / `check` / `status` as a user runs them, against a real local feed server.
Tests taking `any_state` run on a SQLite state and on a PostgreSQL one (issue 13)."""

import sqlite3

import pytest

from monitor.store import open_store
from support.cli import run_cli, write_config
from support.feed_server import rss

pytestmark = pytest.mark.integration


def again(state: str) -> tuple[str, ...]:
    """The options of a poll that checks the feeds again at once: on a shared state a poll
    leases only the feeds due (checked longer than their interval ago), so --force; on
    SQLite a poll checks every feed not backing off."""
    return ("--force",) if state.startswith("postgresql://") else ()

REAL = ["be/belsat_2026_prospect.xml", "ru/newsru-com_2006_windows-1251.xml",
        "ru/kapranoff-ru_2005_koi8-r_rdf.xml", "en/talkingpointsmemo_2017_atom.xml",
        "en/slashdot_2024_rdf_iso-8859-1.xml", "en/theguardian-world_2022.xml",
        "mixed/bbc-ukrainian_2016.xml"]
REAL_ITEMS = 15 + 30 + 15 + 20 + 15 + 54 + 20


def serve_real(feed_server, data_dir):
    feeds = []
    for path in REAL:
        content_type = "application/rss+xml"  # no charset: the XML declaration must win
        url = feed_server.set("/" + path, (data_dir / "feeds" / path).read_bytes(),
                              content_type=content_type)
        feeds.append({"name": path.split("/")[1].split("_")[0], "url": url})
    return feeds


def test_poll_first_finds_everything_second_is_all_304_restart_finds_nothing(
        feed_server, data_dir, tmp_path):
    feeds = serve_real(feed_server, data_dir)
    write_config(tmp_path / "config.yaml", feeds,
                 rules=[{"name": "minsk", "query": "Минск"}])
    first = run_cli("poll", "--json", cwd=tmp_path)
    assert first.code == 0, first.stderr
    doc = first.json()
    assert [f["status"] for f in doc["feeds"]] == ["ok"] * len(REAL)
    assert sum(f["new_items"] for f in doc["feeds"]) == REAL_ITEMS == len(doc["items"])
    assert {f["http_status"] for f in doc["feeds"]} == {200}

    second = run_cli("poll", "--json", cwd=tmp_path)
    doc2 = second.json()
    assert [f["status"] for f in doc2["feeds"]] == ["not_modified"] * len(REAL)
    assert {f["http_status"] for f in doc2["feeds"]} == {304}
    assert doc2["items"] == [] and doc2["matches"] == []
    statuses = [r.status for r in feed_server.requests]
    assert statuses.count(304) == len(REAL)

    # A restart against servers that ignore validators: same bytes, nothing is new.
    feed_server.routes = {p: r for p, r in feed_server.routes.items()}
    for route in feed_server.routes.values():
        route.etag = False
    third = run_cli("poll", "--json", cwd=tmp_path).json()
    assert {f["status"] for f in third["feeds"]} == {"unchanged"}
    assert third["items"] == []


def test_poll_json_schema_and_windows_1251_cyrillic(feed_server, data_dir, tmp_path):
    url = feed_server.set("/cp1251.xml",
                          (data_dir / "feeds/ru/newsru-com_2006_windows-1251.xml").read_bytes())
    write_config(tmp_path / "config.yaml", [{"name": "newsru", "url": url, "language": "ru"}],
                 rules=[{"name": "ministry", "query": {"ru": "Минюста"}}])
    doc = run_cli("poll", "--json", cwd=tmp_path).json()
    assert set(doc) == {"feeds", "items", "matches", "stories", "alerts"}
    assert set(doc["alerts"]) == {"sent", "waiting", "dead", "channel_errors"}
    assert set(doc["feeds"][0]) == {"name", "url", "status", "http_status", "new_items", "error",
                                    "error_kind", "left_out"}
    item = doc["items"][0]
    assert set(item) == {"id", "feed", "title", "summary", "link", "published", "language",
                         "seen"}
    assert item["seen"] is False  # a real poll lists new items only; a dry run marks them
    assert item["title"] == "В Турции психически нездоровый мужчина взорвал хлопушку в здании " \
                            "Минюста"
    assert item["language"] == "ru"
    assert item["id"].startswith("http://www.newsru.com/")  # the feed's own guid
    assert item["published"].endswith("Z")
    match = doc["matches"][0]
    assert set(match) == {"rule", "item_id", "feed", "title", "link", "language", "matched_terms",
                          "seen", "story"}
    assert match["rule"] == "ministry" and match["item_id"] == item["id"]
    # Every match has a story (issue 15), and the story lists its sources with their links.
    story = doc["stories"][match["story"]]
    assert set(story) == {"title", "languages", "sources"}
    assert match["link"] in [s["link"] for s in story["sources"]] and "ru" in story["languages"]
    assert match["matched_terms"] == ["Минюста"]  # the query term as the rule writes it


def test_poll_a_feed_that_gains_two_items_yields_exactly_two(feed_server, tmp_path, any_state):
    items = [{"guid": f"g{i}", "title": f"Item number {i}", "link": f"https://e.org/{i}",
              "description": "text"} for i in range(5)]
    url = feed_server.set("/f.xml", rss(items))
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": url}],
                 rules=[{"name": "new", "query": "fresh"}], state=any_state)
    assert len(run_cli("poll", "--json", cwd=tmp_path).json()["items"]) == 5
    # Two new items, and the feed re-orders the old ones (publishers do).
    new = [{"guid": "g5", "title": "Fresh item five", "link": "https://e.org/5",
            "description": "x"},
           {"guid": "g6", "title": "Item six", "link": "https://e.org/6", "description": "fresh"}]
    feed_server.update("/f.xml", rss(new + items[::-1]))
    doc = run_cli("poll", "--json", *again(any_state), cwd=tmp_path).json()
    assert sorted(i["id"] for i in doc["items"]) == ["g5", "g6"]
    assert doc["feeds"][0]["new_items"] == 2
    assert sorted(m["item_id"] for m in doc["matches"]) == ["g5", "g6"]
    third = run_cli("poll", "--json", *again(any_state), cwd=tmp_path).json()
    assert third["feeds"][0]["status"] in ("not_modified", "unchanged") and third["items"] == []
    assert len(feed_server.requests_to("/f.xml")) == 3
    with open_store(any_state, readonly=True) as store:
        assert store.item_count("f") == 7
        assert store.outbox_counts().get("sent") == 2  # each match alerted once


def test_poll_reports_a_broken_feed_and_processes_the_others(feed_server, data_dir, tmp_path,
                                                              any_state):
    good = feed_server.set("/good.xml", (data_dir / "feeds/en/bbc-news-home_2023.xml").read_bytes())
    html = feed_server.set("/page.html", "<!DOCTYPE html><html><body>Hi</body></html>",
                           content_type="text/html; charset=utf-8")
    err = feed_server.set("/500.xml", "oops", status=500, etag=False)
    write_config(tmp_path / "config.yaml", [
        {"name": "good", "url": good}, {"name": "html", "url": html},
        {"name": "err", "url": err}, {"name": "missing", "url": feed_server.url("/nope.xml")}],
        state=any_state)
    result = run_cli("poll", cwd=tmp_path)
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "parse html: not a feed (got an HTML page, text/html)" in lines
    assert "fetch err: HTTP 500 Internal Server Error" in lines
    assert "fetch missing: HTTP 404 Not Found" in lines
    assert lines[-1].startswith("4 feeds (3 failed, 1 ok); 69 new items; 0 matches")
    status = run_cli("status", "--json", cwd=tmp_path).json()
    by_name = {f["name"]: f for f in status["feeds"]}
    assert by_name["good"]["items"] == 69 and by_name["good"]["errors"] == 0
    assert by_name["err"]["errors"] == 1
    assert by_name["err"]["last_error"] == "fetch err: HTTP 500 Internal Server Error"
    table = run_cli("status", cwd=tmp_path).stdout
    assert "fetch missing: HTTP 404 Not Found" in table


def test_poll_honours_retry_after_and_backs_off(feed_server, tmp_path):
    url = feed_server.set("/busy.xml", "busy", status=429, etag=False,
                          headers={"Retry-After": "3600"})
    write_config(tmp_path / "config.yaml", [{"name": "busy", "url": url}])
    first = run_cli("poll", "--json", cwd=tmp_path).json()
    assert first["feeds"][0]["status"] == "error"
    assert "retry after 3600s" in first["feeds"][0]["error"]
    second = run_cli("poll", "--json", cwd=tmp_path).json()
    assert second["feeds"][0]["status"] == "skipped"
    assert len(feed_server.requests_to("/busy.xml")) == 1  # the server was left alone
    forced = run_cli("poll", "--json", "--force", cwd=tmp_path).json()
    assert forced["feeds"][0]["status"] == "error"
    db = sqlite3.connect(tmp_path / "monitor.db")
    assert db.execute("SELECT consecutive_failures FROM feeds").fetchone()[0] == 2


def test_poll_follows_a_permanent_redirect_and_remembers_it(feed_server, tmp_path):
    body = rss([{"guid": "1", "title": "Moved feed item"}])
    new = feed_server.set("/new.xml", body)
    old = feed_server.set("/old.xml", status=301, redirect_to=new)
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": old}])
    doc = run_cli("poll", "--json", cwd=tmp_path).json()
    assert doc["feeds"][0]["url"] == new and len(doc["items"]) == 1
    run_cli("poll", cwd=tmp_path)
    assert len(feed_server.requests_to("/old.xml")) == 1
    assert len(feed_server.requests_to("/new.xml")) == 2


def test_poll_dry_run_changes_nothing(feed_server, tmp_path):
    url = feed_server.set("/f.xml", rss([{"guid": "1", "title": "Дроны над Минском"}]))
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": url}],
                 rules=[{"name": "r", "query": "Минском"}])
    dry = run_cli("poll", "--dry-run", cwd=tmp_path)
    assert dry.code == 0
    assert "1 alert not sent (dry run: nothing recorded)" in dry.stdout
    assert "[r] Дроны над Минском" not in dry.stdout  # listed, but not delivered
    real = run_cli("poll", cwd=tmp_path)
    assert "[r] Дроны над Минском" in real.stdout
    assert "alerts: 1 sent" in real.stdout


def test_the_same_story_from_two_feeds_alerts_once_then_follows_up(feed_server, tmp_path,
                                                                   any_state):
    story = {"title": "Завод в Минске начал выпускать беспилотники",
             "link": "https://news.example.by/2026/11/zavod?utm_source=rss"}
    a = feed_server.set("/a.xml", rss([{"guid": "a1", **story}]))
    b = feed_server.set("/b.xml", rss([{"guid": "b7", "title": story["title"],
                                        "link": "https://www.news.example.by/2026/11/zavod"}]))
    write_config(tmp_path / "config.yaml", [{"name": "a", "url": a}, {"name": "b", "url": b}],
                 rules=[{"name": "r", "query": "завод"}], state=any_state)
    doc = run_cli("poll", "--json", cwd=tmp_path).json()
    assert len(doc["items"]) == 2
    assert [m["feed"] for m in doc["matches"]] == ["a", "b"]
    with open_store(any_state, readonly=True) as store:
        # One alert, and one follow-up naming the second source (issue 11 #7: a copy never
        # hides another source).
        rows = store.outbox_rows(statuses=("pending", "sent", "dead"))
        assert [r.kind for r in sorted(rows, key=lambda r: r.id)] == ["match", "follow_up"]
        copies = [i for i in store.newest_items(10) if i.duplicate_of is not None]
        assert len(copies) == 1


def test_check_exits_0_or_2_with_every_error(tmp_path):
    write_config(tmp_path / "config.yaml", [{"name": "a", "url": "https://x.org/f"}])
    ok = run_cli("check", cwd=tmp_path)
    assert ok.code == 0 and "ok (1 feed, 0 rules, 1 channel)" in ok.stdout
    (tmp_path / "bad.yaml").write_text(
        "feeds:\n  - name: a\n    url: ftp://x\n    intreval: 5m\n", encoding="utf-8")
    bad = run_cli("check", "--config", "bad.yaml", cwd=tmp_path)
    assert bad.code == 2
    assert bad.stderr.splitlines() == [
        "monitor: error: bad.yaml:3: feeds[0].url: must be an http(s) URL or a file path, "
        "got 'ftp://x'",
        "monitor: error: bad.yaml:4: feeds[0].intreval: unknown key 'intreval' "
        "(did you mean 'interval'?)"]
    assert run_cli("poll", "--config", "bad.yaml", cwd=tmp_path).code == 2


def test_cli_usage_errors_and_version(tmp_path):
    assert run_cli("--version", cwd=tmp_path).stdout.startswith("monitor ")
    assert run_cli("frobnicate", cwd=tmp_path).code == 2
    missing = run_cli("poll", cwd=tmp_path)
    assert missing.code == 2
    assert missing.stderr.startswith("monitor: error: config.yaml: no such file")
    assert "hint:" in missing.stderr
    assert run_cli("--help", cwd=tmp_path).code == 0


def test_secrets_from_the_environment_never_reach_the_output(feed_server, tmp_path):
    url = feed_server.set("/f.xml", "down", status=500, etag=False)
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": url + "?key=${FEED_KEY}"}])
    result = run_cli("poll", "--log-level", "debug", cwd=tmp_path,
                     env={"FEED_KEY": "sekrit-value-123"})
    assert result.code == 0
    assert "sekrit-value-123" not in result.stdout + result.stderr
    assert "Feed check failed" in result.stderr
