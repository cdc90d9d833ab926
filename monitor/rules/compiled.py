"""Rule compilation: rules' query strings → CompiledRules, an immutable index per language. Pure.

Queries are parsed by `query` and their words keyed by `stems` for each language. Every query
word (an "atom": a word key, an exact form, a prefix, or a sequence of them for phrases and
hyphenated words) is indexed by what its first word must be, and maps to the rules it can
trigger (`nodes.triggers`). Nothing here changes after `compile_rules` returns: what matching
learns about words is kept by the caller's `matcher.Matcher`. Imports query, stems, nodes,
normalize.text and model.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterable, Mapping, Protocol, Sequence

from monitor.normalize.text import WORD, fold
from monitor.rules.nodes import (ANYWHERE, IN_BODY, IN_TITLE, Absent, AllOf, AnyOf, Atom,
                                 CompiledNode, Element, Occurs, Within)
from monitor.rules.query import (And, Field, Near, Node, Not, Or, QuerySyntaxError, Term,
                                 parse_query)
from monitor.rules.stems import INFLECTED_LANGUAGES, Analyzer, analyzer_for

ANY_LANGUAGE = "*"
OTHER_LANGUAGES = "other"  # the index for every language no rule names and no stemmer knows
_MIN_PREFIX = 2
PREFIX_HEAD = 4  # prefixes are indexed by their first letters, at most this many
FIELD_SCOPES = {"title": IN_TITLE, "body": IN_BODY}  # a query field: where its terms match


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


def phrase_words(text: str) -> list[tuple[str, bool]]:
    """The words of a phrase, each with whether it ends in `*` (a prefix)."""
    out: list[tuple[str, bool]] = []
    for chunk in text.split():
        words = WORD.findall(fold(chunk))
        out += [(w, False) for w in words]
        if words and chunk.endswith("*"):
            out[-1] = (words[-1], True)
    return out


def atom_for(term: Term, analyzer: Analyzer) -> Atom:
    """What `term` matches in `analyzer`'s language, word by word."""
    if term.kind == "phrase":
        return tuple(("prefix" if is_prefix else "form", analyzer.form(w))
                     for w, is_prefix in phrase_words(term.text))
    words = WORD.findall(fold(term.text))
    elements: list[Element] = [("key", k) for k in analyzer.keys(words)]
    if term.kind == "prefix":
        elements[-1] = ("prefix", analyzer.form(words[-1]))
    return tuple(elements)


def _check_terms(node: Node) -> None:
    """Raises QuerySyntaxError for terms that can never match (no letters, short prefix)."""
    if isinstance(node, Term):
        words = WORD.findall(fold(node.text))
        if not words:
            raise QuerySyntaxError(f"nothing to search for in {str(node)!r} (no letters or "
                                   "digits)", node.column)
        short = node.kind == "prefix" and len(words[-1]) < _MIN_PREFIX or \
            node.kind == "phrase" and any(p and len(w) < _MIN_PREFIX
                                          for w, p in phrase_words(node.text))
        if short:
            raise QuerySyntaxError(f"a wildcard needs at least {_MIN_PREFIX} letters before "
                                   "'*'", node.column)
    elif isinstance(node, (And, Or)):
        for child in node.children:
            _check_terms(child)
    elif isinstance(node, Near):
        for side in (node.left, node.right):
            negated = _first_not(side)
            if negated is not None:
                raise QuerySyntaxError("NOT cannot be used inside NEAR", negated)
            _check_terms(side)
    else:
        _check_terms(node.child)


def _first_not(node: Node) -> int | None:
    if isinstance(node, Not):
        return node.column
    if isinstance(node, (And, Or)):
        return next((c for c in map(_first_not, node.children) if c is not None), None)
    if isinstance(node, Near):
        return _first_not(node.left) or _first_not(node.right)
    if isinstance(node, Field):
        return _first_not(node.child)
    return None


def compile_query(source: str) -> Node:
    """Parse and check a query string. Raises QuerySyntaxError."""
    node = parse_query(source)
    _check_terms(node)
    return node


@dataclass(frozen=True)
class LanguageIndex:
    """Every rule's query for one language, compiled with that language's analyzer.

    `rules[slot]` is (rule index, compiled node); `rules_by_atom[atom_id]` the slots an atom
    can trigger. The look-ups by a word's key or form are read only when a word is first seen.
    """

    language: str
    atoms: tuple[Atom, ...]
    rules: tuple[tuple[int, CompiledNode], ...]
    rules_by_atom: tuple[tuple[int, ...], ...]
    single_key: Mapping[str, int]
    single_form: Mapping[str, int]
    seq_by_key: Mapping[str, tuple[int, ...]]
    seq_by_form: Mapping[str, tuple[int, ...]]
    # length of head → head → (atom id, whole prefix)
    prefix_heads: Mapping[int, Mapping[str, tuple[tuple[int, str], ...]]]

    @property
    def needs_forms(self) -> bool:
        """Whether any atom starts with a form or a prefix (else only keys are looked up)."""
        return bool(self.single_form or self.prefix_heads or self.seq_by_form)


