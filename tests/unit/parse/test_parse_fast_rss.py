"""The fast RSS path (monitor.parse.fast_rss) against feedparser, the reference.

Differential: every real feed in data/feeds and every feedparser test document in
data/feedparser-tests is parsed both ways; whenever the fast path accepts a document, the
ParsedFeed and the normalised Items must be identical to feedparser's. Generated documents
(hypothesis) cover the combinations of item elements the fast path mirrors.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.errors import ParseError
from monitor.normalize import normalize_entries
from monitor.parse import parse_feed
from monitor.parse.fast_rss import Unsupported, read_rss, read_rss_or_raise

DATA = Path(__file__).resolve().parents[2] / "data"
DOCUMENTS = sorted([*DATA.glob("feeds/**/*.xml"), *DATA.glob("feedparser-tests/**/*.xml")])
FETCHED_AT = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
_HEADER = re.compile(rb"^Header:\s*([^:]+):\s*(.*?)\s*$", re.M)


def response_headers(body: bytes) -> dict[str, str]:
    """The `Header:` lines of a feedparser test document: what its test server sent."""
    comment = re.search(rb"<!--(.*?)-->", body[:4000], re.S)
    if not comment:
        return {}
    return {k.decode().strip().lower(): v.decode("latin-1")
            for k, v in _HEADER.findall(comment.group(1))}


def both_ways(body: bytes, headers: dict[str, str]):
    out = []
    for fast_path in (True, False):
        try:
            out.append(parse_feed(body, feed="t", headers=headers, fast_path=fast_path))
        except ParseError as exc:
            out.append(str(exc))
    return out


def items(parsed):
    return normalize_entries(parsed.entries, feed="t", feed_url="https://example.org/feed.xml",
                             fetched_at=FETCHED_AT)


def assert_same(body: bytes, headers: dict[str, str]) -> bool:
    """Both paths agree; returns whether the fast path took the document."""
    took = read_rss(body, headers) is not None
    fast, reference = both_ways(body, headers)
    if isinstance(reference, str) or isinstance(fast, str):
        assert fast == reference
        return took
    assert fast.entries == reference.entries
    assert (fast.title, fast.language, fast.is_bozo, fast.bozo_message) == \
        (reference.title, reference.language, reference.is_bozo, reference.bozo_message)
    assert items(fast) == items(reference)
    return took


@pytest.mark.slow
@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(DATA)))
def test_rss_fast_path_gives_feedparsers_items(path):
    body = path.read_bytes()
    assert_same(body, response_headers(body))


def test_rss_fast_path_takes_most_rss_documents():
    """The differential test above is only as good as what the fast path accepts."""
    taken = [p for p in DOCUMENTS if read_rss(p.read_bytes(), response_headers(p.read_bytes()))]
    real = {str(p.relative_to(DATA / "feeds")) for p in taken if "feeds" == p.relative_to(DATA).parts[0]}
    assert len(taken) >= 280
    assert len(real) >= 25
    assert {"be/belsat_2026_prospect.xml", "ru/bbc-russian_feedgen.xml",
            "ru/newsru-com_2006_windows-1251.xml", "ru/newsru-com_2006_koi8-r.xml",
            "en/bbc-news-home_2023.xml", "mixed/bbc-ukrainian_2016.xml"} <= real


@pytest.mark.parametrize("path, reason", [
    ("feeds/en/talkingpointsmemo_2017_atom.xml", "root element"),
    ("feeds/en/slashdot_2024_rdf_iso-8859-1.xml", "root element"),
    ("feeds/en/theguardian-world_2022.xml", "not well-formed"),
    ("feeds/en/dailymail-world_2017.xml", "no items"),
    ("feedparser-tests/wellformed/rss/item_guid_isPermaLink_ValueError.xml", "base"),
    ("feedparser-tests/wellformed/media-rss/item_media_title2.xml", "mrss"),
])
def test_rss_fast_path_declines_what_it_does_not_mirror(path, reason):
    body = (DATA / path).read_bytes()
    with pytest.raises(Unsupported, match=reason):
        read_rss_or_raise(body, response_headers(body))


def rss(items: str, *, channel: str = "", decl: str = '<?xml version="1.0" encoding="utf-8"?>',
        ns: str = "") -> bytes:
    return (f'{decl}<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
            f' xmlns:dc="http://purl.org/dc/elements/1.1/"{ns}><channel><title>T</title>'
            f'{channel}{items}</channel></rss>').encode("utf-8")


@pytest.mark.parametrize("item, expected", [
    # a permalink guid is the link when there is no <link>, wherever the <link> is
    ("<guid>https://a.test/1</guid><title>x</title>", ("https://a.test/1", "https://a.test/1")),
    ('<guid isPermaLink="false">urn:1</guid><title>x</title>', ("urn:1", None)),
    ("<guid>https://a.test/1</guid><link>https://a.test/2</link>",
     ("https://a.test/1", "https://a.test/2")),
    ("<link>https://a.test/2</link><guid>https://a.test/1</guid>",
     ("https://a.test/1", "https://a.test/2")),
    ("<link/><guid>https://a.test/1</guid>", ("https://a.test/1", None)),
    # feedparser repairs "&b;=" in links and drops slashes after "scheme://"
    ("<link>https://a.test/?a=1&amp;b;=2</link>", (None, "https://a.test/?a=1&b=2")),
    ("<link>http:///a.test/x</link>", (None, "http://a.test/x")),
], ids=["permalink-guid", "not-permalink", "guid-then-link", "link-then-guid", "empty-link",
        "link-entities", "link-slashes"])
def test_rss_guid_and_link_follow_feedparser(item, expected):
    body = rss(f"<item>{item}</item>")
    assert read_rss(body, {}) is not None
    assert_same(body, {})
    entry = parse_feed(body, feed="t").entries[0]
    assert (entry.guid, entry.link) == expected


def test_rss_summary_is_the_description_and_content_encoded_is_content():
    for item in ("<description>teaser</description><content:encoded>&lt;p&gt;full&lt;/p&gt;"
                 "</content:encoded>",
                 "<content:encoded>&lt;p&gt;full&lt;/p&gt;</content:encoded>"
                 "<description>teaser</description>"):
        body = rss(f"<item><title>x</title>{item}</item>")
        assert_same(body, {})
        entry = parse_feed(body, feed="t").entries[0]
        assert (entry.summary, entry.content) == ("teaser", "<p>full</p>")
    body = rss("<item><title>x</title><content:encoded><![CDATA[<b>only</b>]]></content:encoded>"
               "</item>")
    assert_same(body, {})
    assert parse_feed(body, feed="t").entries[0].summary == "<b>only</b>"


@pytest.mark.parametrize("title, expected", [
    ("caf\u00c3\u00a9", "café"),  # UTF-8 read as Latin-1 once is repaired…
    ("\u0093quoted\u0094", "\u201cquoted\u201d"),  # …C1 controls become cp1252's characters…
    ("caf\u00c3\u00a9 \u0093", "caf\u00c3\u00a9 \u201c"),  # …and a mix is only mapped
    ("Минск \u00c3\u00a9", "Минск \u00c3\u00a9"),
], ids=["latin1-mojibake", "c1-controls", "both", "cyrillic"])
def test_rss_text_fixes_follow_feedparser(title, expected):
    body = rss(f"<item><title>{title}</title></item>")
    assert_same(body, {})
    assert parse_feed(body, feed="t").entries[0].title == expected


def test_rss_language_from_header_then_channel():
    body = rss("<item><title>x</title></item>", channel="<language>ru-RU</language>")
    assert_same(body, {})
    assert parse_feed(body, feed="t").entries[0].language == "ru"
    headers = {"content-type": "application/rss+xml", "content-language": "be_BY"}
    assert_same(body, headers)
    assert parse_feed(body, feed="t", headers=headers).entries[0].language == "be"


@pytest.mark.parametrize("charset, encoding", [("windows-1251", "cp1251"), ("koi8-r", "koi8_r")])
def test_rss_legacy_cyrillic_encodings_are_read_like_feedparser(charset, encoding):
    doc = rss("<item><title>Беспилотник над Минском</title></item>").decode("utf-8")
    body = doc.replace('encoding="utf-8"', f'encoding="{charset}"').encode(encoding)
    assert read_rss(body, {}) is not None
    assert_same(body, {"content-type": f"application/rss+xml; charset={charset}"})
    assert parse_feed(body, feed="t").entries[0].title == "Беспилотник над Минском"


@pytest.mark.parametrize("body, reason", [
    (rss("<item><title>a</title><title>b</title></item>"), "second title"),
    (rss("<item><description>a</description><description>b</description></item>"),
     "second description"),
    (rss("<item><title>a <b>bold</b></title></item>"), "markup inside"),
    (rss('<item xml:lang="be"><title>a</title></item>'), "attributes on an item"),
    (rss("<item><dc:title>a</dc:title></item>"), "item child"),
    (rss("<item><title>a</title></item>", ns=' xmlns:media="urn:not-media-rss"'), "prefix"),
    (rss("<item><title>a</title></item><foo><item><title>b</title></item></foo>"), "outside"),
    (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "x">]><rss><channel><item><title>&e;'
     b'</title></item></channel></rss>', "DOCTYPE"),
], ids=["two-titles", "two-descriptions", "markup", "xml-lang", "dc-title", "foreign-media",
        "nested-item", "doctype"])
def test_rss_declines_and_feedparser_reads_instead(body, reason):
    with pytest.raises(Unsupported, match=reason):
        read_rss_or_raise(body, {})
    assert_same(body, {})


# -- generated documents -----------------------------------------------------------------------

_TEXT = st.text(alphabet=st.sampled_from(list("aZ09 -.,:;!?'\"&<>/=é€“”ёЁўіІїґЪ\u0085\u0093\u00a0"
                                              "\u00c3\u00a9\u00ad\t\n")), max_size=30)
_DATES = st.sampled_from(["Wed, 01 Oct 2026 10:07:00 +0000", "Tue, 1 Jan 2019 25:00:00 GMT",
                          "2026-10-01T10:07:00+03:00", "01 Jan 1970 00:00:00 +0000", "soon", ""])


def _wrap(text: str, cdata: bool) -> str:
    if cdata and "]]>" not in text:
        return f"<![CDATA[{text}]]>"
    return escape(text)


@st.composite
def _items(draw):
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        children = []
        kinds = draw(st.lists(st.sampled_from(
            ["title", "link", "guid", "guid-false", "description", "content", "pubDate",
             "dc:date", "dc:creator", "category", "enclosure", "comments", "unknown"]),
            max_size=9))
        seen = set()
        for kind in kinds:
            once = kind in ("title", "description") or kind.startswith("guid")
            if once and (kind in seen or (kind.startswith("guid") and "guid" in seen)):
                continue
            seen.add("guid" if kind.startswith("guid") else kind)
            text = draw(_TEXT)
            cdata = draw(st.booleans())
            if kind in ("pubDate", "dc:date"):
                children.append(f"<{kind}>{draw(_DATES)}</{kind}>")
            elif kind == "guid-false":
                children.append(f'<guid isPermaLink="false">{_wrap(text, cdata)}</guid>')
            elif kind == "content":
                children.append(f"<content:encoded>{_wrap(text, cdata)}</content:encoded>")
            elif kind == "enclosure":
                children.append('<enclosure url="https://a.test/x.jpg" type="image/jpeg"/>')
            elif kind == "unknown":
                children.append(f"<x:extra>{_wrap(text, cdata)}</x:extra>")
            else:
                children.append(f"<{kind}>{_wrap(text, cdata)}</{kind}>")
        parts.append("<item>" + "".join(children) + "</item>")
    return "".join(parts)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(items=_items(), language=st.sampled_from(["", "<language>be</language>"]),
       header=st.sampled_from([{}, {"content-type": "application/rss+xml"},
                               {"content-type": "text/xml"},
                               {"content-type": "text/html; charset=utf-8"},
                               {"content-type": "application/xml", "content-language": "ru"}]))
def test_rss_generated_documents_match_feedparser(items, language, header):
    body = rss(items, channel=language, ns=' xmlns:x="urn:example:extra"')
    assert_same(body, header)


def test_rss_fast_path_reads_the_benchmark_farm_like_feedparser(tmp_path):
    """bench/poll.py's farm is what the speed goals are measured on: it must take the fast path
    and give feedparser's items."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    from farm import Farm

    farm = Farm.generate(tmp_path / "farm", 12)
    for name in farm.files():
        body = (farm.feeds_dir / name).read_bytes()
        for headers in ({}, {"content-type": "application/rss+xml"}):
            assert assert_same(body, headers), name
