"""When the names, actors and numbers two reports share pin one event down: the anchor a pair
needs before its score counts (`similarity.pair_score`). Pure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Collection

if TYPE_CHECKING:
    from monitor.story_grouping.similarity import Tuning


def is_anchored(anchor: dict[str, float], firm_names: int, same_kind: bool,
                 things_a: Collection[str], terms_b: Collection[str], tuning: Tuning) -> bool:
    """Whether the shared names, actors and numbers pin one event down: a name with another
    name, actor or number, with the same kind of event or the same thing (Novorossiysk and
    drones; Dnipro and its dead); a number with an actor or a second number; or a name both
    reports only maybe-name, at their sentence starts, with a number and the same kind of event
    ("Лукашэнка памілаваў 18…" / "Lukashenko pardons 18…"); weighing `min_anchor` together. A
    country alone ("Turkey", "UK and EU"), a number alone ("200") or one famous name alone is
    shared by unrelated reports every day (seen on the real feeds of tests/data/feeds
    interleaved with the dev set)."""
    if sum(anchor.values()) < tuning.min_anchor:
        return False
    numbers = sum(1 for term in anchor if term[0] == "#")
    actors = sum(1 for term in anchor if term[0] == "N")
    if firm_names == 1 and numbers + actors == 0:
        # one famous name ("Trump") is in many events a day; a thing (drones) anchors only a
        # name of three consonants or more: two ("gs", Vegas) are shared by chance
        return same_kind or any(len(t) > 4 and t[0] == "n" for t in anchor) and \
            any(t in terms_b for t in things_a)
    if firm_names == 0 and numbers > 0 and same_kind and len(anchor) > numbers + actors:
        return True  # a maybe-name both share, a figure and a kind of event
    return firm_names > 0 or numbers >= 2 or (numbers > 0 and actors > 0)


def is_actor_anchored(anchor: dict[str, float], same_kind: bool, things_a: Collection[str],
                       terms_b: Collection[str], kind_unknown: bool = False) -> bool:
    """Reports told by countries and a verb alone ("Lithuania expels Belarusian diplomat" /
    «Литва высылает белорусского дипломата»; "Russia bans petrol exports"): the same actor,
    the same kind of event and a second actor or the same thing; or three countries and a
    thing ("Ukraine gets US LNG via Poland"). The caller also wants them close in time and
    their titles not naming two different places or firms (another target, another day's
    strike). When one report's verb is one the lexicon does not read (`kind_unknown`: "Estonia
    orders Russian deputy envoy out"), two actors and the same thing (test7, written blind).
    """
    if not same_kind and len(anchor) < 3 and not kind_unknown:
        return False
    actors = sum(1 for term in anchor if term[0] == "N")
    if actors == 0 or not same_kind and actors < (2 if kind_unknown else 3):
        return False
    if same_kind and actors >= 2:
        return True
    return any(t in terms_b for t in things_a)
