"""One feed's flood of items must not become a flood of alerts, nor starve other feeds'
alerts on a shared channel (issue 11 #12: one feed of 260,000 tiny items queued 259,999 alerts,
~72 h of backlog ahead of every other alert). A real feed server → `monitor poll` → a real
webhook receiver. `bench/flood.py` runs the full-size case. Tests taking `any_state` run on a
SQLite state and on a PostgreSQL one (issue 13)."""

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from monitor.store import open_store
from support.cli import run_cli, write_config
from support.feed_server import rss

pytestmark = pytest.mark.integration



def flood_items(n):
    # Newest first, as feeds list them; item i was published i minutes before noon.
    noon = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
    return [{"guid": f"f{i}", "title": f"Drone sighting number {i}",
             "link": f"https://flood.example/{i}",
             "pubDate": format_datetime(noon - timedelta(minutes=i), usegmt=True)}
            for i in range(n)]


def configure(tmp_path, feed_server, receiver, *, flood, defaults, oldest_first=False,
              state=None):
    items = flood_items(flood)
    a = feed_server.set("/flood.xml", rss(items[::-1] if oldest_first else items))
    b = feed_server.set("/quiet.xml", rss([{"guid": "q1", "title": "Drone plant opens in Minsk",
                                            "link": "https://quiet.example/1"}]))
    write_config(tmp_path / "config.yaml",
                 [{"name": "flood", "url": a, "language": "en"},
                  {"name": "quiet", "url": b, "language": "en"}],
                 rules=[{"name": "drones", "query": "drone"}],
                 channels=[{"name": "hook", "type": "webhook", "url": receiver.url("/hook"),
                            "timeout": "3s"}], defaults=defaults,
                 **({"state": state} if state else {}))


def sent(receiver):
    return [r.json() for r in receiver.delivered()]


def test_a_flood_is_capped_per_check_and_summarised_per_rule(tmp_path, feed_server, receiver,
                                                             any_state):
    # Listed oldest first: "newest" is by date, not by place in the feed.
    configure(tmp_path, feed_server, receiver, flood=1000, oldest_first=True,
              defaults={"max_items_per_check": 50, "max_alerts_per_rule": 5}, state=any_state)
    first = run_cli("poll", cwd=tmp_path)
    assert first.code == 0, first.stderr
    assert "51 new items" in first.stdout
    assert "feed flood: 1,000 new items, more than max_items_per_check; the newest 50 were " \
        "taken, 950 wait for the next checks\n" in first.stdout
    # A dry run reads the feed as a first poll would: all 1000 new, the newest 50 taken.
    daemon_log = run_cli("poll", "--force", "--dry-run", "--log-level", "warning", cwd=tmp_path)
    [warning] = [line for line in daemon_log.stderr.splitlines() if "max_items_per_check" in line]
    assert "feed_name=flood" in warning and "left_for_later=950" in warning
    got = sent(receiver)
    kinds = [(d["type"], d["data"].get("feed")) for d in got]
    assert kinds.count(("alert.matched", "flood")) == 5
    assert kinds.count(("alert.matched", "quiet")) == 1
    [summary] = [d["data"] for d in got if d["type"] == "alert.more_matches"]
    assert summary["count"] == 45 and summary["feed"] == "flood" and summary["rule"] == "drones"
    # The newest five alerted; the summary lists the next ones, newest first, with links.
    alerted = sorted(d["data"]["link"] for d in got if d["data"].get("feed") == "flood"
                     and d["type"] == "alert.matched")
    assert alerted == sorted(f"https://flood.example/{i}" for i in range(5))
    assert [s["link"] for s in summary["sources"]] == \
        [f"https://flood.example/{i}" for i in range(5, 25)]

    # The 950 left out are not lost: the same body (no 304, no "unchanged" shortcut) gives
    # the next 50 newest to the next check.
    # (On a shared state a poll leases only due feeds: --force checks them again now.)
    shared = any_state.startswith("postgresql://")
    second = run_cli("poll", *(["--force"] if shared else []), cwd=tmp_path)
    assert "50 new items" in second.stdout, second.stdout
    with open_store(any_state, readonly=True) as store:
        links = {i.link for i in store.newest_items(1000) if i.feed == "flood"}
    assert links == {f"https://flood.example/{i}" for i in range(100)}


def test_a_floods_backlog_does_not_hold_another_feeds_alert_behind_it(tmp_path, feed_server,
                                                                      receiver, any_state):
    configure(tmp_path, feed_server, receiver, flood=300,
              defaults={"max_items_per_check": 1000, "max_alerts_per_rule": 1000},
              state=any_state)
    result = run_cli("poll", cwd=tmp_path)
    assert result.code == 0, result.stderr
    got = [d["data"]["feed"] for d in sent(receiver)]
    assert len(got) == 301
    # The flood was queued first; the quiet feed's alert still goes out second, not 301st.
    assert got.index("quiet") == 1
    flood = [d["data"]["link"] for d in sent(receiver) if d["data"]["feed"] == "flood"]
    assert flood == [f"https://flood.example/{i}" for i in range(300)]  # in feed order


def test_the_default_caps_hold_without_any_setting(tmp_path, feed_server, receiver):
    configure(tmp_path, feed_server, receiver, flood=260, defaults={})
    result = run_cli("poll", cwd=tmp_path)
    assert "201 new items" in result.stdout, result.stdout  # 200 of the flood + 1
    got = sent(receiver)
    assert [d["type"] for d in got].count("alert.matched") == 21  # 20 + quiet's
    [summary] = [d["data"] for d in got if d["type"] == "alert.more_matches"]
    assert summary["count"] == 180
