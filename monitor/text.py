"""Text helpers shared by normalize, language and match. Pure; stdlib only.

`html_to_text` turns feed HTML into one line of plain text; `fold` is the case and
orthography folding both sides of a keyword match go through.
"""

from __future__ import annotations

import html
import re
import unicodedata

_SCRIPT_STYLE = re.compile(r"<(script|style|noscript|template)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# Block-level tags become spaces so "a</p><p>b" does not read as "ab".
_TAG = re.compile(r"<[A-Za-z/!?][^>]*>")
_WS = re.compile(r"\s+")
# Soft hyphen, zero-width space/joiners, word joiner, BOM: invisible, and they split words.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def collapse_whitespace(text: str) -> str:
    return _WS.sub(" ", text).strip()


def html_to_text(markup: str) -> str:
    """Strip tags, decode entities, drop invisible characters, collapse whitespace."""
    if not markup:
        return ""
    if "<" in markup:
        markup = _SCRIPT_STYLE.sub(" ", markup)
        markup = _COMMENT.sub(" ", markup)
        markup = _TAG.sub(" ", markup)
    if "&" in markup:
        markup = html.unescape(markup)
    markup = markup.translate(_INVISIBLE)
    markup = _CONTROL.sub(" ", markup)
    return collapse_whitespace(markup)


# Belarusian/Ukrainian apostrophe forms are one character for matching.
_FOLD = str.maketrans({
    "ё": "е", "Ё": "е",
    "’": "'", "ʼ": "'", "`": "'", "ʹ": "'", "′": "'", "‘": "'",
})


def fold(text: str) -> str:
    """NFKC, case-fold, ё→е, one apostrophe, no invisible characters.

    Length-preserving only when the input has no characters NFKC or casefold expand; callers
    that need offsets into the original text use `fold_with_offsets`.
    """
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return text.casefold().translate(_FOLD)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """`fold(text)` plus, for each folded character, its index in `text`."""
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        folded = fold(ch) if ord(ch) > 127 else ch.lower()
        out.append(folded)
        offsets.extend([i] * len(folded))
    return "".join(out), offsets
