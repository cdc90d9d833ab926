"""Rebuild gold.tsv: (language, form, lemma, part of speech, count) from real text.

Forms are the words of real Belarusian, Russian and Ukrainian news text, lemmas come from
Apertium's analysers (apertium-bel-rus: `bel-rus.automorf.bin` for Belarusian,
`rus-bel.automorf.bin` for Russian; apertium-rus-ukr: `ukr-rus.automorf.bin` for Ukrainian),
which are independent of our stemmers. Only nouns, proper nouns and adjectives whose every
analysis names the same lemma are kept. Needs `lt-proc` (Debian: apertium, apertium-bel-rus,
apertium-rus-ukr) and the source files named in SOURCE.md; the tests need only gold.tsv.

    python tests/data/stem/build_gold.py /work/shared/data > tests/data/stem/gold.tsv
"""

from __future__ import annotations

import collections
import re
import subprocess
import sys
from pathlib import Path

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from monitor.normalize.html import html_to_text  # noqa: E402
from monitor.normalize.text import WORD, fold  # noqa: E402

APERTIUM = Path("/usr/share/apertium")
ANALYSERS = {"be": APERTIUM / "apertium-bel-rus/bel-rus.automorf.bin",
             "ru": APERTIUM / "apertium-bel-rus/rus-bel.automorf.bin",
             "uk": APERTIUM / "apertium-rus-ukr/ukr-rus.automorf.bin"}
UK_FEEDS = ["bbc-ukrainian_2016.xml", "dw-ukrainian_2016_rdf.xml", "suspilne-ukrnet_2023_uk.xml"]
RU_FEEDS = ["lenta-ru_2022.xml", "theins_feedgen.xml", "bbc-russian_feedgen.xml",
            "novayagazeta-eu_feedgen.xml", "meduza_feedgen_epoch-dates.xml",
            "svoboda-investigations_feedgen.xml", "kavkazr-politics_feedgen.xml"]
KEEP = {"n", "np", "adj"}
_ANALYSIS = re.compile(r"\^([^/$]*)/([^$]*)\$")


def feed_text(path: Path) -> list[str]:
    parsed = feedparser.parse(path.read_bytes())
    return [html_to_text(e.get("title", "")) + " " + html_to_text(e.get("summary", ""))
            for e in parsed.entries]


def texts(data: Path, language: str) -> list[str]:
    if language == "be":
        lines = (data / "langid-train/be-ud-hse.txt").read_text(encoding="utf-8").splitlines()
        return [re.sub(r"<[^>]+>", " ", line) for line in lines] + \
            feed_text(data / "feeds/be/belsat_2026_prospect.xml")
    if language == "uk":
        return [t for name in UK_FEEDS for t in feed_text(data / "feeds/mixed" / name)]
    return [t for name in RU_FEEDS for t in feed_text(data / "feeds/ru" / name)]


def analyse(language: str, words: list[str]) -> dict[str, tuple[str, str]]:
    """word → (lemma, pos) when all analyses agree on the lemma and the POS is kept."""
    out = subprocess.run(["lt-proc", str(ANALYSERS[language])], input="\n".join(words),
                         capture_output=True, text=True, check=True).stdout
    result = {}
    for m in _ANALYSIS.finditer(out):
        surface, analyses = m.group(1), m.group(2).split("/")
        if analyses[0].startswith("*"):
            continue
        lemmas = {re.sub(r"[¹²³⁴⁵]", "", a.split("<", 1)[0]) for a in analyses}
        pos = {a.split("<", 2)[1].rstrip(">") for a in analyses if "<" in a}
        if len(lemmas) == 1 and len(pos) == 1 and pos <= KEEP:
            result[surface] = (lemmas.pop(), pos.pop())
    return result


def main(data: Path) -> None:
    print("language\tform\tlemma\tpos\tcount")
    for language in ("be", "ru", "uk"):
        counts: collections.Counter[str] = collections.Counter()
        for text in texts(data, language):
            # Tokens as our matcher sees them, but in original case for the analyser.
            counts.update(w for w in re.findall(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*", text))
        analysed = analyse(language, sorted(counts))
        rows = collections.Counter()
        for surface, n in counts.items():
            if surface in analysed:
                lemma, pos = analysed[surface]
                form = fold(surface)
                if WORD.fullmatch(form):
                    rows[(form, fold(lemma), pos)] += n
        for (form, lemma, pos), n in sorted(rows.items()):
            print(f"{language}\t{form}\t{lemma}\t{pos}\t{n}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
