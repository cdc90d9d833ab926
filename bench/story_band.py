"""Fit the story grouping's band model (monitor/story_grouping/band.py) and estimate what it
gives on a set it was not fitted on (leave one set out).

    python bench/story_band.py [--sets test9,test8,...] [--no-loso]

The pairs: every candidate pair the engine scores with the band off (`NO_BAND`), unvetoed and
scoring `band_floor` or more, on each labelled set alone and with the real background of
tests/data/feeds interleaved (bench/stories.py). A pair is "one event" when both items are in
one labelled event; a labelled item against a background item is "two events" and weighs
BACKGROUND_WEIGHT pairs: a monitor's matched items are mostly unrelated to each other, while
the labelled sets are dense with reports of one event, so without it the model learns the sets'
prior. The model: logistic regression (Newton's method, L2 on the weights but not the bias)
over score, days between the reports, across scripts, shares a number.

Prints the weights fitted on all the named sets (band.py's defaults are those, rounded), then,
unless --no-loso, for each set the engine's figures with a model fitted on all the other sets:
the honest estimate of what a set nobody tuned on will show. A set kept in HELD_OUT is used only
when named, and is then fitted on like the others: do not name one that is being held out.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import stories  # noqa: E402  (puts the repository and tests/ on sys.path)
from monitor.story_grouping import StoryIndex, Tuning, signature_of  # noqa: E402
from monitor.story_grouping.band import NO_BAND, BandModel  # noqa: E402
from support.story_sets import SETS, load_items, load_labels, score_module  # noqa: E402

BACKGROUND_WEIGHT = 10.0
L2 = 1.0
CUT = 0.5


def pairs_of(set_name: str, background: list) -> list[tuple[list[float], bool, float, str]]:
    """(features, one event?, weight, set) for the candidate pairs the engine scores with the
    band off, on the set alone and with the background."""
    tuning = Tuning(band=NO_BAND)
    items, labels = load_items(set_name), load_labels(set_name)
    labelled = {i.key: i.link for i in items}
    out = []
    for with_background in (False, True):
        stream = stories.interleave(items, background) if with_background else items
        seen = []
        index = StoryIndex(stories.WINDOW.total_seconds(), tuning=tuning, observe=seen.append)
        for item in stream:
            index.assign(signature_of(item), item.published_at)
        for pair in seen:
            if pair.result.veto is not None or pair.result.score < tuning.band_floor or \
                    not pair.result.anchored:  # decided before the band (similarity.Tuning)
                continue
            a, b = labelled.get(pair.key), labelled.get(pair.other_key)
            if not with_background and a and b:
                same = labels.event_of[a] == labels.event_of[b]
                out.append((features(pair), same, 1.0, set_name))
            elif with_background and (a is None) != (b is None):
                out.append((features(pair), False, BACKGROUND_WEIGHT, set_name))
    return out


def features(pair) -> list[float]:
    return [1.0, pair.result.score, min(pair.gap_hours, 72.0) / 24.0, float(pair.cross_script),
            float(pair.result.shares_number)]


def fit(rows) -> BandModel:
    x = np.array([r[0] for r in rows])
    y = np.array([float(r[1]) for r in rows])
    sw = np.array([r[2] for r in rows])
    penalty = L2 * np.diag([0.0] + [1.0] * (x.shape[1] - 1))
    w = np.zeros(x.shape[1])
    for _ in range(60):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (sw * (p - y)) + penalty @ w
        hessian = (x * (sw * p * (1 - p))[:, None]).T @ x + penalty
        w -= np.linalg.solve(hessian, gradient)
    return BandModel(*map(float, w), cut=CUT)


def figures(set_name: str, tuning: Tuning, background: list) -> str:
    items, labels = load_items(set_name), load_labels(set_name)
    out = []
    for stream in (items, stories.interleave(items, background)):
        index = StoryIndex(stories.WINDOW.total_seconds(), tuning=tuning)
        predicted = {i.link: index.assign(signature_of(i), i.published_at).story_id
                     for i in stream}
        s = score_module.score(predicted, labels)
        out.append(f"{s.pairwise_precision:.3f} / {s.pairwise_recall:.3f} / {s.pairwise_f1:.3f} "
                   f"xlang {s.cross_language_recall:.3f} distr {100 * s.distractor_pairs_merged:.1f} %")
        if stream is not items:
            links = {i.link for i in items}
            ours = {predicted[link] for link in links}
            joined = sum(1 for link, story in predicted.items()
                         if link not in links and story in ours)
            out[-1] += f" bg joined {joined}"
    return " | + background ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", type=stories._set_names, default=list(SETS))
    parser.add_argument("--no-loso", action="store_true")
    args = parser.parse_args()
    background = stories.background_items()
    rows = [row for set_name in args.sets for row in pairs_of(set_name, background)]
    model = fit(rows)
    print(f"{len(rows)} pairs ({sum(r[1] for r in rows)} one event) from {', '.join(args.sets)}")
    print(f"fitted on all: {model}")
    print(f"in the code:   {Tuning().band}")
    if args.no_loso:
        return
    print("\nleave one set out (fitted on the others; P / R / F1, cross-language recall, "
          "distractor pairs merged):")
    for set_name in args.sets:
        left_out = fit([r for r in rows if r[3] != set_name])
        tuning = Tuning(band=left_out)
        print(f"  {set_name:6} {figures(set_name, tuning, background)}")


if __name__ == "__main__":
    main()
