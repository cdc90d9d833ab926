"""Checks across the config's parts: unique names, the channels rules and health alerts name, the
languages queries use, settings that only make sense together. Pure.

They read the YAML tree as written, not the validated models, so they run in the same pass as
every other check: a rule naming an unknown channel is reported beside a feed with a bad URL,
not after it is fixed. A value of the wrong type is skipped here (the schema reports it).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit
from urllib.request import url2pathname

from monitor.config.channels import CHANNEL_TYPES
from monitor.config.values import check_query
from monitor.rules.query import parse_query, terms
from monitor.config.yaml_tree import line_of
from monitor.language import available_languages
from monitor.render.markup import PLAIN
from monitor.render.template import TemplateError, check_template

Problem = tuple[tuple, str]

# Country codes and ISO 639-2 codes people write for the languages we know best.
_LANGUAGE_SLIPS = {"ua": "uk", "by": "be", "ukr": "uk", "bel": "be", "rus": "ru", "eng": "en"}


def items(tree: Any, section: str) -> Iterator[tuple[int, dict]]:
    """The mappings of a list section (feeds, rules, channels), with their indexes."""
    value = tree.get(section)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def names(tree: Any, section: str) -> list[str]:
    return [item["name"] for _, item in items(tree, section) if isinstance(item.get("name"), str)]


def cross_check(tree: Any, languages: tuple[str, ...] | None) -> list[Problem]:
    """Every problem that spans parts of the config. `languages` is the validated
    `languages:` (None when it is itself invalid: the query-language check is then skipped)."""
    problems: list[Problem] = []
    for section in ("feeds", "rules", "channels"):
        problems += _duplicates(tree, section)
    problems += _channel_references(tree)
    for index, channel in items(tree, "channels"):
        problems += _channel_settings(index, channel)
    problems += _language_checks(tree, languages)
    return problems


def dead_ends(tree: Any) -> list[Problem]:
    """Warnings for a valid config whose matches go nowhere: no rules, or no channels for the
    rules that name none (a rule that names a channel that does not exist is an error)."""
    warnings: list[Problem] = []
    rules = list(items(tree, "rules"))
    if not rules:
        warnings.append((("rules",), "none defined, so nothing matches and no alert is ever "
                                     "sent (add a rule with a query)"))
    if not list(items(tree, "channels")):
        unrouted = [r.get("name") for _, r in rules if not r.get("channels")]
        goes = f"the matches of rule{'s' if len(unrouted) != 1 else ''} " \
               f"{', '.join(map(str, unrouted))} go" if unrouted else "alerts would go"
        if unrouted or not rules:
            warnings.append((("channels",), f"none defined, so {goes} nowhere (add one, e.g. "
                                            "{name: console, type: console})"))
    return warnings


def body_without_articles(rules: Any, reads_all: bool) -> list[Problem]:
    """A warning for each rule query with a `body:` term when no feed has `full_text: all`:
    only those feeds' items have an article text to match, so the term never matches."""
    if reads_all:
        return []
    warnings: list[Problem] = []
    for index, rule in enumerate(rules):
        for language, query in rule.queries.items():
            if any(field == "body" for _, field in terms(parse_query(query))):
                loc = ("rules", index, "query") + (() if language == "*" else (language,))
                warnings.append((loc, "body: matches the article text, which only feeds with "
                                      "full_text: all read, and none does: it never matches"))
    return warnings


def missing_files(feed_urls: list[str]) -> list[Problem]:
    """A warning for each feed that is a local file that does not exist (yet): it may be
    written later by another program, so it is not an error, but a typo shows here."""
    warnings: list[Problem] = []
    for index, url in enumerate(feed_urls):
        if url.startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path))
            if not path.exists():
                warnings.append((("feeds", index, "url"), f"no such file {path} (yet); the "
                                                         "feed fails until it exists"))
    return warnings


def _duplicates(tree: Any, section: str) -> list[Problem]:
    problems, seen = [], {}
    for index, item in items(tree, section):
        name = item.get("name")
        if not isinstance(name, str):
            continue
        if name in seen:
            first = line_of(tree, (section, seen[name], "name"))
            problems.append(((section, index, "name"),
                             f"duplicate name '{name}' (first on line {first})"))
        seen.setdefault(name, index)
    return problems


def _channel_references(tree: Any) -> list[Problem]:
    known = names(tree, "channels")
    problems = []
    for index, rule in items(tree, "rules"):
        listed = rule.get("channels")
        for ci, name in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(name, str) and name not in known:
                problems.append((("rules", index, "channels", ci), unknown_channel(name, known)))
    health = tree.get("health")
    listed = health.get("channels") if isinstance(health, dict) else None
    for ci, name in enumerate(listed if isinstance(listed, list) else []):
        if isinstance(name, str) and name not in known:
            problems.append((("health", "channels", ci), unknown_channel(name, known)))
    return problems


def unknown_channel(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else \
        (f" (channels: {', '.join(known)})" if known else " (no channels are defined)")
    return f"unknown channel '{name}'{hint}"


def _channel_settings(index: int, channel: dict) -> list[Problem]:
    ctype = channel.get("type")
    known = CHANNEL_TYPES.get(ctype) if isinstance(ctype, str) else None
    problems: list[Problem] = [(("channels", index, key), problem) for key, problem
                               in (known.settings.key_problems(channel) if known else ())]
    template = channel.get("template")
    if isinstance(template, str) and isinstance(ctype, str):
        # An unknown type is reported on its own; its template is still checked.
        try:
            check_template(template, known.renderer().MARKUP if known else PLAIN)
        except TemplateError as exc:
            problems.append((("channels", index, "template"), str(exc)))
    return problems


def _language_checks(tree: Any, languages: tuple[str, ...] | None) -> list[Problem]:
    problems = []
    known = available_languages()  # profile file names only: no detector is built here
    listed = tree.get("languages")
    for index, code in enumerate(listed if isinstance(listed, list) else []):
        if isinstance(code, str) and code not in known:
            problems.append((("languages", index), unknown_language(code)))
    if languages is None:
        return problems
    for index, rule in items(tree, "rules"):
        query = _valid(check_query, rule.get("query"))
        for code in query if isinstance(query, dict) else ():
            if code not in languages:
                problems.append((("rules", index, "query", code),
                                 f"language '{code}' is not in languages "
                                 f"({', '.join(languages)}); add it there, or no item will "
                                 f"be detected as '{code}'"))
    return problems


def unknown_language(code: str) -> str:
    hint = f"did you mean '{_LANGUAGE_SLIPS[code]}'?" if code in _LANGUAGE_SLIPS else \
        "use an ISO 639-1 code such as en, ru, be, uk, de"
    return f"no language profile for '{code}' ({hint})"


def _valid(check: Callable[[Any], Any], value: Any) -> Any:
    try:
        return check(value)
    except ValueError:
        return None