class _IndexBuilder:
    def __init__(self, language: str) -> None:
        self.language = language
        self.analyzer = analyzer_for(language)
        self.atoms: list[Atom] = []
        self.atom_ids: dict[Atom, int] = {}
        self.single_key: dict[str, int] = {}
        self.single_form: dict[str, int] = {}
        self.seq_by_key: dict[str, list[int]] = {}
        self.seq_by_form: dict[str, list[int]] = {}
        self.prefix_heads: dict[int, dict[str, list[tuple[int, str]]]] = {}

    def build(self, queries: Iterable[tuple[int, Node]]) -> LanguageIndex:
        rules: list[tuple[int, CompiledNode]] = []
        by_atom: dict[int, list[int]] = {}
        for rule_index, node in queries:
            compiled = self.node(node, ANYWHERE)
            slot = len(rules)
            rules.append((rule_index, compiled))
            for atom_id in compiled.triggers(self.atoms) or ():
                by_atom.setdefault(atom_id, []).append(slot)
        frozen = MappingProxyType
        return LanguageIndex(
            language=self.language, atoms=tuple(self.atoms), rules=tuple(rules),
            rules_by_atom=tuple(tuple(by_atom.get(a, ())) for a in range(len(self.atoms))),
            single_key=frozen(self.single_key), single_form=frozen(self.single_form),
            seq_by_key=frozen({k: tuple(v) for k, v in self.seq_by_key.items()}),
            seq_by_form=frozen({k: tuple(v) for k, v in self.seq_by_form.items()}),
            prefix_heads=frozen({n: frozen({h: tuple(v) for h, v in heads.items()})
                                 for n, heads in self.prefix_heads.items()}))

    def node(self, node: Node, scope: int) -> CompiledNode:
        if isinstance(node, Term):
            return Occurs(self.atom_id(atom_for(node, self.analyzer)), str(node), scope)
        if isinstance(node, Not):
            return Absent(self.node(node.child, scope))
        if isinstance(node, And):
            return AllOf(tuple(self.node(c, scope) for c in node.children))
        if isinstance(node, Or):
            return AnyOf(tuple(self.node(c, scope) for c in node.children))
        if isinstance(node, Near):
            return Within(self.node(node.left, scope), self.node(node.right, scope),
                          node.distance)
        return self.node(node.child, FIELD_SCOPES[node.name])  # Field: the nearest one wins

    def atom_id(self, atom: Atom) -> int:
        atom_id = self.atom_ids.get(atom)
        if atom_id is not None:
            return atom_id
        atom_id = self.atom_ids[atom] = len(self.atoms)
        self.atoms.append(atom)
        (mode, value), rest = atom[0], atom[1:]
        if mode == "prefix":  # a prefix alone, or the first word of a phrase like "dron* st*"
            head = value[:PREFIX_HEAD]
            self.prefix_heads.setdefault(len(head), {}).setdefault(head, []).append(
                (atom_id, value))
        elif rest:
            index = self.seq_by_key if mode == "key" else self.seq_by_form
            index.setdefault(value, []).append(atom_id)
        elif mode == "key":
            self.single_key[value] = atom_id
        else:
            self.single_form[value] = atom_id
        return atom_id


class RuleQueries(Protocol):
    """What compiling reads of a rule: its name, and its query per language (ANY_LANGUAGE: one
    query for every language). monitor.config's RuleConfig is one (config sits above rules)."""

    @property
    def name(self) -> str: ...

    @property
    def queries(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class Rule:
    """A plain rule to compile, for code without a config (tests, benches)."""

    name: str
    queries: Mapping[str, str]


@dataclass(frozen=True)
class CompiledRule:
    rule: RuleQueries
    queries: Mapping[str, Node]  # language or "*" → parsed query


@dataclass(frozen=True)
class CompiledRules:
    """Every rule, compiled once: an index per language. Immutable, so one value can be shared
    by threads and forked workers; match with a `matcher.Matcher`, which keeps the caches."""

    rules: tuple[CompiledRule, ...]
    indexes: Mapping[str, LanguageIndex]  # the stemmed languages and every language a rule names
    other: LanguageIndex  # any other language: the "*" queries, exact word forms

    def __len__(self) -> int:
        return len(self.rules)

    def index_for(self, language: str) -> LanguageIndex:
        return self.indexes.get(language) or self.other


def compile_rules(rules: Sequence[RuleQueries],
                  languages: Sequence[str] = INFLECTED_LANGUAGES) -> CompiledRules:
    """Compile every rule's queries once. Raises RulesError listing every bad query."""
    compiled: list[CompiledRule] = []
    problems: list[RuleProblem] = []
    for index, rule in enumerate(rules):
        queries: dict[str, Node] = {}
        for language, source in rule.queries.items():
            try:
                queries[language] = compile_query(source)
            except QuerySyntaxError as exc:
                problems.append(RuleProblem(index, language, exc.column, str(exc)))
        compiled.append(CompiledRule(rule, MappingProxyType(queries)))
    if problems:
        raise RulesError(problems)
    named = dict.fromkeys([*languages, *(language for c in compiled for language in c.queries
                                         if language != ANY_LANGUAGE)])
    indexes = {language: _index(compiled, language, language) for language in named}
    return CompiledRules(tuple(compiled), MappingProxyType(indexes),
                         _index(compiled, ANY_LANGUAGE, OTHER_LANGUAGES))


def _index(compiled: Sequence[CompiledRule], language: str, label: str) -> LanguageIndex:
    queries = []
    for rule_index, rule in enumerate(compiled):
        node = rule.queries.get(language) or rule.queries.get(ANY_LANGUAGE)
        if node is not None:
            queries.append((rule_index, node))
    return _IndexBuilder(label).build(queries)
