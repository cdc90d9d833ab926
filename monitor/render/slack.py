"""Slack incoming webhook: Block Kit with a plain `text` fallback. Pure.

Limits (notify.md §1): header plain_text ≤ 150, section text ≤ 3000, ≤ 50 blocks; Slack
rejects a message whose blocks add up to ~13 k characters, so a digest stays under 12 k.
Only `& < >` are escaped; links are `<url|text>`.
"""

from __future__ import annotations

import re
from typing import Any

from monitor.render.limits import fit_lines, trim, trim_atomic, trim_escaped
from monitor.render.markup import SLACK, marked, safe_url, slack_escape
from monitor.render.view import AlertView, clean, digest_headline

MARKUP = SLACK  # templates write mrkdwn (render.template)
HEADER_CHARS = 150
SECTION_CHARS = 3000
TOTAL_CHARS = 12000
MAX_BLOCKS = 50
_ATOM = re.compile(r"<[^>]*>|&(?:amp|lt|gt);|\*[^*\n]{1,200}\*")


def slack_link(url: str, text: str, limit: int = 300) -> str:
    href = safe_url(url)
    label = trim_escaped(text, limit, slack_escape)
    return f"<{href.replace('&', '&amp;')}|{label}>" if href else label


def slack_payload(view: AlertView, body: str | None = None) -> dict[str, Any]:
    """`body`: a template's output (mrkdwn) replacing the default section."""
    if view.kind == "digest":
        return _digest(view)
    section = trim_atomic(body, SECTION_CHARS, _ATOM) if body is not None else _section(view)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text",
                                    "text": trim(clean(view.headline), HEADER_CHARS)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": section or " "}},
    ]
    if view.facts:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": trim_escaped(view.facts_line, SECTION_CHARS,
                                                    slack_escape)}]})
    return {"text": trim(clean(f"[{view.rule}] {view.headline}"), 300), "blocks": blocks,
            "unfurl_links": False, "unfurl_media": False}


def _sources(view: AlertView, room: int = SECTION_CHARS // 2) -> str:
    return fit_lines([f"• {slack_link(s.link, s.title, 250)} — "
                      f"{trim_escaped(s.feed, 100, slack_escape)}" for s in view.sources],
                     view.count, room)


def _section(view: AlertView) -> str:
    """Title link (the original when a translation heads the message), snippet with hits in
    bold, then the translated summary or why there is none; the snippet gives way first.
    A follow-up starts with the sources it adds; a summary is its list of matches."""
    if view.kind == "more_matches":
        return _sources(view, SECTION_CHARS)
    head = ("*Original:* " if view.translated_title else "") + slack_link(view.link, view.title)
    if view.lead:
        head = f"_{trim_escaped(view.lead, 400, slack_escape)}_\n{_sources(view)}\n{head}"
    has_tail = bool(view.translated_summary or view.translation_note)
    room = SECTION_CHARS - len(head) - 2
    snippet = trim_atomic(marked(view.snippet, slack_escape, "*", "*"),
                          room // 2 if has_tail else room, _ATOM)
    text = head + ("\n" + snippet if snippet else "")
    room -= len(snippet) + 1
    if view.translated_summary:
        label = f"*{slack_escape(view.target_language or '')}:* "
        text += "\n" + label + trim_escaped(view.translated_summary, room - len(label),
                                            slack_escape)
    elif view.translation_note:
        text += "\n_(" + trim_escaped(view.translation_note, room - 4, slack_escape) + ")_"
    return text + _article(view, SECTION_CHARS - len(text))


def _article(view: AlertView, room: int) -> str:
    """The article's lead (translated when it can be) or why there is none, in what room the
    section has left."""
    out = ""
    if view.article and room > 60:
        label, lead = view.article_shown
        label = f"\n*{slack_escape(label)}:* "
        out = label + trim_escaped(lead.replace("\n\n", "\n"), room - len(label), slack_escape)
    if view.article_note and room - len(out) > 20:
        out += "\n_(" + trim_escaped(view.article_note, room - len(out) - 5, slack_escape) + ")_"
    return out


def _digest(view: AlertView) -> dict[str, Any]:
    title = digest_headline(view)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {
        "type": "plain_text", "text": trim(title, HEADER_CHARS)}}]
    used = len(title)
    shown = 0
    for item in view.items:
        line = f"• {slack_link(item.link, item.headline, 250)}\n" \
               f"{trim_escaped(f'{item.feed} · {item.rule} · {item.published}', 200, slack_escape)}"
        if len(blocks) >= MAX_BLOCKS - 1 or used + len(line) > TOTAL_CHARS - 200:
            break
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": line}})
        used += len(line)
        shown += 1
    if shown < len(view.items):
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"…and {len(view.items) - shown} more"}]})
    return {"text": title, "blocks": blocks, "unfurl_links": False, "unfurl_media": False}
