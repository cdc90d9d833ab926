"""One story, one alert, in every language (issue 15), as an operator meets it: a real feed
server on 127.0.0.1 with an English, a Russian and a Belarusian outlet → `monitor poll` (a
subprocess) → a real webhook receiver and a real SMTP server (aiosmtpd).

The reports of one event in three languages make one alert and one follow-up naming the other
sources, each with its own link; another event about drones (a strike on a refinery) stays a
story of its own; a later poll adds new reports to the story as the channel's
`stories.updates` says.
"""

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from support.cli import run_cli, write_config
from support.feed_server import rss

pytestmark = pytest.mark.integration

RULE = [{"name": "drones", "query": {"en": "drone*", "ru": "беспилотник",
                                     "be": "беспілотнік"}}]
NOW = datetime.now(timezone.utc)

# Story A: a drone factory in Belarus, in three languages.
FACTORY_EN = {"guid": "w1", "link": "https://wire.example/2026/drone-factory-belarus",
              "title": "Russia to build a drone factory in Belarus near Baranovichi",
              "description": "Moscow and Minsk agreed that Russian engineers will assemble "
                             "Geran drones at a plant in Baranovichi, Belarus's defence "
                             "ministry said on Friday."}
FACTORY_RU = {"guid": "r1", "link": "https://ria.example/20261205/zavod.html",
              "title": "Россия построит завод беспилотников в Белоруссии под Барановичами",
              "description": "Российские инженеры будут собирать беспилотники «Герань» на "
                             "заводе в Барановичах, сообщило в пятницу министерство обороны "
                             "Беларуси."}
FACTORY_BE = {"guid": "s1", "link": "https://svaboda.example/a/33012345.html",
              "title": "Расія пабудуе завод беспілотнікаў у Беларусі каля Баранавіч",
              "description": "Расійскія інжынэры будуць збіраць беспілотнікі «Герань» на "
                             "заводзе ў Баранавічах, паведаміла ў пятніцу міністэрства "
                             "абароны Беларусі."}
# Story B: drones strike a refinery (shares "drone" and "завод" with A: a different event).
STRIKE_EN = {"guid": "w2", "link": "https://wire.example/2026/ryazan-refinery",
             "title": "Drones hit an oil refinery in Ryazan overnight",
             "description": "Ukrainian drones struck the Ryazan oil refinery overnight, "
                            "starting a fire, the regional governor said."}
STRIKE_RU = {"guid": "r2", "link": "https://ria.example/20261205/npz.html",
             "title": "Беспилотники атаковали нефтеперерабатывающий завод в Рязани",
             "description": "Украинские беспилотники ночью атаковали Рязанский НПЗ, начался "
                            "пожар, сообщил губернатор области."}


def dated(item: dict, hours_ago: float) -> dict:
    return {**item, "pubDate": format_datetime(NOW - timedelta(hours=hours_ago), usegmt=True)}


def serve(feed_server, wire=(), ria=(), svaboda=()) -> list[dict]:
    feeds = []
    for name, language, items in (("wire", "en", wire), ("ria", "ru", ria),
                                  ("svaboda", "be", svaboda)):
        url = feed_server.set(f"/{name}.xml", rss(list(items), title=name))
        feeds.append({"name": name, "url": url, "language": language})
    return feeds


def update(feed_server, wire=(), ria=(), svaboda=()) -> None:
    for name, items in (("wire", wire), ("ria", ria), ("svaboda", svaboda)):
        feed_server.update(f"/{name}.xml", rss(list(items), title=name))



def hooks(receiver, *modes: str) -> list[dict]:
    """A webhook channel per `stories.updates` mode ("default": the key left out)."""
    return [{"name": mode, "type": "webhook", "url": receiver.url(f"/{mode}"), "timeout": "3s",
             **({"stories": {"updates": mode}} if mode != "default" else {})} for mode in modes]


def delivered(receiver, path="/default") -> list[dict]:
    return [r.json() for r in receiver.delivered(path)]


