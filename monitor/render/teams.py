"""Microsoft Teams Workflows webhook: an Adaptive Card (1.4) in a `message` envelope. Pure.

Workflows accept Adaptive Cards only, wrapped as `{"type": "message", "attachments": [...]}`
(a bare card or the old connector `{"text"}` body fails inside the flow, notify.md §1). The
whole message stays under 20 KB (Teams' 28 KB limit, with the margin others found needed).
TextBlocks parse a Markdown subset, so emphasis and link characters are escaped.
"""

from __future__ import annotations

import json
from typing import Any

from monitor.render.limits import trim, trim_escaped, utf8
from monitor.render.markup import TEAMS, marked, safe_url, teams_escape
from monitor.render.view import AlertView, digest_headline

MARKUP = TEAMS  # templates write TextBlock Markdown (render.template)
MESSAGE_BYTES = 20_000
SUMMARY_CHARS = 6000


def teams_payload(view: AlertView, body: str | None = None) -> dict[str, Any]:
    card = _card(view, body, SUMMARY_CHARS)
    payload = _envelope(card)
    budget = SUMMARY_CHARS
    while utf8(json.dumps(payload)) > MESSAGE_BYTES and budget > 200:
        budget //= 2
        payload = _envelope(_card(view, body, budget))
    return payload


def _envelope(card: dict[str, Any]) -> dict[str, Any]:
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
        "content": card}]}


def _block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _sources(view: AlertView) -> list[dict[str, Any]]:
    blocks = []
    for s in view.sources:
        url = safe_url(s.link)
        label = trim_escaped(s.title, 200, teams_escape)
        blocks.append(_block((f"[{label}]({url})" if url else label)
                             + f" — {teams_escape(s.feed)}", spacing="Small"))
    if view.more_sources:
        blocks.append(_block(f"…and {view.more_sources} more", isSubtle=True))
    return blocks


def _card(view: AlertView, body: str | None, budget: int) -> dict[str, Any]:
    blocks: list[dict[str, Any]]
    if view.kind == "digest":
        blocks = [_block(teams_escape(digest_headline(view)), size="Medium", weight="Bolder")]
        for item in view.items[:max(1, budget // 60)]:
            url = safe_url(item.link)
            label = trim_escaped(item.headline, 200, teams_escape)
            blocks.append(_block((f"[{label}]({url})" if url else label)
                                 + f" — {teams_escape(item.feed)}", spacing="Small"))
        if len(view.items) > max(1, budget // 60):
            blocks.append(_block(f"…and {len(view.items) - max(1, budget // 60)} more",
                                 isSubtle=True))
    elif view.kind == "more_matches":
        blocks = [_block(teams_escape(view.headline), size="Medium", weight="Bolder"),
                  *_sources(view)]
    elif body is not None:
        blocks = [_block(trim_escaped(view.headline, 300, teams_escape), size="Medium",
                         weight="Bolder"), _block(trim(body, budget))]
    else:
        blocks = [_block(trim_escaped(view.headline, 300, teams_escape), size="Medium",
                         weight="Bolder")]
        if view.lead:
            blocks += [_block(trim_escaped(view.lead, 400, teams_escape), isSubtle=True),
                       *_sources(view)]
        if view.translated_title:
            blocks.append(_block("Original: " + trim_escaped(view.title, 300, teams_escape),
                                 isSubtle=True, spacing="None"))
        snippet = marked(view.snippet, teams_escape, "**", "**")
        if snippet:
            blocks.append(_block(snippet))
        if view.translated_summary:
            blocks.append(_block(trim_escaped(view.translated_summary, budget, teams_escape)))
        elif view.translation_note:
            blocks.append(_block(teams_escape(view.translation_note), isSubtle=True))
        if view.article:
            label, lead = view.article_shown
            blocks.append(_block(f"**{teams_escape(label)}:** " + trim_escaped(
                lead.replace("\n\n", "\n"), budget, teams_escape)))
        if view.article_note:
            blocks.append(_block(teams_escape(view.article_note), isSubtle=True))
        blocks.append({"type": "FactSet", "facts": [
            {"title": k, "value": teams_escape(v)} for k, v in view.facts]})
    card: dict[str, Any] = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                            "type": "AdaptiveCard", "version": "1.4", "body": blocks}
    url = safe_url(view.link)
    if url and view.kind != "digest":
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open the story", "url": url}]
    return card
