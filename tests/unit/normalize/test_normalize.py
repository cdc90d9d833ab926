from datetime import datetime, timezone

import pytest

from monitor.model import Entry
from monitor.normalize import (absolute_link, canonical_link, normalize_entries, normalize_entry,
                               title_key)
from monitor.parse import parse_feed
from monitor.normalize.html import html_to_text
from monitor.normalize.text import fold

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def entry(**kw):
    base = dict(guid=None, link=None, title="", summary="", content="", published_at=None,
                language=None)
    base.update(kw)
    return Entry(**base)


@pytest.mark.parametrize("markup, text", [
    ("<p>Завод &laquo;Купол&raquo; выпускает <b>дроны</b>.</p>", "Завод «Купол» выпускает дроны ."),
    ("a<br/>b", "a b"),
    ("<p>one</p><p>two</p>", "one two"),
    ("x <script>alert(1)</script> y <style>p{}</style>z", "x y z"),
    ("бес\u00adпилот\u200bник", "беспилотник"),
    ("  lots \n\t of   space ", "lots of space"),
    ("<!-- hidden --> shown", "shown"),
    ("Tom &amp; Jerry &#8212; &#x41;", "Tom & Jerry — A"),
    ("1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),
    ("", ""),
])
def test_html_to_text(markup, text):
    assert html_to_text(markup) == text


@pytest.mark.parametrize("raw, folded", [
    ("Ёлка", "елка"), ("БЕЛАРУСЬ", "беларусь"), ("пам’ятник", "пам'ятник"),
    ("сваяʼго", "свая'го"), ("ﬁre", "fire"),
])
def test_fold(raw, folded):
    assert fold(raw) == folded


def test_normalize_entry_prefers_guid_and_makes_links_absolute():
    item = normalize_entry(entry(guid="urn:1", link="/a/1?utm_source=rss", title="<b>T</b>",
                                 summary="<p>S</p>"),
                           feed="f", feed_url="https://news.example.org/feed", fetched_at=NOW)
    assert item.id == "urn:1"
    assert item.link == "https://news.example.org/a/1?utm_source=rss"
    assert item.canonical_link == "//news.example.org/a/1"
    assert (item.title, item.summary) == ("T", "S")
    assert item.published_at == NOW  # no date in the feed: the fetch time


def test_normalize_entry_falls_back_to_link_then_hash():
    by_link = normalize_entry(entry(link="https://x.org/1", title="a"), feed="f", feed_url="",
                              fetched_at=NOW)
    assert by_link.id == "https://x.org/1"
    a = normalize_entry(entry(title="Same title"), feed="f", feed_url="", fetched_at=NOW)
    b = normalize_entry(entry(title="Same title"), feed="f", feed_url="", fetched_at=NOW)
    assert a.id == b.id and a.id.startswith("sha1:")
    assert a.key == b.key


def test_normalize_entries_does_not_let_a_shared_link_merge_items(data_dir):
    # Every item of this generated Meduza feed links to https://meduza.io/ and has no guid.
    parsed = parse_feed((data_dir / "feeds/ru/meduza_feedgen_epoch-dates.xml").read_bytes(),
                        feed="m")
    items = normalize_entries(parsed.entries, feed="m", feed_url="", fetched_at=NOW)
    assert len(items) == 24
    assert len({i.key for i in items}) == 24


def test_item_key_differs_per_feed():
    a = normalize_entry(entry(guid="1"), feed="a", feed_url="", fetched_at=NOW)
    b = normalize_entry(entry(guid="1"), feed="b", feed_url="", fetched_at=NOW)
    assert a.key != b.key


def test_summary_falls_back_to_content_and_is_capped():
    item = normalize_entry(entry(guid="1", content="<p>" + "слово " * 3000 + "</p>"),
                           feed="f", feed_url="", fetched_at=NOW)
    assert item.summary.startswith("слово слово")
    assert len(item.summary) <= 5002 and item.summary.endswith("…")


@pytest.mark.parametrize("link, canon", [
    ("https://www.BBC.com/news/1/?utm_medium=rss#top", "//bbc.com/news/1"),
    ("http://bbc.com/news/1", "//bbc.com/news/1"),
    ("https://x.org/a?b=2&a=1&fbclid=z", "//x.org/a?a=1&b=2"),
    ("mailto:x@y", ""), ("", ""),
])
def test_canonical_link(link, canon):
    assert canonical_link(link) == canon


def test_absolute_link_keeps_absolute_and_resolves_relative():
    assert absolute_link("https://a.org/x", "https://b.org/feed") == "https://a.org/x"
    assert absolute_link("x/y", "https://b.org/feed/rss") == "https://b.org/feed/x/y"
    assert absolute_link(None, "https://b.org/") == ""


# Links urllib refuses to split: a bracket in the host (not an IPv6 literal), a host that NFKC
# turns into another URL ("℀" is "a/c"), and a relative one that resolves to either.
UNSPLITTABLE = ["http://[abc/x", "https://a.org]/x", "http://[::1/x", "https://ex\u2100mple.org/",
                "//[bad/x", "http://ex\uff1fmple.org/"]


@pytest.mark.parametrize("link", UNSPLITTABLE)
def test_a_link_urllib_cannot_split_is_dropped_not_raised(link):
    assert absolute_link(link, "https://b.org/feed") == ""
    assert canonical_link(link) == ""


def test_an_unsplittable_link_fails_only_its_item_link_not_the_feed():
    items = normalize_entries([entry(guid="1", link="http://[abc/x", title="Hostile"),
                               entry(guid="2", link="https://x.org/2", title="Good")],
                              feed="f", feed_url="https://x.org/feed", fetched_at=NOW)
    assert [(i.link, i.canonical_link) for i in items] == [("", ""),
                                                           ("https://x.org/2", "//x.org/2")]


@pytest.mark.parametrize("link", [
    "https://www.BBC.com/news/1/", "http://a.org", "https://a.org/", "https://A.org:8443/x/y//",
    "https://user:pw@a.org/x", "https://[2001:db8::1]:8080/p", "http://www./x",
    "https://a.org/x?utm_source=y", "https://a.org/x?", "https://a.org/x#frag",
    "https://a.org/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8", "https://пример.рф/новости/",
])
def test_canonical_link_without_a_query_is_what_urlunsplit_builds(link):
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
    parts = urlsplit(link)
    host = parts.netloc.lower().removeprefix("www.")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not k.startswith("utm_")))
    assert canonical_link(link) == urlunsplit(("", host, parts.path.rstrip("/") or "/", query, ""))


