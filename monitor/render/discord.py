"""Discord webhook: one embed, mentions disabled. Pure.

Limits (notify.md §1, counted by Discord in UTF-16 units): title ≤ 256, description ≤ 4096,
footer ≤ 2048, and all embed text together ≤ 6000. Feed text is Markdown-escaped and
`allowed_mentions: {"parse": []}` makes sure no `@everyone` in a title pings anyone.
"""

from __future__ import annotations

import re
from typing import Any

from monitor.render.limits import fit_lines, trim, trim_atomic, trim_escaped, utf16
from monitor.render.markup import MARKDOWN, markdown_escape, marked, safe_url
from monitor.render.view import AlertView, digest_headline

MARKUP = MARKDOWN  # templates write Markdown (render.template)
TITLE = 256
DESCRIPTION = 4096
FOOTER = 2048
TOTAL = 6000
COLOR = 0x2B6CB0
_ATOM = re.compile(r"\\.|\[[^\]\n]*\]\([^)\s]*\)|\*\*[^*\n]{1,300}\*\*")


def discord_payload(view: AlertView, body: str | None = None) -> dict[str, Any]:
    if view.kind == "digest":
        embed = _digest(view)
    else:
        embed = {"title": trim_escaped(view.headline, TITLE, markdown_escape, utf16),
                 "color": COLOR,
                 "timestamp": view.published_at.isoformat().replace("+00:00", "Z")}
        url = safe_url(view.link)
        if url:
            embed["url"] = url
        footer = trim(view.facts_line, FOOTER, utf16)
        room = min(DESCRIPTION, TOTAL - utf16(embed["title"]) - utf16(footer))
        embed["description"] = trim_atomic(body, room, _ATOM, utf16) if body is not None \
            else _description(view, room)
        embed["footer"] = {"text": footer}
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}


def _sources(view: AlertView, room: int = DESCRIPTION // 2) -> str:
    lines = []
    for s in view.sources:
        label = trim_escaped(s.title, 200, markdown_escape, utf16)
        url = safe_url(s.link)
        lines.append((f"• [{label}]({url})" if url else f"• {label}")
                     + f" — {trim_escaped(s.feed, 100, markdown_escape, utf16)}")
    return fit_lines(lines, view.count, room, utf16)


def _description(view: AlertView, room: int) -> str:
    if view.kind == "more_matches":
        return _sources(view, room)
    head = ""
    if view.lead:
        head = "*" + trim_escaped(view.lead, 400, markdown_escape, utf16) + "*\n" \
            + _sources(view) + "\n\n"
    if view.translated_title:
        head += "**Original:** " + trim_escaped(view.title, 600, markdown_escape, utf16) + "\n"
    has_tail = bool(view.translated_summary or view.translation_note)
    room -= utf16(head)
    snippet = trim_atomic(marked(view.snippet, markdown_escape, "**", "**"),
                          room // 2 if has_tail else room, _ATOM, utf16)
    text = head + snippet
    room -= utf16(snippet) + 2
    if view.translated_summary:
        label = f"**{view.target_language}:** "
        text += "\n\n" + label + trim_escaped(view.translated_summary, room - utf16(label),
                                              markdown_escape, utf16)
    elif view.translation_note:
        text += "\n\n*" + trim_escaped(view.translation_note, room - 2, markdown_escape,
                                       utf16) + "*"
        room -= utf16(view.translation_note) + 4
    if view.article and room > 60:
        label, lead = view.article_shown
        label = f"\n\n**{label}:** "
        text += label + trim_escaped(lead.replace("\n\n", "\n"), room - utf16(label),
                                     markdown_escape, utf16)
        room -= utf16(lead) + utf16(label)
    if view.article_note and room > 20:
        text += "\n*" + trim_escaped(view.article_note, room - 3, markdown_escape, utf16) + "*"
    return text


def _digest(view: AlertView) -> dict[str, Any]:
    title = digest_headline(view)
    lines, used = [], 0
    for n, item in enumerate(view.items):
        label = trim_escaped(item.headline, 200, markdown_escape, utf16)
        url = safe_url(item.link)
        line = (f"• [{label}]({url})" if url else f"• {label}") + \
            f" — {markdown_escape(item.feed)}"
        more = f"\n…and {len(view.items) - n} more"
        if used + utf16(line) + 1 + utf16(more) > DESCRIPTION - 50:
            lines.append(more.strip())
            break
        lines.append(line)
        used += utf16(line) + 1
    return {"title": trim(title, TITLE, utf16), "color": COLOR, "description": "\n".join(lines)}
