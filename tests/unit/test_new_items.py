"""The new-items stage: a body → only its new items, each with a language and its matches."""

from datetime import datetime, timezone

from monitor.config import FeedConfig, parse_config
from monitor.new_items import read_new_items
from monitor.normalize import item_key
from monitor.rules import Matcher

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
FEED = FeedConfig(name="f", url="https://x.org/f")
BODY = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>
<item><guid>a</guid><title>Беспилотник упал под Минском</title></item>
<item><guid>b</guid><title>Дождь в Гродно</title></item>
<item><guid>c</guid><title>Беспілотнік збіты над Гомелем</title></item>
<item><guid>a</guid><title>Беспилотник упал под Минском</title></item>
</channel></rss>""".encode()


def config():
    return parse_config("feeds: [{name: f, url: 'https://x.org/f'}]\n"
                        "rules: [{name: drones, query: {ru: беспилотник, be: беспілотнік}}]\n"
                        "channels: [{name: c, type: console}]\n", path="c.yaml")


def with_rules():
    cfg = config()
    return {"config": cfg, "matcher": Matcher(cfg.compiled_rules)}


class Seen:
    """Answers as the store does, and records how often it was asked."""

    def __init__(self, links, revisions=None):
        self.links, self.revisions, self.asked = links, revisions or {}, []

    def seen_links(self, keys):
        self.asked.append(list(keys))
        return {k: v for k, v in self.links.items() if k in keys}

    def item_revisions(self, feed, item_ids):
        self.asked.append(("revisions", list(item_ids)))
        return {i: self.revisions[i] for i in item_ids if i in self.revisions}


def test_read_new_items_returns_only_unseen_items_with_language_and_matches():
    seen = Seen({item_key("f", "b"): "https://x.org/b"})  # an RSS guid is a permalink
    found = read_new_items(BODY, feed=FEED, url="https://x.org/f",
                           headers={}, fetched_at=NOW, **with_rules(), seen=seen)
    assert found.entries == 4
    assert [i.id for i in found.items][1:] == ["c"]  # "b" was seen
    assert [i.language for i in found.items] == ["ru", "be"]
    assert [(m.rule, m.item_key) for m in found.matches] == \
        [("drones", found.items[0].key), ("drones", found.items[1].key)]
    assert len(seen.asked) == 1  # one store query per body


def test_read_new_items_keeps_the_first_copy_of_a_repeated_item():
    # A guid listed twice names no item: both copies get the id of their title, and one stays.
    found = read_new_items(BODY, feed=FEED, url="https://x.org/f",
                           headers={}, fetched_at=NOW, **with_rules(), seen=Seen({}))
    ids = [i.id for i in found.items]
    assert ids[1:] == ["b", "c"] and ids[0].startswith("sha1:") and len(ids) == 3


def test_read_new_items_asks_for_revisions_only_when_a_seen_link_changed():
    from monitor.model import SeenItem

    body = BODY.replace(b"<guid>b</guid>", b"<guid>b</guid><link>https://x.org/new</link>")
    old = SeenItem(item_key("f", "b"), "b", "https://x.org/old", "x.org/old", "Дождь в Гродно")
    seen = Seen({old.key: old.link}, {"b": [old]})
    found = read_new_items(body, feed=FEED, url="https://x.org/f",
                           headers={}, fetched_at=NOW, **with_rules(), seen=seen)
    assert "b" not in [i.id for i in found.items]  # only the link moved: an edit
    assert seen.asked[1] == ("revisions", ["b"])
    renamed = body.replace("Дождь в Гродно".encode(), "Снег в Бресте и Пинске".encode())
    seen = Seen({old.key: old.link}, {"b": [old]})
    found = read_new_items(renamed, feed=FEED, url="https://x.org/f",
                           headers={}, fetched_at=NOW, **with_rules(), seen=seen)
    [new] = [i for i in found.items if i.id == "b"]  # link and title changed: a new story
    assert new.key not in (old.key, item_key("f", "b")) and new.link == "https://x.org/new"
