"""Text helpers shared by normalize, language, rules, article and render. Pure; stdlib only.

`strip_unseen` removes the invisible characters a publisher can use to spoof what a reader
sees; `fold` is the case and orthography folding both sides of a keyword match go through;
`WORD` finds the words in folded text (hyphens, dots and slashes split words; an apostrophe
inside a word does not). HTML to text is `html.html_to_text`.
"""

from __future__ import annotations

import re
import unicodedata

from monitor.normalize.marks import MARKS, UNICODE_VERSION


# Invisible format characters (Unicode Cf) that change how text reads without being seen:
# the bidi embeddings, overrides and isolates (U+202A-E, U+2066-9; "Trojan Source",
# CVE-2021-42574) and marks (U+200E/F, U+061C), zero-width space, word joiner and invisible
# operators, the deprecated format controls U+206A-F, interlinear annotations, the BOM, the
# Mongolian vowel separator, and the soft hyphen. The joiners ZWNJ/ZWJ are kept where a script
# needs them -- between two characters from U+0590 up (Persian, Urdu and Indic words, emoji
# sequences) -- and dropped elsewhere, where they only hide a word from a search. Arabic and
# Syriac signs (U+0600-5 …) are visible and stay. Tag characters (U+E0000-7F) render as
# nothing and reorder nothing, and flag emoji need them: they stay in the text and matching
# ignores them (_INVISIBLE); leaving astral ranges out of this class halves the cost of the
# search every feed text gets (0.84 µs against 1.32 on the real and farm texts).
_SPOOFING = ("\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
             "\u2066-\u206f\ufeff\ufff9-\ufffb")
_UNSEEN = re.compile(f"[{_SPOOFING}]|(?<![\u0590-\U0010ffff])[\u200c\u200d]"
                     f"|[\u200c\u200d](?![\u0590-\U0010ffff])")
# C0 controls become spaces. C1 controls stay in feed text: in real feeds they are the bytes
# of mojibake (UTF-8 read as Latin-1: "â€\x9d" is a closing quote; 31 texts of tests/data/feeds),
# which a repair needs; what renders an alert removes them (render.view).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RARE_CHAR = re.compile(f"[{_SPOOFING}\u200c\u200d\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# For matching every joiner and format control is ignored.
_INVISIBLE = dict.fromkeys(
    [ord(c) for c in "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"]
    + [*range(0x202A, 0x202F), *range(0x2061, 0x2065), *range(0x2066, 0x2070),
       *range(0xFFF9, 0xFFFC), 0xE0001, *range(0xE0020, 0xE0080)], None)


def collapse_whitespace(text: str) -> str:
    # str.split() splits at the same characters as the regex \s (both use Py_UNICODE_ISSPACE)
    # and is several times faster than re.sub(r"\s+", " ", …) on a long summary.
    return " ".join(text.split())


def strip_unseen(text: str) -> str:
    """`text` without spoofing format characters (see _SPOOFING) and with control characters
    as spaces. Every feed-provided string goes through it, and every string a renderer emits."""
    # One search is a fraction of the cost of the substitutions, and nearly always finds none.
    if text and _RARE_CHAR.search(text):
        text = _CONTROL.sub(" ", _UNSEEN.sub("", text))
    return text


_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_bidi(text: str) -> str:
    """`text` without bidi embeddings, overrides, isolates and marks only (for text that may
    hold a zero-width space on purpose: a defused @mention)."""
    return _BIDI.sub("", text) if text else text


# Belarusian/Ukrainian apostrophe forms are one character for matching. Combining acute and
# grave left after NFKC are stress marks (Russian dictionaries and learner texts write
# "бо́льшая"); on a Latin letter NFKC has already composed them, so dropping the leftovers only
# removes stress. Decomposed ё/й are composed by NFKC first.
_FOLD = str.maketrans({
    "ё": "е", "Ё": "е",
    "’": "'", "ʼ": "'", "`": "'", "ʹ": "'", "′": "'", "‘": "'",
    "\u0300": None, "\u0301": None,
})


_RARE = re.compile(f"[{_SPOOFING}\u200c\u200d\u0300\u0301’ʼ`ʹ′‘]|[\U000e0000-\U000e007f]")


def _marks() -> str:
    """Every combining mark of the Basic Multilingual Plane, as a regex class body.

    Python's `\\w` excludes them, which would split Devanagari or Arabic words at each vowel
    sign. About 7 ms: marks.py holds its result for Python 3.11's Unicode, so it runs only
    under another version.
    """
    ranges: list[list[int]] = []
    for cp in range(0x300, 0x10000):
        if unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    return "".join(f"\\u{a:04x}-\\u{b:04x}" if a != b else f"\\u{a:04x}" for a, b in ranges)


_WORD_CHAR = rf"[\w{MARKS if unicodedata.unidata_version == UNICODE_VERSION else _marks()}]"
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


_LENGTH_CHANGING = re.compile(f"[{_SPOOFING}\u200c\u200d\u0300\u0301\U000e0000-\U000e007f]")


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
