"""Write each labelled set's feed files and labels from its events.yaml (run after editing one).

    python tests/data/stories/build_feeds.py            # every set
    python tests/data/stories/build_feeds.py test       # one

events.yaml is the text we wrote; the feeds are what a poll would fetch: one file per outlet
(RSS 2.0 or Atom, as outlets.yaml says; `minskvestnik` in windows-1251), so the bench and the
phase-2 integration test read the items through the real parse path. labels.json maps each
item's link to its event. Deterministic: the same events give byte-identical files.
Independent of `monitor` (stdlib + PyYAML).
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

HERE = Path(__file__).resolve().parent


def outlets() -> dict:
    return yaml.safe_load((HERE / "outlets.yaml").read_text(encoding="utf-8"))


def items_of(set_name: str) -> tuple[list[dict], list[list[str]]]:
    """Every item of a set (time order) with its event, and the distractor event pairs."""
    data = yaml.safe_load((HERE / set_name / "events.yaml").read_text(encoding="utf-8"))
    year, known = data["year"], outlets()
    items, pairs = [], set()
    for event in data["events"]:
        for other in event.get("distractors") or ():
            pairs.add(tuple(sorted((event["id"], other))))
        for n, (outlet, when, title, summary) in enumerate(event["items"]):
            at = datetime.strptime(f"{year}-{when}", "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc)
            number = int(hashlib.sha1(f"{set_name}/{event['id']}/{n}".encode()).hexdigest()[:7], 16)
            language = known[outlet]["language"]
            items.append({"link": f"https://{known[outlet]['host']}/news/{number}", "feed": outlet,
                          "language": language, "event": event["id"], "published_at": at,
                          "title": title, "summary": summary,
                          "orthography": known[outlet].get("orthography", "")})
    # A misspelt distractor id would otherwise become a pair with no items: silently uncounted.
    ids = {event["id"] for event in data["events"]}
    unknown = sorted({name for pair in pairs for name in pair} - ids)
    if unknown:
        raise SystemExit(f"{set_name}/events.yaml: distractors name no event of the set: "
                         f"{', '.join(unknown)} (fix the id)")
    items.sort(key=lambda i: (i["published_at"], i["link"]))
    return items, sorted(map(list, pairs))


def _local(at: datetime, offset: str) -> datetime:
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = map(int, offset[1:].split(":"))
    return at.astimezone(timezone(sign * timedelta(hours=hours, minutes=minutes)))


def rss(outlet: dict, items: list[dict], encoding: str) -> str:
    entries = "".join(
        f"<item><title>{escape(i['title'])}</title><link>{i['link']}</link>"
        f"<guid isPermaLink=\"true\">{i['link']}</guid>"
        f"<pubDate>{format_datetime(_local(i['published_at'], outlet['utc_offset']))}</pubDate>"
        f"<description>{escape('<p>' + i['summary'] + '</p>')}</description></item>\n"
        for i in items)
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(outlet['title'])}</title><link>https://{outlet['host']}/</link>"
            f"<language>{outlet['language']}</language><description>{escape(outlet['title'])}"
            f"</description>\n{entries}</channel></rss>\n")


def atom(outlet: dict, items: list[dict]) -> str:
    def stamp(at: datetime) -> str:
        return _local(at, outlet["utc_offset"]).isoformat()
    updated = stamp(max(i["published_at"] for i in items))
    entries = "".join(
        f"<entry><title>{escape(i['title'])}</title><link href=\"{i['link']}\"/>"
        f"<id>{i['link']}</id><published>{stamp(i['published_at'])}</published>"
        f"<updated>{stamp(i['published_at'])}</updated>"
        f"<summary>{escape(i['summary'])}</summary></entry>\n" for i in items)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"'
            f" xml:lang=\"{outlet['language']}\"><title>{escape(outlet['title'])}</title>"
            f"<id>https://{outlet['host']}/</id><updated>{updated}</updated>\n{entries}</feed>\n")


def build(set_name: str, out: Path | None = None) -> None:
    """Write `<set>/feeds/*.xml` and `<set>/labels.json` (under `out` instead, when given)."""
    items, pairs = items_of(set_name)
    root = (out or HERE) / set_name
    feeds = root / "feeds"
    feeds.mkdir(parents=True, exist_ok=True)
    for name, outlet in outlets().items():
        mine = [i for i in items if i["feed"] == name]
        if not mine:
            continue
        encoding = outlet.get("encoding", "utf-8")
        text = atom(outlet, mine) if outlet["format"] == "atom" else rss(outlet, mine, encoding)
        (feeds / f"{name}.xml").write_bytes(text.encode(encoding))
    labels = {"set": set_name,
              "items": [{k: i[k] for k in ("link", "feed", "language", "event")} for i in items],
              "distractor_events": pairs}
    (root / "labels.json").write_text(
        json.dumps(labels, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    for name in sys.argv[1:] or ["test", "test2", "test3", "test4", "test5", "test6", "test7", "test8", "test9", "test10", "test11", "dev"]:
        build(name)
