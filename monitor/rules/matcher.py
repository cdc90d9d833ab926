"""Keyword rules: (Item, compiled rules) → list[Match]. Pure.

Queries are parsed by `query` and their words keyed by `stem` for the item's language. Every
rule is compiled once per language into an index: each query word (an "atom": a word key, an
exact form, a prefix, or a sequence of them for phrases and hyphenated words) maps to the rules
it can trigger. Matching an item folds and splits its title and summary once, looks its word
keys up in the index, and evaluates only the rules one of whose required atoms occurs, so the
cost per item grows with the rules it nearly matches, not with the number of rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from monitor.model import Hit, Item, Match, Rule
from monitor.rules.query import (And, Field, Near, Node, Not, Or, QuerySyntaxError, Term,
                           parse_query, terms)
from monitor.rules.stems import INFLECTED_LANGUAGES, Analyzer, analyzer_for
from monitor.normalize.text import WORD, fold, fold_keeps_offsets, fold_with_offsets

__all__ = ["QuerySyntaxError", "RuleProblem", "RulesError", "RuleSet", "compile_rules",
           "match_item"]

ANY_LANGUAGE = "*"
_MIN_PREFIX = 2
_WORD_CACHE_LIMIT = 200_000  # distinct words remembered per language, then forgotten
_PREFIX_HEAD = 4  # prefixes are indexed by their first letters, at most this many


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


# An atom is a tuple of (mode, value) elements matched at consecutive word positions:
# "key" = same word key (a bare word), "form" = same folded form (a phrase word),
# "prefix" = the form starts with value (word*).
Element = tuple[str, str]
Atom = tuple[Element, ...]

# Compiled query nodes, small tuples for a fast evaluator:
#   ("t", atom_id, display, title_only) ("n", child) ("a", children) ("o", children)
#   ("r", left, right, distance)
_Expr = tuple


def _phrase_words(text: str) -> list[tuple[str, bool]]:
    """The words of a phrase, each with whether it ends in `*` (a prefix)."""
    out: list[tuple[str, bool]] = []
    for chunk in text.split():
        words = WORD.findall(fold(chunk))
        out += [(w, False) for w in words]
        if words and chunk.endswith("*"):
            out[-1] = (words[-1], True)
    return out


def _atom_for(term: Term, analyzer: Analyzer) -> Atom:
    if term.kind == "phrase":
        return tuple(("prefix" if is_prefix else "form", analyzer.form(w))
                     for w, is_prefix in _phrase_words(term.text))
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
                                          for w, p in _phrase_words(node.text))
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


class _LanguageIndex:
    """Every rule's query for one language, compiled against that language's analyzer."""

    def __init__(self, language: str, queries: Iterable[tuple[int, Node]]) -> None:
        self.language = language
        self.analyzer = analyzer_for(language)
        self.atoms: list[Atom] = []
        self._atom_ids: dict[Atom, int] = {}
        self.single_key: dict[str, int] = {}
        self.single_form: dict[str, int] = {}
        self.prefix_heads: dict[int, dict[str, list[tuple[int, str]]]] = {}
        self.seq_by_key: dict[str, list[int]] = {}
        self.seq_by_form: dict[str, list[int]] = {}
        self.rules: list[tuple[int, _Expr]] = []
        self.rules_by_atom: dict[int, list[int]] = {}
        for rule_index, node in queries:
            expr = self._compile(node, False)
            slot = len(self.rules)
            self.rules.append((rule_index, expr))
            for atom_id in _triggers(expr, self.atoms) or ():
                self.rules_by_atom.setdefault(atom_id, []).append(slot)
        self.needs_forms = bool(self.single_form or self.prefix_heads or self.seq_by_form)
        self._word_atoms: dict[str, tuple[int, ...]] = {}
        self._triggering: set[str] = set()

    def _compile(self, node: Node, title: bool) -> _Expr:
        if isinstance(node, Term):
            return ("t", self._atom_id(_atom_for(node, self.analyzer)), str(node), title)
        if isinstance(node, Not):
            return ("n", self._compile(node.child, title))
        if isinstance(node, And):
            return ("a", tuple(self._compile(c, title) for c in node.children))
        if isinstance(node, Or):
            return ("o", tuple(self._compile(c, title) for c in node.children))
        if isinstance(node, Near):
            return ("r", self._compile(node.left, title), self._compile(node.right, title),
                    node.distance)
        return self._compile(node.child, True)  # Field: only title: exists

    def _atom_id(self, atom: Atom) -> int:
        atom_id = self._atom_ids.get(atom)
        if atom_id is not None:
            return atom_id
        atom_id = self._atom_ids[atom] = len(self.atoms)
        self.atoms.append(atom)
        (mode, value), rest = atom[0], atom[1:]
        if mode == "prefix":  # a prefix alone, or the first word of a phrase like "dron* st*"
            head = value[:_PREFIX_HEAD]
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

    # -- matching ---------------------------------------------------------------------------

    def _learn(self, words: list[str]) -> tuple[dict[str, tuple[int, ...]], set[str]]:
        """Record, for each new word, the atoms whose first element it matches."""
        if len(self._word_atoms) > _WORD_CACHE_LIMIT:
            # New objects rather than clear(): a caller holding the old ones stays consistent.
            self._word_atoms, self._triggering = {}, set()
        word_atoms, triggering = self._word_atoms, self._triggering
        analyzer = self.analyzer
        keys = analyzer.keys(words)
        forms = analyzer.forms(words) if self.needs_forms else words
        for word, key, form in zip(words, keys, forms):
            atoms: list[int] = []
            atom_id = self.single_key.get(key)
            if atom_id is not None:
                atoms.append(atom_id)
            atoms.extend(self.seq_by_key.get(key, ()))
            if self.needs_forms:
                atom_id = self.single_form.get(form)
                if atom_id is not None:
                    atoms.append(atom_id)
                atoms.extend(self.seq_by_form.get(form, ()))
                for length, by_head in self.prefix_heads.items():
                    for atom_id, prefix in by_head.get(form[:length], ()):
                        if form.startswith(prefix):
                            atoms.append(atom_id)
            word_atoms[word] = tuple(atoms)
            if atoms:
                triggering.add(word)
        return word_atoms, triggering

    def find(self, words: list[str],
             title_words: int) -> tuple[list[int], dict[int, list[tuple[int, int]]]]:
        """Rule slots that may match (one of their trigger atoms occurs), and where each
        atom occurs: atom id → (first, last) word positions.

        Each distinct word is analysed once and remembered with the atoms it can start, so
        an item none of whose words matter costs a few set operations.
        """
        wordset = set(words)
        word_atoms, triggering = self._word_atoms, self._triggering
        new = wordset.difference(word_atoms)  # O(len(wordset)) for a dict argument
        if new:
            word_atoms, triggering = self._learn(list(new))
        relevant = wordset & triggering
        if not relevant:
            return [], {}
        at = _positions(words, relevant)
        found: dict[int, list[tuple[int, int]]] = {}
        atoms = self.atoms
        for word in relevant:
            for atom_id in word_atoms[word]:
                if len(atoms[atom_id]) == 1:
                    found.setdefault(atom_id, []).extend([(i, i) for i in at[word]])
                else:
                    for start in at[word]:
                        self._sequence(atom_id, start, words, title_words, found)
        slots: set[int] = set()
        by_atom = self.rules_by_atom
        for atom_id in found:
            slots.update(by_atom.get(atom_id, ()))
        return sorted(slots), found

    def _sequence(self, atom_id: int, start: int, words: list[str], title_words: int,
                  found: dict[int, list[tuple[int, int]]]) -> None:
        atom = self.atoms[atom_id]
        end = start + len(atom) - 1
        if end >= len(words) or start < title_words <= end:
            return  # runs off the text, or from the title into the summary
        analyzer = self.analyzer
        for offset in range(1, len(atom)):
            mode, value = atom[offset]
            word = words[start + offset]
            if mode == "key":
                ok = analyzer.key(word) == value
            elif mode == "form":
                ok = analyzer.form(word) == value
            else:
                ok = analyzer.form(word).startswith(value)
            if not ok:
                return
        found.setdefault(atom_id, []).append((start, end))


def _positions(words: list[str], wanted: set[str]) -> dict[str, list[int]]:
    at: dict[str, list[int]] = {}
    for i, word in enumerate(words):
        if word in wanted:
            at.setdefault(word, []).append(i)
    return at


def _triggers(expr: _Expr, atoms: list[Atom]) -> frozenset[int] | None:
    """Atoms at least one of which must occur for `expr` to be true (None: no such set)."""
    op = expr[0]
    if op == "t":
        return frozenset((expr[1],))
    if op == "n":
        return None
    if op == "o":
        parts = [_triggers(c, atoms) for c in expr[1]]
        if any(p is None for p in parts):
            return None
        return frozenset().union(*parts)  # type: ignore[arg-type]
    children = expr[1] if op == "a" else (expr[1], expr[2])
    options = [p for p in (_triggers(c, atoms) for c in children) if p is not None]
    if not options:
        return None
    return min(options, key=lambda p: sum(_atom_cost(atoms[a]) for a in p))


def _atom_cost(atom: Atom) -> float:
    # How often an atom is likely to occur: a short prefix most, a phrase least.
    mode, value = atom[-1]
    if mode == "prefix":
        return 1.0 + 8.0 / len(value)
    return 1.0 / len(atom)


def _evaluate(expr: _Expr, hits: dict[int, list[tuple[int, int]]],
              title_words: int) -> list[tuple[int, int, str]] | None:
    """The spans (first, last, term) that make `expr` true, or None when it is false."""
    op = expr[0]
    if op == "t":
        spans = hits.get(expr[1])
        if not spans:
            return None
        if expr[3]:
            spans = [s for s in spans if s[1] < title_words]
            if not spans:
                return None
        return [(s, e, expr[2]) for s, e in spans]
    if op == "a":
        out: list[tuple[int, int, str]] = []
        for child in expr[1]:
            got = _evaluate(child, hits, title_words)
            if got is None:
                return None
            out.extend(got)
        return out
    if op == "o":
        result = None
        for child in expr[1]:
            got = _evaluate(child, hits, title_words)
            if got is not None:
                result = (result or []) + got
        return result
    if op == "n":
        return None if _evaluate(expr[1], hits, title_words) is not None else []
    left = _evaluate(expr[1], hits, title_words)
    if left is None:
        return None
    right = _evaluate(expr[2], hits, title_words)
    if right is None:
        return None
    distance = expr[3]
    used: dict[tuple[int, int, str], None] = {}
    for a in left:
        for b in right:
            if (a[0] < title_words) == (b[0] < title_words) and \
                    max(0, b[0] - a[1], a[0] - b[1]) <= distance:
                used[a] = None
                used[b] = None
    return list(used) if used else None


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    queries: dict[str, Node]  # language or "*" → parsed query


class RuleSet:
    """Every rule, compiled once. `match(item)` returns the rules the item satisfies.

    Matching remembers, per language, what each word seen so far means for the rules (bounded;
    forgotten wholesale past 200,000 words), so call it from one thread at a time, as the
    pipeline's event loop does.
    """

    def __init__(self, compiled: list[_CompiledRule],
                 languages: Sequence[str] = INFLECTED_LANGUAGES) -> None:
        self._rules = compiled
        self._indexes: dict[str, _LanguageIndex] = {}
        for language in dict.fromkeys([*languages, *(l for c in compiled for l in c.queries
                                                     if l != ANY_LANGUAGE)]):
            self._index(language)

    def __len__(self) -> int:
        return len(self._rules)

    def _index(self, language: str) -> _LanguageIndex:
        index = self._indexes.get(language)
        if index is None:
            queries = []
            for rule_index, compiled in enumerate(self._rules):
                node = compiled.queries.get(language) or compiled.queries.get(ANY_LANGUAGE)
                if node is not None:
                    queries.append((rule_index, node))
            index = self._indexes[language] = _LanguageIndex(language, queries)
        return index

    def match(self, item: Item) -> list[Match]:
        index = self._index(item.language)
        if not index.rules:
            return []
        title_words = WORD.findall(fold(item.title))
        words = title_words + WORD.findall(fold(item.summary))
        slots, hits = index.find(words, len(title_words))
        if not slots:
            return []
        matches = []
        locator = _Locator(item, len(title_words))
        for slot in slots:
            rule_index, expr = index.rules[slot]
            spans = _evaluate(expr, hits, len(title_words))
            if spans is None:
                continue
            if len(spans) > 1:
                spans = sorted(set(spans))
            terms = tuple(dict.fromkeys([term for _, _, term in spans]))
            matches.append(Match(self._rules[rule_index].rule.name, item.key, terms,
                                 tuple([locator.hit(s, e, term) for s, e, term in spans])))
        return matches

    def explain(self, name: str | None = None) -> list[str]:
        """How each rule's queries parse and what each term will match, as text lines.

        Raises KeyError when no rule is called `name`.
        """
        chosen = [c for c in self._rules if name is None or c.rule.name == name]
        if not chosen:
            raise KeyError(name)
        analyzers: dict[str, Analyzer] = {}
        lines: list[str] = []
        for compiled in chosen:
            lines.append(f"rule {compiled.rule.name}")
            for language, node in compiled.queries.items():
                lines.append(f"  {language}: {node}")
                if language == ANY_LANGUAGE:
                    languages = [l for l in self._indexes if l not in compiled.queries]
                    languages = [*languages, "other"]
                else:
                    languages = [language]
                for lang in languages:
                    analyzers.setdefault(lang, self._indexes[lang].analyzer
                                         if lang in self._indexes else analyzer_for("und"))
                for term, title in terms(node):
                    lines.append("    " + _describe(term, title,
                                                    {l: analyzers[l] for l in languages}))
        lines.append("word stems: " + "; ".join(f"{l} = {a.description}"
                                                for l, a in analyzers.items()))
        return lines


def _describe(term: Term, title: bool, analyzers: dict[str, Analyzer]) -> str:
    """`drone*  prefix  starts with 'drone'`, with per-language values where they differ."""
    by_value: dict[str, list[str]] = {}
    for language, analyzer in analyzers.items():
        parts = []
        for mode, value in _atom_for(term, analyzer):
            parts.append({"key": "stem", "form": "exactly", "prefix": "starts with"}[mode] +
                         f" {value!r}")
        by_value.setdefault(" then ".join(parts), []).append(language)
    if len(by_value) == 1:
        what = next(iter(by_value))
    else:
        what = "; ".join(f"{v} ({', '.join(ls)})" for v, ls in by_value.items())
    scope = ", in the title" if title else ""
    return f"{str(term):<20} {term.kind:<7} {what}{scope}"


class _Locator:
    """Word positions → character spans in the original title and summary (only for matches)."""

    def __init__(self, item: Item, title_words: int) -> None:
        self._item = item
        self._title_words = title_words
        self._spans: dict[str, list[tuple[int, int]]] = {}

    def _field_spans(self, field: str) -> list[tuple[int, int]]:
        spans = self._spans.get(field)
        if spans is None:
            text = getattr(self._item, field)
            if fold_keeps_offsets(text):
                spans = [m.span() for m in WORD.finditer(fold(text))]
            else:
                folded, offsets = fold_with_offsets(text)
                offsets.append(len(text))
                spans = [(offsets[m.start()], offsets[m.end()]) for m in WORD.finditer(folded)]
            self._spans[field] = spans
        return spans

    def hit(self, first: int, last: int, term: str) -> Hit:
        field = "title" if first < self._title_words else "summary"
        if field == "summary":
            first -= self._title_words
            last -= self._title_words
        spans = self._field_spans(field)
        if last < len(spans):
            return Hit(term, field, spans[first][0], spans[last][1])
        # Folding character by character split the text differently from folding it whole
        # (only possible with exotic compatibility characters): point at the field's start.
        return Hit(term, field, 0, 0)  # pragma: no cover


def compile_rules(rules: Sequence[Rule],
                  languages: Sequence[str] = INFLECTED_LANGUAGES) -> RuleSet:
    """Compile every rule's queries once. Raises RulesError listing every bad query."""
    compiled: list[_CompiledRule] = []
    problems: list[RuleProblem] = []
    for index, rule in enumerate(rules):
        queries: dict[str, Node] = {}
        for language, source in rule.queries.items():
            try:
                queries[language] = compile_query(source)
            except QuerySyntaxError as exc:
                problems.append(RuleProblem(index, language, exc.column, str(exc)))
        compiled.append(_CompiledRule(rule, queries))
    if problems:
        raise RulesError(problems)
    return RuleSet(compiled, languages)


def match_item(item: Item, rules: RuleSet) -> list[Match]:
    """The rules `item` satisfies, with the terms that matched and where."""
    return rules.match(item)
