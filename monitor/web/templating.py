"""Jinja2 for the web UI's pages: autoescaped, with the few filters pages need.

Every value a template prints is escaped (`autoescape=True`); the only markup that reaches a
page unescaped is built here, from escaped pieces (`highlighted`, `snippet`), so a feed's
`<script>` title is text. Undefined names fail (StrictUndefined), so a typo is a test failure,
not an empty cell.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from monitor.model import Hit
from monitor.render import snippet_segments
from monitor.render.view import plain_text, safe_url

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGE_NAMES = {"en": "English", "ru": "Russian", "be": "Belarusian", "uk": "Ukrainian",
                  "und": "undetermined"}


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(highlighted=highlighted, snippet=snippet, when=when, ago=ago,
                       safe_link=safe_url, language_name=language_name, clean=plain_text,
                       count=count)
    return env


def highlighted(text: str, hits: Iterable[Hit] = (), field: str = "title") -> Markup:
    """`text` escaped, with the spans of `hits` on `field` in <mark>. Each piece is cleaned
    on its own (controls, bidi overrides), so the hits' offsets into the stored text hold."""
    text = text or ""
    spans = _merge(sorted((h.start, h.end) for h in hits if h.field == field
                          and 0 <= h.start < h.end <= len(text)))
    out, pos = [], 0
    for start, end in spans:
        out.append(escape(plain_text(text[pos:start])))
        out.append(Markup("<mark>%s</mark>") % plain_text(text[start:end]))
        pos = end
    out.append(escape(plain_text(text[pos:])))
    return Markup("").join(out)


def snippet(item, hits: Sequence[Hit] = (), width: int = 320) -> Markup:
    """A window of the summary around the first hit (the alerts' snippet), hits in <mark>."""
    pieces = snippet_segments(item.title or "", item.summary or "", hits, width)
    return Markup("").join(Markup("<mark>%s</mark>") % plain_text(text) if is_hit
                           else escape(plain_text(text)) for text, is_hit in pieces)


def when(moment: datetime | None) -> Markup:
    if moment is None:
        return Markup('<span class="none">never</span>')
    moment = moment.astimezone(timezone.utc)
    return Markup('<time datetime="%s" title="%s">%s</time>') % (
        moment.isoformat().replace("+00:00", "Z"), moment.strftime("%Y-%m-%d %H:%M:%S UTC"),
        moment.strftime("%Y-%m-%d %H:%M"))


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return "never"
    seconds = ((now or datetime.now(timezone.utc)) - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            amount = f"{int(seconds // size)} {unit}"
            break
    else:
        amount = f"{int(seconds)} s"
    return f"in {amount}" if future else f"{amount} ago"


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out
