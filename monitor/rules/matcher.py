"""Matching: (Item, CompiledRules) → list[Match], with the caches that make it fast. Pure.

A `Matcher` holds one compiled rule set and what it has learnt about words: per language, the
atoms each word seen so far can start, and the analyzer's word keys (both bounded, forgotten
wholesale past `_WORD_CACHE_LIMIT` words). Matching an item folds and splits its title and
summary once, looks its words up, and evaluates only the rules one of whose trigger atoms
occurs, so the cost per item grows with the rules it nearly matches, not with the number of
rules. A Matcher is for one thread at a time (the pipeline's event loop; each forked worker
gets its own copy); the CompiledRules it reads are immutable and can be shared.
Imports compiled, nodes, stems, normalize.text and model.
"""

from __future__ import annotations

from monitor.model import Hit, Item, Match
from monitor.normalize.text import WORD, fold, fold_keeps_offsets, fold_with_offsets
from monitor.rules.compiled import CompiledRules, LanguageIndex
from monitor.rules.nodes import Bounds, Span, part_of
from monitor.rules.stems import shared_analyzer

_WORD_CACHE_LIMIT = 200_000  # distinct words remembered per language, then forgotten


class Matcher:
    """Matches items against `compiled`. `match(item)` returns the rules the item satisfies."""

    def __init__(self, compiled: CompiledRules) -> None:
        self.compiled = compiled
        self._by_index: dict[str, _LanguageMatcher] = {}  # index's language → its matcher
        self._by_language: dict[str | None, _LanguageMatcher] = {}  # item's language → same

    def _for(self, language: str | None) -> _LanguageMatcher:
        index = self.compiled.index_for(language)  # type: ignore[arg-type]
        found = self._by_index.get(index.language)
        if found is None:
            found = self._by_index[index.language] = _LanguageMatcher(index)
        self._by_language[language] = found
        return found

    def match(self, item: Item) -> list[Match]:
        """The rules `item` satisfies, in config order, with the terms that matched and where."""
        language = self._by_language.get(item.language) or self._for(item.language)
        index_rules = language.rules
        if not index_rules:
            return []
        title, summary = fold(item.title), fold(item.summary)
        words = WORD.findall(title)
        title_end = len(words)
        words += WORD.findall(summary)
        bounds = (title_end, len(words))
        body = ""
        if item.article is not None and item.article.text:  # `full_text: all`
            body = fold(item.article.text)
            words += WORD.findall(body)
        slots, hits = language.find(words, bounds)
        if not slots:
            return []
        matches = []
        locator = _Locator(item, bounds, title, summary, body)
        rules = self.compiled.rules
        for slot in slots:
            rule_index, node = index_rules[slot]
            spans = node.spans(hits, bounds)
            if spans is None:
                continue
            if len(spans) > 1:
                spans = sorted(set(spans))
            terms = tuple(dict.fromkeys([term for _, _, term in spans]))
            matches.append(Match(rules[rule_index].rule.name, item.key, terms,
                                 tuple([locator.hit(s, e, term) for s, e, term in spans])))
        return matches


def match_item(item: Item, matcher: Matcher) -> list[Match]:
    """The rules `item` satisfies, with the terms that matched and where."""
    return matcher.match(item)


