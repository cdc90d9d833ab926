"""Trimming to each service's limit: word boundaries, whole characters, whole entities and tags."""

import html
import re

import pytest
from hypothesis import given, strategies as st

from monitor.render.limits import (chars, trim, trim_atomic, trim_escaped, trim_html, utf16,
                                   utf8)


@pytest.mark.parametrize("text, expected", [
    ("abc", 3), ("привет", 6), ("😀", 2), ("a😀b", 4), ("👨‍👩‍👧", 8),
], ids=["ascii", "cyrillic is one unit each", "emoji is two", "mixed", "zwj family"])
def test_utf16_counts_code_units(text, expected):
    assert utf16(text) == expected
    assert utf16(text) == len(text.encode("utf-16-le")) // 2


def test_trim_keeps_text_that_fits():
    assert trim("short text", 10) == "short text"


def test_trim_cuts_on_a_word_boundary_and_adds_an_ellipsis():
    out = trim("Завод беспилотников в Елабуге расширяют", 25)
    assert out == "Завод беспилотников в…"
    assert len(out) <= 25


def test_trim_cuts_inside_a_word_longer_than_the_room():
    out = trim("x" * 100, 10)
    assert out == "x" * 9 + "…"


def test_trim_never_splits_a_surrogate_pair_when_counting_utf16():
    text = "😀" * 10
    out = trim(text, 7, utf16)
    assert utf16(out) <= 7
    assert out == "😀" * 3 + "…"


def test_trim_does_not_separate_a_combining_accent_from_its_letter():
    text = "e\u0301" * 10  # é as e + combining acute
    out = trim(text, 6)
    body = out.removesuffix("…")
    assert not body.endswith("e") or body == ""
    assert len(out) <= 6


def test_trim_by_utf8_bytes():
    out = trim("щ" * 100, 21, utf8)
    assert utf8(out) <= 21 and out.startswith("щщ")


def test_trim_escaped_keeps_entities_whole():
    text = "a & b " * 50
    out = trim_escaped(text, 40, lambda s: html.escape(s, quote=False))
    assert len(out) <= 40
    assert not re.search(r"&(?!amp;|lt;|gt;)", out), out


@given(st.text(min_size=0, max_size=300), st.integers(min_value=1, max_value=120))
def test_trim_escaped_is_always_within_limit_and_entity_safe(text, limit):
    out = trim_escaped(text, limit, lambda s: html.escape(s, quote=False), utf16)
    assert utf16(out) <= limit
    assert not re.search(r"&(?!amp;|lt;|gt;)", out)


def test_trim_html_counts_visible_text_and_closes_tags():
    markup = "<b>" + "word " * 20 + "</b> <a href=\"https://x.org/?a=1&amp;b=2\">link</a>"
    out = trim_html(markup, 30)
    assert out.startswith("<b>") and out.endswith("</b>")
    visible = html.unescape(re.sub(r"<[^>]*>", "", out))
    assert len(visible) <= 30


def test_trim_html_never_splits_an_entity_or_a_tag():
    markup = "x &amp; y " * 10 + "<i>tail</i>"
    for limit in range(1, 60):
        out = trim_html(markup, limit)
        assert not re.search(r"&(?!amp;)", out), (limit, out)
        assert out.count("<") == out.count(">")


def test_trim_html_with_markup_counted_fits_in_bytes():
    markup = "<b>" + "ж" * 100 + "</b>"
    out = trim_html(markup, 50, utf8, visible_only=False)
    assert utf8(out) <= 50 and out.endswith("</b>")


def test_trim_atomic_keeps_slack_links_whole():
    atom = re.compile(r"<[^>]*>|&(?:amp|lt|gt);")
    text = "see <https://example.org/a|the story> and more words here"
    for limit in range(1, len(text)):
        out = trim_atomic(text, limit, atom)
        assert chars(out) <= limit
        assert ("<https" not in out) or ("story>" in out), out
