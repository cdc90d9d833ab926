"""A large poll runs in worker processes and commits in chunks; it must record exactly what a
poll in one process records, against a real feed server on 127.0.0.1."""

import asyncio
import io
import sqlite3

import pytest
import yaml

import monitor.pipeline as pipeline
from monitor.config import parse_config
from monitor.pipeline import poll
from monitor.runtime import Runtime
from support.cli import run_cli, write_config
from support.feed_server import rss

pytestmark = pytest.mark.integration

FEEDS = 70  # above pipeline.WORKERS_FROM_FEEDS
STORY = {"title": "Завод в Минске начал выпускать беспилотники",
         "link": "https://news.example.by/2026/11/zavod", "pubDate": "Wed, 25 Nov 2026 09:00:00 GMT"}


def serve(feed_server, updated=()):
    feeds = []
    for n in range(FEEDS):
        items = [{"guid": f"{n}-{k}", "title": f"Новость {k} ленты {n}: дроны над Гродно",
                  "description": f"<p>Текст {k}</p>", "pubDate": "Wed, 25 Nov 2026 10:00:00 GMT"}
                 for k in range(5 + (n in updated))]
        if n in (3, 40):  # the same story from two feeds
            items.append({"guid": f"story-{n}", **STORY})
        path = f"/f{n}.xml"
        if path in feed_server.routes and n in updated:
            feed_server.update(path, rss(items))
        elif path not in feed_server.routes:
            feed_server.set(path, rss(items))
        feeds.append({"name": f"f{n}", "url": feed_server.url(path)})
    feeds.append({"name": "html", "url": feed_server.set("/html", "<!doctype html><p>no</p>",
                                                         content_type="text/html")})
    feeds.append({"name": "gone", "url": feed_server.url("/missing")})
    return feeds


def config_text(feeds):
    return yaml.safe_dump({"feeds": feeds,
                           "rules": [{"name": "drones", "query": {"ru": "беспилотник"}}],
                           "channels": [{"name": "out", "type": "console"}]},
                          allow_unicode=True)


def run_poll(tmp_path, name, feeds, *, workers: bool):
    config = parse_config(config_text(feeds), state_override=tmp_path / f"{name}.db")

    async def go():
        async with Runtime(config, stdout=io.StringIO()) as deps:
            return await poll(config.feeds, deps, keep_items=False)

    saved = pipeline.WORKERS_FROM_FEEDS
    pipeline.WORKERS_FROM_FEEDS = 1 if workers else 10**9
    try:
        return asyncio.run(go())
    finally:
        pipeline.WORKERS_FROM_FEEDS = saved


def recorded(path):
    db = sqlite3.connect(path)
    try:
        # story_id too: the workers sign the matched items, the commit places them
        items = set(db.execute("SELECT feed, item_id, title, link, canonical_link, title_key, "
                               "published_at, language, story_id FROM items"))
        duplicates = db.execute("SELECT count(*) FROM items WHERE duplicate_of IS NOT NULL"
                                ).fetchone()[0]
        feeds = set(db.execute("SELECT name, etag, body_hash, consecutive_failures, "
                               "last_error_kind, items_total FROM feeds"))
        outbox = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
        return items, duplicates, feeds, outbox
    finally:
        db.close()


def test_a_poll_in_workers_records_what_a_poll_in_one_process_records(
        feed_server, tmp_path, monkeypatch):
    feeds = serve(feed_server)
    monkeypatch.setattr(pipeline, "CHUNK_FEEDS", 9)  # several chunks, several transactions
    reports = {name: run_poll(tmp_path, name, feeds, workers=name == "workers")
               for name in ("workers", "single")}
    for report in reports.values():
        assert report.feed_counts == {"error": 2, "ok": FEEDS}
        assert sorted(o.name for o in report.feeds) == ["gone", "html"]  # failures are kept
        assert report.item_count == FEEDS * 5 + 2 and report.items == []
    assert recorded(tmp_path / "workers.db") == recorded(tmp_path / "single.db")
    items, duplicates, _, outbox = recorded(tmp_path / "workers.db")
    # The story two feeds carry: one alert and one follow-up naming the second feed.
    assert len(items) == FEEDS * 5 + 2 and duplicates == 1 and outbox == 2

    # Second poll: 6 feeds gained an item, the rest answer 304; only the new items are new.
    serve(feed_server, updated={0, 1, 2, 33, 34, 69})
    second = {name: run_poll(tmp_path, name, feeds, workers=name == "workers")
              for name in ("workers", "single")}
    for report in second.values():
        assert report.item_count == 6
        assert report.feed_counts == {"not_modified": FEEDS - 6, "ok": 6, "skipped": 2}
    assert recorded(tmp_path / "workers.db") == recorded(tmp_path / "single.db")


def test_monitor_poll_uses_worker_processes_for_a_large_poll(feed_server, tmp_path):
    write_config(tmp_path / "config.yaml", serve(feed_server),
                 rules=[{"name": "drones", "query": {"ru": "беспилотник"}}])
    run = run_cli("poll", "--log-level", "info", cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert "Poll runs in worker processes" in run.stderr
    assert f"{FEEDS + 2} feeds (2 failed, {FEEDS} ok); {FEEDS * 5 + 2} new items; 2 matches" \
        in run.stdout
    assert "[drones] Завод в Минске начал выпускать беспилотники" in run.stdout
