"""What the fast RSS path relies on in feedparser's internals (monitor.parse.feedparser_parts),
pinned against `feedparser.parse` itself with the installed feedparser: a release that changes
any of it fails here (and in the differential tests of test_parse_fast_rss.py), not in a feed.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import feedparser
import pytest

from monitor.parse import fast_rss
from monitor.parse.feedparser_parts import (CP1252, HANDLER_PREFIXES, NAMESPACES,
                                            convert_to_utf8, has_handler, parse_date,
                                            without_extra_slashes)


def reference(body: bytes, headers: dict[str, str] | None = None):
    return feedparser.parse(io.BytesIO(body), response_headers=headers or {},
                            sanitize_html=False, resolve_relative_uris=False)


def rss(item: str, ns: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"{ns}><channel><title>T'
            f'</title><item>{item}</item></channel></rss>').encode("utf-8")


@pytest.mark.parametrize("text", [
    "Wed, 01 Oct 2026 10:07:00 +0000", "Wed, 01 Oct 2026 10:07 GMT", "1 Oct 26 10:07:00 EST",
    "Wed, 01 Oct 2026 10:07:00 +0300", "Tue, 1 Jan 2019 25:00:00 GMT", "2026-10-01T10:07:00Z",
    "2026-10-01T10:07:00.123+03:00", "2026-10-01", "Wed Oct  1 10:07:00 2026", "20261001",
    "01 Jan 1970 00:00:00 +0000", "soon", "", "Среда, 1 октября 2026"])
def test_parse_date_is_what_feedparser_applies_to_a_pubdate(text):
    expected = reference(rss(f"<title>x</title><pubDate>{text}</pubDate>")).entries[0] \
        .get("published_parsed")
    assert parse_date(text) == expected


@pytest.mark.parametrize("body, headers", [
    ('<?xml version="1.0" encoding="utf-8"?><rss/>'.encode(), {}),
    ('<?xml version="1.0" encoding="windows-1251"?><rss>Минск</rss>'.encode("cp1251"), {}),
    ('<?xml version="1.0"?><rss>Минск</rss>'.encode("koi8_r"),
     {"content-type": "application/rss+xml; charset=koi8-r"}),
    ('<?xml version="1.0" encoding="utf-8"?><rss>Минск</rss>'.encode("cp1251"),
     {"content-type": "text/xml; charset=windows-1251"}),
    (b"\xef\xbb\xbf<rss>\xd0\x9c</rss>", {}),
    ('<?xml version="1.0" encoding="utf-16"?><rss>Минск</rss>'.encode("utf-16"), {}),
    (b'<?xml version="1.0" encoding="utf-8"?><rss>\xff\xfe broken</rss>', {}),
], ids=["utf-8", "windows-1251", "koi8-r-header", "header-beats-declaration", "bom",
        "utf-16", "invalid-utf-8"])
def test_convert_to_utf8_gives_expat_the_text_feedparser_reads(body, headers):
    result: dict = {}
    data = convert_to_utf8(dict(headers), body, result)
    parsed = reference(body, headers)
    assert result.get("encoding") == parsed.get("encoding")
    assert bool(result.get("bozo")) == bool(parsed.get("bozo"))
    if result.get("encoding"):
        # UTF-8 bytes whose declaration (if any) says UTF-8: expat reads them as they are.
        root = ET.fromstring(data)
        assert root.tag == "rss"
        assert (root.text or "") in body.decode(result["encoding"], "replace")


def test_the_namespace_table_maps_the_uris_rss_feeds_use_to_feedparsers_prefixes():
    assert NAMESPACES["http://purl.org/dc/elements/1.1/"] == "dc"
    assert NAMESPACES["http://purl.org/rss/1.0/modules/content/"] == "content"
    assert NAMESPACES["http://search.yahoo.com/mrss/"] == "media"
    assert NAMESPACES["http://www.w3.org/2005/atom"] == ""
    assert {"dc", "content", "media", "itunes", "georss"} <= HANDLER_PREFIXES


def test_every_item_element_the_fast_path_reads_has_a_feedparser_handler():
    # The fast path mirrors these handlers; an element without one is stored under its own
    # key by feedparser, which is what has_handler tells apart.
    for name in fast_rss._TEXT:
        assert has_handler(name), name
    assert not has_handler("monitor:nothing")


@pytest.mark.parametrize("element", sorted(fast_rss._HARMLESS))
def test_an_element_the_fast_path_skips_leaves_every_field_it_reads_alone(element):
    prefix = element.partition(":")[0] if ":" in element else ""
    uri = {k: v for v, k in NAMESPACES.items() if v}.get(prefix)
    ns = f' xmlns:{prefix}="{uri}"' if prefix else ""
    base = ("<title>Title</title><link>https://a.test/1</link><guid>g1</guid>"
            "<description>Summary</description><pubDate>Wed, 01 Oct 2026 10:07:00 +0000"
            "</pubDate>")
    plain = reference(rss(base, ns)).entries[0]
    tagged = reference(rss(base + f"<{element}>Other text</{element}>", ns)).entries[0]
    for key in ("title", "link", "id", "summary", "content", "published_parsed",
                "updated_parsed", "created_parsed", "title_detail", "summary_detail"):
        assert tagged.get(key) == plain.get(key), (element, key)


def test_c1_controls_read_as_windows_1252_as_in_feedparser():
    title = "".join(chr(c) for c in range(0x80, 0xA0))
    parsed = reference(rss(f"<title>a {title}</title>"))
    assert parsed.entries[0].title == "a " + title.translate(CP1252)
    assert len(CP1252) == 27  # 0x81, 0x8D, 0x8F, 0x90 and 0x9D are undefined in cp1252


@pytest.mark.parametrize("link", ["http:///a.test/x", "https:////a.test/x", "feed:///a.test",
                                  "http://a.test///x", "x:///y"])
def test_extra_slashes_after_the_scheme_go_as_in_feedparser(link):
    assert reference(rss(f"<link>{link}</link>")).entries[0].link == \
        without_extra_slashes(link)
