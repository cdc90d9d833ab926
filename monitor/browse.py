"""Reading the state: recorded matches, search, the rule preview. For the web UI and the CLI.

No SQL here: the store answers narrow questions (a page of matches, index candidates, the
newest items) and this module decides with the real matcher. Search is exact: the store's
full-text index only narrows (`monitor.rules.search`), every candidate is verified by the
rule matcher, and items the index has not taken in yet are read directly, so a search never
misses an item a rule would have matched.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field, replace
from typing import Iterator, Mapping, Protocol, Sequence

import yaml

from monitor.model import Article, Hit, Match, MatchFilter, StoredItem, StoredMatch
from monitor.rules import Matcher, Rule, RulesError, compile_rules, explain
from monitor.rules.query import QuerySyntaxError
from monitor.rules.search import LanguageFilter, SearchQuery

PAGE_SIZE = 50
MAX_CANDIDATES = 5000  # verified per search request; past this a "more" cursor continues
_BATCH = 200


class SearchableStore(Protocol):
    def search_candidates(self, language_filter: LanguageFilter, *, before: int | None,
                          limit: int) -> list[StoredItem]:
        """Indexed items in the filter's languages that pass its filter (all of them when it
        has none), newest first, with positions below `before`."""

    def unindexed_items(self, *, before: int | None, limit: int) -> list[StoredItem]:
        """Items the index has not taken in yet, newest first."""

    def newest_items(self, limit: int) -> list[StoredItem]: ...


@dataclass(frozen=True)
class Found:
    """A stored item that matches a query, with the matcher's terms and hits."""

    item: StoredItem
    match: Match

    @property
    def hits(self) -> tuple[Hit, ...]:
        return self.match.hits

    @property
    def matched_terms(self) -> tuple[str, ...]:
        return self.match.matched_terms


@dataclass
class SearchPage:
    query: str
    results: list[Found] = field(default_factory=list)
    examined: int = 0  # candidates the matcher checked
    unindexed: int = 0  # of which read directly: not in the index yet
    next_before: int | None = None  # pass as `before` for the next page; None: no more
    elapsed_ms: int = 0


def search(store: SearchableStore, text: str, languages: Sequence[str], *,
           before: int | None = None, page_size: int = PAGE_SIZE,
           max_candidates: int = MAX_CANDIDATES) -> SearchPage:
    """The newest stored items `text` matches (as a rule's query would), newest first.

    Raises QuerySyntaxError for a query that does not parse."""
    started = time.perf_counter()
    query = SearchQuery(text, languages)
    page = SearchPage(text)
    sources = [_batches(lambda b, f=f: store.search_candidates(f, before=b, limit=_BATCH),
                        before, False) for f in query.filters]
    sources.append(_batches(lambda b: store.unindexed_items(before=b, limit=_BATCH), before,
                            True))
    last = None
    for position, item, is_unindexed in heapq.merge(*sources, key=_position, reverse=True):
        if position == last:
            continue  # the same item from two sources (e.g. indexed while we read)
        last = position
        if page.examined >= max_candidates or len(page.results) >= page_size:
            page.next_before = position + 1
            break
        page.examined += 1
        page.unindexed += is_unindexed
        match = query.verify(item.as_item())
        if match is not None:
            page.results.append(Found(item, match))
    page.elapsed_ms = round((time.perf_counter() - started) * 1000)
    return page


def _position(entry: tuple[int, StoredItem, bool]) -> int:
    return entry[0]


def _batches(fetch, before: int | None,
             unindexed: bool) -> Iterator[tuple[int, StoredItem, bool]]:
    """(position, item, unindexed) from `fetch(before)`, newest first, a batch at a time."""
    cursor = before
    while True:
        batch = fetch(cursor)
        for item in batch:
            yield item.position, item, unindexed
        if len(batch) < _BATCH:
            return
        cursor = batch[-1].position


@dataclass
class Preview:
    """What a query being written would match among the newest stored items."""

    query: str
    language: str = ""  # "" for one query string for every language
    name: str = "my-rule"
    results: list[Found] = field(default_factory=list)
    scanned: int = 0
    explain: list[str] = field(default_factory=list)
    yaml: str = ""
    error: str | None = None
    error_column: int | None = None
    elapsed_ms: int = 0


def preview_rule(items: Sequence[StoredItem], query: str, languages: Sequence[str], *,
                 language: str = "", name: str = "my-rule",
                 articles: Mapping[str, Article] | None = None) -> Preview:
    """Run `query` as a rule on `items` (nothing is written or sent): the matches with their
    hits, `rules explain`'s lines, and the config snippet. `articles` (by item key) are read
    with their items, as `full_text: all` feeds match them (`body:` terms). A query that does
    not parse gives `error` (and its column), not an exception."""
    started = time.perf_counter()
    preview = Preview(query, language, name or "my-rule")
    if not query.strip():
        return preview
    rule = Rule(preview.name, {language or "*": query})
    try:
        compiled = compile_rules([rule], languages)
    except RulesError as exc:  # one problem: this query's
        problem = exc.problems[0]
        preview.error = f"column {problem.column}: {problem.message}"
        preview.error_column = problem.column
        return preview
    matcher = Matcher(compiled)
    articles = articles or {}
    for stored in items:
        item = stored.as_item()
        if stored.key in articles:
            item = replace(item, article=articles[stored.key])
        found = matcher.match(item)
        if found:
            preview.results.append(Found(stored, found[0]))
    preview.scanned = len(items)
    preview.explain = explain(compiled)
    preview.yaml = rule_yaml(preview.name, query, language)
    preview.elapsed_ms = round((time.perf_counter() - started) * 1000)
    return preview


def rule_yaml(name: str, query: str, language: str = "") -> str:
    """The `rules:` entry to paste into config.yaml (quoted by the YAML library itself)."""
    entry = {"name": name, "query": {language: query} if language else query}
    return yaml.dump({"rules": [entry]}, Dumper=_IndentedDumper, allow_unicode=True,
                     sort_keys=False, width=100).rstrip()


class _IndentedDumper(yaml.SafeDumper):
    """Lists indented under their key (`rules:\n  - name: …`), as the README writes config."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


__all__ = ["Found", "MatchFilter", "Preview", "SearchPage", "StoredMatch", "preview_rule",
           "rule_yaml", "search"]
