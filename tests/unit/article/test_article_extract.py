"""monitor.article: the article in a page (tests/data/articles, see SOURCE.md there) without
its boilerplate, paywall stubs recognised, hostile pages bounded, never an exception."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from monitor.article import extract_article
from monitor.article.extract import MAX_ELEMENTS, MAX_TEXT_CHARS
from monitor.article.lead import cut, lead_of
from monitor.article.paywall import page_markers
from monitor.model import ArticleStatus

PAGES = Path(__file__).resolve().parents[2] / "data" / "articles"
HTML = {"content-type": "text/html"}  # no charset: the pages' own bytes decide


def read(name: str) -> bytes:
    return (PAGES / name).read_bytes()


# (page, title, sentences of the article, boilerplate that must stay out)
CASES = [
    ("en_boilerplate.html", "Drones seen over Minsk power station, officials say",
     ["circling the Minsk-5 combined heat and power station",
      "a transformer substation near the plant had been damaged",
      "previous sightings had been limited to the border regions in the south."],
     ["cookies", "Accept all", "Weather forecast", "Search the archive", "Home", "hiking trails",
      "dumpling bar", "Related stories", "obviously staged", "grandmother", "cheap watches",
      "Post comment", "morning briefing", "Privacy policy", "All rights reserved", "Comments"]),
    ("ru_cp1251.html", "Беспилотники атаковали нефтебазу под Брянском",
     ["несколько беспилотников атаковали нефтебазу в Брянской области",
      "Пожар площадью около трёхсот квадратных метров",
      "третья атака на объекты топливной инфраструктуры"],
     ["cookie", "Принять", "Гороскоп", "Читайте также", "зимние шины", "борща", "Опять врут",
      "сил уже нет", "Перепечатка", "Реклама", "Комментарии"]),
    ("be_cp1251.html", "У Гомелі ўзялі пад варту трох актывістаў",
     ["затрымалі трох мясцовых актывістаў", "каля пад'ездаў дамоў",
      "чацвёртая хваля затрыманняў у Гомельскай вобласці"],
     ["cookie", "Згодна", "Надвор'е", "Чытайце таксама", "дранікаў", "Палесся", "Трымайцеся",
      "танныя білеты", "Усе правы", "Каментары"]),
]


@pytest.mark.parametrize("name, title, sentences, boilerplate", CASES, ids=[c[0] for c in CASES])
def test_article_without_boilerplate(name, title, sentences, boilerplate):
    article = extract_article(read(name), HTML, f"https://example.org/{name}")
    assert article.status is ArticleStatus.OK, article.note
    assert article.title == title
    for sentence in sentences:
        assert sentence in article.text
    for words in boilerplate:
        assert words not in article.text, f"boilerplate {words!r} in the article text"
    assert not article.text.startswith(title), "the <h1> repeats the title"
    assert article.lead and article.text.startswith(article.lead.split("\n\n")[0])


def test_windows_1251_without_charset_is_detected():
    article = extract_article(read("ru_cp1251.html"), HTML, "https://example.org/ru")
    assert (article.encoding, article.encoding_source) == ("cp1251", "detected")
    assert "Р" not in article.title[1:] and "беспилотников" in article.text


def test_lead_is_whole_paragraphs_within_the_length():
    article = extract_article(read("en_boilerplate.html"), HTML, "u", lead_chars=500)
    paragraphs = article.text.split("\n")
    assert article.lead == paragraphs[0] + "\n\n" + paragraphs[1]
    assert len(article.lead) <= 500 < len(article.lead) + len(paragraphs[2])
    short = extract_article(read("en_boilerplate.html"), HTML, "u", lead_chars=80)
    assert len(short.lead) <= 80 and short.lead.endswith("…")
    assert paragraphs[0].startswith(short.lead[:-1])


@pytest.mark.parametrize("name, teaser, prompts", [
    ("en_paywall.html", "A months-long investigation traced engines",
     ["Subscribe", "subscribers only", "Sign in"]),
    ("ru_paywall.html", "Расследование показало, как двигатели",
     ["подписчикам", "Оформите подписку", "Войти"]),
], ids=["en-declared", "ru-prompts-only"])
def test_paywall_stub(name, teaser, prompts):
    article = extract_article(read(name), HTML, f"https://example.org/{name}")
    assert article.status is ArticleStatus.PAYWALLED
    assert article.text.startswith(teaser) and "paywall" in article.note
    for prompt in prompts:
        assert prompt not in article.text


def test_a_metered_page_with_the_whole_article_is_not_a_stub():
    """isAccessibleForFree: false, and the whole text served (flexible sampling)."""
    page = read("en_boilerplate.html").replace(
        b"</head>", b'<script type="application/ld+json">{"isAccessibleForFree": false}'
                    b"</script></head>").replace(
        b"</article>", b"<p>Subscribe to continue reading.</p></article>")
    article = extract_article(page, HTML, "u")
    assert article.status is ArticleStatus.OK
    assert "Subscribe" not in article.text and "Minskenergo" in article.text


@pytest.mark.parametrize("content_type, body", [
    ("application/pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
    ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
    ("", b"\x00\x01\x02 binary"),
])
def test_not_a_web_page(content_type, body):
    article = extract_article(body, {"content-type": content_type} if content_type else {}, "u")
    assert article.status is ArticleStatus.NOT_HTML and article.note


@pytest.mark.parametrize("body", [
    b"", b"   ", b"<html></html>", b"<<<>>>", b"<p>" * 300,
    # a page rendered by JavaScript: the shell has no text
    b'<!DOCTYPE html><html><head><title>News</title><script src="/app.js"></script></head>'
    b'<body><div id="root"></div><script>window.__STATE__={"a": "text in a script"}</script>'
    b"</body></html>"])
def test_no_article(body):
    article = extract_article(body, HTML, "u")
    assert article.status is ArticleStatus.NO_TEXT and not article.text and article.note


def test_huge_page_is_read_up_to_the_byte_cap():
    article_html = read("en_boilerplate.html").replace(b"</body>", b"")
    filler = b"<p>" + b"padding text " * 80 + b"</p>\n"
    body = article_html + filler * (6 * 1024 * 1024 // len(filler))
    article = extract_article(body, HTML, "u", max_bytes=1024 * 1024)
    assert article.truncated
    assert "transformer substation" in article.text
    assert len(article.text) <= MAX_TEXT_CHARS + 1


def test_markup_past_the_element_cap_is_not_read():
    """trafilatura's time grows with the tree: elements past MAX_ELEMENTS are cut off."""
    article_html = read("en_boilerplate.html").replace(b"</body>\n</html>", b"")
    soup = b"<div class='c'><span>a b c</span></div>" * MAX_ELEMENTS
    tail = b"<p>" + b"This sentence comes after the element cap. " * 10 + b"</p>"
    body = article_html + soup + tail + b"</body></html>"
    article = extract_article(body, HTML, "u")
    assert article.truncated and article.status is ArticleStatus.OK
    assert "Minskenergo" in article.text and "after the element cap" not in article.text


