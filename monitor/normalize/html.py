"""Normalize stage: feed HTML → the one line of plain text a reader sees. Pure.

A real HTML5 tokenizer and tree builder (lexbor, through selectolax), as a browser reads the
markup: an attribute value holding '>' or a comment never leaks into the text. Markup with more
tags than a tree can build in linear time goes through the standard library's tokenizer.
Imports normalize.text, the standard library and selectolax (lazily).
"""

from __future__ import annotations

import functools
import html
import re
from html.parser import HTMLParser

from monitor.normalize.text import collapse_whitespace, strip_unseen

# Elements whose content a reader never sees as text.
_HIDDEN = ("script", "style", "noscript", "template", "iframe", "noembed", "noframes")
# Case-insensitive by character classes: half the cost of re.I on a real summary. It may say
# yes for other tags (<strong>, <table>); then strip_tags finds nothing to strip.
_HIDDEN_TAG = re.compile(r"<(?:[sS][cCtT]|[nN][oO]|[tT][eE][mM]|[iI][fF])")
# HTML5 tree construction checks the stack of open elements for each new element, so a body
# of N nested <div>s costs O(N²) in lexbor as in browsers (20,000 took 0.44 s, 100,000 took
# 13 s). Markup with more tags than this goes through html.parser, a tokenizer without a tree:
# linear, 2-3x slower per tag. Real feed texts have at most 434 (tests/data/feeds).
MAX_TREE_TAGS = 1000


def html_to_text(markup: str) -> str:
    """The text a reader of `markup` sees, on one line: tags gone (each one a space), entities
    decoded, script/style/template content dropped, unseen characters removed, whitespace
    collapsed. Attribute values, comments and CDATA never leak into the text."""
    if not markup:
        return ""
    if "<" in markup:
        text = _markup_text(markup)
    elif "&" in markup:
        text = html.unescape(markup)
    else:
        text = markup
    # Collapsed first: the search for unseen characters then reads less text.
    text = collapse_whitespace(text)
    cleaned = strip_unseen(text)  # the same object when there was nothing to remove
    return text if cleaned is text else collapse_whitespace(cleaned)


def _markup_text(markup: str) -> str:
    # A tag takes 3 characters at least: only a long text can have too many.
    if len(markup) > 3 * MAX_TREE_TAGS and markup.count("<") > MAX_TREE_TAGS:
        return _tokenized_text(markup)
    # A summary is a fragment of a page (as innerHTML of a <div>), and nothing here needs
    # DOM mutation events: 2 µs less per text than a whole document with events, same text
    # on every real and farm text.
    parser, without_events = _lexbor()
    tree = parser(markup, is_fragment=True, options=without_events)
    if _HIDDEN_TAG.search(markup):
        tree.strip_tags(list(_HIDDEN))
    root = tree.root
    return root.text(separator=" ") if root is not None else ""


@functools.cache
def _lexbor() -> tuple[type, int]:
    """selectolax's parser, imported when the first markup comes (10-20 ms: a poll that finds
    nothing new does not pay it)."""
    from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser

    return LexborHTMLParser, LexborDocumentOptions.WO_EVENTS.value


class _TextTokenizer(HTMLParser):
    """The text of markup from html.parser's tokenizer: each tag a space, hidden elements'
    content dropped (script and style are raw text to it already), comments and declarations
    ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: object) -> None:
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and self.hidden:
            self.hidden -= 1
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _tokenized_text(markup: str) -> str:
    tokenizer = _TextTokenizer()
    tokenizer.feed(markup)
    tokenizer.close()
    return "".join(tokenizer.parts)