class _LanguageMatcher:
    """One language's index with what matching has learnt: word → atoms it can start."""

    def __init__(self, index: LanguageIndex) -> None:
        self.index = index
        self.rules = index.rules
        self.atoms = index.atoms
        self.rules_by_atom = index.rules_by_atom
        self.analyzer = shared_analyzer(index.language)  # warm across matchers
        self.needs_forms = index.needs_forms
        self._word_atoms: dict[str, tuple[int, ...]] = {}
        self._triggering: set[str] = set()

    def _learn(self, words: list[str]) -> tuple[dict[str, tuple[int, ...]], set[str]]:
        """Record, for each new word, the atoms whose first element it matches."""
        word_atoms, triggering = self._word_atoms, self._triggering
        index, analyzer, needs_forms = self.index, self.analyzer, self.needs_forms
        single_key, seq_by_key = index.single_key, index.seq_by_key
        single_form, seq_by_form = index.single_form, index.seq_by_form
        prefix_heads = index.prefix_heads.items()
        keys = analyzer.keys(words)
        forms = analyzer.forms(words) if needs_forms else words
        for word, key, form in zip(words, keys, forms):
            atoms: list[int] = []
            atom_id = single_key.get(key)
            if atom_id is not None:
                atoms.append(atom_id)
            atoms.extend(seq_by_key.get(key, ()))
            if needs_forms:
                atom_id = single_form.get(form)
                if atom_id is not None:
                    atoms.append(atom_id)
                atoms.extend(seq_by_form.get(form, ()))
                for length, by_head in prefix_heads:
                    for atom_id, prefix in by_head.get(form[:length], ()):
                        if form.startswith(prefix):
                            atoms.append(atom_id)
            word_atoms[word] = tuple(atoms)
            if atoms:
                triggering.add(word)
        return word_atoms, triggering

    def find(self, words: list[str], bounds: Bounds) -> tuple[list[int], dict[int, list[Span]]]:
        """Rule slots that may match (one of their trigger atoms occurs), and where each
        atom occurs: atom id → (first, last) word positions.

        Each distinct word is analysed once and remembered with the atoms it can start, so
        an item none of whose words matter costs a few set operations.
        """
        wordset = set(words)
        if len(self._word_atoms) > _WORD_CACHE_LIMIT:
            # Forgotten before this item's words are looked up, never between: emptied after,
            # the words it already knew would be missing and their rules would not match.
            # New objects rather than clear(): a caller holding the old ones stays consistent.
            self._word_atoms, self._triggering = {}, set()
        word_atoms, triggering = self._word_atoms, self._triggering
        new = wordset.difference(word_atoms)  # O(len(wordset)) for a dict argument
        if new:
            word_atoms, triggering = self._learn(list(new))
        relevant = wordset & triggering
        if not relevant:
            return [], {}
        at = _positions(words, relevant)
        found: dict[int, list[Span]] = {}
        atoms = self.atoms
        for word in relevant:
            for atom_id in word_atoms[word]:
                if len(atoms[atom_id]) == 1:
                    found.setdefault(atom_id, []).extend([(i, i) for i in at[word]])
                else:
                    for start in at[word]:
                        self._sequence(atom_id, start, words, bounds, found)
        slots: set[int] = set()
        by_atom = self.rules_by_atom
        for atom_id in found:
            slots.update(by_atom[atom_id])
        return sorted(slots), found

    def _sequence(self, atom_id: int, start: int, words: list[str], bounds: Bounds,
                  found: dict[int, list[Span]]) -> None:
        atom = self.atoms[atom_id]
        end = start + len(atom) - 1
        if end >= len(words) or part_of(start, bounds) != part_of(end, bounds):
            return  # runs off the text, or from one part (title, summary, article) into the next
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


class _Locator:
    """Word positions → character spans in the original title, summary or article text (only
    for matches). A hit in the article says field "body"."""

    def __init__(self, item: Item, bounds: Bounds, folded_title: str, folded_summary: str,
                 folded_body: str) -> None:
        self._item = item
        self._bounds = bounds
        self._folded = {"title": folded_title, "summary": folded_summary, "body": folded_body}
        self._spans: dict[str, list[tuple[int, int]]] = {}

    def _field_spans(self, field: str) -> list[tuple[int, int]]:
        spans = self._spans.get(field)
        if spans is None:
            text = self._item.text if field == "body" else getattr(self._item, field)
            if fold_keeps_offsets(text):
                spans = [m.span() for m in WORD.finditer(self._folded[field])]
            else:
                folded, offsets = fold_with_offsets(text)
                offsets.append(len(text))
                spans = [(offsets[m.start()], offsets[m.end()]) for m in WORD.finditer(folded)]
            self._spans[field] = spans
        return spans

    def hit(self, first: int, last: int, term: str) -> Hit:
        part = part_of(first, self._bounds)
        field = ("title", "summary", "body")[part]
        if part:
            first -= self._bounds[part - 1]
            last -= self._bounds[part - 1]
        spans = self._field_spans(field)
        if last < len(spans):
            return Hit(term, field, spans[first][0], spans[last][1])
        # Folding character by character split the text differently from folding it whole
        # (only possible with exotic compatibility characters): point at the field's start.
        return Hit(term, field, 0, 0)  # pragma: no cover
