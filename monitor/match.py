"""Keyword rules: (Item, compiled rules) → list[Match]. Pure.

Backbone version: a query is whole words and "quoted phrases", all of which must occur
(case-insensitive, folded with `text.fold`) in title + summary. The full query language
(Boolean operators, wildcards, NEAR, inflection) replaces `compile_query` behind the same
`compile_rules` / `RuleSet.match` surface.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from monitor.model import Hit, Item, Match, Rule
from monitor.text import fold_with_offsets

_TOKEN = re.compile(r"\w+(?:'\w+)*")
_QUERY_PART = re.compile(r'"([^"]*)"|(\S+)')


class QuerySyntaxError(ValueError):
    """A query does not parse; `column` is 1-based within the query string."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class RuleProblem:
    rule_index: int
    language: str  # "*" for a single-string query
    column: int
    message: str


class RulesError(ValueError):
    def __init__(self, problems: list[RuleProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Query:
    """All of `terms` (each a tuple of folded words: one word, or a phrase) must occur."""

    source: str
    terms: tuple[tuple[str, ...], ...]


def compile_query(source: str) -> Query:
    """Parse a query string. Raises QuerySyntaxError."""
    if source.count('"') % 2:
        raise QuerySyntaxError("unterminated quoted phrase", source.rfind('"') + 1)
    terms: list[tuple[str, ...]] = []
    for m in _QUERY_PART.finditer(source):
        words = tuple(w for w, _, _ in _tokens(m.group(1) if m.group(1) is not None else m.group(2)))
        if words:
            terms.append(words)
        elif m.group(1) is not None:
            raise QuerySyntaxError("empty quoted phrase", m.start() + 1)
    if not terms:
        raise QuerySyntaxError("query has no words", 1)
    return Query(source, tuple(terms))


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """Folded tokens with their character span in `text`."""
    folded, offsets = fold_with_offsets(text)
    return [(m.group(), offsets[m.start()], offsets[m.end() - 1] + 1)
            for m in _TOKEN.finditer(folded)]


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    queries: dict[str, Query]  # language or "*" → query


class RuleSet:
    """Every rule, compiled once. `match(item)` returns the rules the item satisfies."""

    def __init__(self, compiled: list[_CompiledRule]) -> None:
        self._rules = compiled

    def __len__(self) -> int:
        return len(self._rules)

    def match(self, item: Item) -> list[Match]:
        fields = {"title": _tokens(item.title), "summary": _tokens(item.summary)}
        matches = []
        for compiled in self._rules:
            query = compiled.queries.get(item.language) or compiled.queries.get("*")
            if query is None:
                continue
            hits = _match_query(query, fields)
            if hits is not None:
                terms = tuple(dict.fromkeys(h.term for h in hits))
                matches.append(Match(compiled.rule.name, item.key, terms, tuple(hits)))
        return matches


def _match_query(query: Query, fields: dict[str, list[tuple[str, int, int]]]) -> list[Hit] | None:
    hits: list[Hit] = []
    for term in query.terms:
        found = False
        for field_name, tokens in fields.items():
            words = [t[0] for t in tokens]
            n = len(term)
            for i in range(len(words) - n + 1):
                if tuple(words[i:i + n]) == term:
                    hits.append(Hit(" ".join(term), field_name, tokens[i][1], tokens[i + n - 1][2]))
                    found = True
        if not found:
            return None
    return hits


def compile_rules(rules: Sequence[Rule]) -> RuleSet:
    """Compile every rule's queries once. Raises RulesError listing every bad query."""
    compiled: list[_CompiledRule] = []
    problems: list[RuleProblem] = []
    for index, rule in enumerate(rules):
        queries: dict[str, Query] = {}
        for language, source in rule.queries.items():
            try:
                queries[language] = compile_query(source)
            except QuerySyntaxError as exc:
                problems.append(RuleProblem(index, language, exc.column, str(exc)))
        compiled.append(_CompiledRule(rule, queries))
    if problems:
        raise RulesError(problems)
    return RuleSet(compiled)


def match_item(item: Item, rules: RuleSet) -> list[Match]:
    """The rules `item` satisfies, with the terms that matched and where."""
    return rules.match(item)
