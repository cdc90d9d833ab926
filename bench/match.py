"""Keyword matching speed: our Matcher against a naive loop, on the same items in one run.

    python bench/match.py [--rules 1000] [--items 100000] [--naive-items 3000] [--runs 3]

Items are generated, deterministic for --seed: a third each in English, Russian and
Belarusian, with a title of 6-14 words and a summary of 20-45 words drawn (weighted by real
frequency) from the real inflected word forms in tests/data/stem/gold.tsv (Belarusian and
Russian news text) and an English news vocabulary with plurals, plus function words, two or
three mentions of names (people, places, companies: a long tail of 20,000 generated names per
language, inflected in ru/be, Zipf-distributed as in real news) and now and then a topic word
(drones, factories, Belarus…). Rules are 1,000 queries per language in the shapes analysts
write (single words, OR lists, AND, "phrases", prefix*, NEAR/n, NOT, title:) about names
(70 % of terms; 95 % in English, whose generated vocabulary is too small to have rare
words), rare content words (25 %) and drone/factory words (5 %).

Naive loop: what a regex-based monitor does, one compiled regex per rule (the rule's positive
terms as an alternation of stems with \\w* after them, on folded text), every rule searched
for every item. It does less than our matcher (no Boolean logic, NEAR or hit positions), so the
ratio understates the gap. It is slow, so it runs on the first --naive-items items.
Prints items/s for both (median of --runs runs) and the ratio. Times are the process's CPU
time (time.process_time), so the figures are per core even on a machine shared with other work;
the matcher is single-threaded.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from monitor.rules import Matcher, Rule, compile_rules  # noqa: E402
from monitor.model import Item  # noqa: E402
from monitor.normalize.text import WORD, fold  # noqa: E402

EN = """government minister parliament election economy market price inflation bank rate growth
company share investor report statement official spokesman police court judge trial sentence
protest rally opposition leader president coalition budget tax reform energy gas oil pipeline
electricity plant border crossing trade export import sanction talk summit agreement treaty
security defence army soldier exercise drill weapon missile attack ceasefire negotiation refugee
migrant weather storm flood heat record temperature forecast snow road traffic accident railway
train station airport flight airline passenger hospital doctor ministry vaccine outbreak virus
patient school student university teacher exam science research study scientist climate
emission forest river lake city council mayor resident housing construction project investment
worker salary pension job technology software network privacy hacker platform user service
football match league championship team coach player goal victory defeat season tournament
festival concert museum exhibition film director award book writer theatre history anniversary
memorial church archive journalist newspaper editor freedom right activist investigation
prosecutor evidence witness source week month year morning evening night""".split()
EN_ADJ = """new old major local national regional international european eastern western
northern southern first second last next early late high low large small military civilian
industrial economic political""".split()
EN_FUNCTION = """the a of in to and for on with at by from that is was will has have said
after before during against over under about as its their this which""".split()
TOPIC = {
    "en": "drone drones UAV UAVs factory factories production assembly Belarus Belarusian Minsk "
          "Russia Russian Shahed unmanned aerial vehicle plant".split(),
    "ru": "беспилотник беспилотника беспилотников беспилотники дрон дроны дронов завод завода "
          "заводе производство производства Беларусь Беларуси белорусский белорусского "
          "Россия России Минск Шахед".split(),
    "be": "беспілотнік беспілотніка беспілотнікаў дрон дроны дронаў завод завода заводзе "
          "вытворчасць вытворчасці Беларусь Беларусі беларускі беларускага Расія Расіі Мінск "
          "Шахед".split(),
}
RULE_TOPIC = 8  # the drone and factory words; country names are too common for most rules
FUNCTION = {
    "ru": "в и на с по не что как из за от для о к до это его при также".split(),
    "be": "у і на з па не што як з за ад для пра да гэта яго пры таксама".split(),
}


SYLLABLES = {
    "en": "bar ker ton wick ley mar son field ing ham ford dale ro sel vin cor lan ber "
          "tis mon gar rick ash wel".split(),
    "ru": "ко ва ли ше ров ман ски на тов ель ра бе ни го дан лев ки ма за ту пе сон".split(),
    "be": "ка ва лі ша роў ман скі на тоў ель ра бе ні га дан леў кі ма за ту пе сон".split(),
}
NAME_ENDINGS = {"en": ["", "", "'s"], "ru": ["", "а", "у", "ом", "е", "ым"],
                "be": ["", "а", "у", "ам", "е", "ым"]}


class Vocabulary:
    def __init__(self, words, weights, lemmas, names, name_weights) -> None:
        self.words, self.weights, self.lemmas = words, weights, lemmas
        self.names, self.name_weights = names, name_weights


def vocabulary(rng: random.Random) -> dict[str, Vocabulary]:
    vocab: dict[str, Vocabulary] = {}
    rows = [line.split("\t") for line in
            (ROOT / "tests/data/stem/gold.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    for language in ("en", "ru", "be"):
        if language == "en":
            words = [w for noun in EN for w in (noun, noun + "s", noun + "'s")]
            weights = [3.0 / (1 + (i % 7)) for i in range(len(words))]
            lemma_counts = {noun: 3.0 / (1 + (i % 7)) for i, noun in enumerate(EN + EN_ADJ)}
            words, weights = words + EN_ADJ + EN_FUNCTION, \
                weights + [2.0] * len(EN_ADJ) + [30.0] * len(EN_FUNCTION)
        else:
            forms = [(form, int(count)) for lang, form, _, _, count in rows if lang == language]
            lemma_counts = {}
            for lang, _, lemma, _, count in rows:
                if lang == language:
                    lemma_counts[lemma] = lemma_counts.get(lemma, 0) + int(count)
            words = [f for f, _ in forms] + FUNCTION[language]
            weights = [c for _, c in forms] + [40.0] * len(FUNCTION[language])
        # The generated text draws from a few thousand word forms, so every word in it is far
        # more common than in real news; rules name the rarest content words (seen at most
        # twice in the source text) to keep a rule's hit rate near what it would be on real
        # text.
        lemmas = [lemma for lemma, count in lemma_counts.items() if count <= 2]
        names = sorted({"".join(rng.choices(SYLLABLES[language], k=rng.randint(2, 4)))
                        for _ in range(25_000)})[:20_000]
        rng.shuffle(names)
        vocab[language] = Vocabulary(words, weights, lemmas, names,
                                     [1.0 / (rank + 10) for rank in range(len(names))])
    return vocab


def make_items(n: int, vocab, rng: random.Random) -> list[Item]:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    items = []
    languages = ("en", "ru", "be")
    for i in range(n):
        language = languages[i % 3]
        v = vocab[language]
        title = rng.choices(v.words, v.weights, k=rng.randint(6, 14))
        summary = rng.choices(v.words, v.weights, k=rng.randint(20, 45))
        for name in rng.choices(v.names, v.name_weights, k=rng.randint(2, 3)):
            text = title if rng.random() < 0.3 else summary
            text[rng.randrange(len(text))] = name.capitalize() + \
                rng.choice(NAME_ENDINGS[language])
        if rng.random() < 0.05:
            summary[rng.randrange(len(summary))] = rng.choice(TOPIC[language])
        title[0] = title[0].capitalize()
        items.append(Item("bench", str(i), f"k{i}", " ".join(title) + ".",
                          " ".join(summary) + ".", "", now, language=language))
    return items


def make_rules(n: int, vocab, rng: random.Random) -> list[Rule]:
    def word(language: str) -> str:
        v = vocab[language]
        pick = rng.random()
        if pick < 0.05:
            return rng.choice(TOPIC[language][:RULE_TOPIC])
        if pick < 0.30 and language != "en":
            return rng.choice(v.lemmas)
        return rng.choice(v.names[:5000]).capitalize()

    def query(language: str) -> str:
        w = lambda: word(language)  # noqa: E731
        shape = rng.randrange(8)
        if shape == 0:
            return w()
        if shape == 1:
            return " OR ".join(w() for _ in range(rng.randint(2, 5)))
        if shape == 2:
            return f"{w()} {w()}"
        if shape == 3:
            return f"({w()} OR {w()}) NEAR/{rng.randint(2, 10)} ({w()} OR {w()})"
        if shape == 4:
            return f'"{w()} {w()}" OR {w()}'
        if shape == 5:
            stem = w()
            return f"{stem[:max(4, len(stem) - 2)]}* AND {w()} -{w()}"
        if shape == 6:
            return f"title:{w()} AND ({w()} OR {w()})"
        return f"({w()} OR {w()}*) AND NOT ({w()} OR {w()})"

    return [Rule(f"r{i}", {lang: query(lang) for lang in ("en", "ru", "be")}) for i in range(n)]


def naive_patterns(rules: list[Rule]) -> dict[str, list[re.Pattern[str]]]:
    """One regex per rule and language: its positive terms, each a stem followed by \\w*."""
    from monitor.rules.query import parse_query, terms
    from monitor.rules.stems import analyzer_for
    patterns: dict[str, list[re.Pattern[str]]] = {}
    for language in ("en", "ru", "be"):
        analyzer = analyzer_for(language)
        compiled = []
        for rule in rules:
            node = parse_query(rule.queries[language])
            alternatives = []
            for term, _ in terms(node):
                words = WORD.findall(fold(term.text))
                if term.kind == "word":
                    words = [analyzer.key(w) if len(words) == 1 else w for w in words]
                alternatives.append(r"\W+".join(map(re.escape, words)))
            compiled.append(re.compile(rf"\b(?:{'|'.join(alternatives)})\w*"))
        patterns[language] = compiled
    return patterns


def run_ours(ruleset, items) -> tuple[float, int]:
    start = time.process_time()
    matched = 0
    for item in items:
        matched += len(ruleset.match(item))
    return time.process_time() - start, matched


def run_naive(patterns, items) -> tuple[float, int]:
    start = time.process_time()
    matched = 0
    for item in items:
        text = fold(item.title + " " + item.summary)
        for pattern in patterns[item.language]:
            if pattern.search(text):
                matched += 1
    return time.process_time() - start, matched


def main() -> None:
    parser = argparse.ArgumentParser(description="keyword matching speed vs a naive loop")
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--naive-items", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    vocab = vocabulary(rng)
    items = make_items(args.items, vocab, rng)
    rules = make_rules(args.rules, vocab, rng)
    t = time.perf_counter()
    ruleset = Matcher(compile_rules(rules))
    compile_s = time.perf_counter() - t
    patterns = naive_patterns(rules)
    words = sum(len(WORD.findall(i.title + " " + i.summary)) for i in items) / len(items)
    print(f"{args.rules} rules x 3 languages (compiled in {compile_s:.2f} s); {len(items)} items "
          f"(en/ru/be, {words:.0f} words each on average)")

    ours, naive = [], []
    for run in range(args.runs):
        seconds, matched = run_ours(ruleset, items)
        ours.append(len(items) / seconds)
        n_seconds, n_matched = run_naive(patterns, items[:args.naive_items])
        naive.append(args.naive_items / n_seconds)
        print(f"  run {run + 1}: ours {ours[-1]:9,.0f} items/s ({matched} matches, "
              f"{matched / len(items):.2f} per item); naive {naive[-1]:7,.0f} items/s "
              f"({n_matched} regex hits on {args.naive_items} items)")
    ours_median, naive_median = statistics.median(ours), statistics.median(naive)
    print(f"ours:  {ours_median:10,.0f} items/s (median of {args.runs})")
    print(f"naive: {naive_median:10,.0f} items/s (median of {args.runs}, one regex per rule)")
    print(f"ratio: {ours_median / naive_median:10.1f}x  (targets: >= 10x naive, "
          f">= 20,000 items/s)")


if __name__ == "__main__":
    main()
