"""Which items are new stories, and who reported them, as an operator meets it: a real feed
server on 127.0.0.1 → `monitor poll` (a subprocess) → a real webhook receiver.

Issue 11 #6: a feed that reuses one guid for each new story. #7: the first feed to publish a
title must not own the story (a hostile feed publishing a real outlet's title first).
"""

import sqlite3

import pytest

from support.cli import run_cli, write_config
from support.feed_server import rss

pytestmark = pytest.mark.integration



def hook(receiver):
    return [{"name": "hook", "type": "webhook", "url": receiver.url("/hook"), "timeout": "3s"}]


def delivered(receiver):
    return [r.json() for r in receiver.delivered()]


def test_a_feed_reusing_one_guid_gets_every_new_story_alerted(tmp_path, feed_server, receiver):
    # A real pattern: a "latest story" feed (a CMS widget, a bot) whose single item keeps the
    # guid of the slot, not of the story.
    stories = [("Drone plant opens in Yelabuga", "https://news.example.org/1"),
               ("Second drone plant announced in Minsk", "https://news.example.org/2"),
               ("Drone exports to Iran resume", "https://news.example.org/3")]
    url = feed_server.set("/slot.xml", rss([{"guid": "latest", "title": stories[0][0],
                                             "link": stories[0][1],
                                             "description": "About a drone."}]))
    write_config(tmp_path / "config.yaml", [{"name": "slot", "url": url, "language": "en"}],
                 rules=[{"name": "drones", "query": "drone"}], channels=hook(receiver))
    for n, (title, link) in enumerate(stories):
        if n:
            feed_server.update("/slot.xml", rss([{"guid": "latest", "title": title, "link": link,
                                                  "description": "About a drone."}]))
        result = run_cli("poll", cwd=tmp_path)
        assert result.code == 0, result.stderr
        assert "1 new item" in result.stdout, result.stdout
    got = delivered(receiver)
    assert [d["data"]["title"] for d in got] == [t for t, _ in stories]
    assert [d["data"]["link"] for d in got] == [link for _, link in stories]
    assert len({d["data"]["id"] for d in got}) == 3
    # The feed's own guid is still what the alert says the item's id is.
    assert {d["data"]["item_id"] for d in got} == {"latest"}


def test_an_edit_of_only_the_title_or_only_the_link_is_the_same_item(tmp_path, feed_server,
                                                                        receiver):
    first = {"guid": "g1", "title": "Drone plant opens in Yelabuga",
             "link": "https://news.example.org/1", "description": "About a drone."}
    url = feed_server.set("/f.xml", rss([first]))
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": url, "language": "en"}],
                 rules=[{"name": "drones", "query": "drone"}], channels=hook(receiver))
    assert run_cli("poll", cwd=tmp_path).code == 0
    # Each edit against the version first recorded: the title only, the link only, a tracking
    # parameter only.
    edits = [{**first, "title": "Drone plant opens in Yelabuga (updated)"},
             {**first, "link": "https://news.example.org/1-drone-plant"},
             {**first, "link": "https://news.example.org/1?utm_source=rss"}]
    for edit in edits:
        feed_server.update("/f.xml", rss([edit]))
        result = run_cli("poll", cwd=tmp_path)
        assert result.code == 0, result.stderr
        assert "0 new items" in result.stdout, result.stdout
    assert len(delivered(receiver)) == 1
    # …and a story that changes both under the same guid after those edits is new.
    feed_server.update("/f.xml", rss([{**first, "title": "Border guards shoot down a drone",
                                       "link": "https://news.example.org/9"}]))
    assert "1 new item" in run_cli("poll", cwd=tmp_path).stdout
    assert [d["data"]["title"] for d in delivered(receiver)][-1] == \
        "Border guards shoot down a drone"


PHISH = "https://evil.example/phish"
REAL = "https://www.outlet.example/2026/11/24/drone-plant-yelabuga"
TITLE = "Drone plant in Yelabuga doubles its output"


def two_feeds(tmp_path, feed_server, channels, *, evil_items, outlet_items=()):
    evil = feed_server.set("/evil.xml", rss(evil_items))
    outlet = feed_server.set("/outlet.xml", rss(list(outlet_items)))
    write_config(tmp_path / "config.yaml",
                 [{"name": "evil", "url": evil, "language": "en"},
                  {"name": "outlet", "url": outlet, "language": "en"}],
                 rules=[{"name": "drones", "query": "drone"}], channels=channels)


def story(guid, link, **extra):
    return {"guid": guid, "title": TITLE, "link": link, "pubDate": "Tue, 24 Nov 2026 10:00:00 GMT",
            "description": "The drone plant hires students.", **extra}


