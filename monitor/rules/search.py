"""Search stored items with the rule query language: what to index, what a query needs. Pure.

A full-text index cannot run our matcher, so it holds each item's word keys and word forms
(`index_words`: exactly what the matcher compares a query against, for the item's language),
and a query becomes a filter over those words (`candidate_filter`) that every item the query
matches passes: a term needs its key or form (a prefix, the start of a form), AND needs every
side, OR one, NEAR both sides, NOT nothing (it narrows nothing). The index narrows; the real
matcher then decides on each candidate (`SearchQuery.verify`), so results, inflection and
highlights are exactly a rule's.

INDEX_VERSION names what `index_words` produces: bump it whenever a change to folding,
splitting or stemming changes its output for some text (tests/unit/rules/test_search.py pins
it on real text), and stores rebuild their index when the stored version differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Union

from monitor.model import Item, Match
from monitor.normalize.text import WORD, fold
from monitor.rules.compiled import Rule, atom_for, compile_query, compile_rules
from monitor.rules.matcher import Matcher
from monitor.rules.query import And, Field, Near, Node, Not, Or, Term
from monitor.rules.stems import INFLECTED_LANGUAGES, Analyzer, shared_analyzer

INDEX_VERSION = 1
SEARCH_RULE = "search"


@dataclass(frozen=True)
class Word:
    """An indexed word (a key or a form), or with `is_prefix` any word starting with it."""

    text: str
    is_prefix: bool = False


@dataclass(frozen=True)
class Every:
    parts: tuple["Filter", ...]


@dataclass(frozen=True)
class Either:
    parts: tuple["Filter", ...]


Filter = Union[Word, Every, Either]


@dataclass(frozen=True)
class LanguageFilter:
    """Items in `languages` (with `is_other`: in any language but those) need to pass
    `filter` (None: every item is a candidate)."""

    languages: frozenset[str]
    filter: Filter | None
    is_other: bool = False


_analyzer = shared_analyzer  # this thread's analyzers, warm across queries


def index_words(title: str, summary: str, language: str) -> str:
    """The distinct word keys and forms of an item's title and summary, space-separated."""
    analyzer = _analyzer(language)
    words = WORD.findall(fold(title or "")) + WORD.findall(fold(summary or ""))
    if not words:
        return ""
    found = dict.fromkeys(analyzer.keys(words))
    found.update(dict.fromkeys(analyzer.forms(words)))
    return " ".join(found)


def candidate_filter(node: Node, analyzer: Analyzer) -> Filter | None:
    """A filter every item matching `node` passes (None: the query narrows nothing)."""
    if isinstance(node, Term):
        words = tuple(Word(value, mode == "prefix") for mode, value in atom_for(node, analyzer))
        return words[0] if len(words) == 1 else Every(words)
    if isinstance(node, Not):
        return None
    if isinstance(node, Field):
        return candidate_filter(node.child, analyzer)
    if isinstance(node, Near):
        return _all([candidate_filter(node.left, analyzer),
                     candidate_filter(node.right, analyzer)])
    parts = [candidate_filter(child, analyzer) for child in node.children]
    if isinstance(node, And):
        return _all(parts)
    assert isinstance(node, Or)
    if any(p is None for p in parts):
        return None
    unique = tuple(dict.fromkeys(parts))
    return unique[0] if len(unique) == 1 else Either(unique)  # type: ignore[arg-type]


def _all(parts: list[Filter | None]) -> Filter | None:
    kept = tuple(dict.fromkeys(p for p in parts if p is not None))
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else Every(kept)


class SearchQuery:
    """A query string compiled for search: per-language index filters, and the matcher that
    verifies candidates. Raises QuerySyntaxError (with its column) for a query that a rule
    could not use either."""

    def __init__(self, text: str, languages: Sequence[str] = INFLECTED_LANGUAGES) -> None:
        self.text = text
        node = compile_query(text)
        self.languages = tuple(dict.fromkeys(languages))
        by_filter: dict[Filter | None, set[str]] = {}
        for language in self.languages:
            by_filter.setdefault(candidate_filter(node, _analyzer(language)),
                                 set()).add(language)
        other = candidate_filter(node, _analyzer("und"))
        self.filters = [LanguageFilter(frozenset(langs), f) for f, langs in by_filter.items()]
        self.filters.append(LanguageFilter(frozenset(self.languages), other, is_other=True))
        # The matcher that verifies candidates: a rule with this query, as config would
        # compile it. Its word caches are this query's (one search, one thread).
        self.matcher = Matcher(compile_rules([Rule(SEARCH_RULE, {"*": text})], self.languages))

    def verify(self, item: Item) -> Match | None:
        """The match, with its hits, when `item` really matches the query."""
        found = self.matcher.match(item)
        return found[0] if found else None
