#!/usr/bin/env python3
"""Language identification: monitor.language against plain langdetect, in one run.

Data: ../shared/data/langid/<lang>/{sentences,word-pairs,single-words}.txt (lingua's test set,
1000 lines each; be, ru, uk, en are scored, bg/mk/sr are distractors that must land somewhere
among the four configured languages), the Belarusian feed items in tests/data/language/, and
the real feeds in ../shared/data/feeds/ (titles + summaries, as the pipeline sees them).

    python bench/langid.py [--data DIR] [--feeds DIR] [--runs N]

Prints accuracy per language and text type (restricted to en, ru, be, uk), where the
distractors went, speed (median of --runs passes, one thread): the 4,000 sentences one
detect() call at a time and through detect_many, the real feed items one feed per batch (as
the pipeline does) and one at a time, and plain langdetect; the start-up cost in fresh
processes (imports, numpy included, and Detector); the load average around the run (the
machine is shared: compare ratios, not absolute figures); and how Belarusian feed items fare
against a lying hint.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.language import Detector  # noqa: E402
from monitor.language.tables import shipped_tables  # noqa: E402

LANGS = ("en", "ru", "be", "uk")
DISTRACTORS = ("bg", "mk", "sr")
KINDS = ("sentences", "word-pairs", "single-words")
TARGETS = {"sentences": 99.5, "word-pairs": 98.5, "single-words": 90.0}
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "langid"
DEFAULT_FEEDS = ROOT.parent / "shared" / "data" / "feeds"
STARTUP = """
import time
t0 = time.perf_counter()
from monitor.language import Detector
t1 = time.perf_counter()
import numpy
t2 = time.perf_counter()
Detector(("en", "ru", "be", "uk")).detect("Лукашэнка сустрэўся з Пуціным")
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""
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
            if (data / lang).is_dir():  # the dev sets (scripts/langid_dev_sets.py) have none
                spread[kind, lang] = Counter(detect(t) for t in load(data, lang, kind))
    return acc, spread


def speed(detect_all, count: int, runs: int) -> float:
    """Median texts per second of `detect_all()` (which detects `count` texts) over `runs`."""
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        detect_all()
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def startup(runs: int) -> list[tuple[float, float, float]]:
    """(import monitor.language, import numpy, Detector + first detect) in fresh processes."""
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True,
                             check=True, cwd=ROOT)
        times.append(tuple(map(float, out.stdout.split())))
    return times


def feed_items(folder: Path) -> list[list[tuple[str, str | None]]]:
    """(title + summary, declared language) of each item of each parseable feed in `folder`."""
    from datetime import datetime, timezone

    from monitor.errors import MonitorError
    from monitor.normalize import normalize_entries
    from monitor.parse import parse_feed

    feeds = []
    for path in sorted(folder.rglob("*.xml")):
        try:
            parsed = parse_feed(path.read_bytes(), feed=path.name)
        except MonitorError:
            continue
        items = normalize_entries(parsed.entries, feed=path.name, feed_url=path.as_uri(),
                                  fetched_at=datetime.now(timezone.utc))
        feeds.append([(f"{i.title}\n{i.summary}", i.declared_language) for i in items])
    return [f for f in feeds if f]


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
    ap.add_argument("--feeds", type=Path, default=DEFAULT_FEEDS)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"bench/langid.py: no test data at {args.data} (give --data)", file=sys.stderr)
        return 2

    load_before = os.getloadavg()[0]
    starts = startup(args.runs)
    ours = Detector(LANGS)
    theirs = plain_langdetect()
    engines = {"monitor": lambda t: ours.detect(t)[0], "langdetect": theirs}
    results = {name: accuracy(fn, args.data) for name, fn in engines.items()}
    sentences = [s for lang in LANGS for s in load(args.data, lang, "sentences")]
    feeds = feed_items(args.feeds) if args.feeds.is_dir() else []
    items = [item for feed in feeds for item in feed]
    rates = {
        "one": speed(lambda: [ours.detect(s) for s in sentences], len(sentences), args.runs),
        "many": speed(lambda: ours.detect_many(sentences), len(sentences), args.runs),
        "langdetect": speed(lambda: [theirs(s) for s in sentences], len(sentences), args.runs),
        "feeds": speed(lambda: [ours.detect_many([t for t, _ in feed], [h for _, h in feed])
                                for feed in feeds], len(items), args.runs) if items else 0.0,
        "feeds one": speed(lambda: [ours.detect(t, h) for t, h in items], len(items),
                           args.runs) if items else 0.0,
    }
    load_after = os.getloadavg()[0]

    print(f"language identification, restricted to {', '.join(LANGS)}; data: {args.data}")
    print(f"{'type':13s} {'lang':4s} {'monitor':>8s} {'langdetect':>10s} {'target':>7s}")
    for kind in KINDS:
        for lang in LANGS:
            a, b = results["monitor"][0][kind, lang], results["langdetect"][0][kind, lang]
            flag = "ok" if a >= TARGETS[kind] else "SHORT"
            print(f"{kind:13s} {lang:4s} {a:7.1f}% {b:9.1f}% {TARGETS[kind]:6.1f}% {flag}")
    if results["monitor"][1]:
        print("\ndistractors (no right answer among the four; where they went, monitor):")
    for kind in KINDS:
        cells = "  ".join(f"{lang}: " + " ".join(f"{k} {v}" for k, v in sorted(
            results["monitor"][1][kind, lang].items())) for lang in DISTRACTORS
            if (kind, lang) in results["monitor"][1])
        if cells:
            print(f"  {kind:13s} {cells}")
    print(f"\nspeed, median of {args.runs} runs, one thread; load average {load_before:.2f} "
          f"before, {load_after:.2f} after (2 shared cores: compare ratios):")
    print(f"  {len(sentences)} sentences, monitor one detect() each "
          f"{rates['one']:8.0f}/s  (target 5000; {rates['one'] / rates['langdetect']:.1f}x "
          "langdetect)")
    print(f"  {len(sentences)} sentences, monitor detect_many        "
          f"{rates['many']:8.0f}/s  ({rates['many'] / rates['langdetect']:.1f}x langdetect)")
    print(f"  {len(sentences)} sentences, plain langdetect           "
          f"{rates['langdetect']:8.0f}/s")
    if items:
        letters = statistics.mean(len(t) for t, _ in items)
        print(f"  {len(items)} real feed items ({len(feeds)} feeds, {letters:.0f} characters on "
              f"average), detect_many per feed {rates['feeds']:8.0f}/s, one detect() each "
              f"{rates['feeds one']:.0f}/s")
    total = [sum(t) for t in starts]
    print(f"\nstart-up in a fresh process, median of {args.runs} (interpreter start excluded): "
          f"{1e3 * statistics.median(total):.0f} ms = import monitor.language "
          f"{1e3 * statistics.median(t[0] for t in starts):.0f} ms + numpy "
          f"{1e3 * statistics.median(t[1] for t in starts):.0f} ms + Detector and first detect "
          f"{1e3 * statistics.median(t[2] for t in starts):.0f} ms "
          f"(tables: {len(shipped_tables().keys):,} grams, memory-mapped)")
    print("\nBelarusian feed items (tests/data/language/be-feed-items.tsv), monitor:")
    print("\n".join(feed_check(ours)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
