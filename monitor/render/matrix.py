"""Matrix `m.room.message` content: an `m.notice` with a plain `body` and an HTML
`formatted_body`. Pure.

`m.notice` is the msgtype for automated senders (clients never auto-reply to it). The whole
event must stay under 65 536 bytes (notify.md §1), so body and formatted_body are capped in
UTF-8 bytes. `"m.mentions": {}` declares that the message mentions nobody, and `@room` in feed
text is neutralised for servers that still match it in the body.
"""

from __future__ import annotations

import html
from typing import Any

from monitor.render.limits import trim, trim_html, utf8
from monitor.render.markup import HTML, html_escape, marked, plain, safe_url
from monitor.render.view import AlertView, digest_headline

MARKUP = HTML  # templates write HTML (render.template)
BODY_BYTES = 16_000
FORMATTED_BYTES = 40_000


def matrix_content(view: AlertView, body: str | None = None) -> dict[str, Any]:
    """`body`: a template's output, in Matrix HTML."""
    if body is not None:
        formatted = body
        text = html.unescape(_strip_tags(body))
    elif view.kind == "digest":
        formatted, text = _digest(view)
    else:
        formatted, text = _html(view), _plain(view)
    return {"msgtype": "m.notice", "body": trim(text, BODY_BYTES, utf8),
            "format": "org.matrix.custom.html",
            "formatted_body": trim_html(formatted, FORMATTED_BYTES, utf8, visible_only=False),
            "m.mentions": {}}


def in_thread(content: dict[str, Any], root_event_id: str) -> dict[str, Any]:
    """`content` as a message in the thread of `root_event_id` (a story's first alert): an
    `m.thread` relation (Matrix spec v1.4, "Threading"), with the reply fallback the spec asks
    for, so a client without threads shows it as a reply to that alert."""
    return {**content, "m.relates_to": {"rel_type": "m.thread", "event_id": root_event_id,
                                        "is_falling_back": True,
                                        "m.in_reply_to": {"event_id": root_event_id}}}


def _strip_tags(markup: str) -> str:
    import re

    return re.sub(r"<br\s*/?>", "\n", re.sub(r"</p>|</li>", "\n", re.sub(
        r"<(?!br|/p|/li)[^>]*>", "", markup)))


def _link(url: str, label_html: str) -> str:
    href = safe_url(url)
    return f'<a href="{html.escape(href, quote=True)}">{label_html}</a>' if href else label_html


def _sources_html(view: AlertView) -> str:
    rows = "".join(f"<li>{_link(s.link, html_escape(s.title))} — {html_escape(s.feed)}</li>"
                   for s in view.sources)
    more = f"<p>…and {view.more_sources} more</p>" if view.more_sources else ""
    return f"<ul>{rows}</ul>{more}"


def _sources_plain(view: AlertView) -> list[str]:
    lines = [f"• {plain(s.title)} — {plain(s.feed)} {s.link}" for s in view.sources]
    return lines + ([f"…and {view.more_sources} more"] if view.more_sources else [])


def _html(view: AlertView) -> str:
    if view.kind == "more_matches":
        return f"<p><b>{html_escape(view.headline)}</b></p>" + _sources_html(view)
    parts = [f"<p><b>{_link(view.link, html_escape(view.headline))}</b></p>"]
    if view.lead:
        parts.append(f"<p><i>{html_escape(view.lead)}</i></p>" + _sources_html(view))
    if view.translated_title:
        parts.append(f"<p><i>Original:</i> {html_escape(view.title)}</p>")
    snippet = marked(view.snippet, html_escape, "<b>", "</b>")
    if snippet:
        parts.append(f"<blockquote>{snippet}</blockquote>")
    if view.translated_summary:
        parts.append(f"<p><b>{html_escape(view.target_language or '')}:</b> "
                     f"{html_escape(trim(view.translated_summary, 8000))}</p>")
    elif view.translation_note:
        parts.append(f"<p><i>{html_escape(view.translation_note)}</i></p>")
    if view.article:
        label, lead = view.article_shown
        parts.append(f"<p><b>{html_escape(label)}:</b></p><blockquote>" + "".join(
            f"<p>{html_escape(p)}</p>" for p in trim(lead, 4000).splitlines() if p.strip())
            + "</blockquote>")
    if view.article_note:
        parts.append(f"<p><i>{html_escape(view.article_note)}</i></p>")
    parts.append(f"<p><small>{html_escape(view.facts_line)}</small></p>")
    return "".join(parts)


def _plain(view: AlertView) -> str:
    if view.kind == "more_matches":
        return "\n".join([plain(view.headline)] + _sources_plain(view))
    lines = [plain(view.headline)]
    if view.lead:
        lines += [plain(view.lead)] + _sources_plain(view)
    if view.translated_title:
        lines.append(f"Original: {plain(view.title)}")
    if view.link:
        lines.append(view.link)
    if view.snippet:
        lines.append(plain(view.snippet_text))
    if view.translated_summary:
        lines.append(f"{view.target_language}: {plain(trim(view.translated_summary, 8000))}")
    elif view.translation_note:
        lines.append(f"({plain(view.translation_note)})")
    if view.article:
        label, lead = view.article_shown
        lines.append(f"{label}: {plain(trim(lead, 4000))}")
    if view.article_note:
        lines.append(f"({plain(view.article_note)})")
    lines.append(plain(view.facts_line))
    return "\n".join(lines)


def _digest(view: AlertView) -> tuple[str, str]:
    title = digest_headline(view)
    items_html = "".join(f"<li>{_link(i.link, html_escape(i.headline))} — "
                         f"{html_escape(i.feed)}</li>" for i in view.items)
    items_text = "\n".join(f"• {plain(i.headline)} — {plain(i.feed)} {i.link}"
                           for i in view.items)
    return f"<p><b>{html_escape(title)}</b></p><ul>{items_html}</ul>", f"{title}\n{items_text}"
