"""Score a grouping of the labelled items against the labels. Stdlib only; independent of
`monitor`, so any grouping (ours, a baseline, another tool's) can be scored the same way.

    from score import load_labels, score
    scores = score(predicted, load_labels(Path(".../test/labels.json")))

`predicted` maps each item's link to a cluster id (any hashable). Items missing from it count
as singletons. Metrics:

- pairwise precision / recall / F1 over all unordered item pairs (a pair is positive when
  both items are in one event);
- B-cubed precision / recall / F1 (Bagga & Baldwin 1998): per item, the share of its predicted
  cluster that is in its event and the share of its event that is in its predicted cluster,
  averaged over items; unlike pairwise, a big cluster does not dominate;
- cross-language pair recall: of the same-event pairs whose items differ in language, the share
  grouped together (the point of the feature);
- distractor pairs merged: of the item pairs drawn from two events labelled as distractors of
  each other (same entities or words, another event), the share wrongly grouped together.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from itertools import combinations
from pathlib import Path
from typing import Hashable, Mapping


@dataclass(frozen=True)
class Labels:
    event_of: dict[str, str]       # link -> event id
    language_of: dict[str, str]    # link -> language
    distractor_events: frozenset[frozenset[str]]


@dataclass(frozen=True)
class Scores:
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    cross_language_recall: float
    cross_language_pairs: int
    distractor_pairs_merged: float
    distractor_pairs: int
    clusters: int
    events: int

    def as_dict(self) -> dict:
        return asdict(self)


def load_labels(path: Path) -> Labels:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Labels(event_of={i["link"]: i["event"] for i in data["items"]},
                  language_of={i["link"]: i["language"] for i in data["items"]},
                  distractor_events=frozenset(frozenset(p) for p in data["distractor_events"]))


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score(predicted: Mapping[str, Hashable], labels: Labels) -> Scores:
    links = sorted(labels.event_of)
    cluster_of = {link: predicted.get(link, ("singleton", link)) for link in links}
    tp = fp = fn = 0
    cross_total = cross_found = distractor_total = distractor_merged = 0
    for a, b in combinations(links, 2):
        same_event = labels.event_of[a] == labels.event_of[b]
        same_cluster = cluster_of[a] == cluster_of[b]
        tp += same_event and same_cluster
        fp += same_cluster and not same_event
        fn += same_event and not same_cluster
        if same_event and labels.language_of[a] != labels.language_of[b]:
            cross_total += 1
            cross_found += same_cluster
        if frozenset((labels.event_of[a], labels.event_of[b])) in labels.distractor_events:
            distractor_total += 1
            distractor_merged += same_cluster
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0

    members: dict[Hashable, set[str]] = defaultdict(set)
    events: dict[str, set[str]] = defaultdict(set)
    for link in links:
        members[cluster_of[link]].add(link)
        events[labels.event_of[link]].add(link)
    b_precision = b_recall = 0.0
    for link in links:
        mine, truth = members[cluster_of[link]], events[labels.event_of[link]]
        both = len(mine & truth)
        b_precision += both / len(mine)
        b_recall += both / len(truth)
    b_precision /= len(links)
    b_recall /= len(links)
    return Scores(
        pairwise_precision=precision, pairwise_recall=recall, pairwise_f1=_f1(precision, recall),
        bcubed_precision=b_precision, bcubed_recall=b_recall,
        bcubed_f1=_f1(b_precision, b_recall),
        cross_language_recall=cross_found / cross_total if cross_total else 1.0,
        cross_language_pairs=cross_total,
        distractor_pairs_merged=distractor_merged / distractor_total if distractor_total else 0.0,
        distractor_pairs=distractor_total, clusters=len(members), events=len(events))