def test_title_key_ignores_case_punctuation_and_short_titles():
    assert title_key("Лукашенко: «Заводы» — работают!") == title_key("лукашенко заводы работают")
    assert title_key("News") == ""


def test_html_to_text_control_characters_and_invisibles_mixed():
    assert html_to_text("a\x07b\u200bc\x1fd <i>e</i>\u00ad") == "a bc d e"


def test_normalize_entries_keep_skips_seen_items_but_gives_the_same_items():
    entries = [entry(guid="g1", title="<b>First</b>", summary="<p>one</p>"),
               entry(link="https://x.org/2", title="Second", summary="two"),
               entry(title="No id at all", summary="three", published_at=NOW),
               entry(guid="dup", title="Twice A"), entry(guid="dup", title="Twice B")]
    full = normalize_entries(entries, feed="f", feed_url="https://x.org/", fetched_at=NOW)
    offered = []

    def keep(keys):
        offered.extend(keys)
        return {keys[1], keys[2], keys[4]}

    kept = normalize_entries(entries, feed="f", feed_url="https://x.org/", fetched_at=NOW,
                             keep=keep)
    assert offered == [i.key for i in full]
    assert kept == [full[1], full[2], full[4]]


def test_entry_ids_match_the_ids_of_normalised_items():
    from monitor.normalize import entry_ids

    entries = [entry(guid="g"), entry(link="https://x.org/a"), entry(title="t", link="same"),
               entry(title="u", link="same"), entry(summary="only a summary")]
    items = normalize_entries(entries, feed="f", feed_url="", fetched_at=NOW)
    assert entry_ids(entries) == [i.id for i in items]
    assert items[2].id.startswith("sha1:") and items[2].id != items[3].id


def test_collapse_whitespace_splits_where_the_regex_whitespace_class_does():
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from monitor.normalize.text import collapse_whitespace

    @settings(max_examples=300, derandomize=True)
    @given(st.text(alphabet=st.characters(codec="utf-8")))
    def same(text):
        assert collapse_whitespace(text) == re.sub(r"\s+", " ", text).strip()

    same()
    every_space = "".join(chr(c) for c in range(0x3100) if chr(c).isspace())
    assert collapse_whitespace(f"a{every_space}b\x85c\u3000") == "a b c"
