"""Length limits: measuring text as each service counts it, and trimming on word boundaries.

Services count differently: Telegram and Discord in UTF-16 code units (an emoji is 2), Slack
and Mattermost in characters, Matrix in UTF-8 bytes of the event. Trimming never splits a code
point, a combining sequence or a surrogate pair; markup is trimmed token by token, so an entity
(`&amp;`), a tag or a link is kept whole or dropped whole, and open HTML tags are closed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable

Measure = Callable[[str], int]
ELLIPSIS = "…"


def chars(text: str) -> int:
    return len(text)


def utf16(text: str) -> int:
    """Length in UTF-16 code units: characters outside the BMP (emoji) count 2."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def _prefix_fitting(text: str, budget: int, measure: Measure) -> int:
    """Largest n with measure(text[:n]) <= budget (measure is monotonic in n)."""
    if measure(text) <= budget:
        return len(text)
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid]) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _safe_cut(text: str, n: int) -> int:
    """Move a cut left so it does not separate a base character from its combining marks,
    a ZWJ emoji sequence, or a variation selector."""
    while 0 < n < len(text) and (unicodedata.combining(text[n]) or text[n] in "\u200d\ufe0f\ufe0e"
                                 or text[n - 1] == "\u200d"):
        n -= 1
    return n


def trim(text: str, limit: int, measure: Measure = chars, ellipsis: str = ELLIPSIS) -> str:
    """`text` if it fits in `limit`, else its longest word-boundary prefix plus `ellipsis`.

    A word longer than the cut-off allowance (a URL, a long compound) is cut inside.
    """
    if measure(text) <= limit:
        return text
    budget = limit - measure(ellipsis)
    if budget <= 0:
        return ellipsis[:max(0, limit)] if measure(ellipsis[:max(0, limit)]) <= limit else ""
    n = _safe_cut(text, _prefix_fitting(text, budget, measure))
    head = text[:n]
    space = max(head.rfind(" "), head.rfind("\n"))
    # Prefer a word boundary unless it would throw away more than a third of the room.
    if space > 0 and space >= n * 2 // 3:
        head = head[:space]
    return head.rstrip() + ellipsis


def trim_escaped(text: str, limit: int, escape: Callable[[str], str],
                 measure: Measure = chars, ellipsis: str = ELLIPSIS) -> str:
    """Trim plain `text` so that `escape(trimmed)` fits `limit`; returns the escaped text.

    Escaping after trimming is what keeps entities whole.
    """
    budget = limit
    for _ in range(30):
        out = escape(trim(text, budget, measure, ellipsis))
        over = measure(out) - limit
        if over <= 0:
            return out
        budget -= max(over, 1)
        if budget <= 0:
            break
    return ""


# -- markup ------------------------------------------------------------------------------------

_HTML_TOKEN = re.compile(r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")
_VOID = {"br", "hr", "img"}


def trim_html(markup: str, limit: int, measure: Measure = chars,
              visible_only: bool = True, ellipsis: str = ELLIPSIS) -> str:
    """Trim HTML to `limit` without splitting a tag or an entity; open tags are closed.

    With `visible_only` (Telegram counts text after entity parsing) only text counts toward
    the limit, an entity counting as one character; otherwise every byte of markup counts.
    """
    tokens = _tokens(markup, _HTML_TOKEN)
    if _cost(tokens, measure, visible_only) <= limit:
        return markup
    out: list[str] = []
    open_tags: list[str] = []
    used = 0
    room = limit - measure(ellipsis)
    for token, is_markup in tokens:
        closing = "".join(f"</{t}>" for t in reversed(open_tags))
        reserve = 0 if visible_only else measure(closing)
        if is_markup:
            cost = (1 if token.startswith("&") else 0) if visible_only else measure(token)
            name = _tag_name(token)
            if token.startswith("<") and not visible_only and name and not token.startswith("</"):
                reserve += measure(f"</{name}>")
            if used + cost + reserve > room:
                break
            out.append(token)
            used += cost
            if name and token.startswith("</"):
                if name in open_tags:
                    del open_tags[len(open_tags) - 1 - open_tags[::-1].index(name)]
            elif name and name not in _VOID and not token.endswith("/>"):
                open_tags.append(name)
            continue
        cost = measure(token)
        if used + cost + reserve <= room:
            out.append(token)
            used += cost
            continue
        part = trim(token, room - reserve - used, measure, ellipsis="")
        out.append(part)
        break
    text = "".join(out).rstrip() + ellipsis
    return text + "".join(f"</{t}>" for t in reversed(open_tags))


def _tag_name(token: str) -> str:
    m = re.match(r"</?\s*([A-Za-z][A-Za-z0-9-]*)", token)
    return m.group(1).lower() if m else ""


def _cost(tokens: list[tuple[str, bool]], measure: Measure, visible_only: bool) -> int:
    if not visible_only:
        return measure("".join(t for t, _ in tokens))
    return sum((1 if t.startswith("&") else 0) if m else measure(t) for t, m in tokens)


def _tokens(markup: str, pattern: re.Pattern) -> list[tuple[str, bool]]:
    out, pos = [], 0
    for m in pattern.finditer(markup):
        if m.start() > pos:
            out.append((markup[pos:m.start()], False))
        out.append((m.group(0), True))
        pos = m.end()
    if pos < len(markup):
        out.append((markup[pos:], False))
    return out


def trim_atomic(markup: str, limit: int, atom: re.Pattern, measure: Measure = chars,
                ellipsis: str = ELLIPSIS) -> str:
    """Trim markup whose `atom`s (links, entities, escapes) must stay whole; text between
    them is cut on a word boundary. For Slack mrkdwn and Markdown bodies from templates."""
    if measure(markup) <= limit:
        return markup
    room = limit - measure(ellipsis)
    out, used = [], 0
    for token, is_atom in _tokens(markup, atom):
        cost = measure(token)
        if used + cost <= room:
            out.append(token)
            used += cost
            continue
        if not is_atom:
            out.append(trim(token, room - used, measure, ellipsis=""))
        break
    return "".join(out).rstrip() + ellipsis


def fit_lines(lines: list[str], total: int, room: int, measure: Measure = chars,
              sep: str = "\n") -> str:
    """As many of `lines` as fit in `room`, then "…and N more" for the rest of `total` (which
    may exceed len(lines): a summary lists some of the matches it stands for)."""
    total = max(total, len(lines))
    reserve = measure(f"{sep}…and {total} more")
    out: list[str] = []
    used = 0
    for n, line in enumerate(lines):
        cost = measure(line) + (measure(sep) if out else 0)
        if used + cost + (reserve if n + 1 < total else 0) > room:
            break
        out.append(line)
        used += cost
    if total > len(out):
        out.append(f"…and {total - len(out)} more")
    return sep.join(out)