def test_a_three_language_story_is_one_alert_and_one_follow_up(tmp_path, feed_server, receiver):
    from support.smtp_server import SmtpServer

    smtp = SmtpServer(security="none").start()
    try:
        mail = {"name": "mail", "type": "email", "host": "127.0.0.1", "port": smtp.port,
                "security": "none", "from": "Monitor <alerts@example.org>",
                "to": ["desk@example.org"], "timeout": "5s"}
        feeds = serve(feed_server, wire=[dated(FACTORY_EN, 6), dated(STRIKE_EN, 3)],
                      ria=[dated(FACTORY_RU, 5), dated(STRIKE_RU, 2)],
                      svaboda=[dated(FACTORY_BE, 4)])
        write_config(tmp_path / "config.yaml", feeds, rules=RULE,
                     channels=hooks(receiver, "default") + [mail])
        result = run_cli("poll", "--json", cwd=tmp_path)
        assert result.code == 0, result.stderr
        doc = result.json()
        messages = [env.message for env in smtp.received]
    finally:
        smtp.stop()

    # poll --json: every match names its story; the two events are two stories.
    story_of = {m["link"]: m["story"] for m in doc["matches"]}
    factory = {story_of[i["link"]] for i in (FACTORY_EN, FACTORY_RU, FACTORY_BE)}
    strike = {story_of[i["link"]] for i in (STRIKE_EN, STRIKE_RU)}
    assert len(factory) == 1 and len(strike) == 1 and factory != strike
    [factory_id] = factory
    assert doc["stories"][factory_id]["languages"] == ["be", "en", "ru"]
    assert {s["link"] for s in doc["stories"][factory_id]["sources"]} == \
        {FACTORY_EN["link"], FACTORY_RU["link"], FACTORY_BE["link"]}

    # The webhook: per story one alert (the first report, with its own link) and one follow-up
    # naming the other reports, each with its own link and language.
    got = delivered(receiver)
    assert [d["type"] for d in got].count("alert.matched") == 2, got
    assert [d["type"] for d in got].count("alert.follow_up") == 2, got
    alerts = {d["data"]["link"]: d["data"] for d in got if d["type"] == "alert.matched"}
    assert set(alerts) == {FACTORY_EN["link"], STRIKE_EN["link"]}
    follow_ups = {d["data"]["follows"]["id"]: d["data"] for d in got
                  if d["type"] == "alert.follow_up"}
    factory_follow_up = follow_ups[alerts[FACTORY_EN["link"]]["id"]]
    assert [(s["feed"], s["link"], s["language"]) for s in factory_follow_up["sources"]] == [
        ("ria", FACTORY_RU["link"], "ru"), ("svaboda", FACTORY_BE["link"], "be")]
    strike_follow_up = follow_ups[alerts[STRIKE_EN["link"]]["id"]]
    assert [(s["feed"], s["link"]) for s in strike_follow_up["sources"]] == \
        [("ria", STRIKE_RU["link"])]

    # E-mail: the same four messages; a follow-up threads under its story's first alert and
    # links every new source.
    assert len(messages) == 4
    first = {m["Message-ID"].strip(): m for m in messages if not m["Subject"].startswith("Re:")}
    replies = [m for m in messages if m["Subject"].startswith("Re:")]
    assert len(first) == 2 and len(replies) == 2
    for reply in replies:
        parent = first[reply["In-Reply-To"].strip()]
        assert reply["Subject"].strip() == "Re: " + parent["Subject"].strip()
        assert reply["References"].split() == [parent["References"].strip(),
                                               parent["Message-ID"].strip()]
    factory_reply = next(m for m in replies if "Baranovichi" in first[
        m["In-Reply-To"].strip()]["Subject"])
    html = factory_reply.get_body(("html",)).get_content()
    assert f'href="{FACTORY_RU["link"]}"' in html and f'href="{FACTORY_BE["link"]}"' in html

    # Nothing more on a later poll: the reports are recorded with their story.
    assert run_cli("poll", cwd=tmp_path).code == 0
    assert len(delivered(receiver)) == 4


@pytest.fixture(params=["sqlite", "postgresql"])
def state(request, tmp_path):
    """Where the state is: a SQLite file, or a real PostgreSQL database (each poll is a new
    process: the story index is rebuilt from the state's story ids every time)."""
    if request.param == "sqlite":
        return {}
    cluster = request.getfixturevalue("postgres_cluster")
    return {"state": cluster.url(request.getfixturevalue("pg_database"))}


