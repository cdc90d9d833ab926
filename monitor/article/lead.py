"""Article stage: the paragraphs of an extracted text, and its lead. Pure; stdlib only.

The lead is what an alert shows of the article: whole paragraphs from the start while they fit
in the configured length; a first paragraph longer than that is cut at a sentence end, else at
a word, and marked with an ellipsis.
"""

from __future__ import annotations

import re

from monitor.normalize.text import collapse_whitespace, strip_unseen

_SENTENCE_END = re.compile(r"[.!?…»\"”](?=\s)")


def paragraphs(text: str, *, title: str = "") -> list[str]:
    """The non-empty lines of `text` (trafilatura puts one block per line), cleaned as feed
    text is; a first line that only repeats the title (the page's <h1>) is left out."""
    lines = [collapse_whitespace(strip_unseen(line)) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if lines and title and _same(lines[0], title):
        lines = lines[1:]
    return lines


def lead_of(paragraphs: list[str], limit: int) -> str:
    """Whole paragraphs from the first while they fit in `limit` characters (the first one
    always, cut if it must be), joined by blank lines."""
    if not paragraphs or limit <= 0:
        return ""
    taken: list[str] = []
    size = 0
    for paragraph in paragraphs:
        extra = len(paragraph) + (2 if taken else 0)
        if size + extra > limit:
            break
        taken.append(paragraph)
        size += extra
    if not taken:
        taken = [cut(paragraphs[0], limit)]
    return "\n\n".join(taken)


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: at the last sentence end that keeps half of it,
    else at a word, with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(head + " ")]
    if ends and ends[-1] >= limit // 2:
        return head[:ends[-1]].rstrip()
    head = text[:max(limit - 1, 1)]
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:-–—") + "…"


def _same(line: str, title: str) -> bool:
    return line.casefold().strip(" .") == collapse_whitespace(title).casefold().strip(" .")
