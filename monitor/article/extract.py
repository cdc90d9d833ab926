"""Article stage: page bytes + response headers + URL → Article. Pure; trafilatura and lxml.

Extraction is trafilatura's (F1 0.924 on its own benchmark against readability-lxml's 0.826
and newspaper4k's 0.801). What we add around it:
- the encoding, decided here (monitor.article.decoding); trafilatura only ever gets a tree;
- bounds: at most `max_bytes` of the page are read, and its markup is cut after
  MAX_ELEMENTS elements in document order, because trafilatura's time grows with the tree:
  a 1 MB page of flat <div>s took 10 s. Its fallback extractors (readability, jusText) grow
  faster than linearly (a 5,000-row table: 4 s with them, 0.2 s without), so a tree larger
  than FALLBACK_ELEMENTS is extracted without them (`fast`); worst case on this machine
  about 0.4 s a page (bench/fulltext.py);
- the paywall verdict (monitor.article.paywall) and the lead (monitor.article.lead).
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Mapping

from monitor.article.decoding import decode_page
from monitor.article.lead import cut, lead_of, paragraphs
from monitor.article.paywall import is_stub, page_markers, without_prompts
from monitor.model import Article, ArticleStatus

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_LEAD_CHARS = 600
# News article pages hold 1,500-5,000 elements; the article comes before the comments,
# related links and footer that make a page longer. 5,000 bounds a hostile page's extraction
# to about half a second on this machine (bench/fulltext.py).
MAX_ELEMENTS = 5000
FALLBACK_ELEMENTS = 1500
# The text kept (and matched with `full_text: all`): two long reads' worth.
MAX_TEXT_CHARS = 100_000
MAX_TITLE_CHARS = 1000
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")
# Elements with no article text in them, dropped before the element count.
_NO_TEXT = ("script", "style", "noscript", "template", "svg", "math", "iframe", "object",
            "embed", "canvas", "video", "audio", "picture", "source", "select", "button")


def extract_article(body: bytes, headers: Mapping[str, str], url: str, *,
                    lead_chars: int = DEFAULT_LEAD_CHARS,
                    max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    """The article in a page. Never raises for a page's content: a page with no article, a
    paywall stub or a PDF is an Article with that status. `headers` have lower-case names."""
    content_type = headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    truncated = len(body) > max_bytes
    body = body[:max_bytes]
    if media_type and media_type not in _HTML_TYPES or not media_type and b"<" not in body[:1024]:
        return Article(url=url, status=ArticleStatus.NOT_HTML, truncated=truncated,
                       note=f"the link is not a web page ({media_type or 'no markup'})")
    page = decode_page(body, content_type)
    declared_paywall = page_markers(page.text)
    found = _trafilatura(page.text, url)
    base = dict(url=url, encoding=page.encoding, encoding_source=page.source)
    if found is None:
        return Article(**base, status=ArticleStatus.PAYWALLED if declared_paywall
                       else ArticleStatus.NO_TEXT, truncated=truncated,
                       note="the page is behind a paywall" if declared_paywall
                       else "no article text found on the page")
    title, raw_text, cut_tree = found
    title = cut(collapse(title), MAX_TITLE_CHARS)
    # Capped before the line work: trafilatura returns the text of a 5 MB paragraph whole.
    lines = _capped(paragraphs(raw_text[:2 * MAX_TEXT_CHARS], title=title), MAX_TEXT_CHARS)
    lines, prompted = without_prompts(lines)
    text = "\n".join(lines)
    truncated = truncated or cut_tree
    if is_stub(len(text), declared=declared_paywall, prompted=prompted):
        return Article(**base, status=ArticleStatus.PAYWALLED, title=title, text=text,
                       lead=lead_of(lines, lead_chars), truncated=truncated,
                       note="the page is behind a paywall: only its teaser was read")
    if not any(character.isalpha() for character in text):
        return Article(**base, status=ArticleStatus.NO_TEXT, title=title, truncated=truncated,
                       note="no article text found on the page")
    return Article(**base, status=ArticleStatus.OK, title=title, text=text,
                   lead=lead_of(lines, lead_chars), truncated=truncated)


def collapse(text: str | None) -> str:
    return " ".join((text or "").split())


def _capped(lines: list[str], limit: int) -> list[str]:
    """Whole lines up to `limit` characters; the line that crosses it is cut."""
    out, size = [], 0
    for line in lines:
        if size + len(line) > limit:
            rest = limit - size
            if rest > 0:
                out.append(cut(line, rest))
            break
        out.append(line)
        size += len(line) + 1
    return out


def _trafilatura(text: str, url: str) -> tuple[str, str, bool] | None:
    """(title, text with one block per line, whether the tree was cut), or None when the
    page has no article text (or is not HTML that lxml can read)."""
    tree = _tree(text)
    if tree is None:
        return None
    elements = _count_up_to(tree, MAX_ELEMENTS + 1)
    was_cut = elements > MAX_ELEMENTS and _cut_after(tree, MAX_ELEMENTS)
    trafilatura = _trafilatura_module()
    try:
        document = trafilatura.bare_extraction(
            tree, url=url, fast=elements > FALLBACK_ELEMENTS, with_metadata=True, include_comments=False, include_images=False,
            include_links=False, include_formatting=False,
            # Only the title is read from the metadata: no extensive search for the date.
            date_extraction_params={"extensive_search": False, "original_date": False})
    except Exception as exc:  # noqa: BLE001 - a library on hostile markup must not cost the alert
        log.warning("Article extraction failed url=%s error=%s", url, type(exc).__name__)
        return None
    if document is None or not (document.text or "").strip():
        return None
    return document.title or "", document.text or "", was_cut


def _tree(text: str) -> Any:
    from lxml import etree, html

    # Bytes in the codec we name: lxml then never reads a <meta charset> or an XML
    # declaration (a str with one is refused), the decision above stands.
    parser = html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                             collect_ids=False, default_doctype=False)
    try:
        tree = html.document_fromstring(text.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, ValueError):
        return None
    etree.strip_elements(tree, *_NO_TEXT, with_tail=False)
    return tree


def _count_up_to(tree: Any, limit: int) -> int:
    count = 0
    for count, _ in enumerate(tree.iter(), start=1):
        if count >= limit:
            break
    return count


def _cut_after(tree: Any, limit: int) -> bool:
    """Remove every element after the `limit`-th in document order. True if any was."""
    last = None
    for count, element in enumerate(tree.iter()):
        if count == limit:
            last = element
            break
    if last is None:
        return False
    del last[:]
    node = last
    # Slices are deleted in C: 155,000 siblings one by one took 0.4 s.
    while (parent := node.getparent()) is not None:
        del parent[parent.index(node) + 1:]
        node = parent
    return True


@functools.cache
def _trafilatura_module() -> Any:
    """trafilatura, imported on the first page (0.3 s: a poll without full text does not pay)."""
    import trafilatura

    return trafilatura