@pytest.mark.parametrize("same_poll", [True, False], ids=["in one poll", "a poll later"])
def test_a_hostile_feed_publishing_first_does_not_hide_the_real_outlet(
        tmp_path, feed_server, receiver, same_poll):
    two_feeds(tmp_path, feed_server, hook(receiver), evil_items=[story("e1", PHISH)],
              outlet_items=[story("o1", REAL)] if same_poll else [])
    assert run_cli("poll", cwd=tmp_path).code == 0
    if not same_poll:
        feed_server.update("/outlet.xml", rss([story("o1", REAL)]))
        assert run_cli("poll", cwd=tmp_path).code == 0
    first, second = delivered(receiver)
    assert first["type"] == "alert.matched"
    assert (first["data"]["feed"], first["data"]["link"]) == ("evil", PHISH)
    # The outlet's item reaches the reader as a follow-up naming the outlet with its own link.
    assert second["type"] == "alert.follow_up"
    data = second["data"]
    assert (data["feed"], data["link"]) == ("outlet", REAL)
    assert [(s["feed"], s["link"]) for s in data["sources"]] == [("outlet", REAL)]
    assert data["follows"]["id"] == first["data"]["id"]
    assert PHISH not in str(data["sources"]) and data["follows"]["link"] == PHISH
    assert data["id"] != first["data"]["id"]
    # Nothing more on a later poll.
    assert run_cli("poll", cwd=tmp_path).code == 0 and len(delivered(receiver)) == 2


def test_a_later_copy_alerts_on_its_own_when_the_first_copy_did_not_match(
        tmp_path, feed_server, receiver):
    # Same link, so the same story; only the outlet's copy says "drone".
    quiet = {"guid": "e1", "title": "Yelabuga plant doubles its output", "link": REAL,
             "description": "The plant hires students."}
    two_feeds(tmp_path, feed_server, hook(receiver), evil_items=[quiet],
              outlet_items=[story("o1", REAL)])
    assert run_cli("poll", cwd=tmp_path).code == 0
    [got] = delivered(receiver)
    assert got["type"] == "alert.matched"
    assert (got["data"]["feed"], got["data"]["title"]) == ("outlet", TITLE)


def test_a_follow_up_email_threads_under_the_first_alert(tmp_path, feed_server):
    from support.smtp_server import SmtpServer

    smtp = SmtpServer(security="none").start()
    try:
        mail = [{"name": "mail", "type": "email", "host": "127.0.0.1", "port": smtp.port,
                 "security": "none", "from": "Monitor <alerts@example.org>",
                 "to": ["desk@example.org"], "timeout": "5s"}]
        two_feeds(tmp_path, feed_server, mail, evil_items=[story("e1", PHISH)],
                  outlet_items=[story("o1", REAL)])
        result = run_cli("poll", cwd=tmp_path)
        assert result.code == 0, result.stderr
        first, second = (env.message for env in smtp.received)
    finally:
        smtp.stop()
    assert second["In-Reply-To"].strip() == first["Message-ID"].strip()
    assert second["References"].split() == [first["References"].strip(),
                                            first["Message-ID"].strip()]
    assert second["Subject"] == "Re: " + first["Subject"]
    html = second.get_body(("html",)).get_content()
    assert f'<a href="{REAL}">' in html and "outlet" in html
    assert PHISH not in second.get_body(("plain",)).get_content().split("follow-up to")[0]


def test_hits_are_marked_with_marks_russian_quotes_cannot_be_confused_with(
        tmp_path, feed_server, receiver):
    # Issue 11 #24: «…» marked a hit, so a quoted name came out as ««Алабуга»».
    url = feed_server.set("/ru.xml", rss([{
        "guid": "r1", "title": "Новости промышленности Татарстана",
        "description": "На заводе «Алабуга» собирают беспилотники «Герань».",
        "link": "https://ru.example/1"}], language="ru"))
    write_config(tmp_path / "config.yaml", [{"name": "ru", "url": url, "language": "ru"}],
                 rules=[{"name": "alabuga", "query": {"ru": "Алабуга"}}],
                 channels=[{"name": "out", "type": "console"}, *hook(receiver)])
    result = run_cli("poll", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert "На заводе «⟦Алабуга⟧» собирают беспилотники «Герань»." in result.stdout
    [doc] = delivered(receiver)
    assert doc["data"]["snippet"] == "На заводе «⟦Алабуга⟧» собирают беспилотники «Герань»."


def test_a_title_only_match_shows_the_original_summary_beside_its_translation(
        tmp_path, feed_server, receiver):
    # Issue 11 #24: a title-only rule showed the (marked) title where the summary goes, next to
    # the summary's translation.
    url = feed_server.set("/ru.xml", rss([{
        "guid": "r1", "title": "Лукашенко посетил завод",
        "description": "Президент осмотрел новые цеха и поговорил с рабочими.",
        "link": "https://ru.example/1"}], language="ru"))
    write_config(tmp_path / "config.yaml", [{"name": "ru", "url": url, "language": "ru"}],
                 rules=[{"name": "heads", "query": "title:Лукашенко"}],
                 channels=[{"name": "out", "type": "console"}], translation={"enabled": False})
    result = run_cli("poll", cwd=tmp_path)
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "[heads] Лукашенко посетил завод"
    # The summary's own text comes where its translation would be paired with it.
    assert "  Президент осмотрел новые цеха и поговорил с рабочими." in lines
    assert not any("⟦Лукашенко⟧" in line or "«Лукашенко»" in line for line in lines)
