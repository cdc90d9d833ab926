from datetime import datetime, timezone

import pytest

from monitor.errors import ParseError
from monitor.parse import parse_feed

NEWSRU_FIRST = "В Турции психически нездоровый мужчина взорвал хлопушку в здании Минюста"


@pytest.mark.parametrize("path, entries, first_title_start, language", [
    ("be/belsat_2026_prospect.xml", 15, "Ці далучыцца Нямеччына да пазову", "en"),
    ("ru/newsru-com_2006_windows-1251.xml", 30, NEWSRU_FIRST, "ru"),
    ("ru/newsru-com_2006_koi8-r.xml", 30, NEWSRU_FIRST, "ru"),
    ("ru/newsru-com_2006_ibm866.xml", 30, NEWSRU_FIRST, "ru"),
    ("ru/kapranoff-ru_2005_koi8-r_rdf.xml", 15, "пулюм-пулюм", "en"),
    ("ru/janulalife-blogspot_2005_windows-1251_atom03.xml", 7, "Первый снег", "ru"),
    ("en/slashdot_2024_rdf_iso-8859-1.xml", 15, "Ransomware Attack Hampers", "en"),
    ("en/talkingpointsmemo_2017_atom.xml", 20, "Hannity Announces Fox", "en"),
    ("en/bbc-news-home_2023.xml", 69, "Sir David Amess", "en"),
    ("mixed/bbc-ukrainian_2016.xml", 20, "Independent: паролей в інтернеті", "uk"),
], ids=lambda v: v if isinstance(v, str) and v.endswith(".xml") else None)
def test_parse_feed_decodes_real_feeds(data_dir, path, entries, first_title_start, language):
    parsed = parse_feed((data_dir / "feeds" / path).read_bytes(), feed="t")
    assert len(parsed.entries) == entries
    assert parsed.entries[0].title.startswith(first_title_start)
    assert parsed.language == language


def test_parse_feed_uses_the_http_charset_over_a_missing_declaration():
    body = ('<rss version="2.0"><channel><title>t</title><item><title>Минск и дроны</title>'
            "<guid>1</guid></item></channel></rss>").encode("windows-1251")
    parsed = parse_feed(body, feed="t", headers={"content-type": "application/rss+xml; "
                                                               "charset=windows-1251"})
    assert parsed.entries[0].title == "Минск и дроны"


def test_parse_feed_bozo_feed_with_entries_is_a_warning(data_dir):
    parsed = parse_feed((data_dir / "feeds/en/theguardian-world_2022.xml").read_bytes(), feed="g")
    assert parsed.is_bozo and len(parsed.entries) == 54
    assert parsed.bozo_message and "SAXParseException" in parsed.bozo_message


def test_parse_feed_valid_channel_with_no_items_is_not_an_error(data_dir):
    parsed = parse_feed((data_dir / "feeds/en/dailymail-world_2017.xml").read_bytes(), feed="d")
    assert parsed.entries == () and not parsed.is_bozo


@pytest.mark.parametrize("body, headers, message", [
    (b"<!DOCTYPE html><html><body><p>Hello</p></body></html>", {"content-type": "text/html"},
     "parse h: not a feed (got an HTML page, text/html)"),
    (b"<html><head><title>x</title></head><body>no feed</body></html>", {},
     "parse h: not a feed (got an HTML page)"),
    (b"this is plain text, not XML at all", {"content-type": "text/plain"},
     "parse h: not a feed: "),
    (b"<?xml version='1.0'?><catalog><book>x</catalog>", {}, "parse h: not a feed: "),
])
def test_parse_feed_without_entries_is_a_parse_error(body, headers, message):
    with pytest.raises(ParseError) as info:
        parse_feed(body, feed="h", headers=headers)
    assert str(info.value).startswith(message)


def test_parse_feed_dates_are_utc():
    body = (b'<rss version="2.0"><channel><title>t</title><item><title>a</title><guid>1</guid>'
            b"<pubDate>Tue, 03 Jan 2006 09:42:00 +0300</pubDate></item></channel></rss>")
    entry = parse_feed(body, feed="t").entries[0]
    assert entry.published_at == datetime(2006, 1, 3, 6, 42, tzinfo=timezone.utc)


def test_parse_feed_keeps_html_for_normalize_and_content_encoded():
    body = ('<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            "<channel><title>t</title><item><title>a &amp; b</title><guid>g1</guid>"
            "<link>/news/1</link><description>teaser</description>"
            "<content:encoded><![CDATA[<p>Full <b>text</b></p>]]></content:encoded>"
            "</item></channel></rss>").encode()
    entry = parse_feed(body, feed="t", headers={"content-location": "https://example.org/feed"}).entries[0]
    assert entry.title == "a & b"
    assert entry.summary == "teaser"
    assert "<b>text</b>" in entry.content
    assert entry.guid == "g1"


def test_parse_feed_entry_language_from_atom_xml_lang():
    body = ('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ru"><title>t</title>'
            '<entry xml:lang="be"><title>Навіны</title><id>1</id></entry>'
            "<entry><title>Новости</title><id>2</id></entry></feed>").encode()
    parsed = parse_feed(body, feed="t")
    assert [e.language for e in parsed.entries] == ["be", "ru"]
