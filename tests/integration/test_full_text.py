"""`full_text:` end to end, through the real CLI, a loopback feed server with article pages
(tests/data/articles) and a webhook receiver (issue 16).

- a rule that matches only a word in the article body is alerted with `all`, not with false;
- `matched` fetches only what matched, and the alert carries the article's lead; a page that
  cannot be read (404, a page that never ends, a link into private space) never drops the
  alert: it goes out with the feed text and a note;
- `poll --json` items carry "text"; the article is stored with its item; each page is fetched
  once, across feeds and across polls.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from support.cli import run_cli, write_config
from support.feed_server import FeedServer, rss

pytestmark = pytest.mark.integration

PAGES = Path(__file__).resolve().parents[1] / "data" / "articles"



def page(server: FeedServer, name: str, **kwargs) -> str:
    kwargs.setdefault("content_type", "text/html")  # no charset: the pages decide
    return server.set(f"/{name}", (PAGES / name).read_bytes(), **kwargs)


def feed(server: FeedServer, path: str, items: list[tuple[str, ...]]) -> str:
    """items: (guid, title, link[, summary]); the summary is one teaser sentence."""
    return server.set(path, rss([{"guid": i[0], "title": i[1], "link": i[2],
                                  "description": i[3] if len(i) > 3 else
                                  "Residents reported drones overnight."} for i in items]))


def poll(tmp_path: Path, env: dict | None = None) -> dict:
    result = run_cli("poll", "--json", cwd=tmp_path, env=env)
    assert result.code == 0, result.stderr
    return result.json()


def configure(tmp_path, feeds, rules, receiver, **extra):
    write_config(tmp_path / "config.yaml", feeds, rules=rules,
                 channels=[{"name": "hook", "type": "webhook", "url": receiver.url()}],
                 translation={"enabled": False}, **extra)


@pytest.mark.parametrize("mode, alerted", [(False, False), ("matched", False), ("all", True)])
def test_a_word_only_in_the_article_body(feed_server, receiver, tmp_path, mode, alerted):
    link = page(feed_server, "en_boilerplate.html")
    url = feed(feed_server, "/feed.xml", [("g1", "Drones seen over Minsk", link)])
    configure(tmp_path, [{"name": "news", "url": url, "full_text": mode}],
              [{"name": "grid", "query": "substation"}], receiver)
    out = poll(tmp_path)
    assert [m["rule"] for m in out["matches"]] == (["grid"] if alerted else [])
    assert len(receiver.delivered()) == (1 if alerted else 0)
    fetched = len(feed_server.requests_to("/en_boilerplate.html"))
    assert fetched == (1 if mode == "all" else 0)  # matched: nothing matched, nothing read
    if alerted:
        [item] = out["items"]
        assert "transformer substation" in item["text"]
        assert "Accept all cookies" not in item["text"]
        data = receiver.delivered()[0].json()["data"]
        assert data["article"]["lead"].startswith("Several unmanned aircraft")
        assert [h["field"] for h in data["hits"]] == ["body"]


def test_body_field_requires_the_article(feed_server, receiver, tmp_path):
    link = page(feed_server, "en_boilerplate.html")
    url = feed_server.set("/feed.xml", rss([
        {"guid": "g1", "title": "Substation fire", "link": link, "description": "No details."},
        {"guid": "g2", "title": "Substation repaired", "description": "No link."}]))
    configure(tmp_path, [{"name": "news", "url": url, "full_text": "all"}],
              [{"name": "in-title", "query": "title:substation"},
               {"name": "in-body", "query": "body:(Minskenergo heating)"}], receiver)
    out = poll(tmp_path)
    by_rule = sorted((m["rule"], m["item_id"]) for m in out["matches"])
    assert by_rule == [("in-body", "g1"), ("in-title", "g1"), ("in-title", "g2")]
    assert "text" not in [i for i in out["items"] if i["id"] == "g2"][0]  # no link, no article


def test_matched_attaches_the_lead_and_failures_keep_the_alert(feed_server, receiver, tmp_path):
    good = page(feed_server, "ru_cp1251.html")
    missing = page(feed_server, "en_404.html", status=404)
    never_ends = feed_server.set("/drip.html", b"<p>drip</p>", content_type="text/html",
                                 endless=True, drip_seconds=0.2)
    unrelated = page(feed_server, "be_cp1251.html")
    url = feed(feed_server, "/feed.xml", [
        ("g1", "Беспилотники над Брянском", good), ("g2", "Drones: page gone", missing),
        ("g3", "Drones: page never ends", never_ends), ("g4", "Weather", unrelated, "Sunny.")])
    configure(tmp_path, [{"name": "news", "url": url, "full_text": "matched"}],
              [{"name": "drones", "query": {"en": "drones", "ru": "беспилотник"}}], receiver,
              fetch={"total_timeout": "2s", "read_timeout": "1s"})
    out = poll(tmp_path)
    assert sorted(m["item_id"] for m in out["matches"]) == ["g1", "g2", "g3"]
    assert feed_server.requests_to("/be_cp1251.html") == []  # g4 did not match: not read
    alerts = {a.json()["data"]["item_id"]: a.json()["data"] for a in receiver.delivered()}
    assert sorted(alerts) == ["g1", "g2", "g3"]
    assert alerts["g1"]["article"]["lead"].startswith("3 декабря 2026") or \
        "беспилотников атаковали нефтебазу" in alerts["g1"]["article"]["lead"]
    assert alerts["g2"]["article"] == {"lead": None,
                                       "note": "article not fetched: HTTP 404 Not Found"}
    assert alerts["g3"]["article"] == {
        "lead": None, "note": "article not fetched: no complete answer within 2s"}
    items = {i["id"]: i for i in out["items"]}
    assert "беспилотников" in items["g1"]["text"]
    assert items["g1"]["article"]["encoding"] == "cp1251"
    assert "text" not in items["g2"] and items["g2"]["article"]["status"] == "failed"
    assert "article" not in items["g4"]


def test_a_public_feed_linking_into_private_space_alerts_with_a_note(
        feed_server, receiver, tmp_path):
    private = FeedServer().start()
    try:
        secret = page(private, "en_boilerplate.html")
        url = feed(feed_server, "/feed.xml", [("g1", "Drones near the plant", secret)])
        configure(tmp_path, [{"name": "news", "url": url, "full_text": "matched"}],
                  [{"name": "drones", "query": "drones"}], receiver)
        poll(tmp_path, env={"MONITOR_TEST_PUBLIC_ENDPOINTS": f"127.0.0.1:{feed_server.port}"})
        [alert] = receiver.delivered()
        note = alert.json()["data"]["article"]["note"]
        assert note.startswith("article not fetched: link to 127.0.0.1 refused: loopback")
        assert private.requests == []
    finally:
        private.stop()


def test_stored_with_the_item_and_fetched_once_across_feeds_and_polls(
        feed_server, receiver, tmp_path):
    link = page(feed_server, "en_boilerplate.html")
    first = feed(feed_server, "/a.xml", [("a1", "Drones seen over Minsk", link)])
    second = feed(feed_server, "/b.xml", [("b1", "Minsk drones, power cut", link)])
    feeds = [{"name": "a", "url": first, "full_text": "all"},
             {"name": "b", "url": second, "full_text": "all"}]
    configure(tmp_path, feeds, [{"name": "grid", "query": "substation"}], receiver)
    out = poll(tmp_path)
    assert sorted(m["item_id"] for m in out["matches"]) == ["a1", "b1"]
    assert len(feed_server.requests_to("/en_boilerplate.html")) == 1  # two feeds, one fetch
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        rows = db.execute("SELECT item_id, article_status, article_text FROM items "
                          "ORDER BY item_id").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("a1", "ok"), ("b1", "ok")]
    assert all("transformer substation" in r[2] for r in rows)

    feed(feed_server, "/b.xml", [("b2", "Minsk drones: more", link)])  # a new item, same page
    out = poll(tmp_path)
    assert [m["item_id"] for m in out["matches"]] == ["b2"]
    assert len(feed_server.requests_to("/en_boilerplate.html")) == 1  # the stored article
    assert len(receiver.delivered()) == 3


def test_check_names_a_bad_full_text_value(tmp_path):
    write_config(tmp_path / "config.yaml", [{"name": "news", "url": "https://example.org/f",
                                             "full_text": True}], rules=[])
    result = run_cli("check", cwd=tmp_path)
    assert result.code != 0
    assert "feeds[0].full_text: must be false, matched or all, got true (true is ambiguous: " \
           "say matched or all)" in result.stderr


def test_the_daemon_reads_articles_once_a_reload_asks_for_them(feed_server, tmp_path):
    """`monitor run` starts without full_text; SIGHUP with full_text: all; the next new item
    is matched on its article and the console alert shows the lead."""
    import signal

    from support.daemon import DaemonProcess, wait_for

    link = page(feed_server, "en_boilerplate.html")
    url = feed(feed_server, "/feed.xml", [("g1", "Drones seen over Minsk", link)])
    feeds = [{"name": "news", "url": url, "interval": "1s"}]
    rules = [{"name": "grid", "query": "substation"}]
    write_config(tmp_path / "config.yaml", feeds, rules=rules, translation={"enabled": False})
    daemon = DaemonProcess(tmp_path)
    try:
        wait_for(lambda: "Feed checked" in daemon.stderr(), what="the first check")
        assert "[grid]" not in daemon.stdout()
        write_config(tmp_path / "config.yaml", [{**feeds[0], "full_text": "all"}],
                     rules=rules, translation={"enabled": False})
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "Config reloaded" in daemon.stderr(), what="the reload")
        feed(feed_server, "/feed.xml", [("g2", "Drones seen over Minsk again", link),
                                        ("g1", "Drones seen over Minsk", link)])
        wait_for(lambda: "[grid] Drones seen over Minsk again" in daemon.stdout(),
                 what="the alert on the article's word")
        assert "    Several unmanned aircraft were seen circling" in daemon.stdout()
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        daemon.close()
    assert len(feed_server.requests_to("/en_boilerplate.html")) == 1


RU_ARTICLE = """<!DOCTYPE html><html><head><title>Завод в Минске</title></head><body>
<nav><ul><li><a href="/">Главная</a></li><li><a href="/news">Новости</a></li></ul></nav>
<article><h1>Лукашенко посетил завод в Минске</h1>
<p>Лукашенко посетил завод в Минске.</p>
<p>Рабочие рассказали журналистам о новых станках и о планах выпуска на следующий год,
а руководство предприятия показало цеха, где собирают тракторы и грузовики.</p>
<p>По словам директора, в ближайшие месяцы на предприятие примут ещё двести человек, а
новые линии заработают к весне, если поставщики не сорвут сроки.</p>
</article><footer><p>Читайте также: Погода на выходные</p></footer></body></html>"""


@pytest.mark.translation_model
def test_the_alert_carries_the_articles_lead_translated(feed_server, receiver, tmp_path):
    """A Russian article (windows-1251, no charset anywhere) of a matching item: the alert
    carries its lead, translated by the installed model like the title and summary."""
    from support.tiny_argos import build_package

    link = feed_server.set("/ru.html", RU_ARTICLE.encode("cp1251"), content_type="text/html")
    url = feed_server.set("/feed.xml", rss([{"guid": "g1", "title": "Визит на завод",
                                             "description": "Подробности в статье.",
                                             "link": link}], language="ru"))
    write_config(tmp_path / "config.yaml",
                 [{"name": "news", "url": url, "language": "ru", "full_text": "matched"}],
                 rules=[{"name": "plant", "query": {"ru": "завод"}}],
                 channels=[{"name": "hook", "type": "webhook", "url": receiver.url()}],
                 translation={"models_dir": "models", "apertium": False})
    archive = build_package(tmp_path / "ru_en.argosmodel", "ru", "en")
    assert run_cli("models", "install", str(archive), cwd=tmp_path).code == 0
    poll(tmp_path)
    [alert] = receiver.delivered()
    data = alert.json()["data"]
    assert data["article"]["lead"].startswith("Лукашенко посетил завод в Минске.")
    assert data["translation"]["route"] == "argos:ru-en"
    assert data["translation"]["article"].startswith("Lukashenko посетил factory в Minskе.")


def test_matched_reads_each_page_once_however_many_rules_match(feed_server, receiver, tmp_path):
    """Five rules match one item (and a second item links to the same page): one fetch."""
    link = page(feed_server, "en_boilerplate.html")
    url = feed(feed_server, "/feed.xml", [("g1", "Drones seen over Minsk power plant", link),
                                          ("g2", "Minsk drones: the plant again", link)])
    rules = [{"name": name, "query": query} for name, query in (
        ("drones", "drones"), ("minsk", "Minsk"), ("plant", "plant"),
        ("both", "drones NEAR/5 Minsk"), ("any", "drones OR plant"))]
    configure(tmp_path, [{"name": "news", "url": url, "full_text": "matched"}], rules,
              receiver)
    out = poll(tmp_path)
    assert len(out["matches"]) == 10
    assert len(feed_server.requests_to("/en_boilerplate.html")) == 1
    assert all("transformer substation" in i["text"] for i in out["items"])


def test_a_paywall_stub_alerts_with_the_feed_text_and_a_note(feed_server, receiver, tmp_path):
    """The paywalled page's teaser is no article: the alert goes out with the feed's text and
    says why there is no more (en: schema.org markup; ru: only its subscription prompt)."""
    en = page(feed_server, "en_paywall.html")
    ru = page(feed_server, "ru_paywall.html")
    url = feed(feed_server, "/feed.xml", [("g1", "Drones over the port", en),
                                          ("g2", "Drones: a Russian report", ru)])
    configure(tmp_path, [{"name": "news", "url": url, "full_text": "matched"}],
              [{"name": "drones", "query": "drones"}], receiver)
    out = poll(tmp_path)
    alerts = {a.json()["data"]["item_id"]: a.json()["data"] for a in receiver.delivered()}
    assert sorted(alerts) == ["g1", "g2"]
    for data in alerts.values():
        assert data["summary"] == "Residents reported drones overnight."
        assert data["article"]["note"].startswith("the page is behind a paywall")
    items = {i["id"]: i for i in out["items"]}
    assert {items[k]["article"]["status"] for k in items} == {"paywalled"}
