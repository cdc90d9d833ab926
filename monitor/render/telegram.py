"""Telegram Bot API sendMessage in HTML parse mode. Pure.

The limit is 4096 characters of *visible* text after entity parsing (notify.md §1), counted
here in UTF-16 units as Telegram's entity offsets are. Text is `html.escape`d (quote=False):
the HTML mode knows only `&lt; &gt; &amp; &quot;`. Each part is trimmed before it is escaped,
and the whole is trimmed tag- and entity-safely as a last guard.
"""

from __future__ import annotations

import html
from typing import Any

from monitor.render.limits import fit_lines, trim_escaped, trim_html, utf16
from monitor.render.markup import HTML, html_escape, marked, safe_url
from monitor.render.view import AlertView, digest_headline

MARKUP = HTML  # templates write HTML (render.template)
TEXT_LIMIT = 4096


def telegram_link(url: str, label_html: str) -> str:
    href = safe_url(url)
    return f'<a href="{html.escape(href, quote=True)}">{label_html}</a>' if href else label_html


def telegram_text(view: AlertView, body: str | None = None) -> str:
    if body is not None:
        return trim_html(body, TEXT_LIMIT, utf16)
    if view.kind == "digest":
        return _digest(view)
    if view.kind == "more_matches":
        head = "<b>" + html_escape(view.headline) + "</b>"
        return head + "\n" + _sources(view, TEXT_LIMIT - _visible(head) - 1)
    parts = ["<b>" + telegram_link(view.link, trim_escaped(view.headline, 400, html_escape,
                                                            utf16)) + "</b>"]
    if view.lead:
        parts.append("<i>" + trim_escaped(view.lead, 400, html_escape, utf16) + "</i>\n"
                     + _sources(view))
    if view.translated_title:
        parts.append("<i>" + trim_escaped(view.title, 400, html_escape, utf16) + "</i>")
    facts = trim_escaped(view.facts_line, 400, html_escape, utf16)
    used = sum(_visible(p) for p in parts) + _visible(facts) + 8
    room = TEXT_LIMIT - used
    has_tail = bool(view.translated_summary or view.translation_note)
    snippet = trim_html(marked(view.snippet, html_escape, "<b>", "</b>"),
                        room // 2 if has_tail else room, utf16)
    if snippet:
        parts.append(snippet)
    room -= _visible(snippet) + 2
    if view.translated_summary:
        label = f"{view.target_language}: "
        parts.append("<b>" + html_escape(label) + "</b>" +
                     trim_escaped(view.translated_summary, room - utf16(label), html_escape,
                                  utf16))
    elif view.translation_note:
        parts.append("<i>" + trim_escaped(view.translation_note, room, html_escape,
                                          utf16) + "</i>")
    if view.article:
        label, lead = view.article_shown
        parts.append(f"<b>{html_escape(label)}:</b> " + trim_escaped(
            lead.replace("\n\n", "\n"), 1500, html_escape, utf16))
    if view.article_note:
        parts.append("<i>" + trim_escaped(view.article_note, 300, html_escape, utf16) + "</i>")
    parts.append(facts)
    return trim_html("\n\n".join(parts), TEXT_LIMIT, utf16)


def telegram_payload(chat_id: int | str, text: str, reply_to: int | None = None
                     ) -> dict[str, Any]:
    """`reply_to`: the message id in this chat to reply to (a story's first alert)."""
    payload: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": "HTML",
                               "link_preview_options": {"is_disabled": True}}
    return as_reply(payload, reply_to) if reply_to is not None else payload


def as_reply(payload: dict[str, Any], message_id: int) -> dict[str, Any]:
    """`payload` as a reply to message `message_id` of its chat (Bot API 7.0 ReplyParameters).
    `allow_sending_without_reply`: it still goes out, as a message of its own, if that message
    was deleted ("the message should be sent even if the specified replied-to message is not
    found")."""
    return {**payload, "reply_parameters": {"message_id": message_id,
                                            "allow_sending_without_reply": True}}


def _sources(view: AlertView, room: int = TEXT_LIMIT // 2) -> str:
    lines = ["• " + telegram_link(s.link, trim_escaped(s.title, 200, html_escape, utf16))
             + " — " + trim_escaped(s.feed, 100, html_escape, utf16) for s in view.sources]
    return fit_lines(lines, view.count, room, _visible)


def _visible(markup: str) -> int:
    import re

    return utf16(html.unescape(re.sub(r"<[^>]*>", "", markup)))


def _digest(view: AlertView) -> str:
    lines = ["<b>" + html_escape(digest_headline(view)) + "</b>"]
    used = _visible(lines[0])
    for n, item in enumerate(view.items):
        line = "• " + telegram_link(item.link, trim_escaped(item.headline, 200, html_escape,
                                                            utf16)) \
            + " — " + html_escape(item.feed)
        more = f"…and {len(view.items) - n} more"
        if used + _visible(line) + 1 + len(more) > TEXT_LIMIT - 20:
            lines.append(more)
            break
        lines.append(line)
        used += _visible(line) + 1
    return "\n".join(lines)
