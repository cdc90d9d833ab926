"""`monitor matches` and `monitor search`: the web UI's pages for the terminal, over a real
polled state, through the real CLI."""

from __future__ import annotations

import json

import pytest

from support.cli import run_cli

pytestmark = pytest.mark.integration
POLL_ITEM_KEYS = {"id", "feed", "title", "summary", "link", "published", "language", "seen"}
POLL_MATCH_KEYS = {"rule", "item_id", "feed", "title", "link", "language", "matched_terms",
                   "seen", "story"}


def test_matches_json_is_shaped_like_poll_json(web_state):
    done = run_cli("matches", "--json", cwd=web_state.root)
    assert done.code == 0, done.stderr
    doc = json.loads(done.stdout)
    assert len(doc["matches"]) == 7 and len(doc["items"]) == 7
    for entry in doc["items"]:
        assert POLL_ITEM_KEYS <= set(entry) and entry["seen"] is True
    for entry in doc["matches"]:
        assert POLL_MATCH_KEYS <= set(entry)
        assert entry["matched_at"].endswith("Z") and entry["hits"]
    first = doc["matches"][0]
    assert first["feed"] == "en-wire" and first["title"].startswith("<img src=x")  # newest
    # Each match names its story, as `poll --json` does: en-1 is in ru-1's story (issue 15).
    story = {m["item_id"]: m["story"] for m in doc["matches"]}
    assert story["en-1"] == story["ru-1"] == story["copy-1"] != story["ru-3"]
    ru = next(i for i in doc["items"] if i["id"] == "ru-1")
    assert ru["translation"]["route"] == "argos:ru-en"
    # Every key `poll --json` gives for the same feeds (a dry run: it writes nothing).
    polled = run_cli("poll", "--json", "--dry-run", cwd=web_state.root)
    assert polled.code == 0, polled.stderr
    poll_doc = polled.json()
    assert set(poll_doc["items"][0]) == POLL_ITEM_KEYS
    assert set(poll_doc["matches"][0]) == POLL_MATCH_KEYS


@pytest.mark.parametrize("args, expected", [
    (("--rule", "weather"), ["ru-3"]),
    (("--feed", "be-svaboda"), ["be-1"]),
    (("--language", "en", "--limit", "1"), ["en-hostile"]),
    (("--since", "1h"), "all"),
    (("--rule", "drone-production", "--language", "ru"), ["copy-1", "ru-2", "ru-1"]),
])
def test_matches_filters(web_state, args, expected):
    done = run_cli("matches", *args, "--json", cwd=web_state.root)
    assert done.code == 0, done.stderr
    ids = [m["item_id"] for m in done.json()["matches"]]
    assert len(ids) == 7 if expected == "all" else ids == expected


def test_matches_text_and_bad_options(web_state):
    done = run_cli("matches", "--rule", "weather", cwd=web_state.root)
    assert done.code == 0
    assert done.stdout.splitlines()[0].endswith("weather  ru-news  ru  Погода в Москве")
    assert done.stdout.splitlines()[-1] == "1 match"
    bad = run_cli("matches", "--since", "5", cwd=web_state.root)
    assert bad.code == 2 and bad.stderr.startswith("monitor: error: --since 5: 5 has no unit")
    gone = run_cli("matches", "--rule", "old-rule", cwd=web_state.root)
    assert gone.code == 0 and "--rule old-rule: not in the config" in gone.stderr
    assert gone.stdout.strip() == "0 matches"


def test_search_finds_inflected_forms_and_prints_json(fresh_state):
    done = run_cli("search", "беспилотники", "--json", cwd=fresh_state.root)
    assert done.code == 0, done.stderr
    doc = done.json()
    assert doc["query"] == "беспилотники"
    assert {i["id"] for i in doc["items"]} == {"ru-1", "ru-2", "copy-1"}
    for entry in doc["matches"]:
        assert POLL_MATCH_KEYS <= set(entry) and entry["rule"] is None
        assert entry["matched_terms"] == ["беспилотники"]
        (hit,) = [h for h in entry["hits"] if h["field"] == "summary"]
        item = next(i for i in doc["items"] if i["id"] == entry["item_id"])
        assert item["summary"][hit["start"]:hit["end"]] in ("беспилотников", "беспилотника")
    text = run_cli("search", "drone* NEAR/5 factory", cwd=fresh_state.root)
    assert text.code == 0 and "⟦drone⟧ ⟦factory⟧" in text.stdout
    assert text.stdout.splitlines()[-1].startswith("2 results; 2 candidates checked")


def test_search_takes_the_new_items_into_the_index_first(fresh_state):
    import sqlite3

    def queued():
        db = sqlite3.connect(fresh_state.state)
        try:
            return db.execute("SELECT count(*) FROM search_queue").fetchone()[0]
        finally:
            db.close()
    assert queued() == 7
    assert run_cli("search", "погода", cwd=fresh_state.root).code == 0
    assert queued() == 0


def test_a_query_that_does_not_parse(web_state):
    bad = run_cli("search", "завод NEAR/ дрон", cwd=web_state.root)
    assert bad.code == 2
    assert bad.stderr.splitlines()[0].startswith("monitor: error: query: column 7: ")
    assert "Traceback" not in bad.stderr


def test_the_last_line_says_there_are_more_only_when_there_are(fresh_state):
    """Found as an operator: `matches --limit 3` over exactly three matches, and `search`
    over exactly --limit results, ended '(the newest; --limit for more)', and a larger
    --limit brought nothing more."""
    every = run_cli("matches", "--limit", "7", cwd=fresh_state.root)
    assert every.code == 0 and every.stdout.splitlines()[-1] == "7 matches"
    fewer = run_cli("matches", "--limit", "6", cwd=fresh_state.root)
    assert fewer.stdout.splitlines()[-1] == "6 matches (the newest; --limit for more)"
    found = run_cli("search", "беспилотники", "--limit", "3", cwd=fresh_state.root)
    assert found.code == 0 and found.stdout.splitlines()[-1].startswith("3 results; ")
    cut = run_cli("search", "беспилотники", "--limit", "2", cwd=fresh_state.root)
    assert cut.stdout.splitlines()[-1].startswith("2 results (the newest; --limit for more); ")


def test_one_checks_matches_are_listed_newest_first(feed_server, tmp_path):
    """A feed lists its items newest first; `matches` ("newest first") listed one poll's
    matches of it oldest first, the order they were recorded in (found as an operator)."""
    from support.cli import write_config
    from support.feed_server import rss

    dates = ["Sun, 06 Dec 2026 12:00:00 GMT", "Sun, 06 Dec 2026 10:00:00 GMT",
             "Sun, 06 Dec 2026 08:00:00 GMT"]
    body = rss([{"guid": f"g{n}", "title": f"Drone report number {n} of the day",
                 "link": f"https://example.org/{n}", "pubDate": date}
                for n, date in enumerate(dates)])  # newest first, as feeds list them
    write_config(tmp_path / "config.yaml", [{"name": "wire", "url": feed_server.set("/f", body)}],
                 rules=[{"name": "drones", "query": {"en": "drone"}}])
    assert run_cli("poll", "--quiet", cwd=tmp_path).code == 0
    done = run_cli("matches", "--json", cwd=tmp_path)
    assert done.code == 0, done.stderr
    assert [m["item_id"] for m in done.json()["matches"]] == ["g0", "g1", "g2"]
