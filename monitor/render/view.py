"""What an alert says, before any format: the common content every channel renders.

`alert_view(alert)` decides the wording once (headline, translation or why there is none,
the highlighted snippet, the facts line), so the formats only differ in markup and limits.
Pure; stdlib only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

from monitor.model import Alert
from monitor.render import snippet_segments
from monitor.normalize.text import strip_unseen

TRANSLATION_UNAVAILABLE = "translation unavailable"
# Words that notify a whole room on some service (Slack, Discord, Mattermost, Matrix).
_MASS_MENTION = re.compile(r"@(everyone|here|channel|all|room)\b", re.I)
# C0 and C1 controls (C1 has CSI, U+009B, a terminal escape) and the Unicode line separators.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def neutralise_mentions(text: str) -> str:
    """`@everyone` → `@\u200beveryone`: reads the same, notifies nobody."""
    return _MASS_MENTION.sub("@\u200b\\1", text)


def clean(text: str) -> str:
    """Feed text for a chat message: no control or spoofing characters, no mass mentions."""
    return neutralise_mentions(_text(text))


def one_line(text: str) -> str:
    """For anything that becomes a header or a title: CR, LF and controls become spaces."""
    return " ".join(_text(text).replace("\r", " ").replace("\n", " ").split())


def plain_text(text: str | None) -> str:
    """Feed text as data (the webhook document): controls as spaces, newlines kept, no bidi
    or other spoofing characters; mentions untouched."""
    return _text(text)


def _text(text: str | None) -> str:
    """Controls become spaces (newlines stay); bidi and other spoofing characters go
    (monitor.normalize.text.strip_unseen). Normalisation did so for feed text; this covers rows stored
    before, translations, and the config's own names."""
    return _CONTROL.sub(" ", strip_unseen(text or ""))


_LINK_BREAKS = re.compile(r"[\t\n\r]")


def safe_url(url: str) -> str:
    """An http(s) URL with the characters that would end a link in any markup (and every
    non-ASCII one, bidi controls included) percent-encoded, or "" for anything else
    (javascript:, data:, relative). Tabs and newlines are removed first, as browsers do
    (WHATWG URL: "remove all ASCII tab or newline"), so `java\nscript:` is `javascript:`."""
    url = _LINK_BREAKS.sub("", url or "").strip("\x00- ")
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return ""
    return quote(url, safe=":/?#@!$&'*+,;=%-._~")


@dataclass(frozen=True)
class SourceView:
    """One feed's copy of a story, always with that feed's own link."""

    feed: str
    title: str
    link: str
    published: str


@dataclass(frozen=True)
class AlertView:
    kind: str
    id: str
    rule: str
    feed: str
    title: str                     # the original title, one line
    link: str
    published: str                 # "2026-11-25 10:00 UTC"
    published_at: datetime
    language: str
    matched_terms: tuple[str, ...]
    snippet: tuple[tuple[str, bool], ...]  # (text, is_hit) pieces of the original
    summary: str                   # the original summary, for formats with room for it
    translated_title: str | None
    translated_summary: str | None
    target_language: str | None
    translation_note: str | None   # "translation unavailable: …" when there is no translation
    items: tuple["AlertView", ...] = ()  # a digest's alerts
    follows_id: str | None = None  # a follow-up: the alert it follows…
    follows_title: str | None = None  # …and that alert's headline
    sources: tuple[SourceView, ...] = ()  # a follow-up's new sources; a summary's matches
    count: int = 0  # a "more_matches" summary: how many matches it stands for
    article: str = ""  # `full_text:` feeds: the article's lead (paragraphs, blank-line apart)
    translated_article: str | None = None
    article_note: str | None = None  # "article not fetched: HTTP 404", a paywall …

    @property
    def headline(self) -> str:
        """The title a reader sees first: the translation when there is one."""
        if self.kind == "more_matches":
            return self.title
        return self.translated_title or self.title

    @property
    def lead(self) -> str | None:
        """The line that says what a follow-up or a summary is, before anything else."""
        if self.kind == "follow_up":
            feeds = ", ".join(dict.fromkeys(s.feed for s in self.sources)) or self.feed
            return f"Also reported by {feeds} (follow-up to: {self.follows_title})"
        if self.kind == "more_matches":
            return self.title
        return None

    @property
    def article_shown(self) -> tuple[str, str]:
        """The article's label and lead for formats with room for one: its translation when
        there is one, else the original."""
        if self.translated_article:
            return f"Article ({self.target_language})", self.translated_article
        return "Article", self.article

    @property
    def more_sources(self) -> int:
        """Matches a summary stands for beyond the sources it lists."""
        return max(0, self.count - len(self.sources))

    @property
    def snippet_text(self) -> str:
        return "".join(text for text, _ in self.snippet)

    @property
    def facts(self) -> list[tuple[str, str]]:
        out = [("Rule", self.rule), ("Feed", self.feed), ("Published", self.published),
               ("Language", self.language)]
        if self.matched_terms:
            out.append(("Matched", ", ".join(self.matched_terms)))
        return out

    @property
    def facts_line(self) -> str:
        return " · ".join(v if k == "Published" else f"{k.lower()}: {v}" for k, v in self.facts)


def alert_view(alert: Alert) -> AlertView:
    t = alert.translation
    has_translation = t is not None and bool(t.title) and t.route != "identity" \
        and t.source_language != t.target_language
    note = None
    if not has_translation and t is not None and t.route != "identity" \
            and t.source_language != t.target_language:
        note = one_line(t.note or TRANSLATION_UNAVAILABLE)
        if not note.lower().startswith(TRANSLATION_UNAVAILABLE):
            note = f"{TRANSLATION_UNAVAILABLE}: {note}"
    published_at = alert.published_at.astimezone(timezone.utc)
    return AlertView(
        kind=alert.kind, id=alert.id, rule=one_line(alert.rule), feed=one_line(alert.feed),
        title=one_line(alert.title), link=safe_url(alert.link),
        published=f"{published_at:%Y-%m-%d %H:%M} UTC", published_at=published_at,
        language=alert.language, matched_terms=tuple(one_line(m) for m in alert.matched_terms),
        snippet=tuple((_text(s), hit) for s, hit in
                      snippet_segments(alert.title, alert.summary, alert.hits)),
        summary=_text(alert.summary),
        translated_title=one_line(t.title) if has_translation and t and t.title else None,
        translated_summary=(_text(t.summary) if has_translation and t and t.summary
                            else None),
        target_language=t.target_language if t else None,
        translation_note=note,
        items=tuple(alert_view(a) for a in alert.items),
        follows_id=alert.follows.alert_id if alert.follows else None,
        follows_title=one_line(alert.follows.title) if alert.follows else None,
        sources=tuple(SourceView(one_line(s.feed), one_line(s.title), safe_url(s.link),
                                 f"{s.published_at.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC")
                      for s in alert.sources),
        count=alert.count,
        article=_text(alert.article),
        translated_article=(_text(t.article) if has_translation and t and t.article
                            and alert.article else None),
        article_note=one_line(alert.article_note) or None,
    )


def digest_headline(view: AlertView) -> str:
    n = len(view.items)
    rules = sorted({i.rule for i in view.items})
    return one_line(f"{n} new match{'es' if n != 1 else ''}"
                    + (f" for {', '.join(rules)}" if len(rules) <= 3
                       else f" for {len(rules)} rules"))
