#!/usr/bin/env python3
"""Development sets for language identification, from text that Debian packages ship.

The benchmark's data (../shared/data/langid/) is the test set: nothing may be chosen on it. This
script writes sets of the same shape for choosing weights and lexicons instead:
<out>/<lang>/{sentences,word-pairs,single-words}.txt for en, ru, uk and be, from

  uk, ru  GIMP's help (gimp-help-uk, gimp-help-ru), the man pages (manpages-uk, manpages-ru) and
          Firefox's interface strings (firefox-esr-l10n-uk, firefox-esr-l10n-ru);
  be      Firefox's interface strings (firefox-esr-l10n-be): no other Belarusian prose is packaged;
  en      the English man pages of the machine.

    apt-get install gimp-help-uk gimp-help-ru manpages-uk manpages-ru \\
        firefox-esr-l10n-be firefox-esr-l10n-uk firefox-esr-l10n-ru
    python scripts/langid_dev_sets.py --out /tmp/langid-dev
    python bench/langid.py --data /tmp/langid-dev

Single words are distinct words of 2+ letters, word pairs are adjacent tokens, sentences have
5-30 words; a fixed seed picks up to 2,000 of each. Technical prose and interface strings, not
news: a coarse check, good for comparing variants, not for quoting accuracy.
"""

from __future__ import annotations

import argparse
import gzip
import html
import random
import re
import sys
import zipfile
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.language.detector import clean_words  # noqa: E402

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
ROFF = re.compile(r"\\f[BIRP]|\\\(\w\w|\\-|\\&|\\e|\\s[-+]?\d")
FIREFOX = "/usr/lib/firefox-esr/browser/extensions/langpack-{}@firefox-esr.mozilla.org.xpi"


def gimp_help(lang: str) -> Iterator[str]:
    for path in sorted(Path(f"/usr/share/gimp/2.0/help/{lang}").rglob("*.html")):
        text = re.sub(r"(?s)<(script|style).*?</\1>", " ", path.read_text("utf-8", "replace"))
        yield from re.split(r"(?<=[.!?])\s+|\n", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def man_pages(folder: Path, limit: int | None = None) -> Iterator[str]:
    for path in sorted(folder.rglob("*.gz"))[:limit]:
        for line in gzip.decompress(path.read_bytes()).decode("utf-8", "replace").splitlines():
            if not line.startswith((".", "'")):
                yield from SENTENCE_END.split(ROFF.sub("", line))


def firefox_strings(lang: str) -> Iterator[str]:
    path = Path(FIREFOX.format(lang))
    if not path.is_file():
        return
    with zipfile.ZipFile(path) as pack:
        for name in pack.namelist():
            if name.endswith((".ftl", ".properties", ".dtd")):
                for line in pack.read(name).decode("utf-8", "replace").splitlines():
                    m = re.match(r"\s*[\w.-]+\s*=\s*(.+)", line) or \
                        re.match(r'<!ENTITY\s+\S+\s+"(.+)">', line)
                    if m:
                        yield re.sub(r"\{[^}]*\}|%\S+|&\w+;|<[^>]+>", " ", m.group(1))


SOURCES = {
    "uk": lambda: [gimp_help("uk"), man_pages(Path("/usr/share/man/uk")), firefox_strings("uk")],
    "ru": lambda: [gimp_help("ru"), man_pages(Path("/usr/share/man/ru")), firefox_strings("ru")],
    "be": lambda: [firefox_strings("be")],
    "en": lambda: [man_pages(Path("/usr/share/man/man1"), 400),
                   man_pages(Path("/usr/share/man/man8"), 200)],
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--size", type=int, default=2000)
    args = ap.parse_args(argv)
    for lang, sources in SOURCES.items():
        rng = random.Random(4)
        latin = lang == "en"
        tokens: list[str] = []
        sentences: list[str] = []
        for source in sources():
            for line in source:
                words = clean_words(line)
                if not words or any(("a" <= w[0] <= "z") != latin for w in words):
                    continue
                tokens += words
                if 5 <= len(words) <= 30:
                    sentences.append(" ".join(line.split()))
        if len(tokens) < 2:
            print(f"{lang}: no text (install the packages named in this script's docstring)")
            continue
        distinct = sorted({w for w in tokens if len(w) >= 2})
        rng.shuffle(distinct)
        rng.shuffle(sentences)
        starts = rng.sample(range(len(tokens) - 1), min(args.size, len(tokens) - 1))
        sets = {"single-words": distinct[:args.size],
                "word-pairs": [f"{tokens[i]} {tokens[i + 1]}" for i in starts],
                "sentences": sentences[:args.size]}
        (args.out / lang).mkdir(parents=True, exist_ok=True)
        for kind, lines in sets.items():
            (args.out / lang / f"{kind}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{lang}: {len(tokens)} tokens, {len(distinct)} distinct words, "
              f"{len(sentences)} sentences")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
