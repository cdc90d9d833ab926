"""Mattermost incoming webhook: one Markdown post. Pure.

Slack-compatible endpoint, but the text is Markdown (CommonMark-like), so feed text is
backslash-escaped; `@channel`, `@all` and `@here` would notify everyone and are neutralised.
A post holds at most 16 383 characters (server ≥ 5.0, notify.md §1).
"""

from __future__ import annotations

import re
from typing import Any

from monitor.render.limits import fit_lines, trim_atomic, trim_escaped
from monitor.render.markup import MARKDOWN, markdown_escape, marked, safe_url
from monitor.render.view import AlertView, digest_headline

MARKUP = MARKDOWN  # templates write Markdown (render.template)
POST_CHARS = 16383
_ATOM = re.compile(r"\\.|\[[^\]\n]*\]\([^)\s]*\)|\*\*[^*\n]{1,300}\*\*")


def md_link(url: str, label: str) -> str:
    href = safe_url(url)
    return f"[{label}]({href})" if href else label


def mattermost_text(view: AlertView, body: str | None = None) -> str:
    if body is not None:
        return trim_atomic(body, POST_CHARS, _ATOM)
    if view.kind == "digest":
        lines = [f"#### {markdown_escape(digest_headline(view))}"]
        for item in view.items:
            lines.append(f"- {md_link(item.link, trim_escaped(item.headline, 300, markdown_escape))}"
                         f" — {markdown_escape(item.feed)} · {markdown_escape(item.published)}")
        return trim_atomic("\n".join(lines), POST_CHARS, _ATOM)
    if view.kind == "more_matches":
        return trim_atomic(f"#### {markdown_escape(view.headline)}\n" + _sources(view),
                           POST_CHARS, _ATOM)
    lines = [f"#### {md_link(view.link, trim_escaped(view.headline, 500, markdown_escape))}"]
    if view.lead:
        lines.append(f"*{trim_escaped(view.lead, 500, markdown_escape)}*\n" + _sources(view))
    if view.translated_title:
        lines.append(f"**Original:** {trim_escaped(view.title, 500, markdown_escape)}")
    snippet = marked(view.snippet, markdown_escape, "**", "**")
    if snippet:
        lines.append("> " + snippet)
    if view.translated_summary:
        lines.append(f"**{markdown_escape(view.target_language or '')}:** "
                     + trim_escaped(view.translated_summary, 8000, markdown_escape))
    elif view.translation_note:
        lines.append(f"*{markdown_escape(view.translation_note)}*")
    if view.article:
        label, lead = view.article_shown
        lines.append(f"**{markdown_escape(label)}:** "
                     + trim_escaped(lead.replace("\n\n", "\n"), 4000, markdown_escape))
    if view.article_note:
        lines.append(f"*{markdown_escape(view.article_note)}*")
    lines.append(markdown_escape(view.facts_line))
    return trim_atomic("\n\n".join(lines), POST_CHARS, _ATOM)


def _sources(view: AlertView, room: int = POST_CHARS // 2) -> str:
    return fit_lines([f"- {md_link(s.link, trim_escaped(s.title, 300, markdown_escape))}"
                      f" — {trim_escaped(s.feed, 100, markdown_escape)}" for s in view.sources],
                     view.count, room)


def mattermost_payload(text: str) -> dict[str, Any]:
    return {"text": text}
