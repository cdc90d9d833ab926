#!/usr/bin/env python3
"""Build the character n-gram profiles that monitor.language ships (monitor/data/langid/).

The profiles have langdetect's shape ({"name", "freq": {gram: count}, "n_words": [per order]}),
but are lower-cased and go up to 5-grams, because langdetect's own profiles (1-3 grams pruned to
~2,500 entries, and no Belarusian at all) cannot tell Russian, Ukrainian and Belarusian words apart.

Sources (all openly licensed; see monitor/data/langid/NOTICE.md):
  en, ru, uk  the `wordfreq` package's "large" word lists (CC BY-SA 4.0 data): the top
              --top words, each weighted by its frequency, so the profile is a token-weighted
              n-gram distribution like langdetect's.
  be          running text: the UD Belarusian-HSE sentences (CC BY-SA 4.0), path given by
              --be-text (default: the copy in ../shared/data/langid-train/).

Never feed the language-identification test set (shared/data/langid/) to this script.

    pip install wordfreq==3.1.1     # build-time only; not a runtime dependency
    apt-get install hunspell-be hunspell-tools
    unmunch /usr/share/hunspell/be_BY.dic /usr/share/hunspell/be_BY.aff > /tmp/be-forms.txt
    python scripts/build_langid_profiles.py --be-wordlist /tmp/be-forms.txt

It writes <lang>.json.gz (n-gram profiles, langdetect's shape) and tables.bin: the scorer's
tables compiled from those profiles and the word lexicons (hashes and log frequencies; Belarusian
has no frequency list, so its forms share one flat frequency), which monitor.language maps into
memory instead of building them at run time. The same inputs give byte-identical files.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.language import tables as language_tables  # noqa: E402
from monitor.language.detector import MAX_ORDER, clean_words, ngrams  # noqa: E402  (same tokenizer as detection)

DEFAULT_BE_TEXT = ROOT.parent / "shared" / "data" / "langid-train" / "be-ud-hse.txt"
WORDFREQ_LANGUAGES = ("en", "ru", "uk")
SHIPPED = ("en", "ru", "be", "uk")  # column order of tables.bin (any subset, any order works)
# Grams rarer than this (relative to their order's total) are dropped: the detector's floor
# probability is about ten times higher, so they would change no decision.
MIN_RELATIVE_FREQ = 2e-7
BELARUSIAN_WORD_FREQ = 1e-5


def profile_from_word_counts(name: str, counts: Counter) -> dict:
    freq: Counter = Counter()
    for word, weight in counts.items():
        for gram in ngrams(word):
            freq[gram] += weight
    n_words = [0] * MAX_ORDER
    for gram, c in freq.items():
        n_words[len(gram) - 1] += c
    kept = {g: int(c) for g, c in freq.items()
            if c >= max(1, MIN_RELATIVE_FREQ * n_words[len(g) - 1])}
    n_words = [0] * MAX_ORDER
    for gram, c in kept.items():
        n_words[len(gram) - 1] += c
    return {"name": name, "freq": dict(sorted(kept.items())), "n_words": n_words}


def wordfreq_counts(lang: str, top: int, exponent: float) -> Counter:
    import wordfreq

    counts: Counter = Counter()
    for word, freq in wordfreq.get_frequency_dict(lang, wordlist="large").items():
        for w in clean_words(word):
            counts[w] += max(1, round(1e8 * freq ** exponent))
        if len(counts) >= top:
            break
    return counts


def text_counts(path: Path) -> Counter:
    counts: Counter = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        counts.update(clean_words(line))
    return counts


def belarusian_counts(text: Path, wordlist: Path | None, share: float) -> Counter:
    counts = text_counts(text)
    if wordlist is None:
        return counts
    forms = Counter()
    for line in wordlist.read_text(encoding="utf-8").splitlines():
        forms.update(clean_words(line.split("/")[0]))
    # Scale the list (types, one count each) so it carries `share` of the total mass.
    scale = share / (1 - share) * sum(counts.values()) / sum(forms.values())
    merged = Counter({w: c * 1000 for w, c in counts.items()})
    for w, c in forms.items():
        merged[w] += max(1, round(c * scale * 1000))
    return merged


def lexicon_arrays(log_freq: dict[str, float]):
    """32-bit word hashes and their log frequencies (see monitor.language.tables.word_hash)."""
    import numpy as np

    from monitor.language.tables import word_hash

    hashes = np.array([word_hash(w) for w in log_freq], dtype=np.uint32)
    return hashes, np.array(list(log_freq.values()), dtype=np.float16)


def wordfreq_lexicon(lang: str, top: int) -> dict[str, float]:
    import math

    import wordfreq

    out: dict[str, float] = {}
    for word, freq in wordfreq.get_frequency_dict(lang, wordlist="large").items():
        for w in clean_words(word):
            out.setdefault(w, math.log(freq))
        if len(out) >= top:
            break
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--be-text", type=Path, default=DEFAULT_BE_TEXT)
    ap.add_argument("--top", type=int, default=100_000, help="words taken from each wordfreq list")
    ap.add_argument("--be-wordlist", type=Path,
                    help="optional Belarusian word forms, one per line (e.g. unmunched hunspell-be)")
    ap.add_argument("--be-wordlist-share", type=float, default=0.0,
                    help="share of the Belarusian n-gram profile's mass the word list gets "
                         "(default 0: the list only feeds the word lexicon)")
    ap.add_argument("--lexicon-top", type=int, default=300_000,
                    help="words of each wordfreq list kept in the word lexicon")
    ap.add_argument("--exponent", type=float, default=1.0,
                    help="weight words by frequency**exponent (1: token-weighted)")
    ap.add_argument("--out", type=Path, default=ROOT / "monitor" / "data" / "langid")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    sources = {lang: (lambda lang=lang: wordfreq_counts(lang, args.top, args.exponent))
               for lang in WORDFREQ_LANGUAGES}
    sources["be"] = lambda: belarusian_counts(
        args.be_text, args.be_wordlist if args.be_wordlist_share > 0 else None,
        args.be_wordlist_share)
    import math

    lexicons = {lang: (lambda lang=lang: wordfreq_lexicon(lang, args.lexicon_top))
                for lang in WORDFREQ_LANGUAGES}
    # No frequency list exists for Belarusian: every known form gets one flat frequency.
    lexicons["be"] = lambda: dict.fromkeys(
        belarusian_counts(args.be_text, args.be_wordlist, 0.5), math.log(BELARUSIAN_WORD_FREQ))
    for lang, load in sources.items():
        profile = profile_from_word_counts(lang, load())
        data = json.dumps(profile, ensure_ascii=False, separators=(",", ":")).encode()
        # mtime=0: the same input gives byte-identical files, so rebuilding shows no diff
        (args.out / f"{lang}.json.gz").write_bytes(gzip.compress(data, 9, mtime=0))
        print(f"{lang}: {len(profile['freq'])} grams, n_words={profile['n_words']}")
    words = {}
    for lang, load in lexicons.items():
        words[lang] = lexicon_arrays(load())
        print(f"{lang}: {len(words[lang][0])} words in the lexicon")
    # The profiles are read back as the detector reads them, so the compiled tables and a
    # run-time compile of the same files agree exactly.
    profiles = {lang: language_tables.profile(lang, str(args.out)) for lang in SHIPPED}
    tables = language_tables.compile_tables(profiles, words)
    data = language_tables.tables_to_bytes(tables)
    (args.out / language_tables.TABLES_FILE).write_bytes(data)
    print(f"{language_tables.TABLES_FILE}: {len(tables.keys)} grams, {len(data):,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
