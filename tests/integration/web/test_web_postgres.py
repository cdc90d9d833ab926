"""The web UI over a PostgreSQL state (issue 13): the same pages, search and retry as on
SQLite, through the store's PostgreSQL backend on the session's throwaway cluster."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from starlette.testclient import TestClient

from monitor.config import load_config
from monitor.model import Alert, FeedState, Hit, Item, Match, Translation
from monitor.store import CheckRecord
from monitor.web import StateAccess, WebSettings, create_app
from support.cli import write_config
from support.web_state import HOSTILE_TITLE

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=timezone.utc)


def item(feed, id, title, summary, language):
    from monitor.normalize import canonical_link, item_key, title_key
    link = f"https://{feed}.example/{id}"
    return Item(feed=feed, id=id, key=item_key(feed, id), title=title, summary=summary,
                link=link, published_at=NOW, language=language,
                canonical_link=canonical_link(link), title_key=title_key(title))


def alert(it, rule, channel, translation=None):
    from monitor.render import alert_id
    return Alert(id=alert_id(rule, it.key, channel), rule=rule, channel=channel, feed=it.feed,
                 item_key=it.key, item_id=it.id, title=it.title, summary=it.summary,
                 link=it.link, published_at=it.published_at, language=it.language,
                 matched_terms=("x",), created_at=NOW, translation=translation)


@pytest.fixture
def pg_web(postgres_cluster, pg_database, tmp_path):
    from monitor.store.postgres import connect_postgres

    url = postgres_cluster.url(pg_database, unix=True)
    ru = item("ru-news", "1", "Завод беспилотников расширяют",
              "В Елабуге завод беспилотников растёт.", "ru")
    en = item("en-wire", "1", HOSTILE_TITLE, "A drone factory report.", "en")
    with connect_postgres(url, node="web-test") as store:
        store.commit_polls([
            CheckRecord(FeedState(name="ru-news", url="https://ru.example/rss",
                                  last_success_at=NOW, last_attempt_at=NOW), [ru], {},
                        [Match("drones", ru.key, ("беспилотник",),
                               (Hit("беспилотник", "title", 6, 19),))],
                        [alert(ru, "drones", "hook", Translation(
                            "ru", "en", "Drone factory expands", "It grows.",
                            route="argos:ru-en"))]),
            CheckRecord(FeedState(name="en-wire", url="https://en.example/rss",
                                  consecutive_failures=3, last_error="fetch en-wire: HTTP 500",
                                  last_error_kind="http_5xx", last_attempt_at=NOW), [en], {},
                        [Match("drones", en.key, ("drone*",))], [])], now=NOW)
        (row,) = store.due_outbox(NOW)
        store.mark_dead(row.id, "channel hook: answered HTTP 400")
    config_path = write_config(tmp_path / "config.yaml",
                               [{"name": "ru-news", "url": "https://ru.example/rss"},
                                {"name": "en-wire", "url": "https://en.example/rss"}],
                               rules=[{"name": "drones", "query": "беспилотник OR drone*"}])
    config = load_config(config_path)
    access = StateAccess(lambda: connect_postgres(url, node="web-reader"),
                         lambda: connect_postgres(url, node="web-writer"), label="postgresql")
    with TestClient(create_app(WebSettings(), access, lambda: config),
                    base_url="https://127.0.0.1") as client:
        yield client, ru, row.alert_id
    access.close()


def test_pages_search_and_retry_on_postgresql(pg_web):
    client, ru, alert_id = pg_web
    matches = client.get("/matches")
    assert matches.status_code == 200
    assert "Завод <mark>беспилотников</mark> расширяют" in matches.text
    assert "&lt;script&gt;document.title" in matches.text and "<script>document" not in matches.text
    item = client.get(f"/items/{ru.key}")
    assert "Route: ru → en by <code>argos:ru-en</code>" in item.text
    found = client.get("/search", params={"q": "беспилотники"})
    assert re.findall(r'href="/items/(\w+)"', found.text) == [ru.key]
    feeds = client.get("/feeds")
    assert re.findall(r"<tr class=\"(\w+)\">\s*<td><strong>(.*?)</strong>", feeds.text)[0] == \
        ("failing", "en-wire")
    rules = client.get("/rules", params={"query": "завод"})
    assert "Matches 1 of the newest 2 items" in rules.text
    page = client.get("/outbox")
    assert "answered HTTP 400" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = client.post("/outbox/retry", data={"csrf": csrf, "alert_id": alert_id})
    assert "1 alert back in the queue" in done.text and "No dead alerts." in done.text


def test_the_footer_shows_the_state_url_without_its_password(postgres_cluster, pg_database,
                                                            tmp_path):
    """Found opening `monitor web` on a shared state: every page's footer read
    'state postgresql://postgres:<the password from ${VAR}>@127.0.0.1:…/monitor'."""
    from monitor.store.postgres import migrate_postgres
    from monitor.web.server import build_app, state_access

    url = (f"postgresql://postgres:${{WEB_TEST_DB_PASSWORD}}@127.0.0.1:{postgres_cluster.port}/"
           f"{pg_database}")
    env = {"WEB_TEST_DB_PASSWORD": "Sup3r-secret-pw"}  # the cluster trusts any password
    migrate_postgres(url.replace("${WEB_TEST_DB_PASSWORD}", env["WEB_TEST_DB_PASSWORD"]))
    config_path = write_config(tmp_path / "config.yaml",
                               [{"name": "f", "url": "https://f.example/rss"}],
                               rules=[{"name": "drones", "query": "drone"}], state=url)
    config = load_config(config_path, env=env)
    access = state_access(config.state_path)  # as `monitor web` builds it
    try:
        with TestClient(build_app(lambda: config, WebSettings(), access),
                        base_url="https://127.0.0.1") as client:
            pages = [client.get(path) for path in ("/matches", "/feeds", "/outbox")]
    finally:
        access.close()
    assert [p.status_code for p in pages] == [200, 200, 200]
    for page in pages:
        footer = page.text.rsplit("<footer>", 1)[-1]
        assert "Sup3r-secret-pw" not in page.text, footer
        assert f"state postgresql://postgres:***@127.0.0.1:{postgres_cluster.port}/" in page.text
