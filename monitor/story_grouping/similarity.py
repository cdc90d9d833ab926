"""How alike two signatures are, and when two reports cannot be one event. Pure.

The score is a weighted Dice coefficient over the two items' terms: shared weight over the
mean of their total weights. A term's weight is its kind's weight times its rarity in the
window (an idf over the items the index holds, so "Belarus" in a Belarus-heavy watch list
counts little and a plant's name a lot). Between English and a Cyrillic language only names,
actors, numbers and concepts can match, so content words are left out of both sides there.

Precision first: a wrong merge hides an event (its first report does not alert), a missed
merge costs one extra alert. So besides the threshold, a pair is never merged when
- both have a kind of event and the kinds share none (an opening and a fire; a visit and a
  decree; sanctions and a product launch);
- one recalls an anniversary and the other does not;
- they share no name, nor a number with an actor or a second number, worth `min_anchor` (words
  and concepts alone describe a kind of event, a country or a number alone no event at all);
- they are the same kind of event and their titles name different actors, neither of which
  the other report names except by reference (EU and UK sanctions on the same firms).
A name in both titles that the other item does not mention at all (Ryazan vs Saratov, Lithuania
vs Latvia, EU vs UK) lowers the score, and so does the time between the two reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Collection

_KIND_WEIGHTS = {"n": 1.0, "N": 0.8, "#": 1.0, "E": 0.6, "T": 0.6, "w": 0.5}
_LATIN_LANGUAGES = frozenset({"en"})
_ANCHOR_KINDS = frozenset("nN#")
WEAK_NAME_FACTOR = 0.5


@dataclass(frozen=True)
class Tuning:
    """The grouping's knobs; the defaults were tuned on tests/data/stories/dev only."""

    threshold: float = 0.45
    min_anchor: float = 1.2           # idf-weighted names/actors/numbers the pair must share
    title_conflict_factor: float = 0.6  # each title names someone the other never mentions
    title_missing_factor: float = 0.8   # one title does
    full_weight_hours: float = 12.0   # no time penalty up to this gap
    weight_at_window: float = 0.4     # the time factor at a gap of one whole window
    idf_floor_items: int = 50         # idf as if the window held at least this many items


@dataclass(frozen=True)
class PairScore:
    score: float
    veto: str | None  # why the pair can never be one event, or None


def kind_weight(term: str) -> float:
    return _KIND_WEIGHTS.get(term[0], 0.5)  # a maybe-name is weighted as its name


def idf(document_frequency: int, items: int, tuning: Tuning) -> float:
    return math.log(1.0 + max(items, tuning.idf_floor_items) / (1.0 + document_frequency))


def is_cross_script(language_a: str, language_b: str) -> bool:
    return (language_a in _LATIN_LANGUAGES) != (language_b in _LATIN_LANGUAGES)


def event_kinds(terms: Collection[str]) -> frozenset[str]:
    return frozenset(t for t in terms if t.startswith("E:") and t != "E:anniversary")


def canonical(term: str) -> str:
    """A maybe-name "~n:x" stands for the name "n:x" (at half weight)."""
    return term[1:] if term[0] == "~" else term


