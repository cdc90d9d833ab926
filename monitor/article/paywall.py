"""Article stage: is this page a paywall stub? Pure; stdlib only.

A stub is short text plus a marker. Markers: what publishers declare for search engines
(schema.org `isAccessibleForFree: false`, Google's documented markup for paywalled content;
`article:content_tier` "locked"), a paywall element's class or id, and the prompts readers
see, in en/ru/be/uk. A marker on a long text is a metered page that served the whole article:
not a stub, but its prompt lines are still taken out of the text.
"""

from __future__ import annotations

import re

# Shorter than this (after the prompts are taken out), a page with a marker is a stub: the
# teasers seen on stubs are one to three sentences; a real article is longer.
STUB_CHARS = 700
# A line longer than this is article text that happens to contain a prompt's words.
_PROMPT_LINE_CHARS = 200

_DECLARED = re.compile(
    r"""isAccessibleForFree["']?\s*(?::|content\s*=)\s*["']?\s*false"""
    r"""|article:content_tier["']?\s+content\s*=\s*["']?locked""", re.I)
# A paywall element: one of these words inside a class or id attribute value.
_ELEMENT_WORD = re.compile(r"\b(?:paywall|pay-wall|regwall|piano-?offer|subscribers?-only"
                           r"|premium-(?:lock|wall|content-lock)|tp-modal)", re.I)
_IN_CLASS_OR_ID = re.compile(r"""\b(?:class|id)\s*=\s*["'][^"'<>]*$""", re.I)
_PROMPTS = re.compile("|".join([
    # en
    r"subscribe to (?:continue|keep) reading", r"subscribe to read", r"subscribers only",
    r"for subscribers", r"already a subscriber", r"to continue reading,? (?:please )?"
    r"(?:subscribe|sign in|log in|register)", r"this (?:article|content|story) is "
    r"(?:for|available to|exclusive to|only available to) (?:paid )?subscribers",
    r"become a (?:paid )?subscriber", r"unlock this (?:article|story)",
    # ru
    r"доступ\w* только (?:для )?подписчик\w*", r"только для подписчиков",
    r"оформ\w+ подписку", r"чтобы (?:продолжить чтение|читать дальше)",
    r"уже (?:есть )?подписк\w+\??", r"уже подписчик",
    # be
    r"толькі для падпісчыкаў", r"аформ\w+ падпіску", r"каб (?:чытаць далей|працягнуць "
    r"чытанне)", r"даступн\w+ толькі падпісчыкам",
    # uk
    r"(?:лише|тільки) для (?:передплатників|підписників)", r"оформ\w+ (?:передплату|підписку)",
    r"щоб (?:продовжити читання|читати далі)",
]), re.I)


# Every marker holds one of these: looked for first, with `in` (the marker patterns cost
# 0.1 s per MB of text without a marker in it).
_MARKER_WORDS = ("isaccessibleforfree", "content_tier", "paywall", "pay-wall", "regwall",
                 "piano", "subscriber", "premium-", "tp-modal")


def page_markers(html: str) -> bool:
    """Does the markup declare or show a paywall (see the module docstring)?"""
    folded = html.lower()
    if not any(word in folded for word in _MARKER_WORDS):
        return False
    if _DECLARED.search(html):
        return True
    return any(_IN_CLASS_OR_ID.search(html, max(0, word.start() - 200), word.start())
               for word in _ELEMENT_WORD.finditer(html))


def without_prompts(paragraphs: list[str]) -> tuple[list[str], bool]:
    """The paragraphs without short paywall prompts, and whether there was one."""
    kept = [p for p in paragraphs
            if len(p) > _PROMPT_LINE_CHARS or not _PROMPTS.search(p)]
    return kept, len(kept) != len(paragraphs)


def is_stub(text_chars: int, *, declared: bool, prompted: bool) -> bool:
    return (declared or prompted) and text_chars < STUB_CHARS
