#!/usr/bin/env python3
"""Language identification: monitor.language against plain langdetect, in one run.

Data: ../shared/data/langid/<lang>/{sentences,word-pairs,single-words}.txt (lingua's test set,
1000 lines each; be, ru, uk, en are scored, bg/mk/sr are distractors that must land somewhere
among the four configured languages), plus the Belarusian feed items in tests/data/language/.

    python bench/langid.py [--data DIR] [--runs N]

Prints accuracy per language and text type (restricted to en, ru, be, uk), where the
distractors went, sentences per second (median of --runs passes over the 4,000 sentences,
one core), and how Belarusian feed items fare against a lying hint.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.language import Detector  # noqa: E402

LANGS = ("en", "ru", "be", "uk")
DISTRACTORS = ("bg", "mk", "sr")
KINDS = ("sentences", "word-pairs", "single-words")
TARGETS = {"sentences": 99.5, "word-pairs": 98.5, "single-words": 90.0}
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "langid"
FEED_ITEMS = ROOT / "tests" / "data" / "language" / "be-feed-items.tsv"


def plain_langdetect():
    """langdetect as shipped, seeded, restricted to the profiles it has of our four (no be)."""
    from langdetect import DetectorFactory
    from langdetect.lang_detect_exception import LangDetectException
    from langdetect.utils.lang_profile import LangProfile
    import json
    from importlib import resources

    factory = DetectorFactory()
    factory.seed = 0
    profiles = [json.loads(resources.files("langdetect").joinpath("profiles", lang).read_text(
        encoding="utf-8")) for lang in LANGS if lang != "be"]
    for i, p in enumerate(profiles):
        factory.add_profile(LangProfile(**p), i, len(profiles))

    def detect(text: str) -> str:
        try:
            d = factory.create()
            d.append(text)
            return d.detect()
        except LangDetectException:
            return "und"
    return detect


def load(data: Path, lang: str, kind: str) -> list[str]:
    text = (data / lang / f"{kind}.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def accuracy(detect, data: Path) -> tuple[dict, dict]:
    acc, spread = {}, {}
    for kind in KINDS:
        for lang in LANGS:
            texts = load(data, lang, kind)
            acc[kind, lang] = 100.0 * sum(detect(t) == lang for t in texts) / len(texts)
        for lang in DISTRACTORS:
            spread[kind, lang] = Counter(detect(t) for t in load(data, lang, kind))
    return acc, spread


def speed(detect, sentences: list[str], runs: int) -> float:
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        for s in sentences:
            detect(s)
        rates.append(len(sentences) / (time.perf_counter() - start))
    return statistics.median(rates)


def feed_check(detector: Detector) -> list[str]:
    lines, called_ru = [], []
    rows = [line.split("\t") for line in FEED_ITEMS.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    for hint in (None, "en", "ru"):
        for field in ("title", "title+summary"):
            wrong = []
            for title, summary in rows:
                text = title if field == "title" else f"{title}\n{summary}"
                lang, _ = detector.detect(text, hint)
                if lang != "be":
                    wrong.append((lang, title))
            called_ru += [t for lang, t in wrong if lang == "ru"]
            lines.append(f"  hint={str(hint):4s} {field:13s} be {len(rows) - len(wrong):2d}/{len(rows)}"
                         + "".join(f"\n      -> {lang}: {t}" for lang, t in wrong))
    lines.append(f"  called Russian: {len(called_ru)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"bench/langid.py: no test data at {args.data} (give --data)", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    ours = Detector(LANGS)
    build_s = time.perf_counter() - t0
    theirs = plain_langdetect()
    engines = {"monitor": lambda t: ours.detect(t)[0], "langdetect": theirs}
    results = {name: accuracy(fn, args.data) for name, fn in engines.items()}
    sentences = [s for lang in LANGS for s in load(args.data, lang, "sentences")]
    rates = {name: speed(fn, sentences, args.runs) for name, fn in engines.items()}

    print(f"language identification, restricted to {', '.join(LANGS)}; data: {args.data}")
    print(f"{'type':13s} {'lang':4s} {'monitor':>8s} {'langdetect':>10s} {'target':>7s}")
    for kind in KINDS:
        for lang in LANGS:
            a, b = results["monitor"][0][kind, lang], results["langdetect"][0][kind, lang]
            flag = "ok" if a >= TARGETS[kind] else "SHORT"
            print(f"{kind:13s} {lang:4s} {a:7.1f}% {b:9.1f}% {TARGETS[kind]:6.1f}% {flag}")
    print("\ndistractors (no right answer among the four; where they went, monitor):")
    for kind in KINDS:
        cells = "  ".join(f"{lang}: " + " ".join(f"{k} {v}" for k, v in sorted(
            results["monitor"][1][kind, lang].items())) for lang in DISTRACTORS)
        print(f"  {kind:13s} {cells}")
    print(f"\nspeed, {len(sentences)} sentences, median of {args.runs} runs, one thread:")
    print(f"  monitor    {rates['monitor']:8.0f} sentences/s  (target 5000; detector built in "
          f"{build_s:.2f} s)")
    print(f"  langdetect {rates['langdetect']:8.0f} sentences/s  "
          f"(ratio {rates['monitor'] / rates['langdetect']:.1f}x)")
    print("\nBelarusian feed items (tests/data/language/be-feed-items.tsv), monitor:")
    print("\n".join(feed_check(ours)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
