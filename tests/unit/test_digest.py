"""The digest stage: a body → only its new items, each with a language and its matches."""

from datetime import datetime, timezone

from monitor.config import parse_config
from monitor.digest import digest_body
from monitor.model import FeedSpec
from monitor.normalize import item_key

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
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


def test_digest_body_returns_only_unseen_items_with_language_and_matches():
    asked = []

    def seen_keys(keys):
        asked.append(list(keys))
        return {item_key("f", "b")}

    digest = digest_body(BODY, feed=FeedSpec("f", "https://x.org/f"), url="https://x.org/f",
                         headers={}, fetched_at=NOW, config=config(), seen_keys=seen_keys)
    assert digest.entries == 4
    assert [i.id for i in digest.items][1:] == ["c"]  # "b" was seen
    assert [i.language for i in digest.items] == ["ru", "be"]
    assert [(m.rule, m.item_key) for m in digest.matches] == \
        [("drones", digest.items[0].key), ("drones", digest.items[1].key)]
    assert len(asked) == 1  # one store query per body


def test_digest_body_keeps_the_first_copy_of_a_repeated_item():
    # A guid listed twice names no item: both copies get the id of their title, and one stays.
    digest = digest_body(BODY, feed=FeedSpec("f", "https://x.org/f"), url="https://x.org/f",
                         headers={}, fetched_at=NOW, config=config(), seen_keys=lambda k: set())
    ids = [i.id for i in digest.items]
    assert ids[1:] == ["b", "c"] and ids[0].startswith("sha1:") and len(ids) == 3
