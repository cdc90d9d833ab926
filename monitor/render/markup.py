"""Escaping feed text for each markup, and marking the snippet's hits. Pure; stdlib only.

Feed text is hostile: every format escapes exactly what its service parses (notify.md §1):
Slack only `& < >`; Telegram and Matrix HTML `& < >` (and `"` in attributes); Discord and
Mattermost Markdown with backslashes; Teams TextBlocks the emphasis and link characters.
Each markup is one `Markup` value below; a channel's render module names its own as `MARKUP`
(what its templates escape values for, see render.template).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from monitor.render.view import clean, safe_url  # noqa: F401 - safe_url is used from here

Escape = Callable[[str], str]


def slack_escape(text: str) -> str:
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_escape(text: str) -> str:
    return html.escape(clean(text), quote=False)


_MD_SPECIAL = re.compile(r"([\\`*_~|<>#\[\]()\-])")
_TEAMS_SPECIAL = re.compile(r"([\\*_\[\]`])")


def markdown_escape(text: str) -> str:
    """Discord and Mattermost: every Markdown-significant character gets a backslash (both
    parsers treat a backslash before any ASCII punctuation as a literal)."""
    return _MD_SPECIAL.sub(r"\\\1", clean(text))


def teams_escape(text: str) -> str:
    """Adaptive Card TextBlocks parse a Markdown subset: emphasis and links only."""
    return _TEAMS_SPECIAL.sub(r"\\\1", clean(text))


def plain(text: str) -> str:
    return clean(text)


def marked(segments: Sequence[tuple[str, bool]], escape: Escape, open_: str,
           close: str) -> str:
    """The snippet with its hits wrapped in `open_`…`close`, each piece escaped."""
    out = []
    for text, is_hit in segments:
        if is_hit and text.strip():
            lead = text[:len(text) - len(text.lstrip())]
            trail = text[len(text.rstrip()):]
            out.append(f"{escape(lead)}{open_}{escape(text.strip())}{close}{escape(trail)}")
        else:
            out.append(escape(text))
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Links, and the markups


def slack_link_markup(href: str, text: str | None) -> str:
    label = slack_escape(text if text is not None else href)
    return f"<{href.replace('&', '&amp;')}|{label}>"


def html_link(href: str, text: str | None) -> str:
    label = html_escape(text if text is not None else href)
    return f'<a href="{html.escape(href, quote=True)}">{label}</a>'


def markdown_link(href: str, text: str | None) -> str:
    return f"[{markdown_escape(text if text is not None else href)}]({href})"


def teams_link(href: str, text: str | None) -> str:
    return f"[{teams_escape(text if text is not None else href)}]({href})"


def plain_link(href: str, text: str | None) -> str:
    return f"{text} <{href}>" if text is not None else href


@dataclass(frozen=True)
class Markup:
    """How one kind of message marks text up: `escape` makes feed text literal, `bold` wraps
    a hit, `link(href, text)` writes a link (`href` already a safe http(s) URL, `text` the
    link's words or None for a bare link)."""

    name: str
    escape: Escape
    bold: tuple[str, str]
    link: Callable[[str, str | None], str]


SLACK = Markup("slack mrkdwn", slack_escape, ("*", "*"), slack_link_markup)
HTML = Markup("HTML", html_escape, ("<b>", "</b>"), html_link)  # Telegram, Matrix
MARKDOWN = Markup("Markdown", markdown_escape, ("**", "**"), markdown_link)  # Discord, Mattermost
TEAMS = Markup("Teams TextBlock", teams_escape, ("**", "**"), teams_link)
PLAIN = Markup("plain text", plain, ("", ""), plain_link)
