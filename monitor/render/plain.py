"""Plain text: the console channel's alert, Apprise's body, e-mail's text part. Pure.

Hits are marked ⟦like this⟧ (see render.HIT_OPEN); templates escape nothing but control and
bidi characters (markup.PLAIN).
"""

from __future__ import annotations

from monitor.model import Alert
from monitor.render.markup import PLAIN
from monitor.render.view import one_line, safe_url

MARKUP = PLAIN


def render_text(alert: Alert) -> str:
    """A multi-line plain-text alert: original and translation side by side. Every field is
    one line without control or bidi characters, and the link is http(s) or absent, whatever
    the alert holds (rows stored by an older version, translations)."""
    if alert.kind == "digest":
        head = f"[digest] {len(alert.items)} alert{'s' if len(alert.items) != 1 else ''}"
        return "\n\n".join([head] + [render_text(a) for a in alert.items])
    lines = [one_line(f"[{alert.rule}] {alert.title}")]
    if alert.kind == "more_matches":
        lines += [f"  - {s.title} ({s.feed}, {s.published_at:%Y-%m-%d %H:%M} UTC): {s.link}"
                  for s in alert.sources]
        if alert.count > len(alert.sources):
            lines.append(f"  …and {alert.count - len(alert.sources)} more")
        return "\n".join(lines)
    if alert.kind == "follow_up" and alert.follows is not None:
        feeds = ", ".join(dict.fromkeys(s.feed for s in alert.sources))
        lines.append(f"  also reported by {feeds} (follow-up to: {alert.follows.title})")
        lines += [f"  - {s.title} ({s.feed}): {s.link}" for s in alert.sources]
    t = alert.translation
    translated = t is not None and t.route != "identity"
    if translated and t.title:
        lines.append(f"  {t.target_language}: {one_line(t.title)}")
    lines.append(one_line(f"  feed: {alert.feed} · {alert.published_at:%Y-%m-%d %H:%M} UTC · "
                          f"language: {alert.language}"))
    link = safe_url(alert.link)
    if link:
        lines.append(f"  link: {link}")
    if alert.matched_terms:
        lines.append(f"  matched: {one_line(', '.join(alert.matched_terms))}")
    if alert.snippet:
        lines.append(f"  {one_line(alert.snippet)}")
    if translated and t.summary:
        lines.append(f"  {t.target_language}: {one_line(t.summary)}")
    elif t is not None and t.note:
        lines.append(f"  ({one_line(t.note)})")
    if alert.article:
        lines.append("  article:")
        lines += [f"    {one_line(p)}" for p in alert.article.splitlines() if p.strip()]
        if translated and t.article:
            lines.append(f"  article ({t.target_language}):")
            lines += [f"    {one_line(p)}" for p in t.article.splitlines() if p.strip()]
    if alert.article_note:
        lines.append(f"  ({one_line(alert.article_note)})")
    return "\n".join(lines)
