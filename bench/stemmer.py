"""How well the word keys of monitor.rules.stems find inflected forms in real text.

    python bench/stemmer.py [--failures N]

Reads tests/data/stem/gold.tsv (real Belarusian, Russian and Ukrainian news words with Apertium lemmas;
see tests/data/stem/SOURCE.md). A user types the lemma (дапамога, вайсковы); for each lemma we
count the word occurrences in the text that the lemma's key finds:
  recall      = occurrences of the lemma's forms found / all occurrences of its forms
  inflected   = the same, over forms that differ from the lemma
  false hits  = occurrences found that belong to another lemma / all occurrences found
Also prints Snowball's Russian stemmer applied to Belarusian, the baseline the research notes
measured (1 of 12 word groups).
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from monitor.rules.stems import analyzer_for  # noqa: E402

GOLD = ROOT / "tests/data/stem/gold.tsv"


def load(language: str) -> list[tuple[str, str, str, int]]:
    rows = []
    for line in GOLD.read_text(encoding="utf-8").splitlines()[1:]:
        lang, form, lemma, pos, count = line.split("\t")
        if lang == language:
            rows.append((form, lemma, pos, int(count)))
    return rows


def evaluate(rows, key) -> dict:
    by_key: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for form, lemma, _, n in rows:
        by_key[key(form)][lemma] += n
    found = total = found_infl = total_infl = 0
    matched = wrong = 0
    failures: collections.Counter = collections.Counter()
    lemmas = {lemma for _, lemma, _, _ in rows}
    for form, lemma, _, n in rows:
        hit = key(form) == key(lemma)
        total += n
        found += n * hit
        if form != lemma:
            total_infl += n
            found_infl += n * hit
        if not hit:
            failures[(lemma, form)] += n
    for lemma in lemmas:
        bucket = by_key.get(key(lemma), {})
        matched += sum(bucket.values())
        wrong += sum(c for other, c in bucket.items() if other != lemma)
    return {"recall": found / total, "inflected": found_infl / max(1, total_infl),
            "false_hits": wrong / max(1, matched), "tokens": total,
            "inflected_tokens": total_infl, "lemmas": len(lemmas), "failures": failures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", type=int, default=0, help="show the N most frequent misses")
    args = parser.parse_args()
    snowball_ru = analyzer_for("ru")
    for language, name, analyzer in (("be", "monitor be", analyzer_for("be")),
                                     ("be", "Snowball ru on be", snowball_ru),
                                     ("ru", "monitor ru (Snowball)", snowball_ru),
                                     ("uk", "monitor uk", analyzer_for("uk")),
                                     ("uk", "Snowball ru on uk", snowball_ru)):
        rows = load(language)
        for pos in ("n", "np", "adj", None):
            subset = [r for r in rows if pos is None or r[2] == pos]
            r = evaluate(subset, analyzer.key)
            print(f"{language} {name:22} {pos or 'all':4} lemmas {r['lemmas']:5}  "
                  f"tokens {r['tokens']:6}  recall {r['recall']:.3f}  "
                  f"inflected {r['inflected']:.3f} ({r['inflected_tokens']})  "
                  f"false hits {r['false_hits']:.3f}")
        if args.failures and name.startswith("monitor"):
            for (lemma, form), n in r["failures"].most_common(args.failures):
                print(f"    miss {lemma} → {form} ({n}): {analyzer.key(lemma)} ≠ {analyzer.key(form)}")


if __name__ == "__main__":
    main()
