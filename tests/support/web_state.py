"""A real state for the web UI's tests: real feed files polled by the real `monitor poll`.

Russian, Belarusian and English items (inflected forms a search must find), one story carried by
two feeds (a duplicate), a feed that fails, hostile titles a publisher who read the code would
write (markup meant to run in a web page, double-escaped so it survives as text), alerts that
went dead (the receiver refuses them) and alerts still pending (the receiver is down), and, with
a tiny real Argos model, translated items.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from support.cli import run_cli, write_config
from support.feed_server import rss

# Text a browser would run if the UI put it into the page as markup. Feeds carry it escaped
# twice (`&lt;img …&gt;` in the XML text), so normalisation keeps it as the literal characters.
HOSTILE_TITLE = ('<img src=x onerror="document.title=\'pwned\'"> drone factory '
                 '<script>document.title="pwned"</script> @everyone')
HOSTILE_SUMMARY = ('A drone factory report <svg onload="document.title=\'pwned\'"></svg> '
                   '<a href="javascript:document.title=\'pwned\'">click</a> "quotes" & ampersands')

RU_NEWS = [
    {"guid": "ru-1", "title": "В Елабуге расширяют завод беспилотников",
     "description": "Российский завод по производству беспилотников «Алабуга» расширяется: "
                    "дроны собирают в новом цеху.",
     "link": "https://ru.example/news/1?utm_source=rss", "pubDate": "Sat, 05 Dec 2026 08:00:00 GMT"},
    {"guid": "ru-2", "title": "Минобороны получило партию беспилотника «Герань»",
     "description": "Партию беспилотника передали с завода в Татарстане.",
     "link": "https://ru.example/news/2", "pubDate": "Sat, 05 Dec 2026 09:00:00 GMT"},
    {"guid": "ru-3", "title": "Погода в Москве", "description": "Солнечно и тепло.",
     "link": "https://ru.example/news/3", "pubDate": "Sat, 05 Dec 2026 10:00:00 GMT"},
]
# The same story as ru-1 (same link once tracking parameters go): recorded as its duplicate.
RU_COPY = [
    {"guid": "copy-1", "title": "В Елабуге расширяют завод беспилотников",
     "description": "Перепечатка: завод беспилотников в Елабуге расширяется.",
     "link": "https://ru.example/news/1", "pubDate": "Sat, 05 Dec 2026 08:30:00 GMT"},
]
BE_NEWS = [
    {"guid": "be-1", "title": "Беспілотнікі збіраюць на заводзе пад Мінскам",
     "description": "На заводзе пад Мінскам пачалі зборку беспілотнікаў.",
     "link": "https://be.example/1", "pubDate": "Sat, 05 Dec 2026 07:00:00 GMT"},
]
EN_WIRE = [
    {"guid": "en-1", "title": "Russia expands drone factory in Alabuga",
     "description": "Satellite images show the drone factory growing.",
     "link": "https://en.example/1", "pubDate": "Sat, 05 Dec 2026 11:00:00 GMT"},
    {"guid": "en-hostile", "title": HOSTILE_TITLE.replace("&", "&amp;").replace("<", "&lt;")
                                                 .replace(">", "&gt;"),
     "description": HOSTILE_SUMMARY.replace("&", "&amp;").replace("<", "&lt;")
                                   .replace(">", "&gt;"),
     "link": "javascript:document.title='pwned'", "pubDate": "Sat, 05 Dec 2026 12:00:00 GMT"},
]

RULES = [
    {"name": "drone-production", "channels": ["refusing"],
     "query": {"en": "drone* NEAR/5 factory",
               "ru": "беспилотник NEAR/5 завод",
               "be": "беспілотнік NEAR/5 завод"}},
    {"name": "weather", "channels": ["down"], "query": "погода OR weather"},
]


@dataclass
class WebState:
    root: Path
    config: Path
    state: Path


def write_feeds(root: Path) -> list[dict]:
    feeds = []
    for name, items, language in (("ru-news", RU_NEWS, "ru"), ("ru-copy", RU_COPY, "ru"),
                                  ("be-svaboda", BE_NEWS, "be"), ("en-wire", EN_WIRE, "en")):
        (root / f"{name}.xml").write_bytes(rss(items, title=name, language=language))
        feeds.append({"name": name, "url": f"{name}.xml"})
    feeds.append({"name": "broken", "url": "missing.xml"})  # fails: no such file
    return feeds


def build_web_state(root: Path, receiver, *, model: Path | None = None,
                    extra_config: dict | None = None) -> WebState:
    """Poll the feeds above once with the real CLI. `receiver`: a support.webhook_receiver
    whose /refuse will answer 400 (alerts go dead) and /down 503 (alerts wait)."""
    from support.webhook_receiver import Reply

    receiver.script("/refuse", *[Reply(400, "no such hook")] * 50)
    receiver.script("/down", *[Reply(503, "maintenance")] * 50)
    feeds = write_feeds(root)
    extra = dict(extra_config or {})
    if model is not None:
        extra["translation"] = {"models_dir": "models", "apertium": False}
    config = write_config(
        root / "config.yaml", feeds, rules=RULES,
        channels=[{"name": "refusing", "type": "webhook", "url": receiver.url("/refuse")},
                  {"name": "down", "type": "webhook", "url": receiver.url("/down")}],
        state="monitor.db", **extra)
    if model is not None:
        installed = run_cli("models", "install", str(model), cwd=root)
        assert installed.code == 0, installed.stderr
    polled = run_cli("poll", cwd=root)
    assert polled.code == 0, polled.stderr
    return WebState(root, config, root / "monitor.db")
