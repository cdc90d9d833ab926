"""Sentence splitting for translation: text → paragraphs → sentences. Pure; stdlib only.

Our own splitter rather than Argos's MiniSBD (which downloads a model on first use and is
AGPL) or a library: a regex with ru/be/en abbreviation lists was the most accurate on the
project's ru/be/en news test sets (shared/ref/translation.md §3). A sentence must end in
.!?… followed by whitespace and a capital; a '.' after a known abbreviation or an initial
never ends one. Over-long sentences are cut at a clause boundary so a model never sees more
than it was trained on.
"""

from __future__ import annotations

import re

# Lower-case token before a final '.', after which '.' never ends a sentence.
NO_SPLIT = frozenset({
    # ru
    "ул", "д", "им", "т", "тт", "см", "рис", "стр", "с", "ст", "гр", "г-н", "г-жа", "проф",
    "акад", "т.е", "т.к", "т.н", "т.д", "т.п", "напр", "пр", "просп", "пл", "корп", "кв", "обл",
    "р-н", "пос", "дер", "ген", "полк", "подп", "ср", "о", "ок", "кн", "св", "тыс", "млн",
    "млрд", "долл", "дол", "п", "пп", "гг", "вв", "н.э", "и.о", "зам",
    # be
    "вул", "зав", "г.зн", "напрыкл", "вобл", "в", "пас", "вёск", "бел",
    # en
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "st", "jr", "sr", "vs", "no",
    "e.g", "i.e", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "dept", "gov", "sen", "rep", "inc", "corp", "ltd", "co", "u.s", "u.k", "u.n", "approx",
    "etc", "fig", "a.m", "p.m",
})
# Abbreviations that do end a sentence when a capital follows ("… и т.д. Новый …").
_ENDS_ANYWAY = frozenset({"т.д", "т.п", "др", "руб", "коп", "інш", "etc"})

_END = re.compile(r'[.!?…]+(?:[»"”\')\]]+)?(?=\s)')
_PREV = re.compile(r'(\S+?)\.$')
_START = re.compile(r'\s+[«"“„(\[—–-]*\s*(\w)')
_CLAUSE = re.compile(r'[;:,]\s|\s[—–]\s')

MAX_SENTENCE_CHARS = 400


def split_paragraphs(text: str) -> list[str]:
    """Lines of `text`, empty ones kept, so joining the results with '\\n' restores layout."""
    return text.split("\n")


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[str]:
    """The sentences of one paragraph, stripped, in order; [] for a blank paragraph."""
    out: list[str] = []
    start = 0
    for m in _END.finditer(text):
        nxt = _START.match(text, m.end())
        if not nxt or not nxt.group(1).isupper():
            continue  # the next sentence must start with a capital
        if m.group(0) == ".":
            prev = _PREV.search(text, start, m.end())
            word = (prev.group(1).lower() if prev else "").lstrip("«\"“„([")
            if word in _ENDS_ANYWAY:
                pass
            elif word in NO_SPLIT or (len(word) == 1 and word.isalpha()) or \
                    _is_initials(word):
                continue
        sentence = text[start:m.end()].strip()
        if sentence:
            out.append(sentence)
        start = m.end()
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return [piece for sentence in out for piece in _cut(sentence, max_chars)]


def _is_initials(word: str) -> bool:
    """'А.Г', 'J.R.R': dotted single letters, as in "А.Г. Лукашенко"."""
    parts = word.split(".")
    return len(parts) > 1 and all(len(p) == 1 and p.isalpha() for p in parts)


def _cut(sentence: str, max_chars: int) -> list[str]:
    """Split an over-long sentence at the last clause boundary (else space) before the limit."""
    pieces = []
    while len(sentence) > max_chars:
        window = sentence[:max_chars]
        cut = max((m.end() for m in _CLAUSE.finditer(window)), default=0)
        if cut < max_chars // 3:
            space = window.rfind(" ")
            cut = space + 1 if space > max_chars // 3 else max_chars
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    if sentence:
        pieces.append(sentence)
    return pieces
