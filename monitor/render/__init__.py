"""Render stage: Match (+ Item, Translation) → Alert, and Alert → text. Pure.

`build_alert` fixes the alert's stable id: one per (rule, item, channel), the same across
retries and restarts, so receivers can drop repeats. One module per channel type lays out its
messages (`plain` for the console and Apprise, and e-mail's text part), each with the `MARKUP`
its templates use (see monitor.config.channels, the registry).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Sequence

from monitor.model import Alert, Hit, Item, Match, Translation

SNIPPET_CHARS = 240


def alert_id(rule: str, item_key: str, channel: str) -> str:
    fingerprint = hashlib.blake2b(f"{rule}\0{item_key}\0{channel}".encode(), digest_size=12)
    return "al_" + fingerprint.hexdigest()


def build_alert(match: Match, item: Item, channel: str, translation: Translation | None,
                now: datetime) -> Alert:
    """One alert for one channel."""
    return Alert(
        id=alert_id(match.rule, item.key, channel),
        rule=match.rule, channel=channel, feed=item.feed, item_key=item.key, item_id=item.id,
        title=item.title, summary=item.summary, link=item.link, published_at=item.published_at,
        language=item.language, matched_terms=match.matched_terms,
        snippet=snippet(item, match.hits), hits=match.hits, translation=translation,
        created_at=now,
        article=item.article.lead if item.article is not None else "",
        article_note=item.article.note if item.article is not None else "",
    )


# Plain text marks hits with ⟦…⟧ (U+27E6/U+27E7, mathematical white square brackets): Russian
# and Belarusian quote with «…» and „…“, English with “…” and ‘…’, so a hit inside quotation
# marks used to read ««Алабуга»»; these brackets belong to no language's typography and are in
# the common fonts (DejaVu, Noto, Segoe UI Symbol, Apple's). Formats with emphasis use it
# (<mark>, <b>, *bold*, **bold**), from `snippet_segments`.
HIT_OPEN, HIT_CLOSE = "\u27e6", "\u27e7"


def snippet(item: Item, hits: Sequence[Hit], width: int = SNIPPET_CHARS) -> str:
    """A window of the summary around the first hit, with hits marked ⟦like this⟧ (see
    `snippet_segments` for a match in the title only)."""
    return "".join(f"{HIT_OPEN}{text}{HIT_CLOSE}" if is_hit else text
                   for text, is_hit in snippet_segments(item.title, item.summary, hits, width))


def snippet_segments(title: str, summary: str, hits: Sequence[Hit],
                     width: int = SNIPPET_CHARS) -> list[tuple[str, bool]]:
    """The snippet as (text, is_hit) pieces, so each format can mark hits its own way
    (feed text may itself contain the plain-text marks, so `snippet` cannot be parsed back).

    A match in the title only gives the start of the summary, unmarked: the alert shows the
    title (and its translation) anyway, and the summary's translation beside it must have its
    original beside it too. Without a summary, the title with its hits marked."""
    on_summary = any(h.field == "summary" for h in hits)
    field = "summary" if on_summary or summary.strip() else "title"
    text = summary if field == "summary" else title
    spans = sorted((h.start, h.end) for h in hits if h.field == field
                   and 0 <= h.start < h.end <= len(text))
    if not text:
        return []
    if not spans:
        return [(_clip(text, 0, width), False)]
    first = spans[0][0]
    start = max(0, first - width // 3)
    if start > 0:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 30 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    out: list[tuple[str, bool]] = [("… ", False)] if start > 0 else []
    pos = start
    for s, e in _merge(spans):
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        if s > pos:
            out.append((text[pos:s], False))
        out.append((text[s:e], True))
        pos = e
    if end > pos:
        out.append((text[pos:end], False))
    if end < len(text):
        out.append((" …", False))
    return out


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _clip(text: str, start: int, width: int) -> str:
    if len(text) - start <= width:
        return text[start:]
    cut = text.rfind(" ", start, start + width)
    return text[start:cut if cut > start else start + width] + " …"
