"""monitor.article.decoding: the page's encoding, decided explicitly (BOM, HTTP charset, meta
charset, detection) before trafilatura sees anything."""

import codecs

import pytest

from monitor.article.decoding import decode_page, web_encoding

RU = "Беспилотники атаковали нефтебазу под Брянском, сообщил губернатор региона. " * 3
BE = "У Гомелі ў аўторак затрымалі трох мясцовых актывістаў, паведамляюць праваабаронцы. " * 3


def page(text: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>x</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize("text, encoding", [
    (RU, "cp1251"), (BE, "cp1251"), (RU, "koi8-r"), (RU, "utf-8"), (BE, "utf-8"),
], ids=["ru-cp1251", "be-cp1251", "ru-koi8r", "ru-utf8", "be-utf8"])
def test_no_declaration_is_detected(text, encoding):
    decoded = decode_page(page(text).encode(encoding), "text/html")
    assert text in decoded.text
    assert decoded.encoding == codecs.lookup(encoding).name
    assert decoded.source == "detected"


def test_http_charset_wins_over_meta():
    body = page(RU, '<meta charset="koi8-r">').encode("cp1251")
    decoded = decode_page(body, "text/html; charset=windows-1251")
    assert (RU in decoded.text, decoded.encoding, decoded.source) == (True, "cp1251", "http")


@pytest.mark.parametrize("head", [
    '<meta charset="windows-1251">', "<meta charset=windows-1251>",
    '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
    "<META HTTP-EQUIV='content-type' CONTENT='text/html;charset=x-cp1251'>",
])
def test_meta_charset(head):
    decoded = decode_page(page("Да", head).encode("cp1251"), "text/html")
    assert ("Да" in decoded.text, decoded.encoding, decoded.source) == (True, "cp1251", "meta")


def test_bom_wins_over_the_header():
    body = codecs.BOM_UTF8 + page(BE).encode("utf-8")
    decoded = decode_page(body, "text/html; charset=windows-1251")
    assert (BE in decoded.text, decoded.source) == (True, "bom")
    assert not decoded.text.startswith("\ufeff")


def test_utf16_with_bom():
    decoded = decode_page(codecs.BOM_UTF16_LE + page(RU).encode("utf-16-le"), None)
    assert RU in decoded.text and decoded.encoding == "utf-16-le"


def test_a_false_utf8_declaration_is_passed_over():
    """A server whose default header says utf-8 in front of a windows-1251 page."""
    body = page(RU, '<meta charset="windows-1251">').encode("cp1251")
    decoded = decode_page(body, "text/html; charset=utf-8")
    assert (RU in decoded.text, decoded.source) == (True, "meta")
    decoded = decode_page(page(RU).encode("cp1251"), "text/html; charset=UTF-8")
    assert (RU in decoded.text, decoded.source) == (True, "detected")


def test_latin1_label_means_windows_1252():
    """The Encoding Standard: iso-8859-1 is windows-1252 (0x93/0x94 are curly quotes)."""
    decoded = decode_page(b"<p>\x93quoted\x94</p>", "text/html; charset=ISO-8859-1")
    assert "\u201cquoted\u201d" in decoded.text


@pytest.mark.parametrize("label", ["utf-7", "rot13", "zlib_codec", "base64", "nonsense", ""])
def test_labels_outside_the_web_are_ignored(label):
    assert web_encoding(label) is None
    body = page(RU).encode("cp1251")
    decoded = decode_page(body, f"text/html; charset={label}")
    assert RU in decoded.text and decoded.source == "detected"


def test_meta_utf16_means_utf8():
    decoded = decode_page(page("Да", '<meta charset="utf-16">').encode("utf-8"), None)
    assert ("Да" in decoded.text, decoded.encoding) == (True, "utf-8")


def test_utf8_cut_inside_a_character_stays_utf8():
    body = page(RU).encode("utf-8")
    body = body[:body.index("Брянском".encode()) + 3]  # inside "р"
    decoded = decode_page(body, None)
    assert decoded.encoding == "utf-8" and "нефтебазу" in decoded.text
