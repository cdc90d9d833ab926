"""Text helpers shared by normalize, language and match. Pure; stdlib only.

`html_to_text` turns feed HTML into one line of plain text; `fold` is the case and
orthography folding both sides of a keyword match go through; `WORD` finds the words in
folded text (hyphens, dots and slashes split words; an apostrophe inside a word does not).
"""

from __future__ import annotations

import html
import re
import unicodedata

_SCRIPT_STYLE = re.compile(r"<(script|style|noscript|template)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# Block-level tags become spaces so "a</p><p>b" does not read as "ab".
_TAG = re.compile(r"<[A-Za-z/!?][^>]*>")
# Soft hyphen, zero-width space/joiners, word joiner, BOM: invisible, and they split words.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RARE_CHAR = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def collapse_whitespace(text: str) -> str:
    # str.split() splits at the same characters as the regex \s (both use Py_UNICODE_ISSPACE)
    # and is several times faster than re.sub(r"\s+", " ", …) on a long summary.
    return " ".join(text.split())


def html_to_text(markup: str) -> str:
    """Strip tags, decode entities, drop invisible characters, collapse whitespace."""
    if not markup:
        return ""
    if "<" in markup:
        markup = _SCRIPT_STYLE.sub(" ", markup)
        if "<!--" in markup:
            markup = _COMMENT.sub(" ", markup)
        markup = _TAG.sub(" ", markup)
    if "&" in markup:
        markup = html.unescape(markup)
    # Both passes are rare; one search is a fraction of the cost of a dict translate.
    if _RARE_CHAR.search(markup):
        markup = _CONTROL.sub(" ", markup.translate(_INVISIBLE))
    return collapse_whitespace(markup)


# Belarusian/Ukrainian apostrophe forms are one character for matching. Combining acute and
# grave left after NFKC are stress marks (Russian dictionaries and learner texts write
# "бо́льшая"); on a Latin letter NFKC has already composed them, so dropping the leftovers only
# removes stress. Decomposed ё/й are composed by NFKC first.
_FOLD = str.maketrans({
    "ё": "е", "Ё": "е",
    "’": "'", "ʼ": "'", "`": "'", "ʹ": "'", "′": "'", "‘": "'",
    "\u0300": None, "\u0301": None,
})


_RARE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\u0300\u0301’ʼ`ʹ′‘]")


def _marks() -> str:
    """Every combining mark of the Basic Multilingual Plane, as a regex class body.

    Python's `\\w` excludes them, which would split Devanagari or Arabic words at each vowel
    sign; computed once at import (about 10 ms) rather than listed by hand.
    """
    ranges: list[list[int]] = []
    for cp in range(0x300, 0x10000):
        if unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    return "".join(f"\\u{a:04x}-\\u{b:04x}" if a != b else f"\\u{a:04x}" for a, b in ranges)


_WORD_CHAR = rf"[\w{_marks()}]"
# A word: letters, digits and marks, with apostrophes inside (сям'я, drone's). Matched on
# folded text, where every apostrophe form is already "'".
WORD = re.compile(rf"{_WORD_CHAR}+(?:'{_WORD_CHAR}+)*")


def fold(text: str) -> str:
    """NFKC, case-fold, ё→е, one apostrophe, no stress marks, no invisible characters.

    Length-preserving only when the input has no characters NFKC or casefold expand; callers
    that need offsets into the original text use `fold_with_offsets`.
    """
    # str.translate with a dict costs a Python-level lookup per character; it runs only when
    # a character it would change is present (matching calls this for every new item).
    text = unicodedata.normalize("NFKC", text)
    if _RARE.search(text):
        text = text.translate(_INVISIBLE).translate(_FOLD)
    text = text.casefold()
    return text.replace("ё", "е") if "ё" in text else text


_LENGTH_CHANGING = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\u0300\u0301]")


def fold_keeps_offsets(text: str) -> bool:
    """Whether `fold(text)[i]` comes from `text[i]` for every i (checked in C, no loop).

    True for almost all real text; lets callers skip `fold_with_offsets`.
    """
    return (unicodedata.is_normalized("NFKC", text) and len(text.casefold()) == len(text)
            and not _LENGTH_CHANGING.search(text))


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """`fold(text)` plus, for each folded character, its index in `text`.

    Folds one base character with its combining marks at a time, so a decomposed ё or й
    composes as in `fold`; every character of a cluster's output maps to the base.
    """
    out: list[str] = []
    offsets: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        ch = text[i]
        folded = fold(text[i:j]) if j - i > 1 or ord(ch) > 127 else ch.lower()
        out.append(folded)
        offsets.extend([i] * len(folded))
        i = j
    return "".join(out), offsets
