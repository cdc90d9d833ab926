"""Compiled query nodes: what a query's tree becomes for one language. Pure; stdlib only.

`compiled` turns a query's syntax tree (`query.Node`) into these nodes, with each term replaced
by the id of its atom in the language's index. `spans(hits, bounds)` evaluates a node
against the atoms found in an item (atom id → word spans) and returns the spans that make it
true, or None when it is false; `triggers(atoms)` is the set of atoms at least one of which
must occur for it to be true, so matching only evaluates the rules that could be.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence, Union

# An atom is a tuple of (mode, value) elements matched at consecutive word positions:
# "key" = same word key (a bare word), "form" = same folded form (a phrase word),
# "prefix" = the form starts with value (word*).
Element = tuple[str, str]
Atom = tuple[Element, ...]
# (first, last) word positions; the title's words come first, then the summary's, then the
# article's (an item of a `full_text: all` feed). `Bounds` (title_end, feed_end) says where
# the title and the summary end.
Span = tuple[int, int]
Bounds = tuple[int, int]
# Where a term may match: anywhere, under `title:`, under `body:` (the article's text).
ANYWHERE, IN_TITLE, IN_BODY = 0, 1, 2


def part_of(position: int, bounds: Bounds) -> int:
    """0 for the title, 1 for the summary, 2 for the article."""
    return 0 if position < bounds[0] else 1 if position < bounds[1] else 2
Hits = Mapping[int, Sequence[Span]]
# A span that makes a node true, with the query term (as the user wrote it) that matched.
TermSpan = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class Occurs:
    """A query term: its atom occurs (in the title only under `title:`, in the article only
    under `body:`)."""

    atom_id: int
    term: str
    scope: int  # ANYWHERE, IN_TITLE or IN_BODY

    def spans(self, hits: Hits, bounds: Bounds) -> list[TermSpan] | None:
        spans = hits.get(self.atom_id)
        if not spans:
            return None
        if self.scope:
            spans = [s for s in spans if s[1] < bounds[0]] if self.scope == IN_TITLE else \
                [s for s in spans if s[0] >= bounds[1]]
            if not spans:
                return None
        term = self.term
        return [(s, e, term) for s, e in spans]

    def triggers(self, atoms: Sequence[Atom]) -> frozenset[int] | None:
        return frozenset((self.atom_id,))


@dataclass(frozen=True, slots=True)
class AllOf:
    """AND (and adjacent terms): every child is true."""

    children: tuple["CompiledNode", ...]

    def spans(self, hits: Hits, bounds: Bounds) -> list[TermSpan] | None:
        out: list[TermSpan] = []
        for child in self.children:
            got = child.spans(hits, bounds)
            if got is None:
                return None
            out.extend(got)
        return out

    def triggers(self, atoms: Sequence[Atom]) -> frozenset[int] | None:
        return _cheapest(self.children, atoms)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """OR: at least one child is true; the spans of every true child count."""

    children: tuple["CompiledNode", ...]

    def spans(self, hits: Hits, bounds: Bounds) -> list[TermSpan] | None:
        result = None
        for child in self.children:
            got = child.spans(hits, bounds)
            if got is not None:
                result = (result or []) + got
        return result

    def triggers(self, atoms: Sequence[Atom]) -> frozenset[int] | None:
        parts = [c.triggers(atoms) for c in self.children]
        if any(p is None for p in parts):
            return None
        return frozenset().union(*parts)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Absent:
    """NOT: the child is false. True without spans (a negated term is never reported)."""

    child: "CompiledNode"

    def spans(self, hits: Hits, bounds: Bounds) -> list[TermSpan] | None:
        return None if self.child.spans(hits, bounds) is not None else []

    def triggers(self, atoms: Sequence[Atom]) -> frozenset[int] | None:
        return None


@dataclass(frozen=True, slots=True)
class Within:
    """NEAR/n: a span of each side at most `distance` words apart, both in the title, both in
    the summary or both in the article. Only the spans that take part in such a pair are
    reported."""

    left: "CompiledNode"
    right: "CompiledNode"
    distance: int

    def spans(self, hits: Hits, bounds: Bounds) -> list[TermSpan] | None:
        left = self.left.spans(hits, bounds)
        if left is None:
            return None
        right = self.right.spans(hits, bounds)
        if right is None:
            return None
        distance = self.distance
        used: dict[TermSpan, None] = {}
        for a in left:
            for b in right:
                if part_of(a[0], bounds) == part_of(b[0], bounds) and \
                        max(0, b[0] - a[1], a[0] - b[1]) <= distance:
                    used[a] = None
                    used[b] = None
        return list(used) if used else None

    def triggers(self, atoms: Sequence[Atom]) -> frozenset[int] | None:
        return _cheapest((self.left, self.right), atoms)


CompiledNode = Union[Occurs, AllOf, AnyOf, Absent, Within]


def _cheapest(children: Sequence[CompiledNode], atoms: Sequence[Atom]) -> frozenset[int] | None:
    """Of the children that all must be true, the trigger set least likely to occur."""
    options = [p for p in (c.triggers(atoms) for c in children) if p is not None]
    if not options:
        return None
    return min(options, key=lambda p: sum(_atom_cost(atoms[a]) for a in p))


def _atom_cost(atom: Atom) -> float:
    # How often an atom is likely to occur: a short prefix most, a phrase least.
    mode, value = atom[-1]
    if mode == "prefix":
        return 1.0 + 8.0 / len(value)
    return 1.0 / len(atom)