def _weighted(terms: Collection[str], cross_script: bool,
              weight: Callable[[str], float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for term in terms:
        if term[0] == "~":
            name = term[1:]
            out[name] = max(out.get(name, 0.0), WEAK_NAME_FACTOR * weight(name))
        elif not (cross_script and term[0] == "w"):
            out[term] = weight(term)
    return out


@dataclass(frozen=True)
class Prepared:
    """One item's weighted terms, computed once and compared with many candidates."""

    terms: frozenset[str]
    weights: dict[str, float]
    anchors: tuple[tuple[str, float], ...]  # its names, actors and numbers with their weights
    kinds: frozenset[str]
    is_anniversary: bool


def prepare(terms: Collection[str], cross_script: bool,
            weight: Callable[[str], float]) -> Prepared:
    terms = frozenset(terms)
    weights = _weighted(terms, cross_script, weight)
    return Prepared(terms, weights, tuple((t, w) for t, w in weights.items() if t[0] in "nN#"),
                    event_kinds(terms), "E:anniversary" in terms)


def pair_score(a: Collection[str] | Prepared, b: Collection[str], *, cross_script: bool,
               title_names_a: Collection[str], title_names_b: Collection[str],
               gap_hours: float, window_hours: float, weight: Callable[[str], float],
               tuning: Tuning, kinds_b: frozenset[str] | None = None) -> PairScore:
    """Score two items' terms. `weight(term)` is the term's kind weight times its idf. `a` may
    come `prepare`d (with the same `cross_script`), and `kinds_b` be `event_kinds(b)`, when
    they are compared with many items."""
    a = a if isinstance(a, Prepared) else prepare(a, cross_script, weight)
    b = b if isinstance(b, frozenset) else frozenset(b)
    if a.is_anniversary != ("E:anniversary" in b):
        return PairScore(0.0, "anniversary")
    kinds_b = event_kinds(b) if kinds_b is None else kinds_b
    if a.kinds and kinds_b and not a.kinds & kinds_b:
        return PairScore(0.0, "event kinds differ")
    # The anchor first, from the names, actors and numbers alone: most candidates stop here.
    # A name both items only maybe-name ("Putin's Russia…" / "Путин и…" at title starts) adds
    # to the score but does not anchor: a name counts when one of them names it for sure.
    anchor: dict[str, float] = {}
    firm_names = 0
    for term, w in a.anchors:
        if term in b:
            anchor[term] = 0.5 * (w + weight(term))
            firm_names += term[0] == "n"
        elif term[0] == "n" and "~" + term in b:
            anchor[term] = 0.5 * (w + WEAK_NAME_FACTOR * weight(term))
            firm_names += "~" + term not in a.terms
    if not _is_anchored(anchor, firm_names, bool(a.kinds & kinds_b), tuning):
        return PairScore(0.0, "no shared name or number")
    if a.kinds & kinds_b and _other_actor(title_names_a, title_names_b, a.terms, b):
        return PairScore(0.0, "the same measure by another actor")
    weights_a, weights_b = a.weights, _weighted(b, cross_script, weight)
    shared = sum(0.5 * (w + weights_b[t]) for t, w in weights_a.items() if t in weights_b)
    total = 0.5 * (sum(weights_a.values()) + sum(weights_b.values()))
    score = shared / total if total else 0.0
    missing_in_b = any(_is_missing(group, weights_b, cross_script) for group in title_names_a)
    missing_in_a = any(_is_missing(group, weights_a, cross_script) for group in title_names_b)
    if missing_in_a and missing_in_b:
        score *= tuning.title_conflict_factor
    elif missing_in_a or missing_in_b:
        score *= tuning.title_missing_factor
    return PairScore(score * time_factor(gap_hours, window_hours, tuning), None)


def _other_actor(title_names_a: Collection[str], title_names_b: Collection[str],
                 terms_a: Collection[str], terms_b: Collection[str]) -> bool:
    """Whether the two titles name who acts, and neither actor is the other's: EU and UK
    sanctions on the same firms, Lithuania and Latvia closing a crossing the same day (the
    labelling rule "the same measure by another actor"). An actor the other report names
    only by reference ("UK follows EU…") is not its actor; a reaction names the actor it
    reacts to ("Minsk condemns EU sanctions"), so it stays with the event."""
    actors_a = {g for g in title_names_a if g.startswith("N:")}
    actors_b = {g for g in title_names_b if g.startswith("N:")}
    # The country both titles name is what the measure is about ("EU sanctions Belarusian
    # firms" / "UK … on Minsk Optical Works"): who acts is each title's other actor.
    only_a, only_b = actors_a - actors_b, actors_b - actors_a
    if not only_a or not only_b:
        return False
    return not (only_a & set(terms_b)) and not (only_b & set(terms_a))


def _is_missing(group: str, weights: dict[str, float], cross_script: bool = False) -> bool:
    """Whether none of a title name's keys ("n:rSn|n:rS") is among the other item's terms. A
    quoted name ("'n:St|n:sz", «Щит Союза») is not missed across scripts: English translates
    it ("Union Shield")."""
    if group[0] == "'":
        if cross_script:
            return False
        group = group[1:]
    return all(key not in weights for key in group.split("|"))


def _is_anchored(anchor: dict[str, float], firm_names: int, same_kind: bool,
                 tuning: Tuning) -> bool:
    """Whether the shared names, actors and numbers pin one event down: a name with another
    name, actor or number or with the same kind of event; or a number with an actor or a
    second number; weighing `min_anchor` together. A country alone ("Turkey", "UK and EU"), a
    number alone ("200") or one famous name alone is shared by unrelated reports every day
    (seen on the real feeds of tests/data/feeds interleaved with the dev set)."""
    if sum(anchor.values()) < tuning.min_anchor:
        return False
    numbers = sum(1 for term in anchor if term[0] == "#")
    actors = sum(1 for term in anchor if term[0] == "N")
    if firm_names == 1 and numbers + actors == 0:
        return same_kind  # one famous name ("Trump") is in many events a day
    return firm_names > 0 or numbers >= 2 or (numbers > 0 and actors > 0)


def time_factor(gap_hours: float, window_hours: float, tuning: Tuning) -> float:
    """1 up to `full_weight_hours`, then linear down to `weight_at_window` at one window."""
    if gap_hours <= tuning.full_weight_hours:
        return 1.0
    span = max(window_hours - tuning.full_weight_hours, 1e-9)
    fraction = min((gap_hours - tuning.full_weight_hours) / span, 1.0)
    return 1.0 - (1.0 - tuning.weight_at_window) * fraction