def test_later_reports_join_the_story_as_each_channel_says(tmp_path, feed_server, receiver,
                                                            state):
    feeds = serve(feed_server, wire=[dated(FACTORY_EN, 6)])
    write_config(tmp_path / "config.yaml", feeds, rules=RULE,
                 channels=hooks(receiver, "default", "each", "none"), **state)
    assert run_cli("poll", cwd=tmp_path).code == 0
    for mode in ("default", "each", "none"):
        assert [d["type"] for d in delivered(receiver, f"/{mode}")] == ["alert.matched"]
    root = delivered(receiver)[0]["data"]

    # The Russian and Belarusian reports come a poll later, with a new event beside them.
    update(feed_server, wire=[dated(FACTORY_EN, 6), dated(STRIKE_EN, 1)],
           ria=[dated(FACTORY_RU, 5)], svaboda=[dated(FACTORY_BE, 4)])
    # --force: on a shared state the feeds just checked are not due yet.
    result = run_cli("poll", "--json", "--force", cwd=tmp_path)
    assert result.code == 0, result.stderr
    doc = result.json()
    assert {m["story"] for m in doc["matches"] if m["link"] != STRIKE_EN["link"]} == \
        {next(m["story"] for m in doc["matches"] if m["link"] == FACTORY_RU["link"])}

    later = {mode: delivered(receiver, f"/{mode}")[1:] for mode in ("default", "each", "none")}
    # default (digest): one follow-up naming both new sources, threaded to the first alert.
    default = [d for d in later["default"] if d["type"] == "alert.follow_up"]
    assert len(default) == 1
    assert default[0]["data"]["follows"]["id"] == root["id"]
    assert [s["link"] for s in default[0]["data"]["sources"]] == \
        [FACTORY_RU["link"], FACTORY_BE["link"]]
    # each: a follow-up per new source.
    each = [d for d in later["each"] if d["type"] == "alert.follow_up"]
    assert [[s["link"] for s in d["data"]["sources"]] for d in each] == \
        [[FACTORY_RU["link"]], [FACTORY_BE["link"]]]
    # none: no follow-up; the new event still alerts on every channel.
    assert [d["type"] for d in later["none"]] == ["alert.matched"]
    for mode in ("default", "each", "none"):
        assert [d["data"]["link"] for d in later[mode] if d["type"] == "alert.matched"] == \
            [STRIKE_EN["link"]]


# A third drone story, for a busy first feed.
SHOW_EN = {"guid": "w3", "link": "https://wire.example/2026/drone-show-tallinn",
           "title": "A drone light show opens the Tallinn song festival",
           "description": "Five hundred drones drew the festival's emblem over the song "
                          "festival grounds, the organisers said."}


def test_a_follow_up_arrives_after_the_alert_it_follows(tmp_path, feed_server, receiver):
    """Alerts go out round-robin across feeds. The story's first alert stands third in the
    wire's lane, its follow-up first in ria's: it used to arrive second, before its story (and
    a chat service could not reply to a message not yet sent)."""
    feeds = serve(feed_server, wire=[dated(STRIKE_EN, 3), dated(SHOW_EN, 4), dated(FACTORY_EN, 6)],
                  ria=[dated(FACTORY_RU, 5)])
    write_config(tmp_path / "config.yaml", feeds, rules=RULE,
                 channels=hooks(receiver, "default"))
    result = run_cli("poll", cwd=tmp_path)
    assert result.code == 0, result.stderr
    got = delivered(receiver)
    order = [(d["type"], d["data"]["link"]) for d in got]
    assert sorted(order) == sorted([("alert.matched", STRIKE_EN["link"]),
                                    ("alert.matched", SHOW_EN["link"]),
                                    ("alert.matched", FACTORY_EN["link"]),
                                    ("alert.follow_up", FACTORY_RU["link"])]), order
    [follow_up] = [d["data"] for d in got if d["type"] == "alert.follow_up"]
    first = next(i for i, d in enumerate(got) if d["data"]["id"] == follow_up["follows"]["id"])
    assert first < order.index(("alert.follow_up", FACTORY_RU["link"])), order