def test_deep_nesting_is_bounded():
    body = b"<html><body>" + b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000 + b"</body></html>"
    article = extract_article(body, HTML, "u")
    assert article.status in (ArticleStatus.NO_TEXT, ArticleStatus.OK)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000) | st.text(max_size=2000).map(lambda s: f"<html><body>{s}".encode()))
def test_never_raises(body):
    article = extract_article(body, HTML, "https://example.org/x")
    assert article.status in ArticleStatus


@pytest.mark.parametrize("text, limit, expected", [
    ("Short.", 100, "Short."),
    ("First sentence here. Second sentence is longer than that.", 30, "First sentence here."),
    ("one two three four five six seven", 20, "one two three four…"),
    ("x" * 50, 10, "x" * 9 + "…"),
])
def test_cut(text, limit, expected):
    assert cut(text, limit) == expected
    assert len(cut(text, limit)) <= limit


def test_lead_of_takes_the_first_paragraph_at_least():
    assert lead_of(["a" * 50, "b"], 10) == "a" * 9 + "…"
    assert lead_of(["aa", "bb", "cc"], 6) == "aa\n\nbb"
    assert lead_of([], 100) == "" and lead_of(["x"], 0) == ""


@pytest.mark.parametrize("markup, declared", [
    ('<div class="article paywall-box">', True), ("<section id='regwall'>", True),
    ('<script type="application/ld+json">{"isAccessibleForFree": "False"}</script>', True),
    ('<meta itemprop="isAccessibleForFree" content="false">', True),
    ('<meta property="article:content_tier" content="locked">', True),
    ('<meta property="article:content_tier" content="free">', False),
    ("<p>Readers debate the paywall and subscriber-only content.</p>", False),
    ('<div class="a">paywall</div>', False),
    ('{"isAccessibleForFree": true}', False),
])
def test_paywall_markers(markup, declared):
    assert page_markers(markup) is declared
