#!/usr/bin/env python3
"""HTML → text speed: monitor.normalize.html.html_to_text (lexbor, html.parser past 1,000 tags) against
the regex it replaced (issue 11, finding 26), in one process, on the same texts.

    python bench/html_text.py [--farm-feeds 20] [--repeat 7]

Texts: every title and summary/content of the real feeds in tests/data/feeds, and of a
generated bench farm (bench/farm.py: the HTML descriptions `bench/poll.py` polls). Prints
microseconds per text (best of --repeat), for texts with markup and for all texts, and how many
texts the two give different text for (the regex leaked attribute values, comments and script
content; the parser does not).
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from monitor.parse import parse_feed  # noqa: E402
from monitor.normalize.html import html_to_text  # noqa: E402
from monitor.normalize.text import collapse_whitespace  # noqa: E402

# The regex html_to_text was until issue 11 (monitor/text.py at 9b816fb), for comparison.
_SCRIPT_STYLE = re.compile(r"<(script|style|noscript|template)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"<[A-Za-z/!?][^>]*>")
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RARE_CHAR = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def regex_html_to_text(markup: str) -> str:
    if not markup:
        return ""
    if "<" in markup:
        markup = _SCRIPT_STYLE.sub(" ", markup)
        if "<!--" in markup:
            markup = _COMMENT.sub(" ", markup)
        markup = _TAG.sub(" ", markup)
    if "&" in markup:
        markup = html.unescape(markup)
    if _RARE_CHAR.search(markup):
        markup = _CONTROL.sub(" ", markup.translate(_INVISIBLE))
    return collapse_whitespace(markup)


def texts_of(paths) -> list[str]:
    out = []
    for path in paths:
        try:
            parsed = parse_feed(Path(path).read_bytes(), feed=Path(path).stem)
        except Exception:  # noqa: BLE001 - the not-a-feed samples
            continue
        for entry in parsed.entries:
            out += [entry.title or "", entry.summary or entry.content or ""]
    return out


def best_per_text(fn, texts: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for text in texts:
            fn(text)
        best = min(best, time.perf_counter() - started)
    return best / max(1, len(texts)) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--farm-feeds", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    from farm import Farm

    real = texts_of(sorted((ROOT / "tests/data/feeds").rglob("*.xml")))
    with tempfile.TemporaryDirectory() as tmp:
        farm = Farm.generate(Path(tmp), args.farm_feeds)
        generated = texts_of(sorted(farm.feeds_dir.glob("*.xml")))
    print(f"bench/html_text.py: python {sys.version.split()[0]}; µs per text, best of "
          f"{args.repeat}")
    print(f"{'texts':<28}{'count':>7}{'regex':>9}{'parser':>9}{'ratio':>8}{'differ':>8}")
    for label, texts in (("real feeds, with markup", [t for t in real if "<" in t]),
                         ("real feeds, all", real),
                         ("bench farm, with markup", [t for t in generated if "<" in t]),
                         ("bench farm, all", generated)):
        old = best_per_text(regex_html_to_text, texts, args.repeat)
        new = best_per_text(html_to_text, texts, args.repeat)
        differ = sum(regex_html_to_text(t) != html_to_text(t) for t in texts)
        print(f"{label:<28}{len(texts):>7}{old:>9.2f}{new:>9.2f}{new / old:>7.2f}x{differ:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
